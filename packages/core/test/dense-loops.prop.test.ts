// The dedicated dense loops (add, sub, mul, div, the relu mask; neg, exp, log, sqrt, tanh, sigmoid,
// relu) against the generic kernels with the ops' per-element functions: identical bits (NaN as
// NaN) for float32 and float64, array/array, array/value and value/array operands, any alpha; and
// the public ops agree between a dense operand (fast loop) and a strided view of the same values
// (generic kernel).
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { add, div, exp, log, mul, neg, relu, sigmoid, sqrt, sub, tanh, tensor } from "@tapegrad/core";
import { type DenseOp, denseBinary } from "../src/kernels/dense-binary.js";
import { mapBinary } from "../src/kernels/elementwise.js";

const GENERIC: Record<DenseOp, (alpha: number) => (p: number, q: number) => number> = {
  add: (alpha) => (p, q) => p + alpha * q,
  sub: (alpha) => (p, q) => p - alpha * q,
  mul: () => (p, q) => p * q,
  div: () => (p, q) => p / q,
  reluMask: () => (p, q) => (q > 0 ? p : 0),
};

function sameBits(a: Float32Array | Float64Array, b: Float32Array | Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i]) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

const value = fc.oneof(fc.double({ min: -1e6, max: 1e6 }), fc.constantFrom(0, -0, Number.NaN, Infinity, -Infinity, 1e-310, 3.4e38));

describe("dense loops: the same bits as the generic kernel", () => {
  test("every op, both float widths, arrays and single values", () => {
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 1, maxLength: 40 }),
        fc.array(value, { minLength: 40, maxLength: 40 }),
        fc.constantFrom<DenseOp>("add", "sub", "mul", "div", "reluMask"),
        fc.constantFrom(1, -0.5, Math.fround(0.1), 3),
        fc.constantFrom("float32", "float64"),
        fc.constantFrom("arrays", "scalar-b", "scalar-a"),
        (av, bv, op, alpha, dtype, layout) => {
          const Ctor = dtype === "float32" ? Float32Array : Float64Array;
          const n = av.length;
          const a = Ctor.from(av);
          const b = Ctor.from(bv.slice(0, n));
          const fast = new Ctor(n);
          const slow = new Ctor(n);
          const one = (x: Float32Array | Float64Array) => ({ data: x.subarray(0, 1), shape: [], strides: [], offset: 0 });
          const full = (x: Float32Array | Float64Array) => ({ data: x, shape: [n], strides: [1], offset: 0 });
          if (layout === "scalar-b") {
            denseBinary(op, a, b[0]!, fast, alpha);
            mapBinary(full(a), one(b), [n], slow, GENERIC[op](alpha));
          } else if (layout === "scalar-a") {
            denseBinary(op, a[0]!, b, fast, alpha);
            mapBinary(one(a), full(b), [n], slow, GENERIC[op](alpha));
          } else {
            denseBinary(op, a, b, fast, alpha);
            mapBinary(full(a), full(b), [n], slow, GENERIC[op](alpha));
          }
          expect(sameBits(fast, slow)).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });

  test("public ops: dense operands and transposed views of the same values agree", () => {
    const x = tensor([[1.5, -2, 0], [3, -0.25, 7]]);
    const y = tensor([[0.5, 4, -1], [2, 8, -3]]);
    const xt = x.t().contiguous().t(); // same values, transposed layout: the generic kernel
    for (const [fast, slow] of [
      [add(x, y, { alpha: 0.3 }), add(xt, y, { alpha: 0.3 })],
      [sub(x, 2), sub(xt, 2)],
      [mul(3, y), mul(3, y.t().contiguous().t())],
      [div(x, y), div(xt, y)],
      [relu(x), relu(xt)],
    ] as const) {
      expect(fast.tolist()).toEqual(slow.tolist());
    }
  });

  test("unary ops: a dense input (dedicated loop) and a transposed view (generic kernel) give the same bits", () => {
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 6, maxLength: 6 * 9 }),
        fc.constantFrom("float32", "float64"),
        (values, dtype) => {
          const rows = Math.floor(values.length / 6);
          const x = tensor(values.slice(0, rows * 6), { dtype }).reshape([rows, 6]);
          const xt = x.t().contiguous().t(); // same values, column-major layout
          for (const op of [neg, exp, log, sqrt, tanh, sigmoid, relu]) {
            const fast = op(x).dataSync() as Float32Array | Float64Array;
            const slow = op(xt).dataSync() as Float32Array | Float64Array;
            expect(sameBits(fast, slow), op.name).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  test("relu's gradient passes where the output is positive, and is differentiable again", () => {
    const x = tensor([-1, 0, 2, 3], { requiresGrad: true });
    const y = relu(x);
    const g = tensor([5, 6, 7, 8], { requiresGrad: true });
    y.backward(g, { createGraph: true });
    const dx = x.grad!;
    expect(dx.tolist()).toEqual([0, 0, 7, 8]);
    expect(dx.gradFn?.name).toBe("ThresholdBackwardBackward");
    dx.sum().backward();
    expect(g.grad!.tolist()).toEqual([0, 0, 1, 1]);
  });
});
