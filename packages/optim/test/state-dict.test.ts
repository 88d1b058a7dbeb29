// Unit tests of the internal state-dict helpers (not part of the package's public exports).
import { Tensor, tensor, zeros } from "@tapegrad/core";
import { describe, expect, test } from "vitest";
import {
  castStateValue,
  checkStateShapes,
  copyTensor,
  deepCopy,
  describeValue,
  isPlainObject,
  packStateDict,
  parseStateDict,
} from "../src/state-dict.js";

describe("isPlainObject / describeValue", () => {
  test("only object literals and null-prototype objects are plain", () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    expect(isPlainObject([])).toBe(false);
    expect(isPlainObject(null)).toBe(false);
    expect(isPlainObject(new Map())).toBe(false);
    expect(isPlainObject(tensor([1]))).toBe(false);
    expect(isPlainObject("x")).toBe(false);
  });

  test("describes values for error messages", () => {
    expect(describeValue("a")).toBe('"a"');
    expect(describeValue(1.5)).toBe("1.5");
    expect(describeValue(null)).toBe("null");
    expect(describeValue(undefined)).toBe("undefined");
    expect(describeValue([1, 2])).toBe("an array of length 2");
    expect(describeValue({})).toBe("an object");
    expect(describeValue(new Map())).toBe("a Map");
    expect(describeValue(() => 1)).toBe("a function");
    expect(describeValue(Symbol("s"))).toBe("Symbol(s)");
    expect(describeValue(zeros([2, 3], { dtype: "float64" }))).toBe("a float64 Tensor of shape [2,3]");
  });
});

