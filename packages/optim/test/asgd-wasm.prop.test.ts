// The WebAssembly SIMD ASGD kernel against the TypeScript loops: identical bits (NaN only as NaN),
// through the public ASGD class on parameters large enough to take the wasm path (with tails that
// are not a multiple of 4), and on adversarial values (subnormals, huge and tiny magnitudes, signed zeros).
import { afterEach, describe, expect, test } from "vitest";
import fc from "fast-check";
import { type Tensor, getKernelBackend, isPinned, pinStorage, setKernelBackend, setKernelThreads, tensor, zeros } from "@tapegrad/core";
import { asgdForeach, asgdSingleF32 } from "../src/kernels/asgd-kernels.js";
import { ASGD } from "@tapegrad/optim";

afterEach(() => {
  setKernelBackend("auto");
  setKernelThreads(2);
});

/** Bit-for-bit equality of two float32 arrays, NaNs compared as NaN (their payload is not specified). */
function expectSameBits(got: Float32Array, want: Float32Array, label: string): void {
  expect(got.length).toBe(want.length);
  const gb = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const wb = new Uint32Array(want.buffer, want.byteOffset, want.length);
  for (let i = 0; i < got.length; i++) {
    if (Number.isNaN(got[i]) && Number.isNaN(want[i])) continue;
    if (gb[i] !== wb[i]) expect.fail(`${label}[${i}]: wasm ${got[i]} (0x${gb[i]!.toString(16)}) vs js ${want[i]} (0x${wb[i]!.toString(16)})`);
  }
}

