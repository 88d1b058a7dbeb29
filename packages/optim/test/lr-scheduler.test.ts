import { Tensor, full, tensor } from "@tapegrad/core";
import {
  ASGD, CosineAnnealingLR, GET_LR_WARNING, LinearLR, type Optimizer, SGD, STEP_ORDER_WARNING,
} from "@tapegrad/optim";
import { describe, expect, test } from "vitest";
import { lr0, sgd, stepBoth, warnings } from "./scheduler-fixtures.js";


describe("LinearLR", () => {
  test("PyTorch's chainable values (spec example: lr 0.1, start 0.25, total 4), bit for bit", () => {
    const { opt, params } = sgd();
    const sched = new LinearLR(opt, { startFactor: 0.25, endFactor: 1, totalIters: 4 });
    const seen = [lr0(opt)];
    for (let e = 0; e < 5; e++) {
      stepBoth(opt, params, sched);
      seen.push(lr0(opt));
    }
    expect(seen).toEqual([0.025, 0.043750000000000004, 0.06250000000000001, 0.08125000000000002, 0.10000000000000002, 0.10000000000000002]);
    expect(sched.getLastLr()).toEqual([0.10000000000000002]);
    expect(sched.lastEpoch).toBe(5);
    expect(sched.stepCount).toBe(6);
  });

  test.each([
    [{ startFactor: 0 }, RangeError, "LinearLR: Starting multiplicative factor expected to be greater than 0 and less or equal to 1 (startFactor 0)"],
    [{ startFactor: 1.5 }, RangeError, "Starting multiplicative factor expected to be greater than 0 and less or equal to 1"],
    [{ endFactor: -0.1 }, RangeError, "LinearLR: Ending multiplicative factor expected to be between 0 and 1 (endFactor -0.1)"],
    [{ endFactor: 1.1 }, RangeError, "Ending multiplicative factor expected to be between 0 and 1"],
    [{ totalIters: 0 }, RangeError, "LinearLR: totalIters must be >= 1, got 0"],
    [{ totalIters: 2.5 }, TypeError, "LinearLR: totalIters must be an integer, got 2.5"],
    [{ startFactor: "0.5" }, TypeError, 'LinearLR: startFactor must be a finite number, got "0.5"'],
    [{ lastEpoch: -2 }, RangeError, "LinearLR: lastEpoch must be >= -1, got -2"],
    [{ start_factor: 0.5 }, TypeError, 'LinearLR: unknown option "start_factor"'],
  ])("%o is rejected", (options, type, message) => {
    const { opt } = sgd();
    expect(() => new LinearLR(opt, options as never)).toThrow(type);
    expect(() => new LinearLR(opt, options as never)).toThrow(message);
    expect(opt.paramGroups[0]!.initialLr).toBeUndefined();
    expect(lr0(opt)).toBe(0.1);
  });

  test("endFactor 0 is allowed", () => {
    const { opt } = sgd();
    const sched = new LinearLR(opt, { startFactor: 1, endFactor: 0, totalIters: 2 });
    sched.setEpoch(2);
    expect(lr0(opt)).toBe(0);
  });

  test("setEpoch uses the closed form", () => {
    const { opt } = sgd();
    const sched = new LinearLR(opt, { startFactor: 0.25, endFactor: 1, totalIters: 4 });
    sched.setEpoch(4);
    expect(lr0(opt)).toBe(0.1);
    sched.setEpoch(2);
    expect(lr0(opt)).toBe(0.1 * 0.625);
    expect(sched.lastEpoch).toBe(2);
    expect(() => sched.setEpoch(-1)).toThrow("LinearLR.setEpoch: epoch must be >= 0, got -1");
  });
});

