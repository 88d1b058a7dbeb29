// The WebAssembly SIMD elementwise kernels (relu, neg, add, sub, mul, div, the relu mask, the
// scaled add) give the same bits as the TypeScript loops: float32 and float64, lengths around the
// vector tails and the scratch chunks, NaN / ±0 / ±Inf / subnormals, single-value operands, any
// alpha, results written over an operand, pinned operands read and written in place; and the
// in-place ops writing straight into a dense destination agree with the out-of-place path.
import { afterEach, describe, expect, test } from "vitest";
import fc from "fast-check";
import { type Tensor, add, noGrad, pinStorage, relu, setKernelBackend, tensor, zeros } from "@tapegrad/core";
import { type DenseOp, denseBinary } from "../src/kernels/dense-binary.js";
import { denseUnary } from "../src/kernels/dense-unary.js";
import { binarySimd, unarySimd } from "../src/kernels/wasm/elementwise-runtime.js";
import { expectSameBits } from "./same-bits.js";
import { withJs } from "./with-js-kernels.js";

type FloatArray = Float32Array | Float64Array;

afterEach(() => setKernelBackend("auto"));

const special = [0, -0, Number.NaN, Infinity, -Infinity, 1e-310, -1e-45, 3.4e38, -3.4e38, 1, -1];
const value = fc.oneof(fc.double({ min: -1e6, max: 1e6 }), fc.constantFrom(...special), fc.double());
/** Lengths below, at and past the smallest SIMD call, vector tails, and the float64/float32 chunk edges. */
const length = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constantFrom(255, 256, 257, 258, 259, 4095, 4096, 4097, 8191, 8192, 8193, 8195, 20001));

function filled(Ctor: typeof Float32Array | typeof Float64Array, n: number, values: number[], salt: number): FloatArray {
  const out = new Ctor(n);
  for (let i = 0; i < n; i++) out[i] = values[(i * 7 + salt) % values.length]!;
  return out;
}

