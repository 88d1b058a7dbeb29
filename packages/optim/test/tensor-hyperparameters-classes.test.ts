// Every hyperparameter a tensor, for every optimizer: Adam/AdamW's betas, eps and weightDecay,
// RMSprop's alpha, eps, weightDecay and momentum, Adagrad's lrDecay, eps and weightDecay, ASGD's
// lambd, alpha and weightDecay (and SGD's, for the same harness). For each optimizer: the
// hypergradients through K unrolled steps of the pure update equal central finite differences in
// float64, forward mode agrees with reverse mode, and the differentiable class path (a loss that
// saves the parameter) gives the pure path's hypergradients bit for bit, in reverse and in forward mode.
import { Tensor, dualLevel, grad, makeDual, tensor, unpackDual } from "@tapegrad/core";
import {
  ASGD, Adagrad, Adam, AdamW, Optimizer, RMSprop, SGD, adagradInitState, adagradUpdatePure, adamInitState, adamUpdatePure, asgdInitState,
  asgdUpdatePure, rmspropInitState, rmspropUpdatePure, sgdUpdatePure, unrollSteps,
} from "@tapegrad/optim";
import { describe, expect, test } from "vitest";
import { f64, inner, outer, useFloat64Default, values, w0Values } from "./hyper-fixtures.js";

useFloat64Default();

const K = 5;

type H = Record<string, number | Tensor>;
type Mode = "reverse" | "forward";

/** One optimizer: its hyperparameters (all differentiated), its pure update and its class. */
interface Case {
  name: string;
  base: Record<string, number>;
  /** The unrolled pure path: the parameters after K steps from w0 (in reverse or forward mode). */
  pure: (w0: Tensor, h: H, mode?: Mode) => Tensor;
  /** The class with `differentiable: true` over the (non-leaf) param `w`. */
  make: (w: Tensor, h: H) => Optimizer;
}

function unrolled<S>(
  w0: Tensor, init: S, mode: Mode | undefined, update: (ps: Tensor[], gs: Array<Tensor | null>, st: S[]) => { params: Tensor[]; states: S[] },
): Tensor {
  return unrollSteps<S>([w0], [init], { steps: K, loss: ([w]) => inner(w!), update, mode }).params[0]!;
}

const rmsprop = (centered: boolean): Case => ({
  name: centered ? "RMSprop (centered, momentum)" : "RMSprop (momentum)",
  base: { lr: 0.01, alpha: centered ? 0.3 : 0.9, eps: 1e-2, weightDecay: 0.05, momentum: 0.5 },
  pure: (w0, h, mode) =>
    unrolled(w0, rmspropInitState(w0, { momentum: h.momentum, centered }), mode, (ps, gs, st) =>
      rmspropUpdatePure(ps, gs, st, { lr: h.lr!, alpha: h.alpha!, eps: h.eps!, weightDecay: h.weightDecay!, momentum: h.momentum!, centered, maximize: false }),
    ),
  make: (w, h) => new RMSprop([w], { lr: h.lr, alpha: h.alpha, eps: h.eps, weightDecay: h.weightDecay, momentum: h.momentum, centered, differentiable: true }),
});

const adam = (decoupled: boolean, amsgrad: boolean): Case => ({
  name: `${decoupled ? "AdamW" : "Adam"}${amsgrad ? " (amsgrad)" : ""}`,
  base: { lr: 0.05, beta1: 0.8, beta2: 0.95, eps: 1e-3, weightDecay: 0.05 },
  pure: (w0, h, mode) =>
    unrolled(w0, adamInitState(w0, { amsgrad }), mode, (ps, gs, st) =>
      adamUpdatePure(ps, gs, st, {
        lr: h.lr!, beta1: h.beta1!, beta2: h.beta2!, eps: h.eps!, weightDecay: h.weightDecay!, amsgrad, maximize: false, decoupledWeightDecay: decoupled,
      }),
    ),
  make: (w, h) => {
    const options = { lr: h.lr, betas: [h.beta1!, h.beta2!] as [number | Tensor, number | Tensor], eps: h.eps, weightDecay: h.weightDecay, amsgrad, differentiable: true };
    return decoupled ? new AdamW([w], options) : new Adam([w], options);
  },
});

const CASES: Case[] = [
  adam(false, false),
  adam(true, false),
  adam(false, true),
  rmsprop(false),
  rmsprop(true),
  {
    name: "Adagrad",
    base: { lr: 0.1, lrDecay: 0.2, eps: 1e-2, weightDecay: 0.05 },
    pure: (w0, h, mode) =>
      unrolled(w0, adagradInitState(w0, { initialAccumulatorValue: 0.1 }), mode, (ps, gs, st) =>
        adagradUpdatePure(ps, gs, st, { lr: h.lr!, lrDecay: h.lrDecay!, eps: h.eps!, weightDecay: h.weightDecay!, maximize: false }),
      ),
    make: (w, h) => new Adagrad([w], { lr: h.lr, lrDecay: h.lrDecay, eps: h.eps, weightDecay: h.weightDecay, initialAccumulatorValue: 0.1, differentiable: true }),
  },
  {
    name: "ASGD",
    base: { lr: 0.1, lambd: 0.05, alpha: 0.75, weightDecay: 0.05 },
    pure: (w0, h, mode) =>
      unrolled(w0, asgdInitState(w0, h.lr!, { differentiable: true }), mode, (ps, gs, st) =>
        asgdUpdatePure(ps, gs, st, { lr: h.lr!, lambd: h.lambd!, alpha: h.alpha!, t0: 2, weightDecay: h.weightDecay! }),
      ),
    make: (w, h) => new ASGD([w], { lr: h.lr, lambd: h.lambd, alpha: h.alpha, t0: 2, weightDecay: h.weightDecay, differentiable: true }),
  },
  {
    name: "SGD (nesterov)",
    base: { lr: 0.1, momentum: 0.8, weightDecay: 0.05 },
    pure: (w0, h, mode) =>
      unrolled(w0, { momentumBuffer: null as Tensor | null }, mode, (ps, gs, st) =>
        sgdUpdatePure(ps, gs, st, { lr: h.lr!, momentum: h.momentum!, dampening: 0, weightDecay: h.weightDecay!, nesterov: true, maximize: false }),
      ),
    make: (w, h) => new SGD([w], { lr: h.lr, momentum: h.momentum, weightDecay: h.weightDecay, nesterov: true, differentiable: true }),
  },
];