describe("CosineAnnealingLR", () => {
  test("PyTorch's recursive values through two periods (spec example: lr 0.1, T 4, etaMin 0.01)", () => {
    const { opt, params } = sgd();
    const sched = new CosineAnnealingLR(opt, { tMax: 4, etaMin: 0.01 });
    const seen = [lr0(opt)];
    for (let e = 0; e < 12; e++) {
      stepBoth(opt, params, sched);
      seen.push(lr0(opt));
    }
    const want = [
      0.1, 0.08681980515339464, 0.05500000000000001, 0.023180194846605363, 0.01, 0.023180194846605363, 0.05500000000000002,
      0.08681980515339469, 0.10000000000000006, 0.0868198051533947, 0.05500000000000005, 0.023180194846605412, 0.01,
    ];
    seen.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(1e-15 * want[i]!));
  });

  test.each([
    [{}, TypeError, "CosineAnnealingLR: tMax must be a finite number, got undefined"],
    [{ tMax: 0 }, RangeError, "CosineAnnealingLR: tMax must be > 0, got 0"],
    [{ tMax: 10, etaMin: Number.NaN }, TypeError, "CosineAnnealingLR: etaMin must be a finite number, got NaN"],
    [{ T_max: 10 }, TypeError, 'CosineAnnealingLR: unknown option "T_max"'],
  ])("%o is rejected", (options, type, message) => {
    const { opt } = sgd();
    expect(() => new CosineAnnealingLR(opt, options as never)).toThrow(type);
    expect(() => new CosineAnnealingLR(opt, options as never)).toThrow(message);
  });

  test("setEpoch uses the closed form", () => {
    const { opt } = sgd();
    const sched = new CosineAnnealingLR(opt, { tMax: 4, etaMin: 0.01 });
    sched.setEpoch(2);
    expect(lr0(opt)).toBeCloseTo(0.055, 15);
    sched.setEpoch(8);
    expect(lr0(opt)).toBeCloseTo(0.1, 15);
  });
});

