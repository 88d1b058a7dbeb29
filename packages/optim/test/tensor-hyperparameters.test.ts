// Hyperparameters as tensors on the tape: SGD's weightDecay, momentum and dampening (pure update and
// the differentiable class path), and per-parameter or elementwise learning rates (Meta-SGD).
import { Tensor, dualLevel, grad, makeDual, unpackDual } from "@tapegrad/core";
import {
  type AdamParamState, type PerParamLr, SGD, type SgdParamState, adagradInitState, adagradUpdatePure, adamInitState, adamUpdatePure, rmspropInitState,
  rmspropUpdatePure, sgdUpdatePure, unrollSteps,
} from "@tapegrad/optim";
import { describe, expect, test } from "vitest";
import { f64, inner, outer, useFloat64Default, values, w0Values } from "./hyper-fixtures.js";

useFloat64Default();

const K = 5;

interface Hyper {
  lr: number | Tensor | Array<number | Tensor>;
  momentum: number | Tensor;
  dampening: number | Tensor;
  weightDecay: number | Tensor;
}

/** The outer loss after K pure SGD steps. */
function pureOuter(h: Hyper, w0: Tensor = f64(w0Values)): Tensor {
  const { params } = unrollSteps<SgdParamState>([w0], [{ momentumBuffer: null }], {
    steps: K,
    loss: ([w]) => inner(w!),
    update: (ps, gs, st) => sgdUpdatePure(ps, gs, st, { ...h, nesterov: false, maximize: false }),
  });
  return outer(params[0]!);
}

const base = { lr: 0.1, momentum: 0.8, dampening: 0.2, weightDecay: 0.05 };

/** Central difference of the outer loss in one (number) hyperparameter. */
function fd(key: keyof typeof base, h = 1e-6): number {
  const at = (v: number) => pureOuter({ ...base, [key]: v }).item();
  return (at(base[key] + h) - at(base[key] - h)) / (2 * h);
}

