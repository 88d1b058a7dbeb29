import { type Tensor, Generator, gradcheck, manualSeed, ones, randn, tensor, zeros } from "@tapegrad/core";
import { Dropout, F, Flatten, GELU, Identity, Linear, LogSoftmax, Module, ModuleList, ReLU, Sequential, Sigmoid, Softmax, Tanh } from "@tapegrad/nn";
import { describe, expect, test } from "vitest";

const f64 = (data: number[] | number[][], requiresGrad = false): Tensor => tensor(data, { dtype: "float64", requiresGrad });

function close(got: number[], want: number[], tol: number): void {
  expect(got).toHaveLength(want.length);
  got.forEach((v, i) => expect(Math.abs(v - want[i]!), `[${i}] ${v} vs ${want[i]}`).toBeLessThanOrEqual(tol));
}

describe("Linear", () => {
  test("shapes, dtype option, bias option, repr", () => {
    const fc = new Linear(4, 3);
    expect(fc.weight.shape).toEqual([3, 4]);
    expect(fc.bias!.shape).toEqual([3]);
    expect(fc.forward(randn([2, 5, 4])).shape).toEqual([2, 5, 3]);
    expect(fc.forward(randn([4])).shape).toEqual([3]);
    const d = new Linear(2, 2, { dtype: "float64", bias: false });
    expect(d.weight.dtype).toBe("float64");
    expect(d.bias).toBeNull();
    expect(d.namedParameters().map(([n]) => n)).toEqual(["weight"]);
    expect(d.toString()).toBe("Linear(inFeatures=2, outFeatures=2, bias=false)");
  });

  test("computes x W^T + b", () => {
    const fc = new Linear(2, 2, { dtype: "float64" });
    fc.loadStateDict({ weight: f64([[1, 2], [3, 4]]), bias: f64([10, 20]) });
    expect(fc.forward(f64([[1, 1], [0, 1]])).tolist()).toEqual([[13, 27], [12, 24]]);
  });

  test("initialisation is reproducible with manualSeed or a generator, and differs between layers", () => {
    manualSeed(7);
    const a = new Linear(5, 4);
    const a2 = new Linear(5, 4);
    manualSeed(7);
    const b = new Linear(5, 4);
    expect(b.weight.tolist()).toEqual(a.weight.tolist());
    expect(b.bias!.tolist()).toEqual(a.bias!.tolist());
    expect(a2.weight.tolist()).not.toEqual(a.weight.tolist());
    const c = new Linear(5, 4, { generator: new Generator(11) });
    const d = new Linear(5, 4, { generator: new Generator(11) });
    expect(c.weight.tolist()).toEqual(d.weight.tolist());
    expect(c.weight.requiresGrad && c.weight.isLeaf).toBe(true);
  });

  test("gradients match finite differences (float64)", () => {
    const fc = new Linear(3, 2, { dtype: "float64" });
    const x = randn([4, 3], { dtype: "float64", requiresGrad: true });
    expect(gradcheck((x, w, b) => F.linear(x!, w!, b!), [x, fc.weight, fc.bias!])).toBe(true);
  });

  test("argument errors name the problem", () => {
    expect(() => new Linear(2.5, 3)).toThrow(/Linear: inFeatures must be an integer, got 2.5/);
    expect(() => new Linear(2, -1)).toThrow(/Linear: outFeatures must be >= 0, got -1/);
    expect(() => new Linear(2, 2, { bias: "no" as unknown as boolean })).toThrow(/Linear: bias must be a boolean/);
    expect(() => new Linear(2, 2, { dtype: "int32" as "float32" })).toThrow(/Linear: dtype must be "float32" or "float64"/);
    const fc = new Linear(4, 3);
    expect(() => fc.forward(randn([2, 5]))).toThrow(/linear: input shape \[2,5\] and weight shape \[3,4\] are incompatible \(last dim of input 5 != inFeatures 4\)/);
    expect(() => fc.forward(randn([2, 4], { dtype: "float64" }))).toThrow(/linear: input dtype float64 and weight dtype float32 differ/);
    expect(() => F.linear(randn([2, 4]), randn([4]))).toThrow(/linear: weight must be 2-D/);
    expect(() => F.linear(randn([2, 4]), randn([3, 4]), randn([4]))).toThrow(/linear: bias must have shape \[3\]/);
    expect(() => F.linear(tensor([1, 2], { dtype: "int32" }), randn([3, 2]))).toThrow(/linear: input must be a float32 or float64 tensor, got dtype int32/);
  });
});

