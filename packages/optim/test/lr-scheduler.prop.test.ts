import { full } from "@tapegrad/core";
import {
  CosineAnnealingLR, ExponentialLR, LinearLR, type LRScheduler, type Optimizer, SGD, SequentialLR, StepLR, cosineAnnealingLr,
  linearLrFactor,
} from "@tapegrad/optim";
import fc from "fast-check";
import { describe, expect, test } from "vitest";

function sgd(lr: number): Optimizer {
  return new SGD([full([1], 1).requiresGrad_(true)], { lr });
}

/** Group-0 lrs after construction and after each of `epochs` scheduler steps (the optimizer steps first). */
function run(opt: Optimizer, sched: LRScheduler, epochs: number): number[] {
  const p = opt.paramGroups[0]!.params[0]!;
  const seen = [opt.paramGroups[0]!.lr as number];
  for (let e = 0; e < epochs; e++) {
    p.grad = full([1], 0);
    opt.step();
    sched.step();
    seen.push(opt.paramGroups[0]!.lr as number);
  }
  return seen;
}

const baseLr = fc.double({ min: 1e-4, max: 10, noNaN: true });

describe("LinearLR properties", () => {
  test("the factor stays between startFactor and endFactor and moves monotonically", () => {
    fc.assert(
      fc.property(
        baseLr,
        fc.double({ min: 1e-3, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 40 }),
        (lr, startFactor, endFactor, totalIters) => {
          const opt = sgd(lr);
          const lrs = run(opt, new LinearLR(opt, { startFactor, endFactor, totalIters }), totalIters + 5);
          const tol = 1e-12;
          const lo = Math.min(startFactor, endFactor) - tol;
          const hi = Math.max(startFactor, endFactor) + tol;
          const factors = lrs.map((v) => v / lr);
          for (const f of factors) {
            expect(f).toBeGreaterThanOrEqual(lo);
            expect(f).toBeLessThanOrEqual(hi);
          }
          const direction = Math.sign(endFactor - startFactor);
          for (let i = 1; i < factors.length; i++) expect((factors[i]! - factors[i - 1]!) * direction).toBeGreaterThanOrEqual(-tol);
          // and it ends at the closed form's end value
          expect(Math.abs(factors[factors.length - 1]! - linearLrFactor(totalIters, { startFactor, endFactor, totalIters }))).toBeLessThanOrEqual(1e-12);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("CosineAnnealingLR properties", () => {
  test("stays in [etaMin, base lr]; recursive and closed forms agree within 1e-12 up to tMax", () => {
    fc.assert(
      fc.property(baseLr, fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 80 }), (lr, etaFraction, tMax) => {
        const etaMin = lr * etaFraction * 0.999;
        const opt = sgd(lr);
        const lrs = run(opt, new CosineAnnealingLR(opt, { tMax, etaMin }), tMax);
        lrs.forEach((v, epoch) => {
          expect(v).toBeGreaterThanOrEqual(etaMin - 1e-12 * lr);
          expect(v).toBeLessThanOrEqual(lr * (1 + 1e-12));
          expect(Math.abs(v - cosineAnnealingLr(epoch, lr, { tMax, etaMin }))).toBeLessThanOrEqual(1e-12 * lr);
        });
      }),
      { numRuns: 150 },
    );
  });
});

type ChildSpec =
  | { kind: "linear"; startFactor: number; totalIters: number }
  | { kind: "cosine"; tMax: number; etaFraction: number }
  | { kind: "exponential"; gamma: number }
  | { kind: "step"; stepSize: number; gamma: number };

const childSpec: fc.Arbitrary<ChildSpec> = fc.oneof(
  fc.record({ kind: fc.constant("linear" as const), startFactor: fc.double({ min: 0.01, max: 1, noNaN: true }), totalIters: fc.integer({ min: 1, max: 10 }) }),
  fc.record({ kind: fc.constant("cosine" as const), tMax: fc.integer({ min: 1, max: 12 }), etaFraction: fc.double({ min: 0, max: 0.9, noNaN: true }) }),
  fc.record({ kind: fc.constant("exponential" as const), gamma: fc.double({ min: 0.5, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant("step" as const), stepSize: fc.integer({ min: 1, max: 4 }), gamma: fc.double({ min: 0.1, max: 1, noNaN: true }) }),
);

function makeChild(opt: Optimizer, spec: ChildSpec, lr: number): LRScheduler {
  switch (spec.kind) {
    case "linear":
      return new LinearLR(opt, { startFactor: spec.startFactor, totalIters: spec.totalIters });
    case "cosine":
      return new CosineAnnealingLR(opt, { tMax: spec.tMax, etaMin: lr * spec.etaFraction });
    case "exponential":
      return new ExponentialLR(opt, { gamma: spec.gamma });
    case "step":
      return new StepLR(opt, { stepSize: spec.stepSize, gamma: spec.gamma });
  }
}

describe("SequentialLR properties", () => {
  test("equals the concatenation of its children run alone from the base lr", () => {
    fc.assert(
      fc.property(
        baseLr,
        fc.array(childSpec, { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 0, max: 10 }),
        (lr, specs, gaps, tail) => {
          const milestones: number[] = [];
          for (let i = 1; i < specs.length; i++) milestones.push((milestones[i - 2] ?? 0) + gaps[i - 1]!);
          const epochs = (milestones[milestones.length - 1] ?? 0) + tail;
          const opt = sgd(lr);
          const children = specs.map((s) => makeChild(opt, s, lr));
          const seq = run(opt, new SequentialLR(opt, { schedulers: children, milestones }), epochs);

          const expected: number[] = [];
          const starts = [0, ...milestones];
          specs.forEach((spec, i) => {
            const end = i + 1 < starts.length ? starts[i + 1]! - 1 : epochs;
            const alone = sgd(lr);
            const lrs = run(alone, makeChild(alone, spec, lr), end - starts[i]!);
            expected.push(...lrs);
          });
          expect(seq).toEqual(expected);
        },
      ),
      { numRuns: 100 },
    );
  });
});