describe("SGD hyperparameters as tensors", () => {
  test("d outer / d weightDecay, momentum, dampening and lr through the pure update equal finite differences; forward mode agrees", () => {
    const h = { lr: f64(base.lr, true), momentum: f64(base.momentum, true), dampening: f64(base.dampening, true), weightDecay: f64(base.weightDecay, true) };
    const out = pureOuter(h);
    expect(out.item()).toBe(pureOuter(base).item()); // the same values as with numbers
    const grads = grad([out], [h.lr, h.momentum, h.dampening, h.weightDecay]) as Tensor[];
    (["lr", "momentum", "dampening", "weightDecay"] as const).forEach((key, i) => {
      const want = fd(key);
      expect(Math.abs(grads[i]!.item() - want), key).toBeLessThan(1e-6 * (1 + Math.abs(want)));
    });
    // Forward mode, d/d weightDecay: the same number, in constant memory.
    const forward = dualLevel(() => {
      const weightDecay = makeDual(f64(base.weightDecay), f64(1));
      const { params } = unrollSteps<SgdParamState>([f64(w0Values)], [{ momentumBuffer: null }], {
        steps: K,
        loss: ([w]) => inner(w!),
        update: (ps, gs, st) => sgdUpdatePure(ps, gs, st, { ...base, weightDecay, nesterov: false, maximize: false }),
        mode: "forward",
      });
      return unpackDual(outer(params[0]!)).tangent!.item();
    });
    expect(Math.abs(forward - grads[3]!.item())).toBeLessThan(1e-12 * (1 + Math.abs(forward)));
  });

  test("a tensor momentum or weight decay of 0 still takes part (it has a derivative); numbers 0 switch the term off", () => {
    const wd = f64(0, true);
    const out = pureOuter({ ...base, weightDecay: wd });
    expect(out.item()).toBe(pureOuter({ ...base, weightDecay: 0 }).item());
    const [g] = grad([out], [wd]);
    const want = (pureOuter({ ...base, weightDecay: 1e-6 }).item() - out.item()) / 1e-6; // one-sided: weightDecay >= 0
    expect(Math.abs(g!.item() - want)).toBeLessThan(1e-4 * (1 + Math.abs(want)));
  });

  test("the differentiable class path takes tensor hyperparameters and equals the pure path bit for bit (a loss that saves the param)", () => {
    const run = (kind: "class" | "pure") => {
      const h = { lr: f64(base.lr, true), momentum: f64(base.momentum, true), dampening: f64(base.dampening, true), weightDecay: f64(base.weightDecay, true) };
      const w0 = f64(w0Values, true);
      let out: Tensor;
      if (kind === "pure") out = pureOuter(h, w0);
      else {
        const w = w0.clone();
        const opt = new SGD([w], { ...h, differentiable: true });
        for (let k = 0; k < K; k++) {
          const [g] = grad([inner(w)], [w], { createGraph: true });
          w.grad = g!;
          opt.step();
        }
        out = outer(w);
      }
      return grad([out], [h.lr, h.momentum, h.dampening, h.weightDecay, w0]).map((g) => values(g!));
    };
    expect(run("class")).toEqual(run("pure"));
  });

  test("tensor hyperparameters are refused without differentiable: true, and bad values are named", () => {
    const w = f64([1, 2]).requiresGrad_();
    expect(() => new SGD([w], { momentum: f64(0.9) as unknown as number })).toThrow(/SGD: momentum must be a number; a tensor momentum needs differentiable: true/);
    const p = f64([1, 2]);
    const opts = { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };
    expect(() => sgdUpdatePure([p], [f64([1, 1])], [{ momentumBuffer: null }], { ...opts, weightDecay: f64([1, 2]) })).toThrow(
      "sgdUpdatePure: Tensor weightDecay must be a 1-element float tensor, got float64 of shape [2]",
    );
    expect(() => sgdUpdatePure([p], [f64([1, 1])], [{ momentumBuffer: null }], { ...opts, momentum: f64(-1) })).toThrow(
      "sgdUpdatePure: momentum must be a finite number >= 0, got tensor(-1)",
    );
    expect(() => sgdUpdatePure([p], [f64([1, 1])], [{ momentumBuffer: null }], { ...opts, lr: f64([1, 2, 3]) })).toThrow(
      "sgdUpdatePure: lr of shape [3] does not broadcast to params[0] of shape [2]",
    );
    expect(() => sgdUpdatePure([p], [f64([1, 1])], [{ momentumBuffer: null }], { ...opts, lr: [0.1, 0.2] })).toThrow("sgdUpdatePure: lr has 2 entries but params has 1");
  });
});

