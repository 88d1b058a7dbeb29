import { describe, expect, test } from "vitest";
import fc from "fast-check";
import {
  Generator, cat, gather, gradcheck, gradgradcheck, indexAdd, indexSelect, randn, scatterAdd, stack, tensor, zeros, type Tensor,
} from "@tapegrad/core";

const gen = new Generator(3);
const f64 = (shape: number[]): Tensor => randn(shape, { dtype: "float64", generator: gen, requiresGrad: true });
const idx = (data: number[] | number[][] | number[][][]): Tensor => tensor(data, { dtype: "int32" });

describe("cat", () => {
  test("values along dim 0, 1 and -1", () => {
    expect(cat([tensor([[1, 2]]), tensor([[3, 4], [5, 6]])]).tolist()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(cat([tensor([[1], [2]]), tensor([[3, 4], [5, 6]]), tensor([[7], [8]])], 1).tolist()).toEqual([[1, 3, 4, 7], [2, 5, 6, 8]]);
    expect(cat([tensor([1]), tensor([2, 3])], -1).tolist()).toEqual([1, 2, 3]);
    expect(cat([tensor([[1, 2]]).t(), tensor([[3], [4]])], 1).tolist()).toEqual([[1, 3], [2, 4]]);
  });

  test("dtype promotion and empty pieces", () => {
    const r = cat([tensor([1, 2], { dtype: "int32" }), tensor([0.5], { dtype: "float64" }), tensor([true])]);
    expect(r.dtype).toBe("float64");
    expect(r.tolist()).toEqual([1, 2, 0.5, 1]);
    expect(cat([zeros([0, 2]), tensor([[1, 2]])]).tolist()).toEqual([[1, 2]]);
    expect(cat([tensor([1, 2], { dtype: "int32" })]).dtype).toBe("int32");
  });

  test("errors name the offending entry and shapes", () => {
    expect(() => cat([zeros([2, 3]), zeros([2, 3]), zeros([2, 4])], 0)).toThrow(
      "cat: sizes of tensors must match except in dimension 0; tensors[0] has shape [2,3] but tensors[2] has shape [2,4] (dimension 1: 3 vs 4)",
    );
    expect(() => cat([zeros([2, 3]), zeros([3])])).toThrow(/cat: tensors must have the same number of dimensions; tensors\[0\] has shape \[2,3\] but tensors\[1\] has shape \[3\]/);
    expect(() => cat([zeros([2]), tensor(1)])).toThrow("cat: zero-dimensional tensor (at position 1) cannot be concatenated");
    expect(() => cat([])).toThrow(/cat: tensors must be a non-empty array of tensors/);
    expect(() => cat([zeros([2]), [1] as unknown as Tensor])).toThrow(/cat: tensors\[1\] must be a Tensor/);
    expect(() => cat([zeros([2])], 1)).toThrow(/cat: dim 1 is out of range/);
  });

  test("gradients: each input gets its slice, cast back to its dtype", () => {
    const a = f64([2, 3]);
    const b = f64([2, 1]);
    const c = f64([2, 2]);
    expect(gradcheck((x, y, z) => cat([x!, y!, z!], 1), [a, b, c])).toBe(true);
    expect(gradgradcheck((x, y) => cat([x!, y!], 0), [a, f64([1, 3])])).toBe(true);
    const p = tensor([1, 2], { requiresGrad: true });
    const q = tensor([3], { dtype: "float64", requiresGrad: true });
    const i = tensor([4], { dtype: "int32" });
    const r = cat([p, i, q]);
    r.mul(tensor([1, 2, 3, 4], { dtype: "float64" })).sum().backward();
    expect(p.grad!.dtype).toBe("float32");
    expect(p.grad!.tolist()).toEqual([1, 2]);
    expect(q.grad!.tolist()).toEqual([4]);
  });
});

describe("stack", () => {
  test("values", () => {
    expect(stack([tensor([1, 2]), tensor([3, 4])]).tolist()).toEqual([[1, 2], [3, 4]]);
    expect(stack([tensor([1, 2]), tensor([3, 4])], 1).tolist()).toEqual([[1, 3], [2, 4]]);
    expect(stack([tensor([1, 2]), tensor([3, 4])], -1).shape).toEqual([2, 2]);
    expect(stack([tensor(1), tensor(2)]).tolist()).toEqual([1, 2]);
    expect(stack([zeros([2, 3]), zeros([2, 3]), zeros([2, 3])], 2).shape).toEqual([2, 3, 3]);
  });
  test("errors", () => {
    expect(() => stack([zeros([2, 3]), zeros([2, 3]), zeros([3, 2])])).toThrow(
      "stack: expects each tensor to be equal size, but got [2,3] at entry 0 and [3,2] at entry 2",
    );
    expect(() => stack([zeros([2])], 2)).toThrow(/stack: dim 2 is out of range/);
    expect(() => stack("x" as unknown as Tensor[])).toThrow(/stack: tensors must be a non-empty array of tensors/);
  });
  test("gradients", () => {
    const a = f64([2, 3]);
    const b = f64([2, 3]);
    expect(gradcheck((x, y) => stack([x!, y!], 1), [a, b])).toBe(true);
    expect(gradgradcheck((x, y) => stack([x!, y!], -1), [a, b])).toBe(true);
  });
});

describe("gather", () => {
  test("values along dim 0 and 1, from a non-contiguous view", () => {
    const x = tensor([[1, 2], [3, 4]]);
    expect(gather(x, 1, idx([[0, 0], [1, 0]])).tolist()).toEqual([[1, 1], [4, 3]]);
    expect(gather(x, 0, idx([[1, 0], [0, 0]])).tolist()).toEqual([[3, 2], [1, 2]]);
    expect(x.gather(1, idx([[1], [0]])).tolist()).toEqual([[2], [3]]);
    expect(gather(x.t(), 1, idx([[1, 1, 0]])).tolist()).toEqual([[3, 3, 1]]);
    expect(gather(tensor([[5, 6, 7]]), 1, idx([[2, 0, 1, 2]])).tolist()).toEqual([[7, 5, 6, 7]]);
  });
  test("errors: dtype, range, negative, shapes", () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(() => gather(x, 1, tensor([[0]]))).toThrow("gather: index must be an int32 tensor, got float32 (convert with .int())");
    expect(() => gather(x, 1, idx([[0, 3]]))).toThrow("gather: index 3 is out of bounds for dimension 1 with size 3");
    expect(() => gather(x, 0, idx([[-1]]))).toThrow("gather: index -1 is out of bounds for dimension 0 with size 2 (negative indices are not supported)");
    expect(() => gather(x, 0, idx([[0, 0, 0, 0]]))).toThrow(/gather: size of index \[1,4\] exceeds the input \[2,3\] at dimension 1 \(4 > 3\)/);
    expect(() => gather(x, 0, idx([0]))).toThrow(/gather: index \[1\] must have the same number of dimensions as input \[2,3\]/);
    expect(() => gather(x, 2, idx([[0]]))).toThrow(/gather: dim 2 is out of range/);
  });
  test("gradient scatters (repeated indices accumulate) and double backward", () => {
    const x = f64([3, 4]);
    const index = idx([[0, 2, 2], [1, 1, 0]]);
    expect(gradcheck((t) => gather(t!, 0, index), [x])).toBe(true);
    expect(gradgradcheck((t) => gather(t!, 1, index), [x])).toBe(true);
    const y = tensor([1, 2, 3], { dtype: "float64", requiresGrad: true });
    gather(y, 0, idx([2, 2, 0])).sum().backward();
    expect(y.grad!.tolist()).toEqual([1, 0, 2]);
  });
});

