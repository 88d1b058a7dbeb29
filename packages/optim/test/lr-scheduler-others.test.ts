import { Tensor, full, tensor } from "@tapegrad/core";
import {
  ConstantLR, ExponentialLR, LambdaLR, MultiStepLR, type Optimizer, ReduceLROnPlateau, SGD, StepLR, setSchedulerWarningSink,
} from "@tapegrad/optim";
import { afterEach, beforeEach, describe, expect, test } from "vitest";

let previousSink: ((m: string) => void) | null = null;
beforeEach(() => {
  previousSink = setSchedulerWarningSink(() => undefined);
});
afterEach(() => {
  setSchedulerWarningSink(previousSink);
});

function sgd(lrs: number[] = [0.05]): { opt: SGD; params: Tensor[] } {
  const params = lrs.map(() => full([1], 1).requiresGrad_(true));
  return { opt: new SGD(params.map((p, i) => ({ params: [p], lr: lrs[i] }))), params };
}

/** The group-0 lrs after construction and after each of `epochs` steps (optimizer first). */
function schedule(opt: Optimizer, params: Tensor[], sched: { step(): void }, epochs: number): number[] {
  const seen = [opt.paramGroups[0]!.lr as number];
  for (let e = 0; e < epochs; e++) {
    for (const p of params) p.grad = full([1], 0.01);
    opt.step();
    sched.step();
    seen.push(opt.paramGroups[0]!.lr as number);
  }
  return seen;
}

describe("StepLR", () => {
  test("multiplies by gamma every stepSize epochs; closed form agrees", () => {
    const { opt, params } = sgd([1]);
    const sched = new StepLR(opt, { stepSize: 2, gamma: 0.5 });
    expect(schedule(opt, params, sched, 6)).toEqual([1, 1, 0.5, 0.5, 0.25, 0.25, 0.125]);
    sched.setEpoch(3);
    expect(opt.paramGroups[0]!.lr).toBe(0.5);
    expect(sched.stateDict()).toMatchObject({ stepSize: 2, gamma: 0.5, lastEpoch: 3 });
  });

  test("validation", () => {
    const { opt } = sgd();
    expect(() => new StepLR(opt, {} as never)).toThrow("StepLR: stepSize must be an integer, got undefined");
    expect(() => new StepLR(opt, { stepSize: 0 })).toThrow("StepLR: stepSize must be >= 1, got 0");
    expect(() => new StepLR(opt, { stepSize: 2, gamma: Number.POSITIVE_INFINITY })).toThrow("StepLR: gamma must be a finite number, got Infinity");
  });
});

describe("MultiStepLR", () => {
  test("decays at each milestone (a repeated milestone decays twice); closed form agrees", () => {
    const { opt, params } = sgd([1]);
    const sched = new MultiStepLR(opt, { milestones: [4, 2, 4], gamma: 0.5 });
    expect(schedule(opt, params, sched, 5)).toEqual([1, 1, 0.5, 0.5, 0.125, 0.125]);
    expect(sched.milestones).toEqual([2, 4, 4]);
    sched.setEpoch(3);
    expect(opt.paramGroups[0]!.lr).toBe(0.5);
    sched.setEpoch(4);
    expect(opt.paramGroups[0]!.lr).toBe(0.125);
  });

  test("validation", () => {
    const { opt } = sgd();
    expect(() => new MultiStepLR(opt, { milestones: [1, -2] })).toThrow("MultiStepLR: milestones must be an array of non-negative integers, got an array of length 2");
    expect(() => new MultiStepLR(opt, { milestones: [1], gamma: "x" } as never)).toThrow('MultiStepLR: gamma must be a finite number, got "x"');
  });
});

describe("ExponentialLR", () => {
  test("multiplies by gamma each epoch; closed form baseLr * gamma^epoch", () => {
    const { opt, params } = sgd([1]);
    const sched = new ExponentialLR(opt, { gamma: 0.5 });
    expect(schedule(opt, params, sched, 3)).toEqual([1, 0.5, 0.25, 0.125]);
    sched.setEpoch(5);
    expect(opt.paramGroups[0]!.lr).toBe(1 / 32);
  });

  test("resuming leaves the lr unchanged (PyTorch 2.8's _is_initial)", () => {
    const { opt } = sgd([1]);
    opt.paramGroups[0]!.initialLr = 1;
    opt.paramGroups[0]!.lr = 0.25;
    new ExponentialLR(opt, { gamma: 0.5, lastEpoch: 2 });
    expect(opt.paramGroups[0]!.lr).toBe(0.25);
  });

  test("validation", () => {
    const { opt } = sgd();
    expect(() => new ExponentialLR(opt, {} as never)).toThrow("ExponentialLR: gamma must be a finite number, got undefined");
  });
});

describe("ConstantLR", () => {
  test("factor until totalIters, then back to the base lr; closed form agrees", () => {
    const { opt, params } = sgd([1]);
    const sched = new ConstantLR(opt, { factor: 0.5, totalIters: 3 });
    expect(schedule(opt, params, sched, 4)).toEqual([0.5, 0.5, 0.5, 1, 1]);
    sched.setEpoch(1);
    expect(opt.paramGroups[0]!.lr).toBe(0.5);
    sched.setEpoch(3);
    expect(opt.paramGroups[0]!.lr).toBe(1);
  });

  test("validation", () => {
    const { opt } = sgd();
    expect(() => new ConstantLR(opt, { factor: 1.5 })).toThrow("ConstantLR: Constant multiplicative factor expected to be between 0 and 1 (factor 1.5)");
    expect(() => new ConstantLR(opt, { factor: -0.5 })).toThrow(RangeError);
    expect(() => new ConstantLR(opt, { totalIters: -1 })).toThrow("ConstantLR: totalIters must be >= 0, got -1");
  });
});