describe("Meta-SGD: per-parameter and elementwise learning rates through the pure update", () => {
  test("an elementwise lr gets its elementwise hypergradient (checked by finite differences)", () => {
    const lrValues = [0.05, 0.1, 0.2];
    const lr = f64(lrValues, true);
    const out = pureOuter({ ...base, lr });
    const [g] = grad([out], [lr]);
    lrValues.forEach((_, j) => {
      const at = (d: number) => pureOuter({ ...base, lr: f64(lrValues.map((v, k) => (k === j ? v + d : v))) }).item();
      const want = (at(1e-6) - at(-1e-6)) / 2e-6;
      expect(Math.abs(values(g!)[j]! - want)).toBeLessThan(1e-6 * (1 + Math.abs(want)));
    });
    // A uniform elementwise lr gives the scalar lr's parameters exactly.
    expect(values(pureOuter({ ...base, lr: f64([0.1, 0.1, 0.1]) }))).toEqual(values(pureOuter({ ...base, lr: f64(0.1) })));
  });

  test("one lr per parameter: numbers and tensors mixed", () => {
    const a = f64([1, 2]);
    const b = f64([3]);
    const lrB = f64(0.5, true);
    const opts = { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };
    const { params } = sgdUpdatePure([a, b], [f64([1, 1]), f64([2])], [{ momentumBuffer: null }, { momentumBuffer: null }], { ...opts, lr: [0.1, lrB] });
    expect(values(params[0]!)).toEqual([0.9, 1.9]);
    expect(values(params[1]!)).toEqual([2]);
    const [g] = grad([params[1]!.sum()], [lrB]);
    expect(g!.item()).toBe(-2);
  });

  test("Adam, RMSprop and Adagrad take per-parameter and elementwise lrs too (d/d one element equals a finite difference)", () => {
    const updates: Array<[string, (lr: PerParamLr) => Tensor]> = [
      ["Adam", (lr) => unrolled(adamInitState(f64(w0Values)), (ps, gs, st) => adamUpdatePure(ps, gs, st, { lr, beta1: 0.9, beta2: 0.99, eps: 1e-3, weightDecay: 0.01, amsgrad: false, maximize: false }))],
      ["RMSprop", (lr) => unrolled(rmspropInitState(f64(w0Values), { momentum: 0.3 }), (ps, gs, st) => rmspropUpdatePure(ps, gs, st, { lr, alpha: 0.9, eps: 1e-3, weightDecay: 0.01, momentum: 0.3, centered: false, maximize: false }))],
      ["Adagrad", (lr) => unrolled(adagradInitState(f64(w0Values)), (ps, gs, st) => adagradUpdatePure(ps, gs, st, { lr, lrDecay: 0.1, eps: 1e-3, weightDecay: 0.01, maximize: false }))],
    ];
    const lrValues = [0.02, 0.05, 0.1];
    for (const [name, run] of updates) {
      // A uniform elementwise lr, or a one-entry array, gives the scalar lr's parameters exactly.
      expect(values(run(f64([0.05, 0.05, 0.05]))), name).toEqual(values(run(0.05)));
      expect(values(run([f64(0.05)])), name).toEqual(values(run(0.05)));
      const lr = f64(lrValues, true);
      const [g] = grad([outer(run(lr))], [lr]);
      const at = (d: number) => outer(run(f64(lrValues.map((v, k) => (k === 1 ? v + d : v))))).item();
      const want = (at(1e-6) - at(-1e-6)) / 2e-6;
      expect(Math.abs(values(g!)[1]! - want), name).toBeLessThan(1e-6 * (1 + Math.abs(want)));
    }
  });
});

function unrolled<S>(init: S, update: (ps: Tensor[], gs: Array<Tensor | null>, st: S[]) => { params: Tensor[]; states: S[] }): Tensor {
  return unrollSteps<S>([f64(w0Values)], [init], { steps: K, loss: ([w]) => inner(w!), update }).params[0]!;
}

describe("Adam hyperparameters as tensors (pure update)", () => {
  const adamBase = { lr: 0.05, beta1: 0.8, beta2: 0.95, eps: 1e-3, weightDecay: 0.05 };
  type AdamHyper = { [K in keyof typeof adamBase]: number | Tensor };
  const adamOuter = (h: AdamHyper, decoupled: boolean): Tensor => {
    const w0 = f64(w0Values);
    const { params } = unrollSteps<AdamParamState>([w0], [adamInitState(w0)], {
      steps: K,
      loss: ([w]) => inner(w!),
      update: (ps, gs, st) => adamUpdatePure(ps, gs, st, { ...h, amsgrad: false, maximize: false, decoupledWeightDecay: decoupled }),
    });
    return outer(params[0]!);
  };
  for (const decoupled of [false, true]) {
    test(`${decoupled ? "AdamW" : "Adam"}: d outer / d beta1, beta2, eps, weightDecay equal finite differences; numbers give the same values`, () => {
      const keys = ["beta1", "beta2", "eps", "weightDecay"] as const;
      const h: AdamHyper = { ...adamBase };
      const leaves = keys.map((k) => f64(adamBase[k], true));
      keys.forEach((k, i) => (h[k] = leaves[i]!));
      const out = adamOuter(h, decoupled);
      expect(out.item()).toBeCloseTo(adamOuter(adamBase, decoupled).item(), 14);
      const grads = grad([out], leaves);
      keys.forEach((k, i) => {
        const step = adamBase[k] * 1e-5;
        const at = (d: number) => adamOuter({ ...adamBase, [k]: adamBase[k] + d }, decoupled).item();
        const want = (at(step) - at(-step)) / (2 * step);
        expect(Math.abs(grads[i]!.item() - want), k).toBeLessThan(1e-5 * (1 + Math.abs(want)));
      });
    });
  }
});