describe("scatterAdd", () => {
  test("values: repeated indices accumulate, input is not modified", () => {
    const x = zeros([2, 3]);
    const r = scatterAdd(x, 1, idx([[0, 0, 2], [1, 1, 1]]), tensor([[1, 2, 3], [4, 5, 6]]));
    expect(r.tolist()).toEqual([[3, 0, 3], [0, 15, 0]]);
    expect(x.tolist()).toEqual([[0, 0, 0], [0, 0, 0]]);
    const s = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(scatterAdd(zeros([3, 3]), 0, idx([[2, 0]]), s).tolist()).toEqual([[0, 2, 0], [0, 0, 0], [1, 0, 0]]);
    expect(zeros([3]).scatterAdd(0, idx([1, 1]), tensor([5, 6, 7])).tolist()).toEqual([0, 11, 0]);
  });
  test("errors", () => {
    const x = zeros([2, 3]);
    expect(() => scatterAdd(x, 1, idx([[3]]), zeros([1, 1]))).toThrow("scatterAdd: index 3 is out of bounds for dimension 1 with size 3");
    expect(() => scatterAdd(x, 1, idx([[0]]), zeros([1, 1], { dtype: "float64" }))).toThrow(/scatterAdd: expected src and input to have the same dtype, but got float64 and float32/);
    expect(() => scatterAdd(x, 1, idx([[0, 0]]), zeros([1, 1]))).toThrow(/scatterAdd: size of index \[1,2\] exceeds src \[1,1\] at dimension 1/);
    expect(() => scatterAdd(x, 1, tensor([[0]]), zeros([1, 1]))).toThrow(/scatterAdd: index must be an int32 tensor/);
    expect(() => scatterAdd(x, 1, idx([[0]]), zeros([1]))).toThrow(/scatterAdd: src \[1\] must have the same number of dimensions as input \[2,3\]/);
  });
  test("gradients w.r.t. input and src (src larger than index)", () => {
    const index = idx([[0, 2], [1, 1]]);
    expect(gradcheck((x, s) => scatterAdd(x!, 1, index, s!), [f64([2, 3]), f64([2, 2])])).toBe(true);
    expect(gradcheck((x, s) => scatterAdd(x!, 0, idx([[1, 0]]), s!), [f64([2, 2]), f64([3, 3])])).toBe(true);
    expect(gradgradcheck((x, s) => scatterAdd(x!, 0, idx([[1, 0]]), s!), [f64([2, 2]), f64([3, 3])])).toBe(true);
  });
});

