// lr schedulers on a tensor lr that requires grad keep the tape: every scheduler computes the same
// lr values as with a number lr (bit for bit), never writes into the lr tensor, and the
// hypergradient of the outer loss with respect to the base lr (or a LambdaLR's tensor factor)
// through K differentiable SGD steps equals a central finite difference.
import { Tensor, dualLevel, grad, makeDual, unpackDual } from "@tapegrad/core";
import {
  ConstantLR, CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR, type LRScheduler, MultiStepLR, ReduceLROnPlateau, SGD, SequentialLR,
  StepLR,
} from "@tapegrad/optim";
import { describe, expect, test } from "vitest";
import { f64, inner, outer, useFloat64Default, values, w0Values } from "./hyper-fixtures.js";

useFloat64Default();

const K = 7;
type Scheduler = LRScheduler | ReduceLROnPlateau;
const CASES: Array<[string, (opt: SGD) => Scheduler]> = [
  ["LinearLR", (opt) => new LinearLR(opt, { startFactor: 0.25, endFactor: 1, totalIters: 4 })],
  ["ExponentialLR", (opt) => new ExponentialLR(opt, { gamma: 0.8 })],
  ["StepLR", (opt) => new StepLR(opt, { stepSize: 2, gamma: 0.5 })],
  ["MultiStepLR", (opt) => new MultiStepLR(opt, { milestones: [1, 3, 3], gamma: 0.7 })],
  ["ConstantLR", (opt) => new ConstantLR(opt, { factor: 0.5, totalIters: 3 })],
  ["CosineAnnealingLR", (opt) => new CosineAnnealingLR(opt, { tMax: 3, etaMin: 0.01 })],
  ["LambdaLR", (opt) => new LambdaLR(opt, { lrLambda: (e) => 1 / (1 + e) })],
  [
    "SequentialLR",
    (opt) =>
      new SequentialLR(opt, {
        schedulers: [new LinearLR(opt, { startFactor: 0.5, totalIters: 2 }), new CosineAnnealingLR(opt, { tMax: 3, etaMin: 0.02 })],
        milestones: [3],
      }),
  ],
  ["ReduceLROnPlateau", (opt) => new ReduceLROnPlateau(opt, { factor: 0.5, patience: 1 })],
];

/** K differentiable SGD steps with the scheduler stepped after each: the final param and the lrs used. */
function run(lr: number | Tensor, make: (opt: SGD) => Scheduler, w0 = f64(w0Values, true)): { w: Tensor; lrs: number[]; opt: SGD } {
  const w = w0.clone();
  const opt = new SGD([w], { lr, momentum: 0.5, differentiable: true });
  const sched = make(opt);
  const lrs: number[] = [];
  for (let k = 0; k < K; k++) {
    const [g] = grad([inner(w)], [w], { createGraph: true });
    w.grad = g!;
    const current = opt.paramGroups[0]!.lr;
    lrs.push(current instanceof Tensor ? current.item() : current);
    opt.step();
    if (sched instanceof ReduceLROnPlateau) sched.step(1);
    else sched.step();
  }
  return { w, lrs, opt };
}

describe.each(CASES)("%s with an lr on the tape", (_, make) => {
  test("the same lrs as a number lr, the lr tensor untouched, d outer / d lr equal to a central finite difference", () => {
    const lr = f64(0.2, true);
    const taped = run(lr, make);
    const plain = run(0.2, make);
    expect(taped.lrs).toEqual(plain.lrs);
    expect(values(taped.w)).toEqual(values(plain.w));
    expect(lr.item()).toBe(0.2);
    expect(taped.opt.paramGroups[0]!.lr).toBeInstanceOf(Tensor);
    const [g] = grad([outer(taped.w)], [lr]);
    const h = 1e-6;
    const want = (outer(run(0.2 + h, make).w).item() - outer(run(0.2 - h, make).w).item()) / (2 * h);
    expect(Math.abs(g!.item() - want), `${g!.item()} vs ${want}`).toBeLessThan(1e-6 * (1 + Math.abs(want)));
  });

  test("a dual lr (forward mode): the same lrs, and the tangent of the outer loss equals the reverse-mode hypergradient", () => {
    const lr = f64(0.2, true);
    const taped = run(lr, make);
    const [reverse] = grad([outer(taped.w)], [lr]);
    const forward = dualLevel(() => {
      const dual = run(makeDual(f64(0.2), f64(1)), make);
      expect(dual.lrs).toEqual(taped.lrs);
      expect(values(dual.w)).toEqual(values(taped.w));
      return unpackDual(outer(dual.w)).tangent!.item();
    });
    expect(Math.abs(forward - reverse!.item()), `${forward} vs ${reverse!.item()}`).toBeLessThan(1e-12 * (1 + Math.abs(forward)));
  });
});

