import { describe, expect, test } from "vitest";
import fc from "fast-check";
import {
  Generator, amax, amin, argmax, argmin, gradcheck, gradgradcheck, max, min, randn, tensor, zeros, type Tensor,
} from "@tapegrad/core";

const gen = new Generator(5);
const f64 = (shape: number[]): Tensor => randn(shape, { dtype: "float64", generator: gen, requiresGrad: true });

describe("max and min", () => {
  test("over all elements: 0-dim result", () => {
    const x = tensor([[1, 5], [7, 2]]);
    const m = max(x);
    expect(m.shape).toEqual([]);
    expect(m.item()).toBe(7);
    expect(x.min().item()).toBe(1);
    expect(max(tensor(3, { dtype: "int32" })).item()).toBe(3);
    expect(max(tensor([2, 9, 4], { dtype: "int32" })).dtype).toBe("int32");
  });

  test("along a dim: values and int32 indices, keepdim, first occurrence on ties", () => {
    const x = tensor([[1, 5, 5], [7, 2, 7]]);
    const { values, indices } = max(x, 1);
    expect(values.tolist()).toEqual([5, 7]);
    expect(indices.dtype).toBe("int32");
    expect(indices.tolist()).toEqual([1, 0]);
    const r = x.min(0, true);
    expect(r.values.tolist()).toEqual([[1, 2, 5]]);
    expect(r.indices.tolist()).toEqual([[0, 1, 0]]);
    const n = max(x, -1, true);
    expect(n.values.shape).toEqual([2, 1]);
    const s = max(tensor(4), 0);
    expect(s.values.item()).toBe(4);
    expect(s.indices.item()).toBe(0);
    expect(max(zeros([3, 0]), 0).values.shape).toEqual([0]);
  });

  test("NaN propagates as the max and as the min", () => {
    const x = tensor([[1, NaN, 3], [4, 5, 6]]);
    expect(Number.isNaN(max(x).item())).toBe(true);
    expect(Number.isNaN(min(x).item())).toBe(true);
    const { values, indices } = max(x, 1);
    expect(Number.isNaN((values.tolist() as number[])[0]!)).toBe(true);
    expect(indices.tolist()).toEqual([1, 2]);
    expect(argmin(x, 1).tolist()).toEqual([1, 0]);
  });

  test("errors", () => {
    expect(() => max(zeros([0, 3]))).toThrow("max: cannot reduce a tensor with no elements (shape [0,3]); the operation has no identity");
    expect(() => max(zeros([0, 3]), 0)).toThrow("max: cannot reduce over dimension 0 of size 0 (shape [0,3]); the operation has no identity");
    expect(() => min(zeros([2]), 1)).toThrow(/min: dim 1 is out of range/);
    expect(() => max(zeros([2]), 0, "yes" as unknown as boolean)).toThrow(/max: keepdim must be a boolean/);
    expect(() => max("x" as unknown as Tensor)).toThrow(/max: input must be a Tensor/);
  });

  test("gradient of max over all elements is split evenly among ties", () => {
    const x = tensor([[1, 3], [3, 2]], { dtype: "float64", requiresGrad: true });
    max(x).mul(4).backward();
    expect(x.grad!.tolist()).toEqual([[0, 2], [2, 0]]);
    const y = tensor([1, -2, -2], { dtype: "float64", requiresGrad: true });
    y.min().backward();
    expect(y.grad!.tolist()).toEqual([0, 0.5, 0.5]);
    expect(max(f64([2])).gradFn!.name).toBe("MaxBackward");
  });

  test("gradient of max along a dim goes to the index position (ties: the first)", () => {
    const x = tensor([[1, 5, 5], [7, 2, 7]], { dtype: "float64", requiresGrad: true });
    max(x, 1).values.mul(tensor([10, 20], { dtype: "float64" })).sum().backward();
    expect(x.grad!.tolist()).toEqual([[0, 10, 0], [20, 0, 0]]);
    const z = tensor([[1, 5], [7, 2]], { dtype: "float64", requiresGrad: true });
    min(z, 0, true).values.sum().backward();
    expect(z.grad!.tolist()).toEqual([[1, 0], [0, 1]]);
  });

  test("gradcheck / gradgradcheck (random data has no ties)", () => {
    const x = f64([3, 4]);
    expect(gradcheck((t) => max(t!), [x])).toBe(true);
    expect(gradcheck((t) => min(t!, 1).values, [x])).toBe(true);
    expect(gradcheck((t) => max(t!, 0, true).values, [x])).toBe(true);
    expect(gradgradcheck((t) => max(t!, 1).values.mul(t!.sum()), [x])).toBe(true);
    expect(gradgradcheck((t) => min(t!).mul(t!.sum()), [x])).toBe(true);
  });
});

