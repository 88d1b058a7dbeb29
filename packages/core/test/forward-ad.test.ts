// The forward-mode API: dual levels, makeDual/unpackDual, jvp/vjp, and how forward mode composes
// with grad mode, reverse mode and in-place ops.
import { describe, expect, it } from "vitest";
import { dualLevel, grad, isForwardAdActive, jvp, makeDual, noGrad, tensor, unpackDual, vjp, type Tensor } from "@tapegrad/core";
import { rebindingInPlace } from "@tapegrad/core/internal";

const f64 = { dtype: "float64" } as const;
const values = (t: Tensor | null): number[] => Array.from(t!.dataSync(), Number);

describe("dual levels", () => {
  it("makeDual/unpackDual carry a tangent through ops and forget it when the level ends", () => {
    const x = tensor([1, 2, 3], f64);
    const u = tensor([1, 0, -1], f64);
    let y: Tensor | null = null;
    const dy = dualLevel(() => {
      expect(isForwardAdActive()).toBe(true);
      const d = makeDual(x, u);
      y = d.mul(d).add(d);
      const { primal, tangent } = unpackDual(y);
      expect(values(primal)).toEqual([2, 6, 12]);
      expect(unpackDual(primal).tangent).toBeNull();
      expect(unpackDual(x).tangent).toBeNull(); // the primal given to makeDual is untouched
      return tangent;
    });
    expect(values(dy)).toEqual([3, 0, -7]); // (2x + 1) u
    expect(isForwardAdActive()).toBe(false);
    expect(unpackDual(y!).tangent).toBeNull();
    dualLevel(() => expect(unpackDual(y!).tangent).toBeNull());
  });

  it("rejects nesting, makeDual outside a level and mismatched tangents, and leaves no level behind on a throw", () => {
    const x = tensor([1, 2], f64);
    expect(() => makeDual(x, x)).toThrow(/inside dualLevel/);
    expect(() => dualLevel(() => dualLevel(() => 0))).toThrow(/nested forward-mode AD is not supported/);
    expect(isForwardAdActive()).toBe(false);
    dualLevel(() => {
      expect(() => makeDual(x, tensor([1, 2, 3], f64))).toThrow(/tangent's shape \[3\] must equal the primal's \[2\]/);
      expect(() => makeDual(x, tensor([1, 2]))).toThrow(/tangent's dtype float32 must equal the primal's float64/);
      expect(() => makeDual(tensor([1, 2], { dtype: "int32" }), x)).toThrow(/only floating point/);
    });
    expect(() => dualLevel(() => { throw new Error("boom"); })).toThrow("boom");
    expect(isForwardAdActive()).toBe(false);
  });

  it("noGrad stops recording, not tangents; detach drops the tangent; tangents carry no tangent of their own", () => {
    const x = tensor([0.5, -1], f64);
    dualLevel(() => {
      const d = makeDual(x, tensor([2, 3], f64));
      const y = noGrad(() => d.exp());
      expect(values(unpackDual(y).tangent)).toEqual(values(x.exp().mul(tensor([2, 3], f64))));
      expect(unpackDual(d.detach()).tangent).toBeNull();
      expect(unpackDual(unpackDual(y).tangent!).tangent).toBeNull();
    });
  });

  it("tangents of primals that require grad are on the tape (reverse-over-forward)", () => {
    const x = tensor([0.3, 1.2], f64).requiresGrad_();
    const u = tensor([1, 2], f64);
    const [, ju] = jvp((a) => a.sin().mul(a), [x], [u]); // (cos(x) x + sin(x)) u
    expect(ju.requiresGrad).toBe(true);
    const [g] = grad(ju.sum(), x);
    // d/dx [(x cos x + sin x) u] = (2 cos x - x sin x) u
    const expected = [0.3, 1.2].map((v, i) => (2 * Math.cos(v) - v * Math.sin(v)) * [1, 2][i]!);
    values(g!).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
  });

  it("in-place ops update the tangent, on tensors and on views", () => {
    const x = tensor([[1, 2], [3, 4]], f64);
    const u = tensor([[1, 1], [1, 1]], f64);
    dualLevel(() => {
      const y = makeDual(x, u).mul(1);
      y.mul_(2);
      expect(values(unpackDual(y).tangent)).toEqual([2, 2, 2, 2]);
      noGrad(() => y.select(0, 1).add_(y.select(0, 0)));
      expect(values(y)).toEqual([2, 4, 8, 12]);
      expect(values(unpackDual(y).tangent)).toEqual([2, 2, 4, 4]);
      y.fill_(0);
      expect(values(unpackDual(y).tangent)).toEqual([0, 0, 0, 0]);
    });
    const leaf = tensor([1, 2], f64).requiresGrad_();
    dualLevel(() => {
      const y = makeDual(leaf, tensor([1, -1], f64)).mul(3);
      y.select(0, 0).mul_(y.select(0, 1)); // recorded (CopySlices): y[0] = 3 * 6
      expect(values(unpackDual(y).tangent)).toEqual([3 * -3 + 3 * 6, -3]);
    });
  });

  it("copy_ and fill_ give the target the source's tangent (zero for a plain source), whatever tangent it had", () => {
    dualLevel(() => {
      const y = makeDual(tensor([1, 2], f64), tensor([1, 1], f64)).mul(1);
      y.copy_(makeDual(tensor([5, 6], f64), tensor([7, 8], f64)));
      expect(values(y)).toEqual([5, 6]);
      expect(values(unpackDual(y).tangent)).toEqual([7, 8]);
      y.fill_(makeDual(tensor(3, f64), tensor(-2, f64)));
      expect(values(unpackDual(y).tangent)).toEqual([-2, -2]);
      y.copy_(tensor([0, 0], f64));
      expect(values(unpackDual(y).tangent)).toEqual([0, 0]);
      const plain = tensor([1, 2], f64);
      noGrad(() => plain.copy_(makeDual(tensor([5, 6], f64), tensor([7, 8], f64))));
      expect(values(unpackDual(plain).tangent)).toEqual([7, 8]);
    });
  });

  it("rebinding (a differentiable optimizer step) gives the tensor the new value's tangent, or none", () => {
    const leaf = tensor([1, 2], f64).requiresGrad_();
    dualLevel(() => {
      const p = makeDual(leaf, tensor([1, 1], f64)).mul(1);
      const next = p.mul(makeDual(tensor(3, f64), tensor(2, f64))); // tangent 1 * 3 + p * 2
      p.rebind(next);
      expect(values(p)).toEqual([3, 6]);
      expect(p.gradFn).toBe(next.gradFn);
      expect(values(unpackDual(p).tangent)).toEqual([5, 7]);
      rebindingInPlace(() => p.mul_(makeDual(tensor(2, f64), tensor(1, f64)))); // tangent 5 * 2 + 3 * 1, 7 * 2 + 6 * 1
      expect(values(p)).toEqual([6, 12]);
      expect(values(unpackDual(p).tangent)).toEqual([13, 20]);
      p.rebind(p.mul(2).detach());
      expect(values(p)).toEqual([12, 24]);
      expect(unpackDual(p).tangent).toBeNull();
    });
  });
});

