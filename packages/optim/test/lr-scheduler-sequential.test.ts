import { Tensor, full, tensor } from "@tapegrad/core";
import {
  ConstantLR, CosineAnnealingLR, ExponentialLR, LinearLR, type Optimizer, ReduceLROnPlateau, SGD, SequentialLR,
} from "@tapegrad/optim";
import { describe, expect, test } from "vitest";
import { lr0, sgd, stepBoth, warnings } from "./scheduler-fixtures.js";


describe("SequentialLR", () => {
  test("spec example: LinearLR(0.25, 3) then CosineAnnealingLR(4, 0.01) at 3, without warnings", () => {
    const { opt, params } = sgd();
    const linear = new LinearLR(opt, { startFactor: 0.25, totalIters: 3 });
    const cosine = new CosineAnnealingLR(opt, { tMax: 4, etaMin: 0.01 });
    const sched = new SequentialLR(opt, { schedulers: [linear, cosine], milestones: [3] });
    const seen = [lr0(opt)];
    for (let e = 0; e < 10; e++) {
      stepBoth(opt, params, sched);
      seen.push(lr0(opt));
    }
    const want = [
      0.025, 0.05, 0.07500000000000001, 0.1, 0.08681980515339464, 0.05500000000000001, 0.023180194846605363, 0.01, 0.023180194846605363,
      0.05500000000000002, 0.08681980515339469,
    ];
    seen.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(1e-15 * want[i]!));
    expect([linear.lastEpoch, cosine.lastEpoch, sched.lastEpoch, cosine.stepCount]).toEqual([2, 7, 10, 9]);
    expect(warnings).toEqual([]);
    expect(sched.getLastLr()).toEqual([lr0(opt)]);
  });

  test("construction resets lrs to initialLr and restarts the first child", () => {
    const { opt } = sgd([0.1, 0.3]);
    const a = new ConstantLR(opt, { factor: 0.5, totalIters: 2 });
    const b = new ExponentialLR(opt, { gamma: 0.9 });
    opt.paramGroups[1]!.lr = 7; // whatever the children and users did, the container starts from initialLr
    const sched = new SequentialLR(opt, { schedulers: [a, b], milestones: [2] });
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.05, 0.15]);
    expect([a.lastEpoch, b.lastEpoch, sched.lastEpoch]).toEqual([0, -1, 0]);
  });

  test("a tensor lr keeps its identity through the reset", () => {
    const p = full([2], 1).requiresGrad_(true);
    const lr = tensor(0.2, { dtype: "float64" });
    const opt = new SGD([p], { lr });
    const a = new LinearLR(opt, { startFactor: 0.5, totalIters: 2 });
    const b = new ExponentialLR(opt, { gamma: 0.5 });
    new SequentialLR(opt, { schedulers: [a, b], milestones: [2] });
    expect(opt.paramGroups[0]!.lr).toBe(lr);
    expect(lr.item()).toBe(0.1);
    expect((opt.paramGroups[0]!.initialLr as Tensor).item()).toBe(0.2);
  });

  test("nested SequentialLR behaves like the flat one", () => {
    const run = (nested: boolean): number[] => {
      const { opt, params } = sgd();
      const a = new LinearLR(opt, { startFactor: 0.2, totalIters: 3 });
      const b = new CosineAnnealingLR(opt, { tMax: 4 });
      const c = new ExponentialLR(opt, { gamma: 0.8 });
      const sched = nested
        ? new SequentialLR(opt, { schedulers: [new SequentialLR(opt, { schedulers: [a, b], milestones: [3] }), c], milestones: [7] })
        : new SequentialLR(opt, { schedulers: [a, b, c], milestones: [3, 7] });
      const seen = [lr0(opt)];
      for (let e = 0; e < 10; e++) {
        stepBoth(opt, params, sched);
        seen.push(lr0(opt));
      }
      return seen;
    };
    expect(run(true)).toEqual(run(false));
  });

  test("setEpoch jumps into the child active at that epoch", () => {
    const { opt } = sgd();
    const a = new LinearLR(opt, { startFactor: 0.5, totalIters: 4 });
    const b = new CosineAnnealingLR(opt, { tMax: 10, etaMin: 0 });
    const sched = new SequentialLR(opt, { schedulers: [a, b], milestones: [4] });
    sched.setEpoch(9);
    expect(lr0(opt)).toBeCloseTo(0.05 * (1 + Math.cos(Math.PI / 2)), 15);
    expect(sched.lastEpoch).toBe(9);
    sched.setEpoch(2);
    expect(lr0(opt)).toBeCloseTo(0.075, 15);
  });

  test.each([
    [(_o: Optimizer) => ({ schedulers: [], milestones: [] }), Error, "SequentialLR expects at least one scheduler, but got no scheduler."],
    [(_o: Optimizer) => ({ schedulers: [{}], milestones: [] }), TypeError, "SequentialLR at index 0 should have `optimizer` as its attribute"],
    [(o: Optimizer) => ({ schedulers: [{ optimizer: o }], milestones: [] }), TypeError, "SequentialLR: schedulers[0] must be an LRScheduler"],
    [
      (o: Optimizer) => ({ schedulers: [new LinearLR(o), new ReduceLROnPlateau(o)], milestones: [2] }),
      Error,
      "SequentialLR does not support `ReduceLROnPlateau` scheduler as it requires additional kwargs to be specified when calling `step`, but got one at index 1",
    ],
    [
      (o: Optimizer) => ({ schedulers: [new LinearLR(o), new LinearLR(sgd().opt)], milestones: [2] }),
      Error,
      "SequentialLR expects all schedulers to belong to the same optimizer, but got scheduler LinearLR at index 1 has another SGD instance, which is different from SGD.",
    ],
    [
      (o: Optimizer) => ({ schedulers: [new LinearLR(o), new LinearLR(o)], milestones: [2, 4] }),
      Error,
      "Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers 2 and the number of milestones to be equal to 2",
    ],
    [(o: Optimizer) => ({ schedulers: [new LinearLR(o), new LinearLR(o)], milestones: [0] }), RangeError, "SequentialLR: milestones must be integers >= 1, got 0 at index 0"],
    [(o: Optimizer) => ({ schedulers: [new LinearLR(o), new LinearLR(o)], milestones: [1.5] }), RangeError, "milestones must be integers >= 1, got 1.5"],
    [
      (o: Optimizer) => ({ schedulers: [new LinearLR(o), new LinearLR(o), new LinearLR(o)], milestones: [5, 3] }),
      RangeError,
      "SequentialLR: milestones must be strictly increasing, got [5, 3]",
    ],
    [
      (o: Optimizer) => ({ schedulers: [new LinearLR(o), new LinearLR(o), new LinearLR(o)], milestones: [3, 3] }),
      RangeError,
      "milestones must be strictly increasing, got [3, 3]",
    ],
    [(o: Optimizer) => ({ schedulers: [new LinearLR(o)], milestones: [], lastEpoch: 4 }), RangeError, "SequentialLR: lastEpoch must be -1 (resume with loadStateDict instead), got 4"],
    [(o: Optimizer) => ({ schedulers: [new LinearLR(o)], milestones: "3" }), TypeError, 'SequentialLR: milestones must be an array of integers, got "3"'],
  ])("invalid construction %#", (make, type, message) => {
    const { opt } = sgd();
    const options = make(opt);
    const before = opt.paramGroups.map((g) => g.lr);
    expect(() => new SequentialLR(opt, options as never)).toThrow(type);
    expect(() => new SequentialLR(opt, options as never)).toThrow(message);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual(before);
  });

  test("groups without initialLr are rejected", () => {
    const { opt } = sgd();
    const a = new LinearLR(opt);
    delete opt.paramGroups[0]!.initialLr;
    expect(() => new SequentialLR(opt, { schedulers: [a], milestones: [] })).toThrow(
      "SequentialLR: paramGroups[0] has no initialLr; construct the schedulers on this optimizer before the SequentialLR",
    );
  });

  test("getLr is not available on the container; step takes no argument", () => {
    const { opt } = sgd();
    const sched = new SequentialLR(opt, { schedulers: [new LinearLR(opt)], milestones: [] });
    expect(() => sched.getLr()).toThrow("SequentialLR.getLr: not supported; use getLastLr()");
    expect(() => (sched.step as (e: number) => void)(1)).toThrow("SequentialLR.step: takes no epoch argument");
  });

  test("nested state dicts round-trip; a mismatched one changes nothing", () => {
    const build = () => {
      const { opt, params } = sgd([0.1, 0.05]);
      const a = new LinearLR(opt, { startFactor: 0.2, totalIters: 3 });
      const b = new CosineAnnealingLR(opt, { tMax: 6 });
      return { opt, params, sched: new SequentialLR(opt, { schedulers: [a, b], milestones: [3] }) };
    };
    const first = build();
    for (let e = 0; e < 5; e++) stepBoth(first.opt, first.params, first.sched);
    const sd = first.sched.stateDict();
    expect(Object.keys(sd)).toEqual(["milestones", "lastEpoch", "lastLr", "schedulers"]);
    expect(sd.schedulers.map((s) => s.lastEpoch)).toEqual([2, 2]);

    const second = build();
    const before = second.sched.stateDict();
    expect(() => second.sched.loadStateDict({ ...sd, schedulers: [sd.schedulers[0]!] })).toThrow(
      "SequentialLR.loadStateDict: schedulers must be an array of 2 state dicts (one per child), got an array of length 1",
    );
    expect(() => second.sched.loadStateDict({ ...sd, schedulers: [sd.schedulers[0]!, { ...sd.schedulers[1]!, tMax: -1 }] })).toThrow(
      "SequentialLR.loadStateDict: schedulers[1]: tMax must be > 0, got -1",
    );
    expect(second.sched.stateDict()).toEqual(before);

    second.sched.loadStateDict(sd);
    second.opt.loadStateDict(first.opt.stateDict());
    expect(second.sched.stateDict()).toEqual(sd);
    for (let e = 0; e < 6; e++) {
      stepBoth(first.opt, first.params, first.sched);
      stepBoth(second.opt, second.params, second.sched);
      expect(second.opt.paramGroups.map((g) => g.lr)).toEqual(first.opt.paramGroups.map((g) => g.lr));
    }
  });
});