describe("SIMD elementwise kernels: the bits of the TypeScript loops", () => {
  test("binary ops, both widths, arrays and single values, any alpha", () => {
    fc.assert(
      fc.property(
        length, fc.array(value, { minLength: 1, maxLength: 50 }),
        fc.constantFrom<DenseOp>("add", "sub", "mul", "div", "reluMask"),
        fc.constantFrom(1, -1, -0.5, Math.fround(0.1), 0.1, 3, -0, Number.NaN),
        fc.constantFrom("float32", "float64"), fc.constantFrom("arrays", "scalar-a", "scalar-b"),
        (n, values, op, alpha, dtype, layout) => {
          const Ctor = dtype === "float32" ? Float32Array : Float64Array;
          const a = filled(Ctor, n, values, 0);
          const b = filled(Ctor, n, values, 3);
          const sa = layout === "scalar-a" ? a[0] ?? 2 : a;
          const sb = layout === "scalar-b" ? b[0] ?? 2 : b;
          const simd = new Ctor(n);
          const js = new Ctor(n);
          denseBinary(op, sa, sb, simd, alpha);
          withJs(() => denseBinary(op, sa, sb, js, alpha));
          expectSameBits(simd, js);
        },
      ),
      { numRuns: 500, seed: 20 },
    );
  });

  test("relu, neg and sqrt, both widths", () => {
    fc.assert(
      fc.property(length, fc.array(value, { minLength: 1, maxLength: 50 }), fc.constantFrom("float32", "float64"), (n, values, dtype) => {
        const Ctor = dtype === "float32" ? Float32Array : Float64Array;
        const x = filled(Ctor, n, values, 1);
        for (const op of ["relu", "neg", "sqrt"] as const) {
          const simd = new Ctor(n);
          const js = new Ctor(n);
          denseUnary(op, x, simd);
          withJs(() => denseUnary(op, x, js));
          expectSameBits(simd, js);
        }
      }),
      { numRuns: 300, seed: 21 },
    );
  });

  test("relu keeps NaN, gives +0 for -0 and passes ±Inf as PyTorch does, in every lane and the tail", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const xs = Array.from({ length: 263 }, (_, i) => [Number.NaN, -0, 0, -Infinity, Infinity, -2, 3.5][i % 7]!);
      const y = relu(tensor(xs, { dtype })).dataSync();
      xs.forEach((v, i) => {
        const expected = Number.isNaN(v) ? Number.NaN : v > 0 ? v : 0;
        expect(Object.is(y[i], expected) || (Number.isNaN(y[i]!) && Number.isNaN(expected)), `${dtype} relu(${v})`).toBe(true);
      });
    }
  });

  test("results written over an operand (in place), and over both", () => {
    for (const Ctor of [Float32Array, Float64Array]) {
      for (const op of ["add", "sub", "mul", "div", "reluMask"] as const) {
        const base = filled(Ctor, 1003, [1.5, -2, 0.25, -0, 7, Number.NaN, 3e-39], 0);
        const other = filled(Ctor, 1003, [0.5, 4, -1, 2, -0, Infinity], 2);
        const expected = new Ctor(1003);
        withJs(() => denseBinary(op, base, other, expected, -0.75));
        const a = base.slice();
        denseBinary(op, a, other, a, -0.75);
        expectSameBits(a, expected);
        const b = other.slice();
        denseBinary(op, base, b, b, -0.75);
        expectSameBits(b, expected);
        const same = base.slice();
        const sameExpected = new Ctor(1003);
        withJs(() => denseBinary(op, base, base, sameExpected, 2));
        denseBinary(op, same, same, same, 2);
        expectSameBits(same, sameExpected);
      }
    }
  });

  test("operands the kernels do not take are left to the loops: mixed types, a float32 result with a non-float32 value", () => {
    const out = new Float32Array(300);
    expect(binarySimd("add", new Float32Array(300), new Int32Array(300), out, 1)).toBe(0);
    expect(binarySimd("mul", new Float32Array(300), 0.1, out, 1)).toBe(0);
    expect(binarySimd("add", 1, 2, out, 1)).toBe(0);
    expect(binarySimd("add", new Float32Array(300), 0.5, out, 1)).toBe(300);
    expect(binarySimd("add", new Float32Array(300), new Float32Array(30), out, 1, 30)).toBe(0); // a row of 30: not whole vectors
    expect(binarySimd("add", new Float32Array(30), new Float32Array(300), out, 1, 30)).toBe(0);
    expect(binarySimd("sub", new Float64Array(30), new Float64Array(300), new Float64Array(300), 1, 30)).toBe(300);
    expect(binarySimd("add", new Float32Array(200), 0.5, new Float32Array(200), 1)).toBe(0); // too short to be worth a call
    expect(unarySimd("relu", new Float64Array(300), out)).toBe(0);
    expect(unarySimd("relu", new Int32Array(300), new Int32Array(300))).toBe(0);
    expect(unarySimd("relu", new Float64Array(301), new Float64Array(301))).toBe(300);
    expect(withJs(() => unarySimd("relu", new Float32Array(300), new Float32Array(300)))).toBe(0);
    // float32 x + 0.1 (a float64 0-dim tensor keeps its double value): computed in double by the loop.
    const x = tensor(Array.from({ length: 300 }, (_, i) => i / 3));
    const tenth = tensor(0.1, { dtype: "float64" });
    expectSameBits(add(x, tenth, { alpha: 3 }).dataSync(), withJs(() => add(x, tenth, { alpha: 3 }).dataSync()));
  });
});

