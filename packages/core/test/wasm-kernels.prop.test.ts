// The WebAssembly SIMD matmul (float32 sums) against the TypeScript kernel (float64 sums, rounded
// once) through the public API, on random shapes: sizes 0 and 1, odd sizes, sizes that leave
// partial 4 x 8 tiles, transposed operands read in place, batch dims, and the fused linear.
import { afterEach, describe, expect, test } from "vitest";
import fc from "fast-check";
import { type Tensor, add, linear, matmul, setKernelBackend, tensor } from "@tapegrad/core";

/** Deterministic values in [-1, 1) from a seed (no generator state shared between runs). */
function values(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

const make = (shape: number[], seed: number): Tensor => tensor(values(shape.reduce((p, d) => p * d, 1), seed)).reshape(shape);

/** `f` with the TypeScript kernels forced. */
function withJs<T>(f: () => T): T {
  setKernelBackend("js");
  try {
    return f();
  } finally {
    setKernelBackend("auto");
  }
}

/**
 * Float32 accumulation of K products has error at most about K * 2^-24 * sum |a_ik b_kj|; the
 * operands are in [-1, 1), so (K + 2) * 2^-24 * K bounds every element's difference (+ tiny).
 */
function expectClose(fast: Tensor, ref: Tensor, K: number, extra = 0): void {
  expect(fast.shape).toEqual(ref.shape);
  const a = fast.dataSync();
  const b = ref.dataSync();
  const tol = (K + 2) * 2 ** -24 * (K + extra) + 1e-30;
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i]! - b[i]!) <= tol)) expect.fail(`element ${i}: wasm ${a[i]} vs js ${b[i]} (tolerance ${tol}, K=${K})`);
  }
}

afterEach(() => setKernelBackend("auto"));

const dim = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 21 }), fc.constantFrom(4, 8, 9, 16, 31));

describe("wasm matmul equals the TypeScript kernel within float32 rounding", () => {
  test("2-D products with every transpose flag", () => {
    fc.assert(
      fc.property(dim, dim, dim, fc.boolean(), fc.boolean(), fc.nat(1000), (M, K, N, ta, tb, seed) => {
        const a = ta ? make([K, M], seed).t() : make([M, K], seed);
        const b = tb ? make([N, K], seed + 1).t() : make([K, N], seed + 1);
        expectClose(matmul(a, b), withJs(() => matmul(a, b)), K);
      }),
      { numRuns: 150 },
    );
  });

  test("batched and broadcast products, matrices stored transposed or not", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }), fc.constantFrom(1, 2), dim, dim, dim, fc.boolean(), fc.boolean(), fc.nat(1000),
        (batch, bBatch, M, K, N, ta, tb, seed) => {
          const a = ta ? make([batch, K, M], seed).transpose(-2, -1) : make([batch, M, K], seed);
          const bShape = bBatch === 1 ? [] : [batch];
          const b = tb ? make([...bShape, N, K], seed + 1).transpose(-2, -1) : make([...bShape, K, N], seed + 1);
          expectClose(matmul(a, b), withJs(() => matmul(a, b)), K);
        },
      ),
      { numRuns: 80 },
    );
  });

  test("fused linear (bias in the epilogue) against matmul(x, w^T) + b in the TypeScript kernel", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 }), dim, dim, dim, fc.boolean(), fc.nat(1000), (lead, M, K, N, withBias, seed) => {
        const xShape = lead === 0 ? [K] : lead === 1 ? [M, K] : [2, M, K];
        const x = make(xShape, seed);
        const w = make([N, K], seed + 1);
        const b = withBias ? make([N], seed + 2) : null;
        const ref = withJs(() => (b === null ? matmul(x, w.t()) : add(matmul(x, w.t()), b)));
        expectClose(linear(x, w, b), ref, K, 1);
      }),
      { numRuns: 100 },
    );
  });
});
