/**
 * Adam (PyTorch 2.8's `torch.optim.Adam`), also the base of {@link AdamW}.
 * @module
 */
import { Tensor, zerosLike } from "@tapegrad/core";
import { Optimizer, type ParamGroup, type ParamsInput } from "./optimizer.js";
import { describeValue } from "./state-dict.js";
import { adamUpdate } from "./functional/adam-update.js";
import { type AdamParamState, adamUpdatePure } from "./functional/adam-update-pure.js";
import { applyPureStep } from "./pure-class-step.js";
import {
  checkFlag, checkForeach, checkGroupHyperparameter, checkLr, checkNonNegativeHyperparameter, checkOptionKeys, checkStateKeys, loadedStep, loadedTensor,
  stepTensor, withGrads,
} from "./optimizer-checks.js";

/** Options of {@link Adam} (PyTorch's keyword arguments, camelCase). */
export interface AdamOptions {
  /** Learning rate (default 1e-3): a number or a 1-element tensor. */
  lr?: number | Tensor;
  /**
   * Decay rates `[beta1, beta2]` of the first and second moments (default `[0.9, 0.999]`); with
   * `differentiable: true`, either may be a 1-element tensor (on the tape).
   */
  betas?: readonly [number | Tensor, number | Tensor];
  /** Added to the denominator (default 1e-8); with `differentiable: true`, also a 1-element tensor. */
  eps?: number | Tensor;
  /** Weight decay (default 0 for Adam, 1e-2 for AdamW); with `differentiable: true`, also a 1-element tensor. */
  weightDecay?: number | Tensor;
  /** Use the AMSGrad variant (default false). */
  amsgrad?: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
  /** Accepted for PyTorch compatibility; the single-tensor update runs either way. */
  foreach?: boolean;
  /** Record the update on the tape (for non-leaf params and hypergradients; default false). */
  differentiable?: boolean;
  /** Decoupled weight decay, i.e. AdamW (default false for Adam; always true for AdamW). */
  decoupledWeightDecay?: boolean;
}

/** A parameter group of {@link Adam} and {@link AdamW}. */
export interface AdamParamGroup extends ParamGroup {
  betas: [number | Tensor, number | Tensor];
  eps: number | Tensor;
  weightDecay: number | Tensor;
  amsgrad: boolean;
  maximize: boolean;
  foreach: boolean | undefined;
  differentiable: boolean;
  decoupledWeightDecay: boolean;
}

/** @internal the option keys of Adam. */
export const ADAM_OPTIONS = ["lr", "betas", "eps", "weightDecay", "amsgrad", "maximize", "foreach", "differentiable", "decoupledWeightDecay"] as const;

function checkAdamGroup(g: Record<string, unknown>, where: string): void {
  checkLr(g.lr, where);
  // With differentiable: true, betas, eps and weightDecay may be 1-element tensors (on the tape).
  checkNonNegativeHyperparameter(g.eps, "eps", where, g.differentiable, "epsilon");
  const betas = g.betas;
  if (!Array.isArray(betas) || betas.length !== 2 || betas.some((b) => typeof b !== "number" && !(b instanceof Tensor))) {
    throw new TypeError(`${where}: betas must be a pair of numbers [beta1, beta2], got ${describeValue(betas)}`);
  }
  betas.forEach((b: unknown, i) => {
    const invalid = (shown: string): string => `Invalid beta parameter at index ${i}: ${shown}`;
    const inRange = (v: number): boolean => v >= 0 && v < 1;
    checkGroupHyperparameter(b, `betas[${i}]`, where, g.differentiable, (v) => {
      if (!inRange(v as number)) throw new RangeError(`${where}: ${invalid(String(v))}`);
    }, inRange, invalid);
  });
  checkNonNegativeHyperparameter(g.weightDecay, "weightDecay", where, g.differentiable);
  checkFlag(g.amsgrad, "amsgrad", where);
  checkFlag(g.maximize, "maximize", where);
  checkForeach(g.foreach, where);
  checkFlag(g.differentiable, "differentiable", where);
  checkFlag(g.decoupledWeightDecay, "decoupledWeightDecay", where);
}

/** @internal the defaults object of Adam/AdamW from validated options. */
export function adamDefaults(o: Record<string, unknown>, weightDecay: number, decoupled: boolean): Record<string, unknown> {
  const betas = o.betas;
  return {
    lr: o.lr ?? 1e-3,
    betas: Array.isArray(betas) ? [...(betas as unknown[])] : (betas ?? [0.9, 0.999]),
    eps: o.eps ?? 1e-8,
    weightDecay: o.weightDecay ?? weightDecay,
    amsgrad: o.amsgrad ?? false,
    maximize: o.maximize ?? false,
    foreach: o.foreach,
    differentiable: o.differentiable ?? false,
    decoupledWeightDecay: o.decoupledWeightDecay ?? decoupled,
  };
}

