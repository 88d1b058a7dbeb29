import { describe, expect, test } from "vitest";
import {
  Generator, Tensor, add, arange, eye, full, fullLike, linspace, manualSeed, ones, onesLike, rand, randint, randn, scalar, setDefaultDtype,
  tensor, where, zeros, zerosLike,
} from "@tapegrad/core";

describe("tensor() from JS data", () => {
  test("nested arrays give the shape and row-major values; numbers default to float32", () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe("float32");
    expect(t.tolist()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(Array.from(t.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(t.isLeaf).toBe(true);
    expect(t.requiresGrad).toBe(false);
  });

  test("scalars, empty arrays and deep nesting", () => {
    const s = tensor(5);
    expect(s.shape).toEqual([]);
    expect(s.item()).toBe(5);
    expect(tensor(true).dtype).toBe("bool");
    expect(tensor(true).item()).toBe(1);
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([[]]).shape).toEqual([1, 0]);
    expect(tensor([[[1], [2]]]).shape).toEqual([1, 2, 1]);
  });

  test("values are rounded once to float32", () => {
    expect(tensor([0.1]).item()).toBe(Math.fround(0.1));
    expect(tensor([0.1], { dtype: "float64" }).item()).toBe(0.1);
    expect(tensor([1.9, -1.9], { dtype: "int32" }).tolist()).toEqual([1, -1]); // truncation, as torch
  });

  test("typed arrays are copied and set the dtype", () => {
    const src = new Float64Array([1.5, 2.5]);
    const t = tensor(src);
    expect(t.dtype).toBe("float64");
    src[0] = 99;
    expect(t.tolist()).toEqual([1.5, 2.5]);
    expect(tensor(new Int32Array([1, 2])).dtype).toBe("int32");
    expect(tensor(new Float32Array([1, 2])).dtype).toBe("float32");
    expect(tensor(new Float64Array([1, 2]), { dtype: "float32" }).dtype).toBe("float32");
    const nested = tensor([new Float32Array([1, 2]), new Float32Array([3, 4])] as never);
    expect(nested.shape).toEqual([2, 2]);
    expect(nested.tolist()).toEqual([[1, 2], [3, 4]]);
  });

  test("booleans give a bool tensor; an explicit dtype converts", () => {
    const b = tensor([[true, false], [false, true]]);
    expect(b.dtype).toBe("bool");
    expect(b.tolist()).toEqual([[true, false], [false, true]]);
    expect(b.storage.data).toBeInstanceOf(Uint8Array);
    expect(tensor([true, false], { dtype: "float32" }).tolist()).toEqual([1, 0]);
    expect(tensor([2, 0, -1], { dtype: "bool" }).tolist()).toEqual([true, false, true]);
  });

  test("ragged arrays throw a RangeError naming the element", () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(new RangeError("tensor: ragged nested array: element [1] has length 1, expected 2"));
    expect(() => tensor([[1, 2], 3] as never)).toThrow(/element \[1\] is 3 where an array of length 2 was expected/);
    expect(() => tensor([1, [2]] as never)).toThrow(/element \[1\] has more dimensions than element \[0\]/);
    expect(() => tensor([[[1, 2], [3, 4]], [[5, 6], [7]]])).toThrow(/element \[1\]\[1\] has length 1, expected 2/);
    expect(() => tensor([new Float32Array([1, 2]), new Float32Array([3])] as never)).toThrow(RangeError);
  });

  test("bad values throw a TypeError naming the element", () => {
    expect(() => tensor([1, null] as never)).toThrow(new TypeError("tensor: element [1] must be a number or boolean, got null"));
    expect(() => tensor([[1, 2], [3, "x"]] as never)).toThrow(/element \[1\]\[1\] must be a number or boolean, got "x"/);
    expect(() => tensor([[1, 2], [3, {}]] as never)).toThrow(/element \[1\]\[1\] must be a number or boolean, got /);
    expect(() => tensor("abc" as never)).toThrow(/tensor: element value must be a number or boolean, got "abc"/);
    expect(() => tensor(undefined as never)).toThrow(TypeError);
  });

  test("options are validated", () => {
    expect(() => tensor([1], { dtype: "float16" as never })).toThrow(/tensor: dtype must be one of bool, int32, float32, float64, got "float16"/);
    expect(() => tensor([1], { dtype: "int32", requiresGrad: true })).toThrow(/only floating point tensors can require gradients, but dtype is int32/);
    expect(() => tensor([1], { requiresGrad: "yes" as never })).toThrow(/requiresGrad must be a boolean/);
    expect(tensor([1], { requiresGrad: true }).requiresGrad).toBe(true);
  });
});

