// Tensor hyperparameters that are not 1-element, float, finite and in range are refused with an
// error naming the argument (PyTorch's wording where it has one), and nothing changes; state dicts
// with tensor hyperparameters save and load (the loaded group holds copies, as Python's deepcopy).
import { Tensor, dualLevel, grad, makeDual, tensor } from "@tapegrad/core";
import { ASGD, Adagrad, Adam, AdamW, type Optimizer, RMSprop, SGD, adagradInitState, adagradUpdatePure, rmspropInitState, rmspropUpdatePure } from "@tapegrad/optim";
import { describe, expect, test } from "vitest";
import { f64, useFloat64Default, values } from "./hyper-fixtures.js";

useFloat64Default();

const param = (): Tensor => f64([1, -1], true).clone();
type Make = (options: Record<string, unknown>) => unknown;
const makers: Record<string, Make> = {
  Adam: (o) => new Adam([param()], o),
  AdamW: (o) => new AdamW([param()], o),
  RMSprop: (o) => new RMSprop([param()], o),
  Adagrad: (o) => new Adagrad([param()], o),
  SGD: (o) => new SGD([param()], o),
  ASGD: (o) => new ASGD([param()], o),
};

describe("class constructors: bad tensor hyperparameters are named", () => {
  const d = { differentiable: true };
  test.each([
    ["Adam", { betas: [f64(0.9), 0.999] }, TypeError, "Adam: betas[0] must be a number; a tensor betas[0] needs differentiable: true"],
    ["Adam", { ...d, betas: [f64(1), 0.999] }, RangeError, "Adam: Invalid beta parameter at index 0: tensor(1)"],
    ["Adam", { ...d, betas: [0.9, f64(-0.5)] }, RangeError, "Adam: Invalid beta parameter at index 1: tensor(-0.5)"],
    ["Adam", { ...d, betas: [0.9, f64(Number.NaN)] }, RangeError, "Adam: Invalid beta parameter at index 1: tensor(NaN)"],
    ["Adam", { ...d, eps: f64([1e-8, 1e-8]) }, TypeError, "Adam: Tensor eps must be a 1-element float tensor, got float64 of shape [2]"],
    ["Adam", { ...d, eps: f64(-1) }, RangeError, "Adam: Invalid epsilon value: tensor(-1)"],
    ["AdamW", { ...d, weightDecay: f64(Infinity) }, RangeError, "AdamW: Invalid weightDecay value: tensor(Infinity) (weightDecay must be finite and in range)"],
    ["AdamW", { weightDecay: f64(0.1) }, TypeError, "AdamW: weightDecay must be a number; a tensor weightDecay needs differentiable: true"],
    ["RMSprop", { ...d, alpha: f64(-0.1) }, RangeError, "RMSprop: Invalid alpha value: tensor(-0.1)"],
    ["RMSprop", { ...d, momentum: tensor(1, { dtype: "int32" }) }, TypeError, "RMSprop: Tensor momentum must be a 1-element float tensor, got int32 of shape []"],
    ["RMSprop", { eps: f64(1e-8) }, TypeError, "RMSprop: eps must be a number; a tensor eps needs differentiable: true"],
    ["Adagrad", { ...d, lrDecay: f64(-1) }, RangeError, "Adagrad: Invalid lrDecay value: tensor(-1)"],
    ["Adagrad", { ...d, eps: f64([1e-10, 1e-10]).reshape([1, 1, 2]) }, TypeError, "Adagrad: Tensor eps must be a 1-element float tensor, got float64 of shape [1,1,2]"],
    ["SGD", { ...d, dampening: f64(-0.5) }, RangeError, "SGD: Invalid dampening value: tensor(-0.5)"],
    ["ASGD", { alpha: f64(-1) }, RangeError, "ASGD: Invalid alpha value: tensor(-1) (alpha must be a finite number >= 0)"],
    ["ASGD", { weightDecay: f64([0.1, 0.2]) }, RangeError, "ASGD: Tensor weightDecay must be 1-element, got shape [2]"],
    ["ASGD", { weightDecay: f64(-0.1) }, RangeError, "ASGD: Invalid weight_decay value: tensor(-0.1)"],
  ])("%s %o", (name, options, type, message) => {
    expect(() => makers[name]!(options)).toThrow(type);
    expect(() => makers[name]!(options)).toThrow(message);
  });

  test("addParamGroup with a bad tensor hyperparameter leaves the optimizer unchanged", () => {
    const opt = new Adam([param()], { differentiable: true, betas: [f64(0.9, true), 0.999] });
    expect(() => opt.addParamGroup({ params: [param()], betas: [f64(0.9), f64(1.5)] })).toThrow("Adam: Invalid beta parameter at index 1: tensor(1.5)");
    expect(opt.paramGroups.length).toBe(1);
  });

  test("a bad value set on a group after construction fails the step before anything changes", () => {
    const w = param();
    const opt = new RMSprop([w], { lr: 0.1, differentiable: true });
    opt.paramGroups[0]!.alpha = f64(-2);
    w.grad = f64([1, 1]);
    const before = values(w);
    expect(() => opt.step()).toThrow("rmspropUpdatePure: alpha must be a finite number >= 0, got tensor(-2)");
    expect(values(w)).toEqual(before);
  });
});