describe("argmax and argmin", () => {
  test("flattened index without dim, per-dim with dim, keepdim", () => {
    const x = tensor([[1, 5], [7, 2]]);
    const a = argmax(x);
    expect(a.shape).toEqual([]);
    expect(a.dtype).toBe("int32");
    expect(a.item()).toBe(2);
    expect(argmin(x).item()).toBe(0);
    expect(argmax(x, 0).tolist()).toEqual([1, 0]);
    expect(x.argmax(1, true).tolist()).toEqual([[1], [0]]);
    expect(x.argmin(-1).tolist()).toEqual([0, 1]);
    expect(argmax(x, undefined, true).shape).toEqual([1, 1]);
    expect(argmax(tensor([3, 3, 1])).item()).toBe(0);
    expect(argmax(x.t(), 1).tolist()).toEqual([1, 0]);
  });
  test("errors and no gradient", () => {
    expect(() => argmax(zeros([0]))).toThrow(/argmax: cannot reduce a tensor with no elements/);
    expect(() => argmin(zeros([2, 0]), 1)).toThrow(/argmin: cannot reduce over dimension 1 of size 0/);
    const r = argmax(f64([3]));
    expect(r.requiresGrad).toBe(false);
  });
  test("property: argmax picks a maximal element, and the first of them", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 10 }), (values) => {
        const i = argmax(tensor(values, { dtype: "int32" })).item();
        const m = Math.max(...values);
        expect(i).toBe(values.indexOf(m));
        expect(argmin(tensor(values)).item()).toBe(values.indexOf(Math.min(...values)));
      }),
      { numRuns: 100 },
    );
  });
});

describe("amax and amin", () => {
  test("values over one dim, several dims, all dims", () => {
    const x = tensor([[[1, 8], [3, 4]], [[5, 2], [7, 0]]]);
    expect(amax(x, 0).tolist()).toEqual([[5, 8], [7, 4]]);
    expect(amax(x, [0, 2]).tolist()).toEqual([8, 7]);
    expect(x.amin([1, 2], true).tolist()).toEqual([[[1]], [[0]]]);
    expect(amax(x).item()).toBe(8);
    expect(amin(x, []).item()).toBe(0);
    expect(amax(x, -1).tolist()).toEqual([[8, 4], [5, 7]]);
  });
  test("errors", () => {
    expect(() => amax(zeros([2, 0]), 1)).toThrow("amax: cannot reduce over dimension 1 of size 0 (shape [2,0]); the operation has no identity");
    expect(() => amin(zeros([2, 3]), [0, 0])).toThrow(/amin: dim 0 appears more than once/);
    expect(() => amax(zeros([2, 3]), 2)).toThrow(/amax: dim 2 is out of range/);
    expect(amax(zeros([0, 3]), 1).shape).toEqual([0]);
  });
  test("gradient is split evenly among ties along the reduced dims", () => {
    const x = tensor([[2, 2, 1], [0, 3, 3]], { dtype: "float64", requiresGrad: true });
    amax(x, 1).sum().backward();
    expect(x.grad!.tolist()).toEqual([[0.5, 0.5, 0], [0, 0.5, 0.5]]);
    const y = tensor([[2, 2], [2, 1]], { dtype: "float64", requiresGrad: true });
    amax(y, [0, 1]).mul(3).backward();
    expect(y.grad!.tolist()).toEqual([[1, 1], [1, 0]]);
  });
  test("gradcheck / gradgradcheck", () => {
    const x = f64([2, 3, 2]);
    expect(gradcheck((t) => amax(t!, [0, 2]), [x])).toBe(true);
    expect(gradcheck((t) => amin(t!, 1, true), [x])).toBe(true);
    expect(gradgradcheck((t) => amax(t!, 1).mul(t!.sum(1)), [x])).toBe(true);
  });
});
