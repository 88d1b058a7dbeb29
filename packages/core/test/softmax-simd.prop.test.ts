// The WebAssembly SIMD softmax rows (softmax, log-softmax and the fused cross-entropy of [N, C]
// logits) give the bits of the TypeScript slices: the module's exp is V8's Math.exp (fdlibm) bit
// for bit over every range of its argument and random bit patterns, and the rows' max, sum and
// softmax agree for float32 and float64, odd and even class counts, rows past one scratch chunk,
// offsets, NaN / ±Inf / huge logits, and logits already in kernel memory.
import { afterEach, describe, expect, test } from "vitest";
import fc from "fast-check";
import { Generator, type Tensor, logSoftmax, pinStorage, randn, setKernelBackend, softmax, tensor } from "@tapegrad/core";
import { crossEntropyLogits } from "../src/ops/cross-entropy.js";
import { expWasm, softmaxRowsWasm } from "../src/kernels/wasm/softmax-runtime.js";
import { expectSameBits } from "./same-bits.js";
import { withJs } from "./with-js-kernels.js";

afterEach(() => setKernelBackend("auto"));

/** `n` values from `gen`, seeded. */
function values(n: number, seed: number, gen: (u: () => number) => number): Float64Array {
  let state = seed >>> 0;
  const u = (): number => {
    // xorshift32: deterministic uniforms in [0, 1).
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  return Float64Array.from({ length: n }, () => gen(u));
}

function expectExpOf(x: Float64Array): void {
  const got = new Float64Array(x.length);
  expect(expWasm(x, got)).toBe(true);
  expectSameBits(got, x.map(Math.exp));
}

describe("the module's exp is V8's Math.exp", () => {
  test.each<[string, (u: () => number) => number]>([
    ["softmax arguments (x - max <= 0)", (u) => -u() * 60],
    ["|x| < 2 (the reduction's ±1 range and its edges)", (u) => u() * 4 - 2],
    ["near ±ln2/2 and ±1.5 ln2", (u) => (u() < 0.5 ? -1 : 1) * (u() < 0.5 ? 0.34657359 : 1.03972077) * (1 + (u() - 0.5) * 1e-6)],
    ["the whole finite range, overflow and underflow", (u) => u() * 1600 - 800],
    ["near the overflow and underflow thresholds and the 2^-1022 scaling", (u) => [709.78, -745.13, -708.4][Math.floor(u() * 3)]! + (u() - 0.5) * 2],
    ["tiny |x| around 2^-28", (u) => (u() - 0.5) * 2 ** (-20 - u() * 20)],
  ])("%s", (_, gen) => expectExpOf(values(200_001, 17, gen)));

  test("random bit patterns and special values", () => {
    const bits = values(2 * 200_000, 5, (u) => Math.floor(u() * 2 ** 32));
    const x = new Float64Array(new Uint32Array(bits).buffer);
    expectExpOf(x);
    expectExpOf(Float64Array.of(0, -0, 1, -1, Infinity, -Infinity, Number.NaN, 5e-324, -5e-324, 2 ** -28, -(2 ** -28), 709.782712893384, -745.1332191019411));
  });
});

type FloatCtor = typeof Float32Array | typeof Float64Array;

/** Logits of mixed scale, with NaN, ±Inf and huge values sprinkled in when `special`. */
function logits(Ctor: FloatCtor, n: number, seed: number, special: boolean): Float32Array | Float64Array {
  const pool = [Number.NaN, Infinity, -Infinity, 1e30, -1e30, 0, -0];
  return Ctor.from(values(n, seed, (u) => (special && u() < 0.05 ? pool[Math.floor(u() * pool.length)]! : (u() - 0.5) * 20 * u())));
}

describe("softmax rows: the bits of the TypeScript slices", () => {
  test("max, sum and softmax of each row, both widths, any class count, offsets, rows past one chunk", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<FloatCtor>(Float32Array, Float64Array),
        fc.oneof(fc.integer({ min: 1, max: 70 }), fc.constantFrom(1000, 2500)),
        fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(100, 1001)),
        fc.integer({ min: 0, max: 3 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 1000 }),
        (Ctor, rows, C, offset, special, withProbs, seed) => {
          fc.pre(rows * C >= 64);
          const x = logits(Ctor, offset + rows * C, seed, special);
          const probs = withProbs ? new Ctor(rows * C) : null;
          const stats = new Float64Array(2 * rows);
          expect(softmaxRowsWasm(x, offset, rows, C, probs, stats)).toBe(true);
          const want = withJs(() => softmax(tensor(x.subarray(offset), { dtype: Ctor === Float32Array ? "float32" : "float64" }).reshape([rows, C]), 1));
          if (probs !== null) expectSameBits(probs, want.dataSync());
          // The sums give the softmax of the max element's class: exp(0) / sum.
          for (let r = 0; r < rows; r++) {
            const row = Array.from(x.subarray(offset + r * C, offset + (r + 1) * C));
            const max = row.reduce((m, v) => (v > m || v !== v ? v : m), -Infinity);
            expect(Object.is(stats[2 * r], max) || (Number.isNaN(stats[2 * r]) && Number.isNaN(max))).toBe(true);
            const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
            expect(Object.is(stats[2 * r + 1], sum) || (Number.isNaN(stats[2 * r + 1]) && Number.isNaN(sum))).toBe(true);
          }
        },
      ),
      { numRuns: 120, seed: 2027 },
    );
  });

  test("softmax and log-softmax ops over the last dim agree with the TypeScript kernels", () => {
    for (const dtype of ["float32", "float64"] as const) {
      for (const shape of [[300, 10], [7, 3, 33], [2, 513]]) {
        const x = randn(shape, { dtype, generator: new Generator(shape.length) }).mul(5);
        expectSameBits(softmax(x, -1).dataSync(), withJs(() => softmax(x, -1)).dataSync());
        expectSameBits(logSoftmax(x, -1).dataSync(), withJs(() => logSoftmax(x, -1)).dataSync());
      }
    }
  });

  test("logits in kernel memory are read in place", () => {
    const x: Tensor = randn([200, 10], { generator: new Generator(3) }).mul(4);
    const want = withJs(() => softmax(x, 1)).dataSync();
    expect(pinStorage(x)).toBe(true);
    expectSameBits(softmax(x, 1).dataSync(), want);
  });

  test("the fused cross-entropy: losses and first-order gradients, every option", () => {
    const target = Int32Array.from({ length: 300 }, (_, i) => (i % 17 === 0 ? -100 : (i * 7) % 10));
    const weight = tensor([0.5, 2, 1.5, 1, 1, 0.25, 3, 1, 1, 0.75]);
    for (const options of [{}, { weight }, { labelSmoothing: 0.1 }, { weight, labelSmoothing: 0.2 }]) {
      for (const reduction of ["mean", "sum", "none"] as const) {
        const run = (): [Float32Array | Float64Array, Float32Array | Float64Array] => {
          const x = randn([300, 10], { generator: new Generator(9) }).mul(3).requiresGrad_(true);
          const loss = crossEntropyLogits(x, { target, reduction, weight: null, ignoreIndex: -100, labelSmoothing: 0, ...options });
          (reduction === "none" ? loss.sum() : loss).backward();
          return [loss.dataSync() as Float32Array, x.grad!.dataSync() as Float32Array];
        };
        const [loss, grad] = run();
        const [jsLoss, jsGrad] = withJs(run);
        expectSameBits(loss, jsLoss);
        expectSameBits(grad, jsGrad);
      }
    }
  });

  test("declines what it does not handle: few logits, mixed types, the js backend", () => {
    const stats = new Float64Array(20);
    expect(softmaxRowsWasm(new Float32Array(30), 0, 10, 3, null, stats)).toBe(false);
    expect(softmaxRowsWasm(new Float32Array(100), 0, 10, 10, new Float64Array(100), stats)).toBe(false);
    withJs(() => expect(softmaxRowsWasm(new Float32Array(100), 0, 10, 10, null, stats)).toBe(false));
  });
});
