// Numerical edge cases with hand-derived expectations (PyTorch 2.8's values and gradient
// conventions): extreme logits, long sums against a compensated float64 sum, pow and log at 0,
// gradients at ties and kinks, NaN propagation, empty reductions and int32 wrap-around.
import { describe, expect, test } from "vitest";
import { Tensor, amax, argmax, clamp, logSoftmax, maximum, minimum, softmax, tensor, zeros } from "@tapegrad/core";
import { F } from "@tapegrad/nn";
import { prng } from "./reference.js";

const FLOATS = ["float32", "float64"] as const;

/** Run backward of sum(f(x)) and return x's gradient as a list. */
function gradOf(values: number[], f: (x: Tensor) => Tensor, dtype: "float32" | "float64" = "float64"): number[] {
  const x = tensor(values, { dtype, requiresGrad: true });
  f(x).sum().backward();
  return Array.from(x.grad!.dataSync());
}

describe("softmax, logSoftmax and crossEntropy with logits of +-1e4", () => {
  for (const dtype of FLOATS) {
    test(`${dtype}: exact saturated values and finite gradients`, () => {
      const x = tensor([[1e4, 0, -1e4], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]], { dtype, requiresGrad: true });
      expect(softmax(x, 1).tolist()).toEqual([[1, 0, 0], [1 / 3, 1 / 3, 1 / 3].map((v) => (dtype === "float32" ? Math.fround(v) : v)), [0.5, 0.5, 0]]);
      const ls = logSoftmax(x, 1).tolist() as number[][];
      expect(ls[0]).toEqual([0, -1e4, -2e4]);
      expect(ls[2]![0]).toBeCloseTo(-Math.LN2, 6);
      expect(ls[2]![2]).toBeCloseTo(-2e4 - Math.LN2, 2);
      const w = tensor([[1, 2, 3], [1, 0, -1], [0.5, 0.5, 1]], { dtype });
      logSoftmax(x, 1).mul(w).sum().backward();
      expect(Array.from(x.grad!.dataSync()).every(Number.isFinite)).toBe(true);
      // d/dx of sum_j w_j logsoftmax_j = w - softmax * sum(w): row 0 is [1-6, 2, 3].
      expect(x.grad!.tolist()).toEqual([[-5, 2, 3], [1, 0, -1], [-0.5, -0.5, 1]]);
    });

    test(`${dtype}: crossEntropy is 0 for a saturated correct class and 2e4 for the wrong one`, () => {
      const logits = tensor([[1e4, 0, -1e4], [1e4, 0, -1e4]], { dtype, requiresGrad: true });
      const target = tensor([0, 2], { dtype: "int32" });
      const losses = F.crossEntropy(logits, target, { reduction: "none" });
      // -log(1) is -0, as in PyTorch; + 0 compares it as a zero.
      expect((losses.tolist() as number[]).map((v) => v + 0)).toEqual([0, 2e4]);
      F.crossEntropy(logits, target).backward();
      // (softmax - onehot) / N
      expect(logits.grad!.tolist()).toEqual([[0, 0, 0], [0.5, 0, -0.5]]);
    });
  }

  test("a row of -inf is NaN throughout and +inf poisons its row, as in PyTorch", () => {
    expect(softmax(tensor([[-Infinity, -Infinity], [Infinity, 1]]), 1).tolist()).toEqual([[NaN, NaN], [NaN, NaN]]);
    expect(softmax(tensor([[-Infinity, 0]]), 1).tolist()).toEqual([[0, 1]]);
    expect(logSoftmax(tensor([[-Infinity, 0]]), 1).tolist()).toEqual([[-Infinity, 0]]);
  });
});

describe("sums of 1e7 elements against a compensated float64 sum", () => {
  /** Neumaier's compensated summation, exact to about one float64 ulp here. */
  function compensatedSum(values: ArrayLike<number>): number {
    let s = 0;
    let c = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      const t = s + v;
      c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
      s = t;
    }
    return s + c;
  }

  const n = 10_000_000;
  const rand = prng(7);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rand() * 2 - 0.9;
  const exact = compensatedSum(data);

  test("float32 sum and mean are within a few float32 ulps (no O(n) drift)", () => {
    const x = tensor(data);
    const relSum = Math.abs(x.sum().item() - exact) / Math.abs(exact);
    expect(relSum).toBeLessThan(4e-7);
    const relMean = Math.abs(x.mean().item() - exact / n) / Math.abs(exact / n);
    expect(relMean).toBeLessThan(4e-7);
    // A naive float32 running sum is off by orders of magnitude more: the bound is meaningful.
    let naive = Math.fround(0);
    for (let i = 0; i < n; i++) naive = Math.fround(naive + data[i]!);
    expect(Math.abs(naive - exact) / Math.abs(exact)).toBeGreaterThan(1e-5);
  });

  test("float64 sum is within 1e-13 relative", () => {
    const x = tensor(Float64Array.from(data));
    expect(Math.abs(x.sum().item() - exact) / Math.abs(exact)).toBeLessThan(1e-13);
  });
});