describe("containers", () => {
  test("Sequential chains modules and supports at/append/iteration", () => {
    manualSeed(1);
    const seq = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2));
    expect(seq.length).toBe(3);
    expect(seq.at(1)).toBeInstanceOf(ReLU);
    const x = randn([5, 3]);
    const manual = (seq.at(2) as Linear).forward((seq.at(0) as Linear).forward(x).relu());
    expect(seq.forward(x).tolist()).toEqual(manual.tolist());
    seq.append(new Tanh());
    expect([...seq].map((m) => m.constructor.name)).toEqual(["Linear", "ReLU", "Linear", "Tanh"]);
    expect(seq.namedParameters().map(([n]) => n)).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
    expect(() => seq.at(4)).toThrow(/Sequential.at: index 4 is out of range for 4 modules/);
    expect(() => new Sequential(new ReLU(), "relu" as unknown as Module)).toThrow(/Sequential \(argument 1\): expected a Module, got "relu"/);
  });

  test("ModuleList holds modules without running them", () => {
    const list = new ModuleList([new ReLU()]);
    list.append(new Linear(2, 2)).extend([new Tanh(), new Sigmoid()]);
    expect(list.length).toBe(4);
    list.set(0, new Identity());
    expect(list.at(0)).toBeInstanceOf(Identity);
    expect(list.namedParameters().map(([n]) => n)).toEqual(["1.weight", "1.bias"]);
    expect(() => list.forward()).toThrow(/ModuleList: a ModuleList has no forward/);
    expect(() => list.append({} as Module)).toThrow(/ModuleList.append: expected a Module/);
    expect(() => new ModuleList(3 as unknown as Module[])).toThrow(/ModuleList: modules must be an iterable/);
    expect(() => list.set(9, new ReLU())).toThrow(/ModuleList.set: index 9 is out of range for 4 modules/);
  });
});