describe("dtype inference and promotion", () => {
  const f32 = tensor([1, 2]);
  const f64 = tensor([1, 2], { dtype: "float64" });
  const i32 = tensor([1, 2], { dtype: "int32" });
  const b = tensor([true, false]);

  test("tensor with tensor: the wider dtype wins", () => {
    expect(f32.add(f64).dtype).toBe("float64");
    expect(f64.mul(f32).dtype).toBe("float64");
    expect(i32.add(f32).dtype).toBe("float32");
    expect(i32.add(f64).dtype).toBe("float64");
    expect(b.add(i32).dtype).toBe("int32");
    expect(b.mul(f32).dtype).toBe("float32");
    expect(b.logicalAnd(b).dtype).toBe("bool");
    expect(i32.add(i32).tolist()).toEqual([2, 4]);
  });

  test("JS numbers raise the category, never the width", () => {
    expect(f32.add(2.5).dtype).toBe("float32");
    expect(f64.add(2).dtype).toBe("float64");
    expect(i32.add(2).dtype).toBe("int32");
    expect(i32.add(2.5).dtype).toBe("float32");
    expect(i32.add(2.5).tolist()).toEqual([3.5, 4.5]);
    expect(b.add(2).dtype).toBe("int32");
    expect(b.add(2).tolist()).toEqual([3, 2]);
    expect(b.mul(1.5).dtype).toBe("float32");
    expect(add(2.5, i32).dtype).toBe("float32");
    // float32 + number: the number is used at float32 precision, and the result rounded once.
    expect(tensor([1]).add(0.1).item()).toBe(Math.fround(1 + Math.fround(0.1)));
  });

  test("the default dtype decides what a float number brings to an integer tensor", () => {
    setDefaultDtype("float64");
    try {
      expect(i32.add(0.5).dtype).toBe("float64");
      expect(tensor([1]).dtype).toBe("float64");
      expect(f32.add(0.5).dtype).toBe("float32");
    } finally {
      setDefaultDtype("float32");
    }
    expect(tensor([1]).dtype).toBe("float32");
  });

  test("0-dim tensors with dimensioned tensors: only a higher category counts", () => {
    const zf64 = tensor(1.5, { dtype: "float64" });
    const zf32 = tensor(1.5);
    const zi32 = tensor(3, { dtype: "int32" });
    expect(f32.add(zf64).dtype).toBe("float32");
    expect(zf64.add(f32).dtype).toBe("float32");
    expect(i32.add(zi32).dtype).toBe("int32");
    expect(b.add(zi32).dtype).toBe("int32");
    expect(i32.add(zf32).dtype).toBe("float32");
    // A 0-dim tensor of a higher category keeps its own dtype (PyTorch's combine_categories).
    expect(i32.add(zf64).dtype).toBe("float64");
    expect(i32.add(zf64).tolist()).toEqual([2.5, 3.5]);
    // Two 0-dim tensors promote normally.
    expect(zf32.add(zf64).dtype).toBe("float64");
    expect(zf32.add(zf64).shape).toEqual([]);
  });

  test("where, division and comparisons", () => {
    expect(where(tensor([true, false]), i32, f64).dtype).toBe("float64");
    expect(i32.div(i32).dtype).toBe("float32");
    expect(i32.div(tensor([2, 4], { dtype: "int32" })).tolist()).toEqual([0.5, 0.5]);
    expect(f64.gt(1).dtype).toBe("bool");
  });
});