describe("LambdaLR", () => {
  test("baseLr * lambda(epoch), one function or one per group", () => {
    const { opt, params } = sgd([1, 2]);
    const sched = new LambdaLR(opt, { lrLambda: [(e) => 1 / (e + 1), (e) => e + 1] });
    expect(schedule(opt, params, sched, 2)).toEqual([1, 0.5, 1 / 3]);
    expect(opt.paramGroups[1]!.lr).toBe(6);
    expect(Object.keys(sched.stateDict())).toEqual(["baseLrs", "lastEpoch", "stepCount", "lastLr"]);
  });

  test("validation; a lambda returning a non-number leaves everything unchanged", () => {
    const { opt, params } = sgd([1, 2]);
    expect(() => new LambdaLR(opt, { lrLambda: [(e) => e] })).toThrow("LambdaLR: Expected 2 lrLambdas, but got 1");
    expect(() => new LambdaLR(opt, { lrLambda: 0.5 } as never)).toThrow("LambdaLR: lrLambda must be a function or an array of functions, got 0.5");
    expect(() => new LambdaLR(opt, { lrLambda: [(e: number) => e, 3] } as never)).toThrow("LambdaLR: lrLambda[1] must be a function, got 3");
    const sched = new LambdaLR(opt, { lrLambda: (e) => (e < 1 ? 1 : (undefined as unknown as number)) });
    for (const p of params) p.grad = full([1], 0.01);
    opt.step();
    expect(() => sched.step()).toThrow("LambdaLR: lrLambda[0](1) returned undefined, not a number");
    expect(sched.lastEpoch).toBe(0);
    expect(sched.stepCount).toBe(1);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([1, 2]);
  });
});

describe("ReduceLROnPlateau", () => {
  test("reduces after patience + 1 bad epochs, then cools down", () => {
    const { opt } = sgd([1]);
    const sched = new ReduceLROnPlateau(opt, { patience: 1, factor: 0.5, cooldown: 1 });
    const seen: number[] = [];
    for (const metric of [10, 9, 9, 9, 9, 9, 9]) {
      sched.step(metric);
      seen.push(opt.paramGroups[0]!.lr as number);
    }
    // bad epochs at steps 3, 4 -> reduce at 4; cooldown at 5; bad at 6, 7 -> reduce at 7
    expect(seen).toEqual([1, 1, 1, 0.5, 0.5, 0.5, 0.25]);
    expect(sched.getLastLr()).toEqual([0.25]);
    expect(sched.lastEpoch).toBe(7);
  });

  test("max mode, absolute threshold, minLr per group and eps", () => {
    const { opt } = sgd([1, 0.1]);
    const sched = new ReduceLROnPlateau(opt, { mode: "max", thresholdMode: "abs", threshold: 0.5, patience: 0, factor: 0.1, minLr: [0.2, 0.05] });
    sched.step(tensor(1));
    sched.step(1.4); // not better than 1 + 0.5
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.2, 0.05]);
    expect(sched.isBetter(2, 1)).toBe(true);
    expect(sched.isBetter(1.5, 1)).toBe(false);
  });

  test("state dict round trip and validation", () => {
    const { opt } = sgd([1]);
    const sched = new ReduceLROnPlateau(opt, { patience: 0 });
    sched.step(5);
    sched.step(6);
    const sd = sched.stateDict();
    const other = new ReduceLROnPlateau(sgd([1]).opt);
    other.loadStateDict(sd);
    expect(other.stateDict()).toEqual(sd);
    expect(() => other.loadStateDict({ ...sd, mode: "median" } as never)).toThrow('ReduceLROnPlateau.loadStateDict: mode "median" is unknown!');
    expect(() => other.loadStateDict({ ...sd, extra: 1 } as never)).toThrow('ReduceLROnPlateau.loadStateDict: unexpected key "extra"');
    expect(other.stateDict()).toEqual(sd);
  });

  test("validation", () => {
    const { opt } = sgd([1, 2]);
    expect(() => new ReduceLROnPlateau(opt, { factor: 1 })).toThrow("ReduceLROnPlateau: Factor should be < 1.0 (factor 1)");
    expect(() => new ReduceLROnPlateau(opt, { mode: "up" } as never)).toThrow('ReduceLROnPlateau: mode "up" is unknown! (expected "min" or "max")');
    expect(() => new ReduceLROnPlateau(opt, { thresholdMode: "pct" } as never)).toThrow('ReduceLROnPlateau: threshold mode "pct" is unknown!');
    expect(() => new ReduceLROnPlateau(opt, { minLr: [0] })).toThrow("ReduceLROnPlateau: expected 2 minLrs, got 1");
    expect(() => new ReduceLROnPlateau(opt, { patience: -1 })).toThrow("ReduceLROnPlateau: patience must be >= 0, got -1");
    expect(() => new ReduceLROnPlateau({} as never)).toThrow("is not an Optimizer");
    const sched = new ReduceLROnPlateau(opt, { minLr: [0, 0] });
    expect(() => sched.step("1" as never)).toThrow('ReduceLROnPlateau.step: metrics must be a number or a 1-element Tensor, got "1"');
    expect(() => (sched.step as (m: number, e: number) => void)(1, 2)).toThrow("takes only the metric");
    opt.addParamGroup({ params: [full([1], 1)], lr: 1 });
    expect(() => sched.step(1)).toThrow("The number of param groups in the optimizer (3) differs from when ReduceLROnPlateau was initialized (2)");
  });
});
