import { inspect } from "node:util";
import { describe, expect, test } from "vitest";
import { Generator, format, getPrintOptions, randn, setPrintOptions, tensor, zeros } from "@tapegrad/core";

describe("tensor printing", () => {
  test("String(randn([100, 100])) is short: summarized with edge items", () => {
    const text = String(randn([100, 100], { generator: new Generator(0) }));
    expect(text.length).toBeLessThan(600);
    const lines = text.split("\n");
    expect(lines).toHaveLength(7);
    expect(lines[3]).toBe("        ...,");
    expect(lines[0]).toMatch(/^tensor\(\[\[ ?-?\d\.\d{4}, .*, {2}\.\.\., /);
    expect(lines.every((l) => l.length <= 80)).toBe(true);
  });

  test("a huge tensor prints quickly and only its edges", () => {
    const big = zeros([2000, 2000]);
    expect(format(big)).toBe(
      ["tensor([[0., 0., 0.,  ..., 0., 0., 0.],", "        [0., 0., 0.,  ..., 0., 0., 0.],", "        [0., 0., 0.,  ..., 0., 0., 0.],", "        ...,",
        "        [0., 0., 0.,  ..., 0., 0., 0.],", "        [0., 0., 0.,  ..., 0., 0., 0.],", "        [0., 0., 0.,  ..., 0., 0., 0.]])"].join("\n"),
    );
  });

  test("toString, Node's util.inspect and console.log share the printer", () => {
    const t = tensor([[1.5, 2]], { dtype: "float64", requiresGrad: true });
    const text = "tensor([[1.5000, 2.0000]], dtype=float64, requiresGrad=true)";
    expect(t.toString()).toBe(text);
    expect(inspect(t)).toBe(text);
    expect(`${t}`).toBe(text);
    expect(inspect({ w: tensor([1, 2]) })).toBe("{ w: tensor([1., 2.]) }");
  });

  test("views and non-contiguous tensors print their own elements", () => {
    const m = tensor([[1, 2, 3], [4, 5, 6]], { dtype: "int32" });
    expect(String(m.t())).toBe("tensor([[1, 4],\n        [2, 5],\n        [3, 6]])");
    expect(String(m.select(0, 1))).toBe("tensor([4, 5, 6])");
    expect(String(m.select(1, 2).select(0, 0))).toBe("tensor(3)");
  });

  test("per-call options override the global ones without changing them", () => {
    const t = tensor([0.123456, 2]);
    expect(format(t, { precision: 2 })).toBe("tensor([0.12, 2.00])");
    expect(getPrintOptions().precision).toBe(4);
    expect(String(t)).toBe("tensor([0.1235, 2.0000])");
  });

  test("setPrintOptions: profiles, sciMode kept until reset, getPrintOptions returns a copy", () => {
    const before = getPrintOptions();
    try {
      setPrintOptions({ profile: "short" });
      expect(getPrintOptions()).toEqual({ precision: 2, threshold: 1000, edgeitems: 2, linewidth: 80, sciMode: null });
      setPrintOptions({ sciMode: true });
      setPrintOptions({ precision: 3 });
      expect(getPrintOptions().sciMode).toBe(true);
      expect(String(tensor([1.5]))).toBe("tensor([1.500e+00])");
      setPrintOptions({ profile: "full", sciMode: null });
      expect(getPrintOptions().threshold).toBe(Number.POSITIVE_INFINITY);
      const copy = getPrintOptions();
      copy.precision = 9;
      expect(getPrintOptions().precision).toBe(4);
    } finally {
      setPrintOptions({ ...before, profile: "default" });
    }
    expect(getPrintOptions()).toEqual({ precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: null });
  });

  test("bad options throw, name the option and change nothing", () => {
    const before = getPrintOptions();
    expect(() => setPrintOptions({ precision: 2, linewidth: 0 })).toThrow(new RangeError("setPrintOptions: linewidth must be an integer >= 1, got 0"));
    expect(() => setPrintOptions({ precision: -1 })).toThrow(/precision must be an integer >= 0, got -1/);
    expect(() => setPrintOptions({ threshold: Number.NaN })).toThrow(/threshold must be a non-negative number/);
    expect(() => setPrintOptions({ sciMode: "yes" as never })).toThrow(/sciMode must be true, false or null, got "yes"/);
    expect(() => setPrintOptions({ profile: "long" as never })).toThrow(/profile must be "default", "short" or "full", got "long"/);
    expect(() => setPrintOptions(null as never)).toThrow(/options must be an object, got null/);
    expect(() => format(tensor([1]), { edgeitems: 1.5 })).toThrow(/format: edgeitems must be an integer >= 0, got 1.5/);
    expect(getPrintOptions()).toEqual(before);
  });

  test("the default dtype decides which float dtype is printed", async () => {
    const { setDefaultDtype } = await import("@tapegrad/core");
    setDefaultDtype("float64");
    try {
      expect(String(tensor([0.5]))).toBe("tensor([0.5000])");
      expect(String(tensor([0.5], { dtype: "float32" }))).toBe("tensor([0.5000], dtype=float32)");
    } finally {
      setDefaultDtype("float32");
    }
  });
});