describe("LRScheduler base", () => {
  test("construction sets initialLr once; a second scheduler inherits it as its base lr", () => {
    const { opt } = sgd([0.1, 0.02]);
    const a = new LinearLR(opt, { startFactor: 0.5 });
    expect(opt.paramGroups.map((g) => g.initialLr)).toEqual([0.1, 0.02]);
    const b = new CosineAnnealingLR(opt, { tMax: 10 });
    expect(b.baseLrs).toEqual([0.1, 0.02]);
    expect(a.baseLrs).toEqual([0.1, 0.02]);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.05, 0.01]);
  });

  test("not an optimizer", () => {
    expect(() => new LinearLR({} as never)).toThrow(TypeError);
    expect(() => new LinearLR(null as never)).toThrow("LinearLR: null is not an Optimizer");
  });

  test("resuming needs initialLr in every group and leaves the lr unchanged", () => {
    const { opt } = sgd([0.1, 0.2]);
    expect(() => new LinearLR(opt, { lastEpoch: 3 })).toThrow(
      "LinearLR: param 'initialLr' is not specified in paramGroups[0] when resuming an optimizer",
    );
    opt.paramGroups.forEach((g) => (g.initialLr = 0.3));
    opt.paramGroups[0]!.lr = 0.07;
    const sched = new LinearLR(opt, { lastEpoch: 3, totalIters: 10 });
    expect(sched.lastEpoch).toBe(4);
    expect(lr0(opt)).toBe(0.07);
    expect(sched.baseLrs).toEqual([0.3, 0.3]);
  });

  test("step() before optimizer.step() warns once; getLr() outside step warns once", () => {
    const { opt, params } = sgd();
    const sched = new LinearLR(opt);
    sched.step();
    sched.step();
    expect(warnings).toEqual([STEP_ORDER_WARNING]);
    stepBoth(opt, params, sched);
    expect(warnings).toHaveLength(1);
    const value = sched.getLr();
    sched.getLr();
    expect(value).toHaveLength(1);
    expect(warnings).toEqual([STEP_ORDER_WARNING, GET_LR_WARNING]);
  });

  test("no warning in the documented order, nor for a scheduler created after training started", () => {
    const { opt, params } = sgd();
    const sched = new LinearLR(opt);
    stepBoth(opt, params, sched);
    const late = new CosineAnnealingLR(opt, { tMax: 5 });
    late.step();
    expect(warnings).toEqual([]);
  });

  test("step takes no epoch argument", () => {
    const { opt } = sgd();
    const sched = new LinearLR(opt);
    expect(() => (sched.step as (e: number) => void)(3)).toThrow("LinearLR.step: takes no epoch argument; use setEpoch(epoch)");
  });

  test("a tensor lr is updated in place; initialLr is a separate copy, baseLrs are numbers", () => {
    const p = full([2], 1).requiresGrad_(true);
    const lr = tensor(0.1, { dtype: "float64" });
    const opt = new SGD([p], { lr });
    const sched = new LinearLR(opt, { startFactor: 0.5, totalIters: 2 });
    expect(opt.paramGroups[0]!.lr).toBe(lr);
    expect(lr.item()).toBe(0.05);
    const initial = opt.paramGroups[0]!.initialLr as Tensor;
    expect(initial).toBeInstanceOf(Tensor);
    expect(initial).not.toBe(lr);
    expect(initial.item()).toBe(0.1);
    expect(sched.baseLrs).toEqual([0.1]);
    p.grad = full([2], 1);
    opt.step();
    sched.step();
    expect(opt.paramGroups[0]!.lr).toBe(lr);
    expect(lr.item()).toBeCloseTo(0.075, 15);
    expect(initial.item()).toBe(0.1);
    expect(sched.getLastLr()).toEqual([lr.item()]);
  });

  test("a tensor lr that requires grad stays on the tape: the group gets a new tensor, the lr itself is never written", () => {
    const p = full([1], 1);
    const w = p.clone().requiresGrad_(true);
    const lr = tensor(0.1, { dtype: "float64", requiresGrad: true });
    const opt = new SGD([w], { lr });
    const sched = new LinearLR(opt, { startFactor: 0.5 });
    const now = opt.paramGroups[0]!.lr as Tensor;
    expect(lr.item()).toBe(0.1);
    expect(now).not.toBe(lr);
    expect(now.item()).toBe(0.05);
    expect(now.gradFn).not.toBeNull();
    expect(opt.paramGroups[0]!.initialLr).toBe(lr);
    expect(sched.getLastLr()).toEqual([0.05]);
  });

  test("state dicts: explicit fields, round trip, validation without partial changes", () => {
    const { opt, params } = sgd([0.1, 0.2]);
    const sched = new LinearLR(opt, { startFactor: 0.5, totalIters: 4 });
    stepBoth(opt, params, sched);
    const sd = sched.stateDict();
    expect(sd).toEqual({ startFactor: 0.5, endFactor: 1, totalIters: 4, baseLrs: [0.1, 0.2], lastEpoch: 1, stepCount: 2, lastLr: sched.getLastLr() });

    const fresh = sgd([0.1, 0.2]);
    const other = new LinearLR(fresh.opt, { startFactor: 0.9 });
    other.loadStateDict(sd);
    expect(other.stateDict()).toEqual(sd);
    expect(fresh.opt.paramGroups.map((g) => g.lr)).toEqual([0.1 * 0.9, 0.2 * 0.9]); // the optimizer is not touched

    const before = other.stateDict();
    expect(() => other.loadStateDict({ ...sd, lastEpoch: 1.5 })).toThrow("LinearLR.loadStateDict: lastEpoch must be an integer, got 1.5");
    expect(() => other.loadStateDict({ ...sd, startFactor: 2 })).toThrow("Starting multiplicative factor expected");
    expect(() => other.loadStateDict({ ...sd, verbose: false })).toThrow('LinearLR.loadStateDict: unexpected key "verbose"');
    const { stepCount: _drop, ...missing } = sd;
    expect(() => other.loadStateDict(missing as never)).toThrow('LinearLR.loadStateDict: the state dict has no "stepCount"');
    expect(() => other.loadStateDict({ ...sd, baseLrs: [0.1, "x"] } as never)).toThrow("baseLrs must be an array of finite numbers");
    expect(other.stateDict()).toEqual(before);
  });
});

describe("schedulers with ASGD", () => {
  test("the scheduled lr reaches the parameters one step late (spec B.8 trajectory)", () => {
    const p = tensor([1], { requiresGrad: true });
    const opt = new ASGD([p], { lr: 0.1, lambd: 0 });
    const sched = new LinearLR(opt, { startFactor: 0.5, totalIters: 2 });
    const seen: number[] = [];
    for (let k = 0; k < 4; k++) {
      p.grad = tensor([1]);
      opt.step();
      sched.step();
      seen.push(p.item());
    }
    expect(seen).toEqual([0.949999988079071, 0.8999999761581421, 0.824999988079071, 0.7249999642372131]);
  });
});