describe("pow and log at 0 (PyTorch's values and gradient limits)", () => {
  test("0^0 = 1, 0^2 = 0, 0^0.5 = 0, 0^-1 = inf", () => {
    expect(tensor([0, 0, 0, 0]).pow(tensor([0, 2, 0.5, -1])).tolist()).toEqual([1, 0, 0, Infinity]);
  });
  test("d(x^2)/dx and d(x^0)/dx at 0 are 0; d(x^0.5)/dx at 0 is inf", () => {
    expect(gradOf([0], (x) => x.pow(2))).toEqual([0]);
    expect(gradOf([0], (x) => x.pow(0))).toEqual([0]);
    expect(gradOf([0], (x) => x.pow(0.5))).toEqual([Infinity]);
  });
  test("the exponent's gradient at base 0 is 0 for exponents >= 0 (not NaN from log 0)", () => {
    const e = tensor([0, 1, 2.5], { dtype: "float64", requiresGrad: true });
    tensor([0, 0, 0], { dtype: "float64" }).pow(e).sum().backward();
    expect(e.grad!.tolist()).toEqual([0, 0, 0]);
  });
  test("log(0) = -inf, log(-1) = NaN, d log/dx at 0 = inf; log1p(-1) = -inf", () => {
    expect(tensor([0, -1, 1]).log().tolist()).toEqual([-Infinity, NaN, 0]);
    expect(gradOf([0], (x) => x.log())).toEqual([Infinity]);
    expect(tensor([-1]).log1p().tolist()).toEqual([-Infinity]);
    expect(tensor([0]).sqrt().tolist()).toEqual([0]);
    expect(gradOf([0], (x) => x.sqrt())).toEqual([Infinity]);
  });
});

describe("gradients at ties and kinks follow PyTorch's conventions", () => {
  test("relu'(0) = 0, abs'(0) = 0, sign' = 0", () => {
    expect(gradOf([-1, 0, 2], (x) => x.relu())).toEqual([0, 0, 1]);
    expect(gradOf([-1, 0, 2], (x) => x.abs())).toEqual([-1, 0, 1]);
    expect(gradOf([-1, 0, 2], (x) => x.sign())).toEqual([0, 0, 0]);
  });
  test("clamp passes the gradient at its (inclusive) bounds, none outside; min > max gives max and no gradient", () => {
    expect(gradOf([-2, -1, 0, 1, 2], (x) => x.clamp(-1, 1))).toEqual([0, 1, 1, 1, 0]);
    expect(clamp(tensor([-5, 0, 5]), 2, 1).tolist()).toEqual([1, 1, 1]);
    expect(gradOf([-5, 0, 5], (x) => x.clamp(2, 1))).toEqual([0, 0, 0]);
  });
  test("maximum/minimum split the gradient evenly at ties", () => {
    const a = tensor([1, 2, 3], { dtype: "float64", requiresGrad: true });
    const b = tensor([1, 5, 0], { dtype: "float64", requiresGrad: true });
    maximum(a, b).sum().backward();
    expect([a.grad!.tolist(), b.grad!.tolist()]).toEqual([[0.5, 0, 1], [0.5, 1, 0]]);
    a.grad = null;
    b.grad = null;
    minimum(a, b).sum().backward();
    expect([a.grad!.tolist(), b.grad!.tolist()]).toEqual([[0.5, 1, 0], [0.5, 0, 1]]);
  });
  test("regression: maximum/minimum against NaN give the whole gradient to both inputs (PyTorch's masked_fill rule)", () => {
    for (const op of [maximum, minimum]) {
      const a = tensor([NaN, 1], { dtype: "float64", requiresGrad: true });
      const b = tensor([2, NaN], { dtype: "float64", requiresGrad: true });
      const out = op(a, b);
      expect(out.tolist()).toEqual([NaN, NaN]);
      out.sum().backward();
      expect([a.grad!.tolist(), b.grad!.tolist()]).toEqual([[1, 1], [1, 1]]);
    }
  });
  test("max()/amax split the gradient evenly among tied maxima; max(dim) sends it to the first index", () => {
    expect(gradOf([3, 1, 3, 3], (x) => x.max())).toEqual([1 / 3, 0, 1 / 3, 1 / 3]);
    expect(gradOf([3, 1, 3], (x) => amax(x, 0))).toEqual([0.5, 0, 0.5]);
    const x = tensor([[3, 1, 3]], { dtype: "float64", requiresGrad: true });
    const r = x.max(1);
    expect(r.indices.tolist()).toEqual([0]);
    r.values.sum().backward();
    expect(x.grad!.tolist()).toEqual([[1, 0, 0]]);
  });
  test("norm at the zero vector and std of a constant have gradient 0 (not NaN)", () => {
    expect(gradOf([0, 0, 0], (x) => x.norm())).toEqual([0, 0, 0]);
    expect(gradOf([2, 2, 2], (x) => x.std())).toEqual([0, 0, 0]);
  });
});