describe("learnable schedules", () => {
  test("LambdaLR with a tensor factor: a learnable warm-up scale gets its hypergradient", () => {
    const at = (scale: number | Tensor) => run(0.3, (opt) => new LambdaLR(opt, { lrLambda: (e) => (scale instanceof Tensor ? scale.mul(Math.min(1, (e + 1) / 4)) : scale * Math.min(1, (e + 1) / 4)) })).w;
    const scale = f64(0.8, true);
    const w = at(scale);
    expect(values(w)).toEqual(values(at(0.8)));
    const [g] = grad([outer(w)], [scale]);
    const want = (outer(at(0.8 + 1e-6)).item() - outer(at(0.8 - 1e-6)).item()) / 2e-6;
    expect(Math.abs(g!.item() - want)).toBeLessThan(1e-6 * (1 + Math.abs(want)));
  });

  test("LinearLR with a learnable start factor: the same lrs as the number, d outer / d startFactor equal to a finite difference", () => {
    const at = (s: number | Tensor) => run(0.3, (opt) => new LinearLR(opt, { startFactor: s, endFactor: 1, totalIters: 4 }));
    const s = f64(0.25, true);
    const taped = at(s);
    const plain = at(0.25);
    expect(taped.lrs).toEqual(plain.lrs);
    expect(values(taped.w)).toEqual(values(plain.w));
    const [g] = grad([outer(taped.w)], [s]);
    const want = (outer(at(0.25 + 1e-6).w).item() - outer(at(0.25 - 1e-6).w).item()) / 2e-6;
    expect(Math.abs(g!.item() - want)).toBeLessThan(1e-6 * (1 + Math.abs(want)));
    // The closed form (setEpoch) keeps the factor's tape too: d(lr)/d(startFactor) = baseLr * (1 - 2/4).
    const opt = new SGD([f64([1]).clone()], { lr: 0.2, differentiable: true });
    const sched = new LinearLR(opt, { startFactor: s, totalIters: 4 });
    sched.setEpoch(2);
    expect(grad([opt.paramGroups[0]!.lr as Tensor], [s])[0]!.item()).toBeCloseTo(0.1, 15);
    // Its state dict holds the factor tensor; loading it (and the optimizer's) into fresh ones continues with the same lrs.
    const sd = sched.stateDict();
    const opt2 = new SGD([f64([1]).clone()], { lr: 0.2, differentiable: true });
    const sched2 = new LinearLR(opt2, { startFactor: 0.5, totalIters: 4 });
    sched2.loadStateDict(sd);
    opt2.loadStateDict(opt.stateDict());
    sched.step();
    sched2.step();
    expect(sched2.getLastLr()).toEqual(sched.getLastLr());
    expect(sched2.startFactor).toBe(s); // not copied (PyTorch merges a scheduler's state dict by reference)
    expect(() => new LinearLR(opt, { startFactor: f64(0) })).toThrow(
      "LinearLR: Starting multiplicative factor expected to be greater than 0 and less or equal to 1 (startFactor tensor(0))",
    );
  });

  test("setEpoch (the closed form) keeps the tape: the lr is initialLr times the factor", () => {
    const lr = f64(0.2, true);
    const opt = new SGD([f64([1]).clone()], { lr, differentiable: true });
    const sched = new LinearLR(opt, { startFactor: 0.25, totalIters: 4 });
    sched.setEpoch(2);
    const now = opt.paramGroups[0]!.lr as Tensor;
    expect(now.item()).toBe(0.2 * 0.625);
    expect(grad([now], [lr])[0]!.item()).toBe(0.625);
    expect(opt.paramGroups[0]!.initialLr).toBe(lr);
  });

  test("ReduceLROnPlateau bounded by minLr gives a constant lr (derivative 0 from then on)", () => {
    const lr = f64(0.2, true);
    const opt = new SGD([f64([1]).clone()], { lr, differentiable: true });
    const sched = new ReduceLROnPlateau(opt, { factor: 0.1, patience: 0, minLr: 0.05 });
    sched.step(1);
    sched.step(1);
    const now = opt.paramGroups[0]!.lr as Tensor;
    expect([now.item(), now.requiresGrad]).toEqual([0.05, false]);
    expect(lr.item()).toBe(0.2);
  });

  test("a LambdaLR factor that is not a number or a 1-element float tensor is named", () => {
    const opt = new SGD([f64([1]).clone()], { lr: f64(0.2, true), differentiable: true });
    expect(() => new LambdaLR(opt, { lrLambda: () => f64([1, 2]) })).toThrow(
      "LambdaLR: lrLambda[0](0) returned a float64 Tensor of shape [2], not a number or a 1-element float tensor",
    );
  });
});
