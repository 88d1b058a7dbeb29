import { Generator, manualSeed, tensor, zeros } from "@tapegrad/core";
import { Parameter, init } from "@tapegrad/nn";
import { describe, expect, test } from "vitest";

function stats(values: ArrayLike<number>): { mean: number; std: number; min: number; max: number } {
  const v = Array.from(values);
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const std = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
  return { mean, std, min: Math.min(...v), max: Math.max(...v) };
}

describe("calculateGain and fans", () => {
  test("gains follow PyTorch's table", () => {
    expect(init.calculateGain("linear")).toBe(1);
    expect(init.calculateGain("conv2d")).toBe(1);
    expect(init.calculateGain("sigmoid")).toBe(1);
    expect(init.calculateGain("tanh")).toBe(5 / 3);
    expect(init.calculateGain("relu")).toBe(Math.SQRT2);
    expect(init.calculateGain("selu")).toBe(0.75);
    expect(init.calculateGain("leaky_relu")).toBe(Math.sqrt(2 / (1 + 0.01 ** 2)));
    expect(init.calculateGain("leaky_relu", 0)).toBe(Math.SQRT2);
    // torch.nn.init.calculate_gain("leaky_relu", math.sqrt(5)) == 0.5773502691896257
    expect(init.calculateGain("leaky_relu", Math.sqrt(5))).toBe(0.5773502691896257);
    expect(() => init.calculateGain("swish" as "relu")).toThrow(/calculateGain: unsupported nonlinearity "swish"/);
    expect(() => init.calculateGain("leaky_relu", "a" as unknown as number)).toThrow(/calculateGain: negative slope "a" is not a valid number/);
  });

  test("fan in / fan out include the receptive field", () => {
    expect(init.calculateFanInAndFanOut(zeros([3, 4]))).toEqual([4, 3]);
    expect(init.calculateFanInAndFanOut(zeros([8, 2, 3, 3]))).toEqual([18, 72]);
    expect(() => init.calculateFanInAndFanOut(zeros([5]))).toThrow(
      /calculateFanInAndFanOut: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions \(shape \[5\]\)/,
    );
  });
});

describe("initialisers", () => {
  test("uniform_ stays in [a, b] and has the right moments", () => {
    const t = init.uniform_(zeros([20000]), { a: -2, b: 6, generator: new Generator(1) });
    const s = stats(t.dataSync());
    expect(s.min).toBeGreaterThanOrEqual(-2);
    expect(s.max).toBeLessThanOrEqual(6);
    expect(Math.abs(s.mean - 2)).toBeLessThan(0.1);
    expect(Math.abs(s.std - 8 / Math.sqrt(12))).toBeLessThan(0.05);
  });

  test("normal_, xavierNormal_ and kaimingNormal_ have the right std", () => {
    const g = new Generator(2);
    const n = stats(init.normal_(zeros([20000], { dtype: "float64" }), { mean: 1, std: 0.5, generator: g }).dataSync());
    expect(Math.abs(n.mean - 1)).toBeLessThan(0.02);
    expect(Math.abs(n.std - 0.5)).toBeLessThan(0.02);
    const x = stats(init.xavierNormal_(zeros([200, 100]), { gain: 2, generator: g }).dataSync());
    expect(Math.abs(x.std / (2 * Math.sqrt(2 / 300)) - 1)).toBeLessThan(0.03);
    const k = stats(init.kaimingNormal_(zeros([100, 200]), { mode: "fan_out", nonlinearity: "relu", generator: g }).dataSync());
    expect(Math.abs(k.std / (Math.SQRT2 / Math.sqrt(100)) - 1)).toBeLessThan(0.03);
  });

  test("xavierUniform_ and kaimingUniform_ use the documented bounds", () => {
    const g = new Generator(3);
    const xb = Math.sqrt(3) * Math.sqrt(2 / (30 + 50));
    const x = stats(init.xavierUniform_(zeros([50, 30]), { generator: g }).dataSync());
    expect(x.max).toBeLessThanOrEqual(xb);
    expect(x.max).toBeGreaterThan(0.98 * xb);
    expect(x.min).toBeGreaterThanOrEqual(-xb);
    const kb = Math.sqrt(3) * (Math.SQRT2 / Math.sqrt(40));
    const k = stats(init.kaimingUniform_(zeros([60, 40]), { nonlinearity: "relu", generator: g }).dataSync());
    expect(k.max).toBeLessThanOrEqual(kb);
    expect(k.max).toBeGreaterThan(0.98 * kb);
    const kOut = stats(init.kaimingUniform_(zeros([10, 400]), { mode: "fan_out", nonlinearity: "relu", generator: g }).dataSync());
    expect(kOut.max).toBeGreaterThan(Math.sqrt(3) * (Math.SQRT2 / Math.sqrt(400)) * 1.5);
  });

  test("constant_, zeros_, ones_", () => {
    const t = zeros([2, 2]);
    expect(init.constant_(t, 0.5).tolist()).toEqual([[0.5, 0.5], [0.5, 0.5]]);
    expect(init.ones_(t).tolist()).toEqual([[1, 1], [1, 1]]);
    expect(init.zeros_(t).tolist()).toEqual([[0, 0], [0, 0]]);
  });

  test("work on parameters without recording, keep identity, and bump the version", () => {
    const p = new Parameter(zeros([4, 3]));
    const version = p.version;
    expect(init.kaimingUniform_(p, { a: Math.sqrt(5) })).toBe(p);
    expect(p.isLeaf && p.requiresGrad).toBe(true);
    expect(p.gradFn).toBeNull();
    expect(p.version).toBeGreaterThan(version);
    init.normal_(p.narrow(0, 0, 2));
    expect(p.gradFn).toBeNull();
  });

  test("draw from the default generator (manualSeed) or a given one, reproducibly", () => {
    manualSeed(42);
    const a = init.normal_(zeros([5])).tolist();
    manualSeed(42);
    expect(init.normal_(zeros([5])).tolist()).toEqual(a);
    const b = init.uniform_(zeros([5]), { generator: new Generator(9) }).tolist();
    expect(init.uniform_(zeros([5]), { generator: new Generator(9) }).tolist()).toEqual(b);
  });

  test("zero-element tensors are left as is by the Kaiming initialisers", () => {
    expect(init.kaimingUniform_(zeros([0, 3])).shape).toEqual([0, 3]);
  });

  test("argument errors", () => {
    expect(() => init.uniform_(zeros([2]), { a: 1, b: 0 })).toThrow(/uniform_: expected a <= b, got a=1 and b=0/);
    expect(() => init.normal_(zeros([2]), { std: -1 })).toThrow(/normal_: std must be >= 0, got -1/);
    expect(() => init.normal_(zeros([2]), { mean: Number.NaN })).toThrow(/normal_: mean must be a finite number, got NaN/);
    expect(() => init.kaimingUniform_(zeros([2, 2]), { mode: "fan_avg" as "fan_in" })).toThrow(/kaimingUniform_: mode must be "fan_in" or "fan_out", got "fan_avg"/);
    expect(() => init.xavierUniform_(zeros([3]))).toThrow(/fewer than 2 dimensions/);
    expect(() => init.uniform_(tensor([1, 2], { dtype: "int32" }))).toThrow(/uniform_: tensor must be float32 or float64, got dtype int32/);
    expect(() => init.zeros_([1, 2] as never)).toThrow(/constant_: tensor must be a Tensor, got an array of length 2/);
    expect(() => init.normal_(zeros([2]), { generator: {} as Generator })).toThrow(/normal_: generator must be a Generator/);
  });
});