describe("NaN propagation", () => {
  test("max/min/amax/argmax report NaN (argmax its first position), as PyTorch", () => {
    const x = tensor([1, NaN, 5, NaN]);
    expect(x.max().item()).toBeNaN();
    expect(x.min().item()).toBeNaN();
    expect(amax(x, 0).item()).toBeNaN();
    expect(argmax(x).item()).toBe(1);
    expect(x.argmin().item()).toBe(1);
    expect(x.max(0).indices.item()).toBe(1);
  });
  test("clamp, relu, maximum, sum, softmax keep NaN", () => {
    expect(clamp(tensor([NaN, 3]), 0, 1).tolist()).toEqual([NaN, 1]);
    expect(tensor([NaN, -1]).relu().tolist()).toEqual([NaN, 0]);
    expect(maximum(tensor([NaN, 1]), tensor([0, NaN])).tolist()).toEqual([NaN, NaN]);
    expect(tensor([1, NaN]).sum().item()).toBeNaN();
    expect(softmax(tensor([1, NaN, 2]), 0).tolist()).toEqual([NaN, NaN, NaN]);
  });
});

describe("empty tensors", () => {
  test("sum of empty is 0, mean of empty is NaN, logsumexp of empty is -inf, norm of empty is 0", () => {
    expect(zeros([0]).sum().item()).toBe(0);
    expect(zeros([2, 0]).sum(1).tolist()).toEqual([0, 0]);
    expect(zeros([0]).mean().item()).toBeNaN();
    expect(zeros([0, 3]).logsumexp(0).tolist()).toEqual([-Infinity, -Infinity, -Infinity]);
    expect(zeros([0]).norm().item()).toBe(0);
  });
  test("max, argmax and amax of empty throw (no identity); along a non-empty dim of an empty tensor they work", () => {
    expect(() => zeros([0]).max()).toThrow(/max: cannot reduce a tensor with no elements/);
    expect(() => zeros([3, 0]).max(1)).toThrow(/dimension 1 of size 0/);
    expect(() => zeros([0]).argmax()).toThrow(RangeError);
    expect(() => amax(zeros([2, 0]), 1)).toThrow(RangeError);
    expect(zeros([0, 3]).max(1).values.shape).toEqual([0]);
    expect(amax(zeros([2, 0]), 0).shape).toEqual([0]);
  });
  test("gradients through empty tensors are empty", () => {
    const x = zeros([0, 3], { requiresGrad: true });
    x.sum().backward();
    expect(x.grad!.shape).toEqual([0, 3]);
  });
});

describe("integers and zeros", () => {
  test("regression: int32 products wrap modulo 2^32 exactly, as PyTorch (no float rounding past 2^53)", () => {
    const a = tensor([2147483647, 65537, -2147483648, 123456789], { dtype: "int32" });
    expect(a.mul(a).tolist()).toEqual([1, 131073, 0, -1757895751]);
    expect(a.mul(3).tolist()).toEqual([2147483645, 196611, -2147483648, 370370367]);
  });
  test("int32 sums and differences wrap", () => {
    expect(tensor([2147483647], { dtype: "int32" }).add(1).tolist()).toEqual([-2147483648]);
    expect(tensor([-2147483648], { dtype: "int32" }).sub(1).tolist()).toEqual([2147483647]);
  });
  test("-0 survives negation and creation in float tensors", () => {
    expect(Object.is(tensor([0]).neg().item(), -0)).toBe(true);
    expect(Object.is(tensor([-0], { dtype: "float64" }).item(), -0)).toBe(true);
  });
});
