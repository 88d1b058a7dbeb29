// The WebAssembly SIMD column sums (the middle axis of a float [outer, size, inner] block, as the
// bias gradient's sum over the batch) give the bits of the TypeScript kernel: float32 and float64,
// column counts around the 16- and 4-column blocks, sizes past one and several 128-row blocks of
// the pairwise tree, rows copied in a few at a time or in column strips, offsets, NaN / ±Inf /
// ±0 / subnormals, and input already in kernel memory read in place.
import { afterEach, describe, expect, test } from "vitest";
import fc from "fast-check";
import { Generator, type Tensor, pinStorage, randn, setKernelBackend, sum, tensor } from "@tapegrad/core";
import { sumMiddleAxis } from "../src/kernels/reduce.js";
import { sumMiddleAxisWasm } from "../src/kernels/wasm/reduce-runtime.js";
import { expectSameBits } from "./same-bits.js";
import { withJs } from "./with-js-kernels.js";

afterEach(() => setKernelBackend("auto"));

type FloatCtor = typeof Float32Array | typeof Float64Array;

/** Values of mixed magnitude (so the summation order shows in the bits), from a seed. */
function mixed(Ctor: FloatCtor, n: number, seed: number): Float32Array | Float64Array {
  const x = randn([n], { dtype: "float64", generator: new Generator(seed) }).dataSync();
  const out = new Ctor(n);
  for (let i = 0; i < n; i++) out[i] = x[i]! * Math.exp(6 * x[i]!);
  return out;
}

/** Both paths on one block: the wasm kernel must run (returns true) and agree with the TypeScript loops. */
function check(data: Float32Array | Float64Array, offset: number, outer: number, size: number, inner: number): void {
  const Ctor = data.constructor as FloatCtor;
  const simd = new Ctor(outer * inner);
  const js = new Ctor(outer * inner);
  expect(sumMiddleAxisWasm(data, offset, outer, size, inner, simd)).toBe(true);
  withJs(() => sumMiddleAxis(data, offset, outer, size, inner, js));
  expectSameBits(simd, js);
}

describe("SIMD column sums: the bits of the TypeScript pairwise sums", () => {
  test("both widths, any column count, one or several 128-row blocks, offsets", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<FloatCtor>(Float32Array, Float64Array),
        fc.integer({ min: 1, max: 3 }),
        fc.oneof(fc.integer({ min: 1, max: 140 }), fc.constantFrom(128, 129, 255, 256, 257, 300, 513, 1000)),
        fc.oneof(fc.integer({ min: 2, max: 40 }), fc.constantFrom(15, 16, 17, 19, 31, 32, 33, 64, 100)),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 1000 }),
        (Ctor, outer, size, inner, offset, seed) => {
          fc.pre(outer * size * inner >= 512);
          check(mixed(Ctor, offset + outer * size * inner, seed), offset, outer, size, inner);
        },
      ),
      { numRuns: 150, seed: 2026 },
    );
  });

  test("special values: NaN, ±Inf, ±0, subnormals and float32 overflow in double", () => {
    const special = [0, -0, Number.NaN, Infinity, -Infinity, 1e-310, -1e-45, 3.4e38, -3.4e38, 1, -1, 0.1];
    for (const Ctor of [Float32Array, Float64Array] as FloatCtor[]) {
      for (const [size, inner] of [[40, 37], [300, 21]] as const) {
        const data = new Ctor(size * inner);
        for (let i = 0; i < data.length; i++) data[i] = special[(i * 7 + (i >> 5)) % special.length]!;
        check(data, 0, 1, size, inner);
        // Columns of only -0 sum to +0 from the +0 start, as in TypeScript.
        check(new Ctor(size * inner).fill(-0), 0, 1, size, inner);
      }
    }
  });

  test("rows copied in a few at a time continue their columns' sums; rows too long for the chunk go in column strips", () => {
    check(mixed(Float32Array, 200 * 2100, 1), 0, 1, 200, 2100);
    check(mixed(Float32Array, 130 * 8200, 2), 0, 1, 130, 8200);
    check(mixed(Float64Array, 2 * 129 * 4100 + 3, 3), 3, 2, 129, 4100);
  });

  test("input in kernel memory is read in place", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const x: Tensor = tensor(mixed(dtype === "float32" ? Float32Array : Float64Array, 3 * 300 * 70, 4), { dtype }).reshape([3, 300, 70]);
      const want = withJs(() => sum(x, { dim: 1 })).dataSync();
      expect(pinStorage(x)).toBe(true);
      expectSameBits(sum(x, { dim: 1 }).dataSync(), want);
      expectSameBits(sum(x.select(0, 2), { dim: 0 }).dataSync(), withJs(() => sum(x.select(0, 2), { dim: 0 })).dataSync());
    }
  });

  test("declines what it does not handle: small blocks, mixed types, no columns or rows, the js backend", () => {
    expect(sumMiddleAxisWasm(new Float32Array(100), 0, 1, 10, 10, new Float32Array(10))).toBe(false);
    expect(sumMiddleAxisWasm(new Float32Array(4096), 0, 1, 64, 64, new Float64Array(64))).toBe(false);
    expect(sumMiddleAxisWasm(new Float32Array(0), 0, 1, 0, 4096, new Float32Array(4096))).toBe(false);
    withJs(() => expect(sumMiddleAxisWasm(new Float32Array(4096), 0, 1, 64, 64, new Float32Array(64))).toBe(false));
  });

  test("the bias gradient of a linear layer is the column sum of its output gradient", () => {
    const g = randn([64, 2048], { generator: new Generator(5) });
    expectSameBits(sum(g, { dim: 0 }).dataSync(), withJs(() => sum(g, { dim: 0 })).dataSync());
  });
});