/** Leaf tensors that require grad for every hyperparameter of a case. */
function leaves(base: Record<string, number>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(base).map(([k, v]) => [k, f64(v, true)]));
}

describe.each(CASES)("$name: every hyperparameter a tensor", (cs) => {
  const keys = Object.keys(cs.base);
  const outerAt = (h: H): number => outer(cs.pure(f64(w0Values), h)).item();

  test("pure path: the hypergradient of every hyperparameter equals a central finite difference; numbers give the same values", () => {
    const h = leaves(cs.base);
    const out = outer(cs.pure(f64(w0Values), h));
    expect(Math.abs(out.item() - outerAt(cs.base))).toBeLessThan(1e-14 * (1 + Math.abs(out.item())));
    const grads = grad([out], keys.map((k) => h[k]!));
    keys.forEach((k, i) => {
      const step = cs.base[k]! * 1e-5;
      const want = (outerAt({ ...cs.base, [k]: cs.base[k]! + step }) - outerAt({ ...cs.base, [k]: cs.base[k]! - step })) / (2 * step);
      expect(Math.abs(grads[i]!.item() - want), `${cs.name} d/d ${k}: ${grads[i]!.item()} vs ${want}`).toBeLessThan(1e-5 * (1 + Math.abs(want)));
    });
  });

  test("forward mode (a dual hyperparameter) agrees with reverse mode", () => {
    const h = leaves(cs.base);
    const reverse = grad([outer(cs.pure(f64(w0Values), h))], keys.map((k) => h[k]!)).map((g) => g!.item());
    keys.forEach((k, i) => {
      const forward = dualLevel(() => {
        const dual = { ...cs.base, [k]: makeDual(f64(cs.base[k]!), f64(1)) };
        return unpackDual(outer(cs.pure(f64(w0Values), dual, "forward"))).tangent!.item();
      });
      expect(Math.abs(forward - reverse[i]!), `${cs.name} d/d ${k}`).toBeLessThan(1e-10 * (1 + Math.abs(forward)));
    });
  });

  test("the differentiable class path gives the pure path's hypergradients bit for bit (a loss that saves the param)", () => {
    const run = (kind: "class" | "pure"): number[][] => {
      const h = leaves(cs.base);
      const w0 = f64(w0Values, true);
      let w: Tensor;
      if (kind === "pure") w = cs.pure(w0, h);
      else {
        w = w0.clone();
        const opt = cs.make(w, h);
        for (let k = 0; k < K; k++) {
          const [g] = grad([inner(w)], [w], { createGraph: true });
          w.grad = g!;
          opt.step();
        }
      }
      const out = outer(w);
      return [values(w), ...grad([out], [...keys.map((k) => h[k]!), w0]).map((g) => values(g!))];
    };
    expect(run("class")).toEqual(run("pure"));
  });

  test("forward mode through the differentiable class (a dual hyperparameter) gives the pure path's forward mode bit for bit", () => {
    const h = leaves(cs.base);
    const reverse = grad([outer(cs.pure(f64(w0Values), h))], keys.map((k) => h[k]!)).map((g) => g!.item());
    keys.forEach((k, i) => {
      const run = (kind: "class" | "pure"): number[][] =>
        dualLevel(() => {
          const dual = { ...cs.base, [k]: makeDual(f64(cs.base[k]!), f64(1)) };
          let w: Tensor;
          if (kind === "pure") w = cs.pure(f64(w0Values), dual, "forward");
          else {
            // As unrollSteps' forward mode: inner gradients without createGraph, their tangents from forward-over-reverse.
            w = f64(w0Values, true).clone();
            const opt = cs.make(w, dual);
            for (let s = 0; s < K; s++) {
              const [g] = grad([inner(w)], [w]);
              w.grad = g!;
              opt.step();
            }
          }
          return [values(w), values(unpackDual(w).tangent!), [unpackDual(outer(w)).tangent!.item()]];
        });
      const fromClass = run("class");
      expect(fromClass, `${cs.name} d/d ${k}`).toEqual(run("pure"));
      const forward = fromClass[2]![0]!;
      expect(Math.abs(forward - reverse[i]!), `${cs.name} d/d ${k} vs reverse`).toBeLessThan(1e-10 * (1 + Math.abs(forward)));
    });
  });
});
