import { type Tensor, grad, randn, tensor, zeros } from "@tapegrad/core";
import { F, Linear, Module, Parameter, functionalCall } from "@tapegrad/nn";
import { describe, expect, test } from "vitest";

class Net extends Module {
  fc1 = new Linear(3, 4, { dtype: "float64" });
  fc2 = new Linear(4, 2, { dtype: "float64" });
  declare shift: Tensor;
  constructor() {
    super();
    this.registerBuffer("shift", zeros([3], { dtype: "float64" }));
  }
  forward(x: Tensor): Tensor {
    return this.fc2.forward(F.tanh(this.fc1.forward(x.add(this.shift))));
  }
}

function values(m: Module): Array<[string, number[]]> {
  return Object.entries(m.stateDict()).map(([k, v]) => [k, Array.from(v.dataSync())]);
}

describe("functionalCall", () => {
  test("with the module's own parameters it equals forward", () => {
    const net = new Net();
    const x = randn([5, 3], { dtype: "float64" });
    const own = Object.fromEntries(net.namedParameters());
    expect(functionalCall(net, own, x).tolist()).toEqual(net.forward(x).tolist());
    expect(functionalCall(net, {}, x).tolist()).toEqual(net.forward(x).tolist());
  });

  test("substitutes parameters and buffers by dotted name, and restores them", () => {
    const net = new Net();
    const before = values(net);
    const params = net.parameters();
    const x = randn([2, 3], { dtype: "float64" });
    const w = randn([2, 4], { dtype: "float64" });
    const shift = tensor([1, 2, 3], { dtype: "float64" });
    const got = functionalCall(net, new Map([["fc2.weight", w], ["shift", shift]]), x);
    const h = F.tanh(net.fc1.forward(x.add(shift)));
    expect(got.tolist()).toEqual(F.linear(h, w, net.fc2.bias).tolist());
    expect(values(net)).toEqual(before);
    expect(net.parameters()).toEqual(params);
    expect(net.fc2.weight).toBeInstanceOf(Parameter);
  });

  test("gradients flow to the substitutes (and through them to what produced them)", () => {
    const net = new Net();
    const x = randn([4, 3], { dtype: "float64" });
    const lr = tensor(0.1, { dtype: "float64", requiresGrad: true });
    // One unrolled SGD step; then d(loss after the step)/d(lr), the hypergradient.
    const named = net.namedParameters();
    const loss0 = net.forward(x).square().mean();
    const grads = grad([loss0], named.map(([, p]) => p), { createGraph: true });
    const fast = Object.fromEntries(named.map(([n, p], i) => [n, p.sub(grads[i]!.mul(lr))]));
    const loss1 = functionalCall(net, fast, x).square().mean();
    const [dlr] = grad([loss1], [lr]);
    // Check against central differences of the same unrolled step.
    const lossAt = (step: number): number => {
      const sub = Object.fromEntries(named.map(([n, p], i) => [n, p.detach().sub(grads[i]!.detach().mul(step))]));
      return functionalCall(net, sub, x).square().mean().item();
    };
    const h = 1e-6;
    const fd = (lossAt(0.1 + h) - lossAt(0.1 - h)) / (2 * h);
    expect(Math.abs(dlr!.item() - fd)).toBeLessThan(1e-7 * Math.max(1, Math.abs(fd)));
    // Direct substitute leaves get .grad; the module's own parameters do not.
    const w = randn([4, 3], { dtype: "float64", requiresGrad: true });
    functionalCall(net, { "fc1.weight": w }, x).sum().backward();
    expect(w.grad).not.toBeNull();
    expect(net.fc1.weight.grad).toBeNull();
    expect(net.fc2.weight.grad).not.toBeNull();
  });

  test("restores the module even when forward throws", () => {
    const net = new Net();
    const before = values(net);
    const weight = net.fc1.weight;
    expect(() => functionalCall(net, { "fc1.weight": randn([4, 5], { dtype: "float64" }) }, randn([2, 3], { dtype: "float64" }))).toThrow(/linear:/);
    expect(net.fc1.weight).toBe(weight);
    expect(values(net)).toEqual(before);
  });

  test("tied parameters are substituted together; conflicting values for tied names are rejected", () => {
    class Tied extends Module {
      a = new Linear(2, 2, { bias: false, dtype: "float64" });
      b = new Linear(2, 2, { bias: false, dtype: "float64" });
      constructor() {
        super();
        this.b.weight = this.a.weight;
      }
      forward(x: Tensor): Tensor {
        return this.b.forward(this.a.forward(x));
      }
    }
    const m = new Tied();
    const x = randn([1, 2], { dtype: "float64" });
    const w = randn([2, 2], { dtype: "float64" });
    expect(functionalCall(m, { "a.weight": w }, x).tolist()).toEqual(F.linear(F.linear(x, w), w).tolist());
    expect(functionalCall(m, { "a.weight": w, "b.weight": w }, x).tolist()).toEqual(F.linear(F.linear(x, w), w).tolist());
    expect(() => functionalCall(m, { "a.weight": w, "b.weight": w.clone() }, x)).toThrow(
      /functionalCall: "a.weight" and "b.weight" are tied \(the same tensor\) but were given different tensors/,
    );
  });

  test("unknown names and bad values are rejected by name, before anything is swapped", () => {
    const net = new Net();
    const weight = net.fc1.weight;
    const x = randn([1, 3], { dtype: "float64" });
    expect(() => functionalCall(net, { "fc1.weight": randn([4, 3], { dtype: "float64" }), "fc3.weight": zeros([1]), bias: zeros([1]) }, x)).toThrow(
      /functionalCall: unknown parameter or buffer name\(s\) "fc3.weight", "bias" for Net \(known: "shift", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"\)/,
    );
    expect(() => functionalCall(net, { "fc1.weight": [[1]] as unknown as Tensor }, x)).toThrow(/functionalCall: value for "fc1.weight" must be a Tensor, got an array/);
    expect(() => functionalCall({} as Module, {}, x)).toThrow(/functionalCall: module must be a Module/);
    expect(() => functionalCall(net, null as unknown as Record<string, Tensor>, x)).toThrow(/functionalCall: paramsByName must be a plain object/);
    expect(net.fc1.weight).toBe(weight);
  });
});