describe("constant and range creators", () => {
  test("zeros, ones, full and the *Like variants", () => {
    expect(zeros([2, 3]).tolist()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(zeros([2]).dtype).toBe("float32");
    expect(ones([2], { dtype: "int32" }).tolist()).toEqual([1, 1]);
    expect(ones([]).shape).toEqual([]);
    expect(zeros([0, 3]).numel()).toBe(0);
    expect(full([2], 7).tolist()).toEqual([7, 7]);
    expect(full([2], true).dtype).toBe("bool");
    expect(full([1], 0.1, { dtype: "float64" }).item()).toBe(0.1);
    const ref = tensor([[1, 2]], { dtype: "float64" });
    expect(zerosLike(ref).dtype).toBe("float64");
    expect(zerosLike(ref).shape).toEqual([1, 2]);
    expect(onesLike(ref, { dtype: "int32" }).dtype).toBe("int32");
    expect(fullLike(ref, 3).tolist()).toEqual([[3, 3]]);
    expect(scalar(2, "int32").shape).toEqual([]);
    expect(zeros([2], { requiresGrad: true }).requiresGrad).toBe(true);
  });

  test("arange: int32 for integer arguments, floats otherwise", () => {
    expect(arange(5).tolist()).toEqual([0, 1, 2, 3, 4]);
    expect(arange(5).dtype).toBe("int32");
    expect(arange(2, 5).tolist()).toEqual([2, 3, 4]);
    expect(arange(5, 0, -2).tolist()).toEqual([5, 3, 1]);
    expect(arange(0, 1, 0.25).tolist()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(arange(0, 1, 0.25).dtype).toBe("float32");
    expect(arange(3, undefined, 1, { dtype: "float64" }).dtype).toBe("float64");
    expect(arange(0).shape).toEqual([0]);
    expect(() => arange(1, 0)).toThrow(/arange: upper bound 0 and lower bound 1 inconsistent with step sign 1/);
    expect(() => arange(0, 1, 0)).toThrow(/arange: step must be non-zero/);
    expect(() => arange(NaN)).toThrow(/arange: end must be a finite number, got NaN/);
  });

  test("linspace includes both ends", () => {
    expect(linspace(0, 1, 5).tolist()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(linspace(-1, 1, 3, { dtype: "float64" }).tolist()).toEqual([-1, 0, 1]);
    const l = linspace(0, 1, 7, { dtype: "float64" }).tolist() as number[];
    expect(l[0]).toBe(0);
    expect(l[6]).toBe(1);
    expect(linspace(0, 1, 0).shape).toEqual([0]);
    // torch.linspace(0, 1, 1) is [0] (start), not [1].
    expect(linspace(0, 1, 1).tolist()).toEqual([0]);
    expect(linspace(3, -2, 1).tolist()).toEqual([3]);
    expect(() => linspace(0, 1, -1)).toThrow(/linspace: steps must be a non-negative integer, got -1/);
    expect(() => linspace(0, 1, 2.5)).toThrow(/steps must be a non-negative integer, got 2.5/);
  });

  test("eye", () => {
    expect(eye(2).tolist()).toEqual([[1, 0], [0, 1]]);
    expect(eye(2, 3).tolist()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(eye(3, 2, { dtype: "int32" }).tolist()).toEqual([[1, 0], [0, 1], [0, 0]]);
    expect(eye(0).shape).toEqual([0, 0]);
    expect(() => eye(-1)).toThrow(/eye: shape must contain non-negative integers, got -1/);
  });

  test("negative and non-integer shapes are rejected, naming the function", () => {
    expect(() => zeros([-1])).toThrow(new RangeError("zeros: shape must contain non-negative integers, got -1 in [-1]"));
    expect(() => ones([2, -3])).toThrow(/ones: shape must contain non-negative integers, got -3 in \[2,-3\]/);
    expect(() => full([2.5], 1)).toThrow(/full: shape must contain non-negative integers, got 2.5/);
    expect(() => zeros(3 as never)).toThrow(/zeros: shape must be an array of integers, got 3/);
    expect(() => zeros(["2"] as never)).toThrow(/zeros: shape must contain non-negative integers, got "2"/);
    expect(() => rand([-1])).toThrow(/rand: shape must contain non-negative integers/);
    expect(() => randn([1.5])).toThrow(/randn: shape must contain non-negative integers, got 1.5/);
    expect(() => randint(0, 5, [-2])).toThrow(/randint: shape must contain non-negative integers, got -2/);
    expect(() => full([2], "x" as never)).toThrow(/full: value must be a number or boolean, got "x"/);
  });
});

describe("random creators", () => {
  const values = (t: Tensor): number[] => Array.from(t.dataSync());

  test("manualSeed makes rand, randn and randint reproducible", () => {
    manualSeed(1234);
    const a = [values(rand([5])), values(randn([4], { dtype: "float64" })), values(randint(0, 10, [6]))];
    manualSeed(1234);
    const b = [values(rand([5])), values(randn([4], { dtype: "float64" })), values(randint(0, 10, [6]))];
    expect(b).toEqual(a);
    manualSeed(1235);
    expect(values(rand([5]))).not.toEqual(a[0]);
  });

  test("a separate Generator has its own stream and leaves the global one alone", () => {
    manualSeed(7);
    const expected = values(rand([3]));
    manualSeed(7);
    const g1 = new Generator(99);
    const fromG1 = values(randn([3], { generator: g1 }));
    expect(values(rand([3]))).toEqual(expected);
    const g2 = new Generator(99);
    expect(values(randn([3], { generator: g2 }))).toEqual(fromG1);
    expect(() => rand([2], { generator: {} as never })).toThrow(/rand: generator must be a Generator/);
  });

  test("rand is in [0, 1) with the requested dtype; randn is roughly standard normal", () => {
    manualSeed(0);
    const u = rand([2000], { dtype: "float64" });
    expect(u.dtype).toBe("float64");
    const uv = values(u);
    expect(Math.min(...uv)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...uv)).toBeLessThan(1);
    const n = values(randn([4000], { dtype: "float64" }));
    const mean = n.reduce((s, v) => s + v, 0) / n.length;
    const variance = n.reduce((s, v) => s + (v - mean) ** 2, 0) / n.length;
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(Math.abs(variance - 1)).toBeLessThan(0.1);
    expect(rand([2]).dtype).toBe("float32");
    expect(() => randn([2], { dtype: "int32" })).toThrow(/randn: dtype must be float32 or float64, got int32/);
    expect(() => rand([2], { dtype: "bool" })).toThrow(/rand: dtype must be float32 or float64, got bool/);
  });

  test("randint stays in [low, high) and reaches every value", () => {
    manualSeed(3);
    const r = randint(-2, 3, [500]);
    expect(r.dtype).toBe("int32");
    const v = values(r);
    expect(new Set(v)).toEqual(new Set([-2, -1, 0, 1, 2]));
    expect(values(randint(5, 6, [10]))).toEqual(new Array(10).fill(5));
    expect(randint(0, 4, [3], { dtype: "float64" }).dtype).toBe("float64");
    expect(() => randint(3, 3, [2])).toThrow(/randint: high \(3\) must be greater than low \(3\)/);
    expect(() => randint(0, 2.5, [2])).toThrow(/randint: low and high must be integers, got 0 and 2.5/);
  });

  test("manualSeed rejects non-integers", () => {
    expect(() => manualSeed(1.5)).toThrow(/manualSeed: seed must be an integer, got 1.5/);
  });
});