describe("casts copy natively", () => {
  test("to float32 rounds, to int32 truncates and wraps, to bool tests != 0: dense and strided, from every dtype", () => {
    const dtypes = ["float32", "float64", "int32", "bool"] as const;
    fc.assert(
      fc.property(fc.array(fc.oneof(value, fc.integer(), fc.double({ min: -1e10, max: 1e10 })), { minLength: 6, maxLength: 60 }), fc.constantFrom(...dtypes), fc.constantFrom(...dtypes), fc.boolean(), (vs, from, to, transposed) => {
        const rows = Math.floor(vs.length / 3);
        const base = tensor(vs.slice(0, rows * 3), { dtype: from }).reshape([rows, 3]);
        const x = transposed ? base.t() : base;
        const source = Array.from(x.dataSync());
        const expected = source.map((v) => (to === "bool" ? (v !== 0 ? 1 : 0) : to === "int32" ? Math.trunc(v) | 0 : to === "float32" ? Math.fround(v) : v));
        expectSameBits(Array.from(x.to(to).dataSync()), expected);
      }),
      { numRuns: 300, seed: 23 },
    );
  });
});

describe("a row repeated over the result (bias add)", () => {
  test("[B, N] op [N] and [N] op [B, N], both widths, any alpha: the generic kernel's bits", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }), fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(128, 512, 2048, 4096, 8192)),
        fc.array(value, { minLength: 1, maxLength: 30 }), fc.constantFrom("add", "sub", "mul", "div"), fc.constantFrom(1, -0.25, 0.1),
        fc.constantFrom("float32", "float64"), fc.constantFrom("row-b", "row-a", "row-1n", "row-view"),
        (rows, n, values, op, alpha, dtype, layout) => {
          const m = tensor(Array.from({ length: rows * n }, (_, i) => values[i % values.length]!), { dtype }).reshape([rows, n]);
          const source = tensor(Array.from({ length: 2 * n }, (_, i) => values[(i * 5 + 1) % values.length]!), { dtype }).reshape([2, n]);
          const row = layout === "row-1n" ? source.narrow(0, 1, 1) : layout === "row-view" ? source.select(0, 1) : source.select(0, 1).contiguous();
          const f = (x: Tensor, y: Tensor): Tensor =>
            op === "add" ? x.add(y, { alpha }) : op === "sub" ? x.sub(y, { alpha }) : op === "mul" ? x.mul(y) : x.div(y);
          const [x, y] = layout === "row-a" ? [row, m] : [m, row];
          expectSameBits(f(x, y).dataSync(), withJs(() => f(x, y).dataSync()));
        },
      ),
      { numRuns: 300, seed: 22 },
    );
  });

  test("a pinned row and a pinned matrix", () => {
    const m = tensor(Array.from({ length: 40 * 8 }, (_, i) => i * 0.37 - 5)).reshape([40, 8]);
    const b = tensor(Array.from({ length: 8 }, (_, i) => 1 / (i + 1)));
    const expected = withJs(() => m.add(b, { alpha: 0.5 }).dataSync());
    expect(pinStorage(m) && pinStorage(b)).toBe(true);
    expectSameBits(m.add(b, { alpha: 0.5 }).dataSync(), expected);
  });
});

describe("pinned operands are read and written in place", () => {
  test("the same bits as unpinned operands, and nothing written past the end of a pinned result", () => {
    for (const dtype of ["float32", "float64"] as const) {
      for (const n of [263, 5000, 9001]) {
        const values = (salt: number): number[] => Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + salt) * 10);
        const p = tensor(values(0), { dtype });
        const g = tensor(values(1), { dtype });
        const neighbour = tensor(values(2), { dtype });
        expect(pinStorage(p)).toBe(true);
        expect(pinStorage(g)).toBe(true);
        expect(pinStorage(neighbour)).toBe(true);
        const before = neighbour.dataSync().slice();
        const plainP = tensor(values(0), { dtype });
        const plainG = tensor(values(1), { dtype });
        noGrad(() => {
          p.add_(g, { alpha: -0.05 }).mul_(g);
          plainP.add_(plainG, { alpha: -0.05 }).mul_(plainG);
        });
        expectSameBits(p.dataSync(), plainP.dataSync());
        expectSameBits(relu(p).dataSync(), relu(plainP).dataSync());
        expectSameBits(add(p, plainG).dataSync(), add(plainP, g).dataSync());
        expectSameBits(neighbour.dataSync(), before);
      }
    }
  });
});

