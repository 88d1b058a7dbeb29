import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { Generator, gradcheck, gradgradcheck, logsumexp, norm, randn, std, tensor, variance, zeros, type Tensor } from "@tapegrad/core";
import * as core from "@tapegrad/core";

const gen = new Generator(9);
const f64 = (shape: number[]): Tensor => randn(shape, { dtype: "float64", generator: gen, requiresGrad: true });

describe("var and std", () => {
  test("hand-checked values, correction 1 (default) and 0", () => {
    const x = tensor([1, 2, 3, 4], { dtype: "float64" });
    expect(variance(x).item()).toBeCloseTo(5 / 3, 15);
    expect(variance(x, { correction: 0 }).item()).toBe(1.25);
    expect(std(x, { correction: 0 }).item()).toBe(Math.sqrt(1.25));
    expect(core.var(x).item()).toBeCloseTo(5 / 3, 15);
    const m = tensor([[1, 3], [2, 6]], { dtype: "float64" });
    expect(variance(m, { dim: 1 }).tolist()).toEqual([2, 8]);
    expect(m.var(0, false, true).tolist()).toEqual([[0.25, 2.25]]);
    expect(m.std({ dim: [0, 1], correction: 0 }).item()).toBeCloseTo(Math.sqrt(3.5), 14);
    expect(m.var().item()).toBeCloseTo(14 / 3, 14);
  });

  test("float32 result is the double-precision value rounded once", () => {
    const x = tensor([0.1, 0.2, 0.7]);
    const v = x.dataSync();
    const mean = (v[0]! + v[1]! + v[2]!) / 3;
    const ss = (v[0]! - mean) ** 2 + (v[1]! - mean) ** 2 + (v[2]! - mean) ** 2;
    expect(variance(x).item()).toBe(Math.fround(ss / 2));
  });

  test("degenerate divisors: one element with correction 1 gives NaN, empty gives NaN", () => {
    expect(Number.isNaN(variance(tensor([3])).item())).toBe(true);
    expect(variance(tensor([3]), { correction: 0 }).item()).toBe(0);
    expect(Number.isNaN(variance(zeros([0])).item())).toBe(true);
    expect(variance(tensor([1, 3]), { correction: 2 }).item()).toBe(Infinity);
  });

  test("errors", () => {
    expect(() => variance(tensor([1, 2], { dtype: "int32" }))).toThrow("var: input dtype must be float32 or float64, got int32 (convert with .float())");
    expect(() => std(tensor([1, 2]), { correction: Number.NaN })).toThrow(/std: correction must be a finite number, got NaN/);
    expect(() => std(tensor([1, 2]), { dim: 1 })).toThrow(/std: dim 1 is out of range/);
    expect(() => tensor([1, 2]).var({ dim: 0 }, true)).toThrow(/var: pass either an options object or positional/);
    expect(() => variance(tensor([1, 2]), { keepdim: 1 as unknown as boolean })).toThrow(/var: keepdim must be a boolean/);
  });

  test("gradients, including std at a zero result (0, not NaN)", () => {
    const x = f64([3, 4]);
    expect(gradcheck((t) => variance(t!, { dim: 1 }), [x])).toBe(true);
    expect(gradcheck((t) => std(t!, { dim: 0, keepdim: true, correction: 0 }), [x])).toBe(true);
    expect(gradgradcheck((t) => variance(t!, { dim: [0, 1] }), [x])).toBe(true);
    expect(gradgradcheck((t) => std(t!, { dim: 1 }), [x])).toBe(true);
    const c = tensor([2, 2, 2], { dtype: "float64", requiresGrad: true });
    std(c).backward();
    expect(c.grad!.tolist()).toEqual([0, 0, 0]);
    const v = tensor([1, 2, 3], { dtype: "float64", requiresGrad: true });
    variance(v).backward();
    expect(v.grad!.tolist()).toEqual([-1, 0, 1]);
    expect(variance(v).gradFn!.name).toBe("VarBackward");
  });

  test("property: var(x, correction 0) = mean(x^2) - mean(x)^2", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 1, maxLength: 12 }), (values) => {
        const x = tensor(values, { dtype: "float64" });
        const want = x.mul(x).mean().item() - x.mean().item() ** 2;
        expect(Math.abs(variance(x, { correction: 0 }).item() - want)).toBeLessThan(1e-9);
      }),
      { numRuns: 100 },
    );
  });
});