describe("forward mode without differentiable: true", () => {
  test("a dual hyperparameter is refused by the step before anything changes, naming the group and key", () => {
    dualLevel(() => {
      const cases: Array<[string, Tensor, Optimizer]> = [];
      const w1 = f64([1, -1], true);
      cases.push(["SGD.step: param group 0: lr", w1, new SGD([w1], { lr: makeDual(f64(0.1), f64(1)) })]);
      const w2 = f64([1, -1], true);
      cases.push(["ASGD.step: param group 1: lambd", w2, new ASGD([{ params: [f64([3], true)] }, { params: [w2], lambd: makeDual(f64(0.01), f64(1)) }], { lr: 0.1 })]);
      for (const [at, w, opt] of cases) {
        w.grad = f64([1, 1]);
        expect(() => opt.step()).toThrow(
          `${at} is a dual tensor (forward mode), whose tangent only a differentiable step carries. ` +
            'Construct the optimizer with differentiable: true, or use its pure update with unrollSteps(..., { mode: "forward" })',
        );
        expect(values(w)).toEqual([1, -1]);
        expect(opt.state.size).toBe(0);
      }
    });
  });

  test("a dual param or gradient is refused too (a plain step would give it a wrong tangent)", () => {
    const end = 'a dual tensor (forward mode), whose tangent only a differentiable step carries. Construct the optimizer with differentiable: true, or use its pure update with unrollSteps(..., { mode: "forward" })';
    dualLevel(() => {
      const w = makeDual(f64([1, -1]), f64([1, 0])).mul(1);
      const sgd = new SGD([f64([2], true), w], { lr: 0.1, momentum: 0.5 });
      w.grad = f64([1, 1]);
      expect(() => sgd.step()).toThrow(`SGD.step: param group 0, params[1] is ${end}`);
      const v = f64([1, -1], true);
      const asgd = new ASGD([v], { lr: 0.1 });
      v.grad = makeDual(f64([1, 1]), f64([0, 1]));
      expect(() => asgd.step()).toThrow(`ASGD.step: param group 0, params[0] has a gradient that is ${end}`);
      expect([values(w), values(v), sgd.state.size, asgd.state.size]).toEqual([[1, -1], [1, -1], 0, 0]);
    });
  });
});

describe("pure updates: bad tensor hyperparameters are named", () => {
  const p = f64([1, 2]);
  const g = f64([0.5, -0.5]);
  test("RMSprop and Adagrad", () => {
    const rms = { lr: 0.1, alpha: 0.9, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false };
    expect(() => rmspropUpdatePure([p], [g], [rmspropInitState(p)], { ...rms, alpha: f64(-1) })).toThrow("rmspropUpdatePure: alpha must be a finite number >= 0, got tensor(-1)");
    expect(() => rmspropUpdatePure([p], [g], [rmspropInitState(p)], { ...rms, momentum: f64(0.5) })).toThrow(
      "rmspropUpdatePure: states.momentumBuffer[0] must be a Tensor or null, got undefined",
    );
    const ada = { lr: 0.1, lrDecay: 0, eps: 1e-10, weightDecay: 0, maximize: false };
    expect(() => adagradUpdatePure([p], [g], [adagradInitState(p)], { ...ada, eps: f64([1, 2]) })).toThrow(
      "adagradUpdatePure: Tensor eps must be a 1-element float tensor, got float64 of shape [2]",
    );
    expect(() => adagradUpdatePure([p], [g], [adagradInitState(p)], { ...ada, lrDecay: f64(Infinity) })).toThrow(
      "adagradUpdatePure: lrDecay must be a finite number >= 0, got tensor(Infinity)",
    );
  });
});

describe("ASGD without differentiable: true", () => {
  test("tensor alpha, weightDecay and lambd are used by value: the same bits as numbers", () => {
    const run = (h: { alpha: number | Tensor; weightDecay: number | Tensor; lambd: number | Tensor }): number[] => {
      const w = f64([1, -1, 0.5], true);
      const opt = new ASGD([w], { lr: 0.1, t0: 1, ...h });
      for (let k = 0; k < 4; k++) {
        w.grad = w.mul(w).add(0.5).detach();
        opt.step();
      }
      return values(w);
    };
    expect(run({ alpha: f64(0.6, true), weightDecay: f64(0.05, true), lambd: f64(0.01, true) })).toEqual(run({ alpha: 0.6, weightDecay: 0.05, lambd: 0.01 }));
  });
});

describe("state dicts with tensor hyperparameters", () => {
  test("Adam with tensor betas, eps and weightDecay: save, load into a fresh optimizer, continue identically", () => {
    const make = (w: Tensor) =>
      new Adam([w], { lr: f64(0.05, true), betas: [f64(0.8, true), f64(0.95, true)], eps: f64(1e-3, true), weightDecay: f64(0.05, true), differentiable: true });
    const w = f64([1, -1, 0.5], true).clone();
    const opt = make(w);
    const stepWith = (o: Adam, p: Tensor) => {
      const [gr] = grad([p.square().sum().mul(p.sum())], [p], { createGraph: true });
      p.grad = gr!;
      o.step();
    };
    stepWith(opt, w);
    stepWith(opt, w);
    const sd = opt.stateDict();
    const w2 = f64(values(w), true).clone();
    const opt2 = make(w2);
    opt2.loadStateDict(sd);
    const [b1, b2] = opt2.paramGroups[0]!.betas as [Tensor, Tensor];
    // The loaded group holds copies of the saved tensors (leaves that require grad), not the same objects.
    expect(b1).not.toBe((opt.paramGroups[0]!.betas as Tensor[])[0]);
    expect([b1.item(), b2.item(), b1.requiresGrad, b1.isLeaf]).toEqual([0.8, 0.95, true, true]);
    stepWith(opt, w);
    stepWith(opt2, w2);
    expect(values(w2)).toEqual(values(w));
    // The step after loading is on the tape of the loaded hyperparameters.
    const [gb1] = grad([w2.sum()], [b1]);
    expect(gb1!.item()).not.toBe(0);
  });
});