/** Values mixing ordinary, tiny, subnormal, huge and signed-zero float32 numbers. */
const f32Value = fc.oneof(
  { weight: 6, arbitrary: fc.float({ min: -10, max: 10, noNaN: true }) },
  { weight: 1, arbitrary: fc.float({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 1.4e-45, -1.4e-45, 1.1754942e-38, 3.4028235e38, -3.4028235e38, 1e-30, 1e30) },
);

interface Run {
  p: Float32Array;
  ax: Float32Array;
}

/** Where the parameter and its gradient live: own storage, or views at an odd offset of pinned storage. */
type Layout = "plain" | "pinned-grad" | "pinned-views";

/** A leaf of `values` in the given layout (a view starting at element 3 of a larger pinned storage). */
function leaf(values: Float32Array, layout: Layout, requiresGrad: boolean): Tensor {
  if (layout !== "pinned-views") return tensor(values.slice(), { requiresGrad });
  const base = zeros([values.length + 7]);
  pinStorage(base);
  const view = base.narrow(0, 3, values.length);
  view.storage.data.set(values, 3);
  return requiresGrad ? view.requiresGrad_() : view;
}

/** `steps` ASGD steps on one float32 parameter with a fixed gradient, under `backend`. */
function run(backend: "js" | "wasm", p0: Float32Array, g: Float32Array, options: Record<string, number | boolean>, steps: number, layout: Layout = "plain"): Run {
  setKernelBackend(backend);
  const param = leaf(p0, layout, true);
  param.grad = leaf(g, layout, false);
  if (layout === "pinned-grad") pinStorage(param.grad);
  const opt = new ASGD([param], options);
  for (let s = 0; s < steps; s++) opt.step();
  const ax = opt.averagedParams().get(param)!.dataSync() as Float32Array;
  return { p: param.dataSync() as Float32Array, ax };
}

describe("wasm ASGD kernel: the same bits as the TypeScript loops", () => {
  test("the default backend is wasm here, so the comparison exercises it", () => {
    expect(getKernelBackend()).toBe("wasm");
  });

  test("random parameters, gradients and hyperparameters through ASGD.step (single and foreach, decay, maximize, averaging)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 256, max: 2100 }),
        fc.nat(1 << 30),
        fc.record({
          lr: fc.constantFrom(0.01, 0.1, 1e-3, 0.7),
          lambd: fc.constantFrom(1e-4, 0.01, 0),
          alpha: fc.constantFrom(0.75, 1),
          t0: fc.constantFrom(0, 1, 3, 1e6),
          weightDecay: fc.constantFrom(0, 1e-2, 0.3),
          maximize: fc.boolean(),
          foreach: fc.boolean(),
        }),
        fc.integer({ min: 1, max: 5 }),
        (n, seed, options, steps) => {
          let s = seed;
          const next = (): number => {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            return s / 2 ** 32;
          };
          const p0 = Float32Array.from({ length: n }, () => next() * 4 - 2);
          const g = Float32Array.from({ length: n }, () => (next() - 0.5) * 10 ** Math.floor(next() * 8 - 6));
          const fast = run("wasm", p0, g, options, steps);
          const ref = run("js", p0, g, options, steps);
          expectSameBits(fast.p, ref.p, "param");
          expectSameBits(fast.ax, ref.ax, "ax");
        },
      ),
      { numRuns: 60 },
    );
  });

  test("parameters spanning several wasm chunks (full chunks and a partial one, plus a tail of 5)", () => {
    const n = 2 * 32768 + 4101;
    const p0 = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 3);
    const g = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 1.3) * 1e-2);
    for (const [foreach, weightDecay, maximize] of [[false, 0, false], [false, 0.01, true], [true, 0, false], [true, 0.3, true]] as const) {
      const options = { lr: 0.05, lambd: 1e-3, t0: 1, weightDecay, maximize, foreach };
      const fast = run("wasm", p0, g, options, 3);
      const ref = run("js", p0, g, options, 3);
      expectSameBits(fast.p, ref.p, `param (foreach ${foreach})`);
      expectSameBits(fast.ax, ref.ax, `ax (foreach ${foreach})`);
    }
  });

  test("pinned operands: the gradient pinned too (no copies at all), and views at unaligned offsets of pinned storage", () => {
    const n = 32768 + 1029;
    const p0 = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.71) * 2);
    const g = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.9) * 1e-2);
    for (const layout of ["pinned-grad", "pinned-views"] as const) {
      for (const foreach of [false, true]) {
        const options = { lr: 0.05, lambd: 1e-3, t0: 1, weightDecay: 0.01, maximize: false, foreach };
        const fast = run("wasm", p0, g, options, 3, layout);
        const ref = run("js", p0, g, options, 3);
        expectSameBits(fast.p, ref.p, `param (${layout}, foreach ${foreach})`);
        expectSameBits(fast.ax, ref.ax, `ax (${layout}, foreach ${foreach})`);
      }
    }
  });

  test("the optimizer pins its parameter and average under the wasm backend, and not under js", () => {
    const values = (["wasm", "js"] as const).map((backend) => {
      setKernelBackend(backend);
      const param = tensor(Float32Array.from({ length: 1000 }, (_, i) => i / 100), { requiresGrad: true });
      param.grad = tensor(new Float32Array(1000).fill(0.5));
      const opt = new ASGD([param], { lr: 0.1 });
      opt.step();
      expect(isPinned(param)).toBe(backend === "wasm");
      expect(isPinned(opt.state.get(param)!["ax"] as Tensor)).toBe(backend === "wasm");
      expect(isPinned(param.grad)).toBe(false);
      return param.dataSync() as Float32Array;
    });
    expectSameBits(values[0]!, values[1]!, "param");
    expect(values[0]![100]).not.toBe(1); // the step happened
  });

  test("a training loop with zeroGrad(false) keeps its gradient tensors, pinned from the second step (same bits as fresh gradients)", () => {
    const x = Float32Array.from({ length: 32 * 64 }, (_, i) => Math.sin(i));
    const w0 = Float32Array.from({ length: 64 * 64 }, (_, i) => Math.cos(i) * 0.1);
    const [kept, fresh] = [false, true].map((setToNone) => {
      const w = tensor(w0).reshape([64, 64]).requiresGrad_();
      const opt = new ASGD([w], { lr: 0.01, t0: 1 });
      const pinnedGrad: boolean[] = [];
      for (let s = 0; s < 3; s++) {
        opt.zeroGrad(setToNone);
        tensor(x).reshape([32, 64]).matmul(w).tanh().sum().backward();
        opt.step();
        pinnedGrad.push(isPinned(w.grad!));
      }
      return { w: w.dataSync() as Float32Array, pinnedGrad };
    });
    expect(kept!.pinnedGrad).toEqual([false, true, true]);
    expect(fresh!.pinnedGrad).toEqual([false, false, false]);
    expectSameBits(kept!.w, fresh!.w, "param");
  });

  test("a gradient that shares the parameter's pinned storage takes the element-by-element path (same bits as js)", () => {
    const n = 4096;
    const p0 = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.5);
    const results = (["wasm", "js"] as const).map((backend) => {
      setKernelBackend(backend);
      const param = tensor(p0.slice(), { requiresGrad: true });
      pinStorage(param);
      param.grad = param.detach(); // the gradient is the parameter's own storage
      const opt = new ASGD([param], { lr: 0.05, t0: 0 });
      for (let s = 0; s < 3; s++) opt.step();
      return param.dataSync() as Float32Array;
    });
    expectSameBits(results[0]!, results[1]!, "param aliased with its gradient");
  });

  test("updates large enough for two threads: pinned, fresh and staged operands give the same bits as the loops", () => {
    const n = (1 << 17) + 13;
    const p0 = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.3) * 2);
    const g = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.7) * 1e-2);
    for (const foreach of [false, true]) {
      const options = { lr: 0.05, lambd: 1e-3, t0: 1, weightDecay: 0.01, maximize: foreach, foreach };
      const ref = run("js", p0, g, options, 3);
      for (const layout of ["plain", "pinned-grad"] as const) {
        setKernelThreads(2);
        const fast = run("wasm", p0, g, options, 3, layout);
        expectSameBits(fast.p, ref.p, `param (${layout}, foreach ${foreach})`);
        expectSameBits(fast.ax, ref.ax, `ax (${layout}, foreach ${foreach})`);
      }
    }
    // Through the kernels on plain arrays (nothing pinned): every operand is staged, then split.
    const results = (["wasm", "js"] as const).map((backend) => {
      setKernelBackend(backend);
      const [p, ax, p2, ax2] = [p0.slice(), new Float32Array(n), p0.slice(), new Float32Array(n)];
      for (let s = 0; s < 2; s++) {
        asgdSingleF32(p, 0, g, 0, ax, 0, n, { eta: 0.05, mu: s === 0 ? 1 : 0.5, lambd: 1e-3, weightDecay: 0.01, maximize: false });
        asgdForeach([{ p: p2, po: 0, g, go: 0, ax: ax2, axo: 0, n, eta: 0.05, mu: 0.5 }], { lambd: 1e-3, weightDecay: 0, maximize: true }, true);
      }
      return [p, ax, p2, ax2];
    });
    results[0]!.forEach((got, i) => expectSameBits(got, results[1]![i]!, `kernel output ${i}`));
  });

  test("adversarial values: subnormals, extremes and signed zeros", () => {
    fc.assert(
      fc.property(
        fc.array(f32Value, { minLength: 256, maxLength: 300 }),
        fc.array(f32Value, { minLength: 300, maxLength: 300 }),
        fc.constantFrom(0, 0.5),
        fc.boolean(),
        fc.boolean(),
        (pv, gv, weightDecay, maximize, foreach) => {
          const p0 = Float32Array.from(pv);
          const g = Float32Array.from(gv.slice(0, pv.length));
          const options = { lr: 0.05, lambd: 1e-3, t0: 1, weightDecay, maximize, foreach };
          const fast = run("wasm", p0, g, options, 3);
          const ref = run("js", p0, g, options, 3);
          expectSameBits(fast.p, ref.p, "param");
          expectSameBits(fast.ax, ref.ax, "ax");
        },
      ),
      { numRuns: 60 },
    );
  });
});