describe("indexSelect and indexAdd", () => {
  test("indexSelect values", () => {
    const x = tensor([[1, 2], [3, 4], [5, 6]]);
    expect(indexSelect(x, 0, idx([2, 0, 2])).tolist()).toEqual([[5, 6], [1, 2], [5, 6]]);
    expect(x.indexSelect(1, idx([1])).tolist()).toEqual([[2], [4], [6]]);
    expect(indexSelect(x, 0, tensor(1, { dtype: "int32" })).tolist()).toEqual([[3, 4]]);
    expect(indexSelect(x, 0, idx([])).shape).toEqual([0, 2]);
    expect(indexSelect(tensor(7), 0, idx([0])).shape).toEqual([]);
    const wide = randn([3, 40], { generator: gen });
    expect(indexSelect(wide, 0, idx([2])).tolist()).toEqual((wide.tolist() as number[][]).slice(2));
  });
  test("indexAdd values and alpha", () => {
    const r = indexAdd(zeros([3, 2]), 0, idx([0, 2, 0]), tensor([[1, 1], [2, 2], [3, 3]]));
    expect(r.tolist()).toEqual([[4, 4], [0, 0], [2, 2]]);
    expect(tensor([1, 1]).indexAdd(0, idx([1]), tensor([5]), { alpha: -2 }).tolist()).toEqual([1, -9]);
  });
  test("errors", () => {
    const x = zeros([3, 2]);
    expect(() => indexSelect(x, 0, idx([3]))).toThrow("indexSelect: index 3 is out of bounds for dimension 0 with size 3");
    expect(() => indexSelect(x, 0, idx([-1]))).toThrow(/indexSelect: index -1 is out of bounds for dimension 0 with size 3 \(negative indices are not supported\)/);
    expect(() => indexSelect(x, 0, idx([[0]]))).toThrow("indexSelect: index must be a vector (0-D or 1-D), got shape [1,1]");
    expect(() => indexSelect(x, 0, tensor([0]))).toThrow("indexSelect: index must be an int32 tensor, got float32 (convert with .int())");
    expect(() => indexSelect(tensor(1), 0, idx([0, 0]))).toThrow("indexSelect: index into a 0-dim tensor must have exactly 1 value, got 2");
    expect(() => indexAdd(x, 0, idx([0]), zeros([2, 2]))).toThrow("indexAdd: source has shape [2,2] but expected [1,2] (input [3,2] with dimension 0 of size 1)");
    expect(() => indexAdd(x, 1, idx([2]), zeros([3, 1]))).toThrow("indexAdd: index 2 is out of bounds for dimension 1 with size 2");
    expect(() => indexAdd(x, 0, idx([0]), zeros([1, 2]), { alpha: "2" as unknown as number })).toThrow(/indexAdd: alpha must be a number/);
  });
  test("gradients: repeated indices accumulate", () => {
    const x = tensor([[1, 2], [3, 4]], { dtype: "float64", requiresGrad: true });
    indexSelect(x, 0, idx([1, 1, 0])).sum().backward();
    expect(x.grad!.tolist()).toEqual([[1, 1], [2, 2]]);
    const i3 = idx([2, 0, 2, 1]);
    expect(gradcheck((t) => indexSelect(t!, 1, i3), [f64([2, 3])])).toBe(true);
    expect(gradgradcheck((t) => indexSelect(t!, 0, idx([1, 1])), [f64([2, 3])])).toBe(true);
    expect(gradcheck((t, s) => indexAdd(t!, 0, idx([1, 1, 0]), s!, { alpha: 0.5 }), [f64([2, 3]), f64([3, 3])])).toBe(true);
    expect(gradgradcheck((t, s) => indexAdd(t!, 1, idx([0, 0]), s!), [f64([2, 3]), f64([2, 2])])).toBe(true);
  });
  test("property: indexSelect equals stacking the selected rows", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 6 }), (rows) => {
        const x = randn([4, 3], { dtype: "float64", generator: gen });
        const got = indexSelect(x, 0, idx(rows)).tolist();
        const want = stack(rows.map((r) => x.select(0, r))).tolist();
        expect(got).toEqual(want);
        const g = gather(x, 0, idx(rows.map((r) => [r, r, r])));
        expect(g.tolist()).toEqual(want);
      }),
      { numRuns: 60 },
    );
  });
});