describe("logsumexp", () => {
  test("values, stability and infinities", () => {
    const x = tensor([[0, Math.log(3)], [1e4, 1e4]], { dtype: "float64" });
    const r = logsumexp(x, 1).tolist() as number[];
    expect(r[0]).toBeCloseTo(Math.log(4), 15);
    expect(r[1]).toBe(1e4 + Math.LN2);
    expect(x.logsumexp(0, true).shape).toEqual([1, 2]);
    expect(logsumexp(x, []).item()).toBeCloseTo(1e4 + Math.LN2, 10);
    expect(logsumexp(tensor([-Infinity, -Infinity]), 0).item()).toBe(-Infinity);
    expect(logsumexp(tensor([-Infinity, 0]), 0).item()).toBe(0);
    expect(logsumexp(tensor([Infinity, 0]), 0).item()).toBe(Infinity);
    expect(logsumexp(zeros([0]), 0).item()).toBe(-Infinity);
    expect(logsumexp(tensor([1, 1], { dtype: "int32" }), 0).dtype).toBe("float32");
  });
  test("errors", () => {
    expect(() => logsumexp(tensor([1]), undefined as unknown as number)).toThrow("logsumexp: dim is required (a number or a list of dims; [] for all)");
    expect(() => logsumexp(tensor([true]), 0)).toThrow("logsumexp: not supported for bool tensors");
    expect(() => logsumexp(tensor([1]), 3)).toThrow(/logsumexp: dim 3 is out of range/);
  });
  test("gradients: softmax weights; -inf inputs get 0", () => {
    const x = f64([3, 5]);
    expect(gradcheck((t) => logsumexp(t!, 1), [x])).toBe(true);
    expect(gradgradcheck((t) => logsumexp(t!, [0, 1], true), [x])).toBe(true);
    const y = tensor([0, Math.log(3), -Infinity], { dtype: "float64", requiresGrad: true });
    logsumexp(y, 0).backward();
    expect(y.grad!.tolist()).toEqual([0.25, 0.75, 0]);
  });
});

describe("norm", () => {
  test("p = 2 (default), 1, Infinity, 0, 3 and along dims", () => {
    const x = tensor([[3, -4], [0, 0]], { dtype: "float64" });
    expect(norm(x).item()).toBe(5);
    expect(norm(x, 1).item()).toBe(7);
    expect(norm(x, Infinity).item()).toBe(4);
    expect(norm(x, 0).item()).toBe(2);
    expect(norm(x, 3).item()).toBeCloseTo(Math.cbrt(91), 14);
    expect(norm(x, 0.5).item()).toBeCloseTo((Math.sqrt(3) + 2) ** 2, 13);
    expect(norm(x, 2, 1).tolist()).toEqual([5, 0]);
    expect(x.norm(1, 0, true).tolist()).toEqual([[3, 4]]);
    expect(norm(zeros([0])).item()).toBe(0);
  });
  test("errors", () => {
    expect(() => norm(tensor([1]), -1)).toThrow("norm: p must be 0, a positive number or Infinity, got -1");
    expect(() => norm(tensor([1]), Number.NaN)).toThrow(/norm: p must be 0, a positive number or Infinity, got NaN/);
    expect(() => norm(tensor([1], { dtype: "int32" }))).toThrow(/norm: input dtype must be float32 or float64, got int32/);
    expect(() => norm(zeros([2, 0]), Infinity, 1)).toThrow(/norm: cannot compute the infinity norm over an empty dimension/);
  });
  test("gradients for every p, and 0 at the origin for p = 2", () => {
    for (const p of [1, 2, 3, 1.5, 0.5, Infinity]) {
      const x = f64([2, 3]);
      expect(gradcheck((t) => norm(t!, p, 1), [x])).toBe(true);
      expect(gradgradcheck((t) => norm(t!, p), [x])).toBe(true);
    }
    const z = zeros([3], { dtype: "float64", requiresGrad: true });
    norm(z).backward();
    expect(z.grad!.tolist()).toEqual([0, 0, 0]);
    const w = tensor([1, -3, 3], { dtype: "float64", requiresGrad: true });
    norm(w, Infinity).backward();
    expect(w.grad!.tolist()).toEqual([0, -0.5, 0.5]);
    const u = f64([4]);
    norm(u, 0).backward();
    expect(u.grad!.tolist()).toEqual([0, 0, 0, 0]);
  });
});