describe("copyTensor / deepCopy", () => {
  test("copies have their own storage and the same values", () => {
    const t = tensor([[1, 2], [3, 4]]);
    const c = copyTensor(t);
    expect(c).not.toBe(t);
    expect(c.tolist()).toEqual([[1, 2], [3, 4]]);
    t.fill_(0);
    expect(c.tolist()).toEqual([[1, 2], [3, 4]]);
  });

  test("converts the dtype when asked", () => {
    const c = copyTensor(tensor([0.1, 0.5]), "float64");
    expect(c.dtype).toBe("float64");
    expect(c.tolist()).toEqual([Math.fround(0.1), 0.5]);
  });

  test("a view is copied as its own elements", () => {
    const base = tensor([[1, 2, 3], [4, 5, 6]]);
    const c = copyTensor(base.T);
    expect(c.shape).toEqual([3, 2]);
    expect(c.tolist()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(c.isContiguous()).toBe(true);
  });

  test("a leaf requiring grad stays one; a non-leaf becomes a detached leaf", () => {
    const leaf = tensor([1], { requiresGrad: true });
    const c = copyTensor(leaf);
    expect(c.requiresGrad).toBe(true);
    expect(c.isLeaf).toBe(true);
    const nonLeaf = leaf.mul(2);
    const d = copyTensor(nonLeaf);
    expect(d.isLeaf).toBe(true);
    expect(d.requiresGrad).toBe(false);
    expect(d.tolist()).toEqual([2]);
  });

  test("deepCopy copies tensors, arrays and plain objects, keeps other values", () => {
    const inner = tensor([1, 2]);
    const map = new Map();
    const fn = () => 1;
    const value = { a: [inner, { b: inner, n: 3 }], s: "x", m: map, f: fn, u: undefined, z: null };
    const copy = deepCopy(value) as typeof value;
    expect(copy).not.toBe(value);
    expect(copy.a).not.toBe(value.a);
    expect(copy.a[0]).not.toBe(inner);
    expect((copy.a[0] as Tensor).tolist()).toEqual([1, 2]);
    expect((copy.a[1] as { b: Tensor }).b).not.toBe(inner);
    expect((copy.a[1] as { n: number }).n).toBe(3);
    expect(copy.m).toBe(map);
    expect(copy.f).toBe(fn);
    expect(Object.keys(copy)).toEqual(["a", "s", "m", "f", "u", "z"]);
    expect(copy.z).toBeNull();
  });
});

describe("castStateValue", () => {
  const p32 = tensor([1, 2]);
  const p64 = tensor([1, 2], { dtype: "float64" });

  test("floating tensors take the param's dtype, except under the key step", () => {
    const out = castStateValue(p64, { buf: tensor([0.5, 1]), step: tensor(2), n: 4 }) as Record<string, unknown>;
    expect((out.buf as Tensor).dtype).toBe("float64");
    expect((out.step as Tensor).dtype).toBe("float32");
    expect(out.n).toBe(4);
    const down = castStateValue(p32, { buf: tensor([0.1, 0.2], { dtype: "float64" }) }) as Record<string, Tensor>;
    expect(down.buf!.dtype).toBe("float32");
    expect(down.buf!.tolist()).toEqual([Math.fround(0.1), Math.fround(0.2)]);
  });

  test("integer and bool tensors keep their dtype", () => {
    const out = castStateValue(p64, { idx: tensor([1, 2], { dtype: "int32" }), mask: tensor([true, false]) }) as Record<string, Tensor>;
    expect(out.idx!.dtype).toBe("int32");
    expect(out.mask!.dtype).toBe("bool");
  });

  test("the key goes one level into objects; array elements have no key (as PyTorch)", () => {
    const out = castStateValue(p64, { outer: { step: tensor(1), x: tensor(1) }, step: [tensor(1)] }) as {
      outer: Record<string, Tensor>;
      step: Tensor[];
    };
    expect(out.outer.step!.dtype).toBe("float32");
    expect(out.outer.x!.dtype).toBe("float64");
    expect(out.step[0]!.dtype).toBe("float64");
  });

  test("every tensor is copied, even without a conversion", () => {
    const buf = tensor([3, 4]);
    const out = castStateValue(p32, { buf }) as Record<string, Tensor>;
    expect(out.buf).not.toBe(buf);
    expect(out.buf!.tolist()).toEqual([3, 4]);
  });
});

describe("packStateDict", () => {
  test("groups [[a, b], [c]] get ids [0, 1] and [2]; params is the last key; state keys in id order", () => {
    const [a, b, c] = [tensor([1]), tensor([2]), tensor([3])];
    const sa = { x: 1 };
    const sc = { x: 2 };
    const state = new Map([[c, sc], [a, sa]]);
    const sd = packStateDict([{ params: [a, b], lr: 1 }, { lr: 2, params: [c], extra: "e" }], state, "t");
    expect(sd.paramGroups).toEqual([{ lr: 1, params: [0, 1] }, { lr: 2, extra: "e", params: [2] }]);
    expect(Object.keys(sd.paramGroups[1]!)).toEqual(["lr", "extra", "params"]);
    expect(Object.keys(sd.state)).toEqual(["0", "2"]);
    expect(sd.state[2]).toBe(sc);
    expect(sd.state[0]).toBe(sa);
  });

  test("a duplicate in a group maps to its last position and the next group starts after all positions", () => {
    const [a, b, c] = [tensor([1]), tensor([2]), tensor([3])];
    const sd = packStateDict([{ params: [a, b, a] }, { params: [c] }], new Map(), "t");
    expect(sd.paramGroups.map((g) => g.params)).toEqual([[2, 1, 2], [3]]);
  });

  test("state for a tensor in no group is an error", () => {
    expect(() => packStateDict([{ params: [tensor([1])] }], new Map([[zeros([4]), {}]]), "X.stateDict")).toThrow(
      "X.stateDict: the optimizer holds state for a float32 tensor of shape [4] that is in no parameter group",
    );
  });
});

describe("parseStateDict / checkStateShapes", () => {
  test("returns groups, state entries in order and id positions", () => {
    const s1 = { v: 1 };
    const s0 = { v: 0 };
    const sd = { state: { 2: s1, 0: s0 }, paramGroups: [{ params: [1, 0] }, { params: [2] }] };
    const parsed = parseStateDict(sd, [2, 1], "t");
    expect(parsed.groups).toEqual(sd.paramGroups);
    // Integer-like keys enumerate in ascending order in JavaScript.
    expect(parsed.state).toEqual([[0, s0], [2, s1]]);
    expect([...parsed.positions]).toEqual([[1, [0, 0]], [0, [0, 1]], [2, [1, 0]]]);
  });

  test("accepts an optional, well-formed paramNames", () => {
    expect(() => parseStateDict({ state: {}, paramGroups: [{ params: [0], paramNames: ["w"] }] }, [1], "t")).not.toThrow();
    expect(() => parseStateDict({ state: {}, paramGroups: [{ params: [0], paramNames: [3] }] }, [1], "t")).toThrow(
      "t: stateDict.paramGroups[0].paramNames must be an array of 1 strings, got an array of length 1",
    );
  });

  test("state tensors must be 0-dim or have the param's shape", () => {
    const p = zeros([2, 3]);
    expect(() => checkStateShapes(p, 5, { step: tensor(1), buf: zeros([2, 3]), n: 3, list: [zeros([7])] }, "t")).not.toThrow();
    expect(() => checkStateShapes(p, 5, { buf: zeros([3, 2]) }, "t")).toThrow(
      't: state of parameter 5 has "buf" of shape [3,2], but the parameter has shape [2,3]',
    );
    expect(() => checkStateShapes(p, 1, { one: zeros([1]) }, "t")).toThrow(/"one" of shape \[1\]/);
  });
});