describe("activations", () => {
  const x = f64([-2, -0.5, 0, 0.5, 3]);

  test("ReLU, Tanh, Sigmoid, Identity", () => {
    expect(new ReLU().forward(x).tolist()).toEqual([0, 0, 0, 0.5, 3]);
    close(new Tanh().forward(x).tolist() as number[], [-2, -0.5, 0, 0.5, 3].map(Math.tanh), 1e-15);
    close(new Sigmoid().forward(x).tolist() as number[], [-2, -0.5, 0, 0.5, 3].map((v) => 1 / (1 + Math.exp(-v))), 1e-15);
    expect(new Identity().forward(x)).toBe(x);
  });

  test("GELU: exact and tanh forms against reference values", () => {
    // Reference values: the documented formulas evaluated with mpmath at 30 digits.
    close(new GELU().forward(f64([-1, 0, 1, 2])).tolist() as number[], [-0.15865525393145705, 0, 0.8413447460685429, 1.9544997361036416], 1e-14);
    close(
      new GELU({ approximate: "tanh" }).forward(f64([-1, 0, 1, 2])).tolist() as number[],
      [-0.1588080093917233, 0, 0.8411919906082767, 1.954597694087775],
      1e-14,
    );
    expect(() => new GELU({ approximate: "fast" as "tanh" })).toThrow(/GELU: approximate must be "none" or "tanh", got "fast"/);
    expect(() => F.gelu(x, { approximate: "erf" as "tanh" })).toThrow(/gelu: approximate must be "none" or "tanh"/);
    const y = randn([6], { dtype: "float64", requiresGrad: true });
    expect(gradcheck((t) => F.gelu(t!), [y])).toBe(true);
    expect(gradcheck((t) => F.gelu(t!, { approximate: "tanh" }), [y])).toBe(true);
  });

  test("Softmax / LogSoftmax need a dim and normalise along it", () => {
    const logits = f64([[1, 2, 3], [0, 0, 0]]);
    const s = new Softmax(1).forward(logits).tolist() as number[][];
    close(s[1]!, [1 / 3, 1 / 3, 1 / 3], 1e-15);
    close(s[0]!.map(Math.log), (new LogSoftmax(-1).forward(logits).tolist() as number[][])[0]!, 1e-14);
    const cols = new Softmax(0).forward(logits).sum(0).tolist() as number[];
    close(cols, [1, 1, 1], 1e-15);
    expect(() => new Softmax(undefined as unknown as number)).toThrow(/Softmax: dim must be an integer, got undefined/);
    expect(() => F.softmax(logits, 2)).toThrow(/softmax: dim 2 is out of range for a tensor with 2 dims/);
    expect(() => F.logSoftmax(logits, 0.5)).toThrow(/logSoftmax: dim must be an integer/);
  });

  test("logSigmoid is stable and has the right gradient at 0", () => {
    const v = f64([-800, -1, 0, 1, 800], true);
    const y = F.logSigmoid(v);
    close(y.tolist() as number[], [-800, -1.3132616875182228, -Math.LN2, -0.31326168751822286, 0], 1e-13);
    y.sum().backward();
    close(v.grad!.tolist() as number[], [1, 0.7310585786300049, 0.5, 0.2689414213699951, 0], 1e-13);
  });

  test("Flatten keeps the batch dim by default", () => {
    expect(new Flatten().forward(zeros([8, 1, 2, 3])).shape).toEqual([8, 6]);
    expect(new Flatten(0, 1).forward(zeros([8, 1, 2, 3])).shape).toEqual([8, 2, 3]);
  });
});

describe("Dropout", () => {
  test("training: zeros about p of the elements and scales the rest by 1/(1-p)", () => {
    manualSeed(5);
    const drop = new Dropout(0.25);
    const y = Array.from(drop.forward(ones([20000])).dataSync());
    const kept = y.filter((v) => v !== 0);
    expect(kept.every((v) => v === Math.fround(1 / 0.75))).toBe(true);
    expect(Math.abs(kept.length / y.length - 0.75)).toBeLessThan(0.02);
  });

  test("eval mode and p = 0 return the input; p = 1 gives zeros", () => {
    const x = randn([10]);
    const drop = new Dropout(0.5);
    drop.eval();
    expect(drop.forward(x)).toBe(x);
    expect(F.dropout(x, 0, true)).toBe(x);
    expect(F.dropout(x, 0.5, false)).toBe(x);
    expect(Array.from(F.dropout(x, 1, true).dataSync()).every((v) => v === 0)).toBe(true);
  });

  test("masks are reproducible with a generator, and gradients flow through kept elements only", () => {
    const x = randn([50], { requiresGrad: true });
    const a = F.dropout(x, 0.3, true, { generator: new Generator(9) });
    const b = F.dropout(x.detach(), 0.3, true, { generator: new Generator(9) });
    expect(a.tolist()).toEqual(b.tolist());
    a.sum().backward();
    const grads = Array.from(x.grad!.dataSync());
    const outs = Array.from(a.dataSync());
    grads.forEach((g, i) => expect(g).toBe(outs[i] === 0 ? 0 : Math.fround(1 / 0.7)));
  });

  test("rejects p outside [0, 1]", () => {
    expect(() => new Dropout(1.5)).toThrow(/Dropout: dropout probability has to be between 0 and 1, but got 1.5/);
    expect(() => F.dropout(randn([2]), -0.1)).toThrow(/dropout: dropout probability has to be between 0 and 1, but got -0.1/);
    expect(() => F.dropout(randn([2]), 0.5, "yes" as unknown as boolean)).toThrow(/dropout: training must be a boolean/);
  });
});
