/**
 * Adagrad (PyTorch 2.8's `torch.optim.Adagrad`).
 * @module
 */
import { type Tensor, fullLike } from "@tapegrad/core";
import { Optimizer, type GroupInput, type ParamGroup, type ParamsInput } from "./optimizer.js";
import { adagradUpdate } from "./functional/adagrad-update.js";
import { type AdagradParamState, adagradUpdatePure } from "./functional/adagrad-update-pure.js";
import { applyPureStep } from "./pure-class-step.js";
import {
  checkFlag, checkForeach, checkLr, checkNonNegative, checkNonNegativeHyperparameter, checkOptionKeys, checkStateKeys, loadedStep, loadedTensor, stepTensor,
  withGrads,
} from "./optimizer-checks.js";

/** Options of {@link Adagrad} (PyTorch's keyword arguments, camelCase). */
export interface AdagradOptions {
  /** Learning rate (default 1e-2): a number or a 1-element tensor. */
  lr?: number | Tensor;
  /**
   * Learning-rate decay (default 0): step k uses `lr / (1 + (k - 1) * lrDecay)`; with
   * `differentiable: true`, also a 1-element tensor (on the tape).
   */
  lrDecay?: number | Tensor;
  /** L2 penalty (default 0); with `differentiable: true`, also a 1-element tensor. */
  weightDecay?: number | Tensor;
  /** Starting value of the accumulated squared gradients (default 0). */
  initialAccumulatorValue?: number;
  /** Added to the denominator (default 1e-10); with `differentiable: true`, also a 1-element tensor. */
  eps?: number | Tensor;
  /** Accepted for PyTorch compatibility; the single-tensor update runs either way. */
  foreach?: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
  /** Record the update on the tape (for non-leaf params and hypergradients; default false). */
  differentiable?: boolean;
}

/** A parameter group of {@link Adagrad}. */
export interface AdagradParamGroup extends ParamGroup {
  lrDecay: number | Tensor;
  weightDecay: number | Tensor;
  initialAccumulatorValue: number;
  eps: number | Tensor;
  foreach: boolean | undefined;
  maximize: boolean;
  differentiable: boolean;
}

const ADAGRAD_OPTIONS = ["lr", "lrDecay", "weightDecay", "initialAccumulatorValue", "eps", "foreach", "maximize", "differentiable"] as const;

function checkAdagradGroup(g: Record<string, unknown>, where: string): void {
  checkLr(g.lr, where);
  // With differentiable: true, lrDecay, weightDecay and eps may be 1-element tensors (on the tape).
  checkNonNegativeHyperparameter(g.lrDecay, "lrDecay", where, g.differentiable);
  checkNonNegativeHyperparameter(g.weightDecay, "weightDecay", where, g.differentiable);
  checkNonNegative(g.initialAccumulatorValue, "initialAccumulatorValue", where);
  checkNonNegativeHyperparameter(g.eps, "eps", where, g.differentiable, "epsilon");
  checkForeach(g.foreach, where);
  checkFlag(g.maximize, "maximize", where);
  checkFlag(g.differentiable, "differentiable", where);
}

/**
 * Adagrad (Duchi et al.), PyTorch 2.8's `torch.optim.Adagrad`, single-tensor path.
 *
 * Per parameter with a gradient `g` (negated first when `maximize`), with `t` the parameter's step:
 * `g = g + weightDecay * p`; `clr = lr / (1 + (t - 1) * lrDecay)`; `sum = sum + g^2`;
 * `p = p - clr * g / (sqrt(sum) + eps)`. State per parameter: `step` (0-dim float tensor) and `sum`
 * (starting at `initialAccumulatorValue`), created in the constructor for every parameter, as in
 * PyTorch. Parameters whose `grad` is `null` are skipped.
 *
 * Differences from PyTorch 2.8: every group is validated; parameters of a group added with
 * `addParamGroup` get their state then too (PyTorch raises a KeyError at the next step);
 * `foreach` selects the same single-tensor path; `fused` is not supported.
 *
 * @example
 * const opt = new Adagrad(model.parameters(), { lr: 0.1, lrDecay: 0.01 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class Adagrad extends Optimizer<AdagradParamGroup> {
  /**
   * @param params tensors, `[name, tensor]` pairs or parameter groups.
   * @param options hyperparameter defaults.
   * @throws TypeError for an unknown option or a value of the wrong type; RangeError for a negative
   *   lr, lrDecay, weightDecay, initialAccumulatorValue or eps.
   */
  constructor(params: ParamsInput, options: AdagradOptions = {}) {
    const where = new.target.name;
    const o = checkOptionKeys(options, ADAGRAD_OPTIONS, where);
    const defaults = {
      lr: o.lr ?? 1e-2,
      lrDecay: o.lrDecay ?? 0,
      eps: o.eps ?? 1e-10,
      weightDecay: o.weightDecay ?? 0,
      initialAccumulatorValue: o.initialAccumulatorValue ?? 0,
      foreach: o.foreach,
      maximize: o.maximize ?? false,
      differentiable: o.differentiable ?? false,
    };
    checkAdagradGroup(defaults, where);
    super(params, defaults);
    for (const group of this.paramGroups) this.#initState(group);
  }

  /**
   * Add a parameter group and create the state of its parameters.
   * @throws as {@link Optimizer.addParamGroup}.
   */
  override addParamGroup(group: GroupInput): void {
    super.addParamGroup(group);
    this.#initState(this.paramGroups[this.paramGroups.length - 1]!);
  }

  #initState(group: AdagradParamGroup): void {
    for (const p of group.params) {
      if (this.state.has(p)) continue;
      this.state.set(p, { step: stepTensor(), sum: fullLike(p, group.initialAccumulatorValue) });
    }
  }

  /** Checks every group's hyperparameters (PyTorch's constructor checks, applied to each group). */
  protected override validateGroup(group: AdagradParamGroup): void {
    checkAdagradGroup(group, this.constructor.name);
  }

  /** Accepts `step` (number or 0-dim tensor) and `sum`. */
  protected override loadParamState(_param: Tensor, saved: Record<string, unknown>): Record<string, unknown> {
    const where = `${this.constructor.name}.loadStateDict`;
    checkStateKeys(saved, ["step", "sum"], where);
    return { step: loadedStep(saved.step, where), sum: loadedTensor(saved, "sum", where) };
  }

  /** One Adagrad step for every group (see {@link adagradUpdate}). */
  protected updateGroups(): void {
    for (const group of this.paramGroups) {
      const { params, grads } = withGrads(group);
      if (params.length === 0) continue;
      // State loaded from a checkpoint may lack parameters that never had any (PyTorch: KeyError).
      this.#initState(group);
      const states = params.map((p) => this.state.get(p)!);
      if (this.defaults.differentiable === true) {
        // The pure update, recorded: the same operations as the functional path, tensor hyperparameters on the tape.
        const next = adagradUpdatePure(params, grads, states as unknown as AdagradParamState[], {
          lr: group.lr,
          lrDecay: group.lrDecay,
          weightDecay: group.weightDecay,
          eps: group.eps,
          maximize: group.maximize,
        });
        applyPureStep(this.state, params, next);
        continue;
      }
      // Tensor lrDecay, weightDecay and eps are only accepted with differentiable: true.
      adagradUpdate(params, grads, states.map((s) => s.sum as Tensor), states.map((s) => s.step as Tensor), {
        lr: group.lr,
        lrDecay: group.lrDecay as number,
        weightDecay: group.weightDecay as number,
        eps: group.eps as number,
        maximize: group.maximize,
      });
    }
  }
}
