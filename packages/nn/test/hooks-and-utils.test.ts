// Forward hooks (fire through call(), in containers too, can replace args and outputs, removable),
// clipGradNorm_/clipGradValue_ against PyTorch's formulas, and ParameterList.
import { describe, expect, test } from "vitest";
import { Generator, type Tensor, grad, ones, randn, tensor, zeros } from "@tapegrad/core";
import { Linear, Module, Parameter, ParameterList, ReLU, Sequential, clipGradNorm_, clipGradValue_, functionalCall, utils } from "@tapegrad/nn";

describe("forward hooks", () => {
  test("pre-hooks replace the arguments, hooks the output; handles remove them", () => {
    const fc = new Linear(2, 2, { generator: new Generator(0) });
    const x = tensor([[1, 2]]);
    const plain = fc.forward(x).tolist();
    const calls: string[] = [];
    const h1 = fc.registerForwardPreHook((m, [input]) => {
      calls.push(`pre ${m === fc}`);
      return [(input as Tensor).mul(0)];
    });
    const h2 = fc.registerForwardHook((_m, args, out) => {
      calls.push(`post ${(args[0] as Tensor).sum().item()}`);
      return (out as Tensor).add(1);
    });
    const hooked = fc.call(x).tolist();
    expect(calls).toEqual(["pre true", "post 0"]);
    expect(hooked).toEqual([fc.bias!.add(1).tolist()]);
    expect(fc.forward(x).tolist()).toEqual(plain); // forward itself skips hooks
    h1.remove();
    h2.remove();
    h2.remove();
    expect(fc.call(x).tolist()).toEqual(plain);
  });

  test("a pre-hook returning a single value replaces the arguments with it; prepend runs first", () => {
    const relu = new ReLU();
    const order: number[] = [];
    relu.registerForwardHook(() => void order.push(1));
    relu.registerForwardHook(() => void order.push(0), { prepend: true });
    relu.registerForwardPreHook(() => tensor([-1, 3]));
    expect(relu.call(tensor([5, 5])).tolist()).toEqual([0, 3]);
    expect(order).toEqual([0, 1]);
  });

  test("hooks fire inside containers and functionalCall, and capture activations", () => {
    const model = new Sequential(new Linear(3, 4, { generator: new Generator(1) }), new ReLU(), new Linear(4, 1, { generator: new Generator(2) }));
    const seen: number[][] = [];
    model.at(1).registerForwardHook((_m, _args, out) => void seen.push((out as Tensor).shape.slice()));
    model.call(randn([5, 3]));
    model.forward(randn([2, 3]));
    functionalCall(model, {}, randn([7, 3]));
    expect(seen).toEqual([[5, 4], [2, 4], [7, 4]]);
  });

  test("registering a non-function is rejected", () => {
    expect(() => new ReLU().registerForwardHook(3 as never)).toThrow(/registerForwardHook: hook must be a function, got 3/);
  });
});

describe("gradient clipping", () => {
  test("clipGradNorm_ scales by maxNorm / (total + 1e-6) and returns the total norm", () => {
    const a = new Parameter(zeros([2]));
    const b = new Parameter(zeros([2]));
    const frozen = new Parameter(zeros([1]));
    a.grad = tensor([3, 0]);
    b.grad = tensor([0, 4]);
    const total = clipGradNorm_([a, b, frozen], 1);
    expect(total.item()).toBe(5);
    const coef = Math.fround(1 / Math.fround(5 + 1e-6));
    expect((a.grad!.tolist() as number[])[0]).toBeCloseTo(3 * coef, 6);
    expect((b.grad!.tolist() as number[])[1]).toBeCloseTo(4 * coef, 6);
    // Below the limit: unchanged (the coefficient is clamped to 1).
    a.grad = tensor([0.1, 0.2]);
    clipGradNorm_(a, 10);
    expect(a.grad!.tolist()).toEqual(tensor([0.1, 0.2]).tolist());
    a.grad = tensor([-3, 2]);
    b.grad = tensor([1, 0]);
    expect(utils.clipGradNorm_([a, b], 100, { normType: Infinity }).item()).toBe(3);
    expect(clipGradNorm_([a, b], 100, { normType: 1 }).item()).toBe(6);
    expect(clipGradNorm_([frozen], 1).item()).toBe(0);
  });

  test("a non-finite norm is an error only when asked, and then nothing changes", () => {
    const a = new Parameter(zeros([2]));
    a.grad = tensor([Infinity, 1]);
    expect(() => clipGradNorm_([a], 1, { errorIfNonfinite: true })).toThrow(/clipGradNorm_: the total norm of order 2 for gradients from `parameters` is non-finite \(Infinity\)/);
    expect(a.grad!.tolist()).toEqual([Infinity, 1]);
    expect(clipGradNorm_([a], 1).item()).toBe(Infinity);
  });

  test("clipGradValue_ clamps every element", () => {
    const model = new Linear(2, 2);
    const [gw, gb] = grad(model.forward(ones([1, 2]).mul(10)).sum(), model.parameters());
    model.weight.grad = gw!;
    model.bias!.grad = gb!;
    clipGradValue_(model.parameters(), 0.5);
    expect(model.weight.grad!.tolist()).toEqual([[0.5, 0.5], [0.5, 0.5]]);
    expect(model.bias!.grad!.tolist()).toEqual([0.5, 0.5]);
    expect(() => clipGradValue_(model.parameters(), Number.NaN)).toThrow(/clipGradValue_: clipValue must be a finite number/);
  });
});

describe("ParameterList", () => {
  test("registers its parameters under 0, 1, ... and in state dicts", () => {
    class Mix extends Module {
      weights = new ParameterList([new Parameter(ones([2])), new Parameter(zeros([2]))]);
      forward(x: Tensor): Tensor {
        return x.mul(this.weights.at(0)).add(this.weights.at(-1));
      }
    }
    const m = new Mix();
    m.weights.append(new Parameter(zeros([1])));
    expect(Object.keys(m.stateDict())).toEqual(["weights.0", "weights.1", "weights.2"]);
    expect(m.weights.length).toBe(3);
    expect([...m.weights].length).toBe(3);
    expect(m.call(tensor([2, 3])).tolist()).toEqual([2, 3]);
    expect(() => m.weights.append(zeros([1]) as Parameter)).toThrow(/ParameterList.append: expected a Parameter/);
    expect(() => m.weights.at(3)).toThrow(/out of range/);
  });
});