/**
 * Adam (Kingma and Ba), PyTorch 2.8's `torch.optim.Adam`, single-tensor path.
 *
 * Per parameter with a gradient `g` (negated first when `maximize`), with `t` the parameter's step:
 * `g = g + weightDecay * p` (or, decoupled, `p = p * (1 - lr * weightDecay)`);
 * `m = beta1 * m + (1 - beta1) * g`; `v = beta2 * v + (1 - beta2) * g^2`;
 * with amsgrad `vmax = max(vmax, v)` replaces v;
 * `p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)`.
 * State per parameter: `step` (0-dim float tensor), `expAvg`, `expAvgSq`, `maxExpAvgSq` (amsgrad).
 * Parameters whose `grad` is `null` are skipped.
 *
 * Differences from PyTorch 2.8: every group is validated; `foreach` selects the same single-tensor
 * path; `fused`/`capturable` are not supported; turning `amsgrad` on for a parameter that already
 * has state creates `maxExpAvgSq` (PyTorch raises a KeyError); a loaded numeric `step` (PyTorch 1.x)
 * becomes a tensor.
 *
 * @example
 * const opt = new Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.999] });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class Adam extends Optimizer<AdamParamGroup> {
  /**
   * @param params tensors, `[name, tensor]` pairs or parameter groups.
   * @param options hyperparameter defaults.
   * @throws TypeError for an unknown option or a value of the wrong type; RangeError for a negative
   *   lr, eps or weightDecay, or a beta outside [0, 1).
   */
  constructor(params: ParamsInput, options: AdamOptions = {}) {
    const where = new.target.name;
    const o = checkOptionKeys(options, ADAM_OPTIONS, where);
    const defaults = adamDefaults(o, 0, false);
    checkAdamGroup(defaults, where);
    super(params, defaults);
  }

  /** Checks every group's hyperparameters (PyTorch's constructor checks, applied to each group). */
  protected override validateGroup(group: AdamParamGroup): void {
    checkAdamGroup(group, this.constructor.name);
  }

  /** Accepts `step` (number or 0-dim tensor), `expAvg`, `expAvgSq` and, optionally, `maxExpAvgSq`. */
  protected override loadParamState(_param: Tensor, saved: Record<string, unknown>): Record<string, unknown> {
    const where = `${this.constructor.name}.loadStateDict`;
    checkStateKeys(saved, ["step", "expAvg", "expAvgSq", "maxExpAvgSq"], where);
    const out: Record<string, unknown> = {
      step: loadedStep(saved.step, where),
      expAvg: loadedTensor(saved, "expAvg", where),
      expAvgSq: loadedTensor(saved, "expAvgSq", where),
    };
    if (saved.maxExpAvgSq !== undefined) out.maxExpAvgSq = loadedTensor(saved, "maxExpAvgSq", where);
    return out;
  }

  /** One Adam step for every group (see {@link adamUpdate}). */
  protected updateGroups(): void {
    for (const group of this.paramGroups) {
      const { params, grads } = withGrads(group);
      if (params.length === 0) continue;
      const states = params.map((p) => {
        let st = this.state.get(p);
        if (st === undefined) {
          st = { step: stepTensor(), expAvg: zerosLike(p), expAvgSq: zerosLike(p) };
          this.state.set(p, st);
        }
        if (group.amsgrad && st.maxExpAvgSq === undefined) st.maxExpAvgSq = zerosLike(p);
        return st;
      });
      if (this.defaults.differentiable === true) {
        // The pure update, recorded: the same operations as the functional path, tensor hyperparameters on the tape.
        const next = adamUpdatePure(params, grads, states as unknown as AdamParamState[], {
          lr: group.lr,
          beta1: group.betas[0],
          beta2: group.betas[1],
          eps: group.eps,
          weightDecay: group.weightDecay,
          amsgrad: group.amsgrad,
          maximize: group.maximize,
          decoupledWeightDecay: group.decoupledWeightDecay,
        });
        applyPureStep(this.state, params, next);
        continue;
      }
      // Tensor betas, eps and weightDecay are only accepted with differentiable: true.
      adamUpdate(
        params,
        grads,
        states.map((s) => s.expAvg as Tensor),
        states.map((s) => s.expAvgSq as Tensor),
        group.amsgrad ? states.map((s) => s.maxExpAvgSq as Tensor) : [],
        states.map((s) => s.step as Tensor),
        {
          lr: group.lr,
          beta1: group.betas[0] as number,
          beta2: group.betas[1] as number,
          eps: group.eps as number,
          weightDecay: group.weightDecay as number,
          amsgrad: group.amsgrad,
          maximize: group.maximize,
          decoupledWeightDecay: group.decoupledWeightDecay,
        },
      );
    }
  }
}