describe("in-place ops write straight into a dense destination", () => {
  const cases: Array<[string, (x: Tensor, y: Tensor) => Tensor]> = [
    ["add_", (x, y) => x.add_(y)],
    ["add_ alpha", (x, y) => x.add_(y, { alpha: -0.3 })],
    ["sub_ alpha", (x, y) => x.sub_(y, { alpha: 0.7 })],
    ["mul_", (x, y) => x.mul_(y)],
    ["div_", (x, y) => x.div_(y)],
    ["add_ number", (x) => x.add_(0.1, { alpha: 3 })],
    ["mul_ 0-dim", (x) => x.mul_(tensor(0.9))],
    ["add_ self", (x) => x.add_(x, { alpha: 0.5 })],
    ["mul_ self", (x) => x.mul_(x)],
    ["add_ int32", (x) => x.add_(tensor(Array.from({ length: x.numel() }, (_, i) => i - 40), { dtype: "int32" }).reshape(x.shape))],
    ["add_ broadcast row", (x, y) => x.add_(y.select(0, 0))],
    ["add_ float64 into float32", (x, y) => x.add_(y.to("float64"))],
    ["addcmul_", (x, y) => x.addcmul_(y, y, { value: 0.3 })],
    ["addcdiv_", (x, y) => x.addcdiv_(x, y, { value: -0.01 })],
    ["lerp_ small weight", (x, y) => x.lerp_(y, 0.1)],
    ["lerp_ large weight", (x, y) => x.lerp_(y, 0.9)],
  ];
  for (const dtype of ["float32", "float64"] as const) {
    for (const [name, f] of cases) {
      test(`${name} (${dtype}): the values of the out-of-place op, one version bump`, () => {
        const x = tensor(Array.from({ length: 16 * 17 }, (_, i) => Math.cos(i) * 3), { dtype }).reshape([16, 17]);
        const y = tensor(Array.from({ length: 16 * 17 }, (_, i) => Math.sin(i) + 1.5), { dtype }).reshape([16, 17]);
        const expected = withJs(() => {
          const x2 = x.clone();
          return noGrad(() => f(x2, y.clone())).dataSync();
        });
        const version = x.version;
        const r = noGrad(() => f(x, y));
        expect(r).toBe(x);
        expect(x.version).toBe(version + 1);
        expectSameBits(x.dataSync(), expected);
      });
    }
  }

  test("a non-contiguous destination and a transposed operand take the general path, same values", () => {
    const x = tensor(Array.from({ length: 12 }, (_, i) => i * 1.25)).reshape([3, 4]);
    const xt = x.t();
    const y = tensor(Array.from({ length: 12 }, (_, i) => 0.5 - i)).reshape([4, 3]);
    noGrad(() => xt.add_(y, { alpha: 2 }));
    expect(xt.tolist()).toEqual(withJs(() => add(tensor(Array.from({ length: 12 }, (_, i) => i * 1.25)).reshape([3, 4]).t(), y, { alpha: 2 }).tolist()));
    const z = zeros([4, 3]);
    noGrad(() => z.add_(x.t()));
    expect(z.tolist()).toEqual(x.t().tolist());
  });

  test("errors are unchanged: a broadcast that grows the destination, a bad alpha", () => {
    const x = zeros([3]);
    expect(() => noGrad(() => x.add_(zeros([2, 3])))).toThrow(/add_: output with shape \[3\] doesn't match the broadcast shape \[2,3\]/);
    expect(() => noGrad(() => x.add_(zeros([3]), { alpha: "2" as never }))).toThrow(/add: alpha must be a number/);
    expect(x.version).toBe(0);
  });

  test("under autograd the history is recorded as before (out of place on a snapshot)", () => {
    const w = tensor([1, -2, 3, 4], { requiresGrad: true });
    const h = w.mul(2);
    h.add_(w, { alpha: 3 });
    h.sum().backward();
    expect(w.grad!.tolist()).toEqual([5, 5, 5, 5]);
  });
});