describe("jvp and vjp", () => {
  it("jvp returns [outputs, tangents] with zeros for outputs that do not depend on the primals", () => {
    const x = tensor([1, 2], f64);
    const c = tensor([5, 6], f64);
    const [outs, tangents] = jvp((a) => [a.mul(a), c.mul(2)], [x], [tensor([1, 1], f64)]);
    expect(values(outs[0]!)).toEqual([1, 4]);
    expect(values(tangents[0]!)).toEqual([2, 4]);
    expect(values(tangents[1]!)).toEqual([0, 0]);
    expect(() => jvp((a) => a, [x], [])).toThrow(/primals has 1 entries but tangents has 0|tangents must be a non-empty/);
    expect(() => jvp((a) => a, [x], [tensor([1], f64)])).toThrow(/tangents\[0\] has shape \[1\] but primals\[0\] has shape \[2\]/);
    expect(() => jvp(() => 3 as unknown as Tensor, [x], [x])).toThrow(/must return a Tensor/);
  });

  it("vjp returns [output, vjpFn]; vjpFn can be called again; with cotangents it returns the gradients", () => {
    const x = tensor([1, 2], f64);
    const y = tensor([3, 4], f64);
    const [out, vjpFn] = vjp((a, b) => a.mul(b).exp(), [x, y]);
    const v = tensor([1, 0.5], f64);
    const [gx, gy] = vjpFn(v);
    const e = values(out);
    expect(values(gx!)).toEqual([e[0]! * 3, e[1]! * 4 * 0.5]);
    expect(values(gy!)).toEqual([e[0]! * 1, e[1]! * 2 * 0.5]);
    expect(values(vjpFn(v)[0]!)).toEqual(values(gx!));
    expect(x.requiresGrad).toBe(false);
    const [, unused] = vjp((a, _b) => a.mul(2), [x, y], tensor([1, 1], f64));
    expect(values(unused[1]!)).toEqual([0, 0]);
    expect(() => vjpFn(tensor([1, 2, 3], f64))).toThrow(/cotangents\[0\] has shape \[3\] but outputs\[0\] has shape \[2\]/);
  });

  it("jvp of vjp gives Hessian-vector products (forward-over-reverse)", () => {
    const x = tensor([0.5, -0.2, 1.1], f64);
    const v = tensor([1, 2, 3], f64);
    // f = sum(x^2 * sin(x)): H is diagonal with 2 sin x + 4 x cos x - x^2 sin x
    const [, hv] = jvp((a) => vjp((b) => b.mul(b).mul(b.sin()).sum(), [a], tensor(1, f64))[1][0]!, [x], [v]);
    const expected = [0.5, -0.2, 1.1].map((t, i) => (2 * Math.sin(t) + 4 * t * Math.cos(t) - t * t * Math.sin(t)) * [1, 2, 3][i]!);
    values(hv).forEach((h, i) => expect(h).toBeCloseTo(expected[i]!, 12));
  });
});
