import { describe, expect, test } from "vitest";
import { Tensor, setDefaultDtype, tensor } from "@tapegrad/core";
import { defaultCollate } from "@tapegrad/data";

describe("defaultCollate", () => {
  test("tensors are stacked along a new first dimension", () => {
    const b = defaultCollate([tensor([1, 2]), tensor([3, 4]), tensor([5, 6])]);
    expect(b).toBeInstanceOf(Tensor);
    expect(b.shape).toEqual([3, 2]);
    expect(b.tolist()).toEqual([[1, 2], [3, 4], [5, 6]]);
    const scalars = defaultCollate([tensor(1, { dtype: "int32" }), tensor(2, { dtype: "int32" })]);
    expect(scalars.shape).toEqual([2]);
    expect(scalars.dtype).toBe("int32");
  });

  test("views (non-contiguous too) are stacked by value; mixed dtypes promote as stack does", () => {
    const m = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(defaultCollate([m.t(), m.select(0, 1).unsqueeze(1).expand(3, 2)]).tolist()).toEqual([[[1, 4], [2, 5], [3, 6]], [[4, 4], [5, 5], [6, 6]]]);
    const mixed = defaultCollate([tensor([1], { dtype: "int32" }), tensor([0.5], { dtype: "float64" })]);
    expect(mixed.dtype).toBe("float64");
    expect(mixed.tolist()).toEqual([[1], [0.5]]);
  });

  test("stacking keeps the graph: gradients flow back to the samples", () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { requiresGrad: true });
    defaultCollate([a, b]).mul(tensor([[1, 1], [2, 2]])).sum().backward();
    expect(a.grad?.tolist()).toEqual([1, 1]);
    expect(b.grad?.tolist()).toEqual([2, 2]);
  });

  test("numbers: int32 when all are integers, else the default float dtype; booleans: bool", () => {
    const ints = defaultCollate([0, 3, -2]);
    expect(ints.dtype).toBe("int32");
    expect(ints.tolist()).toEqual([0, 3, -2]);
    const floats = defaultCollate([0.5, 3, 1]);
    expect(floats.dtype).toBe("float32");
    expect(floats.tolist()).toEqual([0.5, 3, 1]);
    expect(defaultCollate([2 ** 31, 0]).dtype).toBe("float32"); // outside int32's range
    setDefaultDtype("float64");
    try {
      expect(defaultCollate([0.25]).dtype).toBe("float64");
    } finally {
      setDefaultDtype("float32");
    }
    const bools = defaultCollate([true, false]);
    expect(bools.dtype).toBe("bool");
    expect(bools.tolist()).toEqual([true, false]);
  });

  test("strings stay a list; typed arrays become a [B, length] tensor of their dtype", () => {
    expect(defaultCollate(["cat", "dog"])).toEqual(["cat", "dog"]);
    const f = defaultCollate([new Float64Array([1, 2, 3]), new Float64Array([4, 5, 6])]);
    expect(f.shape).toEqual([2, 3]);
    expect(f.dtype).toBe("float64");
    expect(defaultCollate([new Int32Array([1]), new Int32Array([2])]).dtype).toBe("int32");
    const u8 = defaultCollate([new Uint8Array([255, 0])]);
    expect(u8.dtype).toBe("float32");
    expect(u8.tolist()).toEqual([[255, 0]]);
  });

  test("nested objects and arrays are collated per key and position", () => {
    const batch = defaultCollate([
      { image: tensor([[1, 2]]), label: 0, meta: { name: "a", pair: [1, 0.5] as [number, number] } },
      { image: tensor([[3, 4]]), label: 1, meta: { name: "b", pair: [2, 1.5] as [number, number] } },
    ]);
    expect(batch.image.shape).toEqual([2, 1, 2]);
    expect(batch.label.tolist()).toEqual([0, 1]);
    expect(batch.label.dtype).toBe("int32");
    expect(batch.meta.name).toEqual(["a", "b"]);
    expect(batch.meta.pair[0].dtype).toBe("int32");
    expect(batch.meta.pair[0].tolist()).toEqual([1, 2]);
    expect(batch.meta.pair[1].tolist()).toEqual([0.5, 1.5]);
    const tuples = defaultCollate([[tensor([1]), 7] as [Tensor, number], [tensor([2]), 8] as [Tensor, number]]);
    expect(tuples[0].tolist()).toEqual([[1], [2]]);
    expect(tuples[1].tolist()).toEqual([7, 8]);
  });

  test("mismatches name the sample and the path inside it", () => {
    expect(() => defaultCollate([])).toThrow(new TypeError("defaultCollate: the batch is empty"));
    expect(() => defaultCollate("ab" as never)).toThrow(/batch must be an array of samples, got "ab"/);
    expect(() => defaultCollate([tensor([1, 2]), tensor([1, 2, 3])])).toThrow(
      new RangeError("defaultCollate: tensors of different shapes cannot be stacked: sample 0 has [2], sample 1 has [3]"),
    );
    expect(() => defaultCollate([{ x: { y: [1, 2] } }, { x: { y: [1, "2"] } }] as never)).toThrow(
      new TypeError("defaultCollate: sample 1 has a string at .x.y[1] where sample 0 has a number"),
    );
    expect(() => defaultCollate([{ a: 1 }, { b: 1 }] as never)).toThrow(/sample 1 lacks key "a" \(sample 0 has keys \["a"\]\)/);
    expect(() => defaultCollate([{ a: 1 }, { a: 1, b: 2 }] as never)).toThrow(/sample 1 has the extra key "b"/);
    expect(() => defaultCollate([[1, 2], [1]])).toThrow(/each array in the batch should be of equal size: sample 0 has length 2, sample 1 has length 1/);
    expect(() => defaultCollate([null, null])).toThrow(/a batch must contain tensors, numbers, booleans, strings, typed arrays, arrays or plain objects; found null/);
    expect(() => defaultCollate([{ d: new Date(0) }])).toThrow(/found a Date at .d/);
    expect(() => defaultCollate([new Float32Array(2), new Float32Array(3)])).toThrow(/typed arrays of different lengths/);
  });
});
