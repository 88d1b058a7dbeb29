import { describe, expect, test } from "vitest";
import { Generator, Tensor, arange, tensor } from "@tapegrad/core";
import { ConcatDataset, Dataset, Subset, TensorDataset, randomSplit, splitLengths } from "@tapegrad/data";

class Squares extends Dataset<[number, number]> {
  constructor(private readonly n: number) {
    super();
  }
  get length(): number {
    return this.n;
  }
  get(i: number): [number, number] {
    return [i, i * i];
  }
}

describe("TensorDataset", () => {
  test("sample i is the i-th row of each tensor (views)", () => {
    const x = arange(12).reshape(4, 3).float();
    const y = tensor([0, 1, 2, 3], { dtype: "int32" });
    const ds = new TensorDataset(x, y);
    expect(ds.length).toBe(4);
    const [xi, yi] = ds.get(2);
    expect(xi.shape).toEqual([3]);
    expect(xi.tolist()).toEqual([6, 7, 8]);
    expect(yi.shape).toEqual([]);
    expect(yi.dtype).toBe("int32");
    expect(yi.item()).toBe(2);
    expect(ds.tensors).toHaveLength(2);
  });

  test("bad arguments", () => {
    expect(() => new TensorDataset()).toThrow(/TensorDataset: expected at least one tensor/);
    expect(() => new TensorDataset(tensor(1))).toThrow(/argument 0 is 0-dimensional/);
    expect(() => new TensorDataset(tensor([1, 2]), [1, 2] as unknown as Tensor)).toThrow(/argument 1 must be a Tensor, got an array of length 2/);
    expect(() => new TensorDataset(tensor([1, 2]), tensor([1, 2, 3]))).toThrow(/size mismatch between tensors: argument 0 has shape \[2\], argument 1 has shape \[3\]/);
    const ds = new TensorDataset(tensor([1, 2]));
    expect(() => ds.get(2)).toThrow(new RangeError("TensorDataset.get: index 2 is out of range for a dataset of length 2"));
    expect(() => ds.get(-1)).toThrow(/index -1 is out of range/);
    expect(() => ds.get(0.5)).toThrow(/index 0.5 is out of range/);
  });
});

describe("Subset and ConcatDataset", () => {
  test("Subset maps its indices (array or int32 tensor) onto the dataset", () => {
    const base = new Squares(10);
    const s = new Subset(base, [9, 0, 4]);
    expect(s.length).toBe(3);
    expect([0, 1, 2].map((i) => s.get(i))).toEqual([[9, 81], [0, 0], [4, 16]]);
    const t = new Subset(base, tensor([3, 1], { dtype: "int32" }));
    expect(t.get(0)).toEqual([3, 9]);
    expect(new Subset(["a", "b", "c"], [2]).get(0)).toBe("c");
  });

  test("Subset rejects bad indices at construction", () => {
    expect(() => new Subset(new Squares(3), [0, 3])).toThrow(/Subset: indices\[1\] = 3 is not an integer in \[0, 3\)/);
    expect(() => new Subset(new Squares(3), [1.5])).toThrow(/indices\[0\] = 1.5/);
    expect(() => new Subset(new Squares(3), tensor([0, 1]))).toThrow(/indices tensor must be 1-D int32/);
    expect(() => new Subset({} as never, [0])).toThrow(/Subset: dataset must be a map-style dataset/);
    expect(() => new Subset(new Squares(3), [0]).get(1)).toThrow(/Subset.get: index 1 is out of range for a dataset of length 1/);
  });

  test("ConcatDataset reads the datasets one after another", () => {
    const c = new ConcatDataset<unknown>([new Squares(2), ["x"], new Squares(3)]);
    expect(c.length).toBe(6);
    expect(c.cumulativeSizes).toEqual([2, 3, 6]);
    expect(Array.from({ length: 6 }, (_, i) => c.get(i))).toEqual([[0, 0], [1, 1], "x", [0, 0], [1, 1], [2, 4]]);
    const withEmpty = new ConcatDataset<unknown>([[], [1, 2], [], [3]]);
    expect(Array.from({ length: withEmpty.length }, (_, i) => withEmpty.get(i))).toEqual([1, 2, 3]);
    expect(() => c.get(6)).toThrow(/ConcatDataset.get: index 6 is out of range for a dataset of length 6/);
    expect(() => new ConcatDataset([])).toThrow(/ConcatDataset: datasets must be a non-empty array/);
    expect(() => new ConcatDataset([[1], 5 as never])).toThrow(/ConcatDataset \(datasets\[1\]\): dataset must be a map-style dataset/);
  });
});

describe("randomSplit", () => {
  test("fractions: floor, then the remainder round-robin", () => {
    expect(splitLengths(10, [0.8, 0.2])).toEqual([8, 2]);
    expect(splitLengths(10, [0.33, 0.33, 0.34])).toEqual([4, 3, 3]);
    expect(randomSplit(new Squares(7), [0.5, 0.5]).map((s) => s.length)).toEqual([4, 3]);
  });

  test("the parts are disjoint and cover the dataset; the generator fixes them", () => {
    const data = Array.from({ length: 23 }, (_, i) => i);
    const split = (seed: number): number[][] =>
      randomSplit(data, [10, 8, 5], { generator: new Generator(seed) }).map((s) => Array.from({ length: s.length }, (_, i) => s.get(i)));
    const a = split(1);
    expect(a.map((p) => p.length)).toEqual([10, 8, 5]);
    expect(a.flat().sort((x, y) => x - y)).toEqual(data);
    expect(split(1)).toEqual(a);
    expect(split(2)).not.toEqual(a);
  });

  test("bad lengths throw and name the problem", () => {
    expect(() => randomSplit([1, 2, 3], [1, 1])).toThrow(new RangeError("randomSplit: the lengths sum to 2, but the dataset has 3 samples"));
    expect(() => randomSplit([1, 2, 3], [1.5, 1.5])).toThrow(/lengths\[0\] = 1.5 must be a non-negative integer count/);
    expect(() => randomSplit([1, 2, 3], [1.5, -0.5])).toThrow(/fraction at index 0 is not between 0 and 1, got 1.5/);
    expect(() => randomSplit([1, 2, 3], [])).toThrow(/lengths must be a non-empty array/);
    expect(() => randomSplit([1, 2, 3], [Number.NaN] as number[])).toThrow(/lengths\[0\] must be a finite number, got NaN/);
    expect(() => randomSplit([1], [1], { generator: 3 as never })).toThrow(/randomSplit: generator must be a Generator, got 3/);
  });
});
