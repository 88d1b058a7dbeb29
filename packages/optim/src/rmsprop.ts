/**
 * RMSprop (PyTorch 2.8's `torch.optim.RMSprop`).
 * @module
 */
import { type Tensor, zerosLike } from "@tapegrad/core";
import { Optimizer, type ParamGroup, type ParamsInput } from "./optimizer.js";
import { rmspropUpdate } from "./functional/rmsprop-update.js";
import { type RmspropParamState, rmspropUpdatePure, usesMomentum } from "./functional/rmsprop-update-pure.js";
import { applyPureStep } from "./pure-class-step.js";
import {
  checkFlag, checkForeach, checkLr, checkNonNegativeHyperparameter, checkOptionKeys, checkStateKeys, loadedStep, loadedTensor, stepTensor,
  withGrads,
} from "./optimizer-checks.js";

/** Options of {@link RMSprop} (PyTorch's keyword arguments, camelCase). */
export interface RMSpropOptions {
  /** Learning rate (default 1e-2): a number or a 1-element tensor. */
  lr?: number | Tensor;
  /** Smoothing constant (default 0.99); with `differentiable: true`, also a 1-element tensor (on the tape). */
  alpha?: number | Tensor;
  /** Added to the denominator (default 1e-8); with `differentiable: true`, also a 1-element tensor. */
  eps?: number | Tensor;
  /** L2 penalty (default 0); with `differentiable: true`, also a 1-element tensor. */
  weightDecay?: number | Tensor;
  /** Momentum factor (default 0); with `differentiable: true`, also a 1-element tensor (which always keeps a buffer). */
  momentum?: number | Tensor;
  /** Normalise by the estimated variance of the gradient (default false). */
  centered?: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
  /** Accepted for PyTorch compatibility; the single-tensor update runs either way. */
  foreach?: boolean;
  /** Record the update on the tape (for non-leaf params and hypergradients; default false). */
  differentiable?: boolean;
}

/** A parameter group of {@link RMSprop}. */
export interface RMSpropParamGroup extends ParamGroup {
  alpha: number | Tensor;
  eps: number | Tensor;
  weightDecay: number | Tensor;
  momentum: number | Tensor;
  centered: boolean;
  maximize: boolean;
  foreach: boolean | undefined;
  differentiable: boolean;
}

const RMSPROP_OPTIONS = ["lr", "alpha", "eps", "weightDecay", "momentum", "centered", "maximize", "foreach", "differentiable"] as const;

function checkRmspropGroup(g: Record<string, unknown>, where: string): void {
  checkLr(g.lr, where);
  // With differentiable: true, eps, momentum, weightDecay and alpha may be 1-element tensors (on the tape).
  checkNonNegativeHyperparameter(g.eps, "eps", where, g.differentiable, "epsilon");
  checkNonNegativeHyperparameter(g.momentum, "momentum", where, g.differentiable);
  checkNonNegativeHyperparameter(g.weightDecay, "weightDecay", where, g.differentiable);
  checkNonNegativeHyperparameter(g.alpha, "alpha", where, g.differentiable);
  checkFlag(g.centered, "centered", where);
  checkFlag(g.maximize, "maximize", where);
  checkForeach(g.foreach, where);
  checkFlag(g.differentiable, "differentiable", where);
}

/**
 * RMSprop (Hinton), PyTorch 2.8's `torch.optim.RMSprop`, single-tensor path.
 *
 * Per parameter with a gradient `g` (negated first when `maximize`):
 * `g = g + weightDecay * p`; `sq = alpha * sq + (1 - alpha) * g^2`;
 * centered: `ga = alpha * ga + (1 - alpha) * g`, `avg = sqrt(sq - ga^2) + eps`, else `avg = sqrt(sq) + eps`;
 * with momentum `buf = momentum * buf + g / avg`, `p = p - lr * buf`, else `p = p - lr * g / avg`.
 * State per parameter: `step` (0-dim float tensor; PyTorch 1.x used a number), `squareAvg`,
 * `momentumBuffer` (momentum > 0), `gradAvg` (centered). Parameters whose `grad` is `null` are skipped.
 *
 * Differences from PyTorch 2.8: every group is validated; `foreach` selects the same single-tensor
 * path; `capturable` is not supported; state missing for a setting turned on later (momentum,
 * centered) is created as zeros instead of raising a KeyError.
 *
 * @example
 * const opt = new RMSprop(model.parameters(), { lr: 0.01, momentum: 0.9, centered: true });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class RMSprop extends Optimizer<RMSpropParamGroup> {
  /**
   * @param params tensors, `[name, tensor]` pairs or parameter groups.
   * @param options hyperparameter defaults.
   * @throws TypeError for an unknown option or a value of the wrong type; RangeError for a negative
   *   lr, eps, momentum, weightDecay or alpha.
   */
  constructor(params: ParamsInput, options: RMSpropOptions = {}) {
    const where = new.target.name;
    const o = checkOptionKeys(options, RMSPROP_OPTIONS, where);
    const defaults = {
      lr: o.lr ?? 1e-2,
      momentum: o.momentum ?? 0,
      alpha: o.alpha ?? 0.99,
      eps: o.eps ?? 1e-8,
      centered: o.centered ?? false,
      weightDecay: o.weightDecay ?? 0,
      foreach: o.foreach,
      maximize: o.maximize ?? false,
      differentiable: o.differentiable ?? false,
    };
    checkRmspropGroup(defaults, where);
    super(params, defaults);
  }

  /** Checks every group's hyperparameters (PyTorch's constructor checks, applied to each group). */
  protected override validateGroup(group: RMSpropParamGroup): void {
    checkRmspropGroup(group, this.constructor.name);
  }

  /** Accepts `step` (number or 0-dim tensor), `squareAvg` and optional `momentumBuffer`, `gradAvg`. */
  protected override loadParamState(_param: Tensor, saved: Record<string, unknown>): Record<string, unknown> {
    const where = `${this.constructor.name}.loadStateDict`;
    checkStateKeys(saved, ["step", "squareAvg", "momentumBuffer", "gradAvg"], where);
    const out: Record<string, unknown> = { step: loadedStep(saved.step, where), squareAvg: loadedTensor(saved, "squareAvg", where) };
    for (const key of ["momentumBuffer", "gradAvg"]) {
      if (saved[key] !== undefined) out[key] = loadedTensor(saved, key, where);
    }
    return out;
  }

  /** One RMSprop step for every group (see {@link rmspropUpdate}). */
  protected updateGroups(): void {
    for (const group of this.paramGroups) {
      const { params, grads } = withGrads(group);
      if (params.length === 0) continue;
      const states = params.map((p) => {
        let st = this.state.get(p);
        if (st === undefined) {
          st = { step: stepTensor(), squareAvg: zerosLike(p) };
          this.state.set(p, st);
        }
        if (usesMomentum(group.momentum) && st.momentumBuffer === undefined) st.momentumBuffer = zerosLike(p);
        if (group.centered && st.gradAvg === undefined) st.gradAvg = zerosLike(p);
        return st;
      });
      if (this.defaults.differentiable === true) {
        // The pure update, recorded: the same operations as the functional path, tensor hyperparameters on the tape.
        const next = rmspropUpdatePure(params, grads, states as unknown as RmspropParamState[], {
          lr: group.lr,
          alpha: group.alpha,
          eps: group.eps,
          weightDecay: group.weightDecay,
          momentum: group.momentum,
          centered: group.centered,
          maximize: group.maximize,
        });
        applyPureStep(this.state, params, next);
        continue;
      }
      // Tensor alpha, eps, weightDecay and momentum are only accepted with differentiable: true.
      const momentum = group.momentum as number;
      rmspropUpdate(
        params,
        grads,
        states.map((s) => s.squareAvg as Tensor),
        group.centered ? states.map((s) => s.gradAvg as Tensor) : [],
        momentum > 0 ? states.map((s) => s.momentumBuffer as Tensor) : [],
        states.map((s) => s.step as Tensor),
        {
          lr: group.lr,
          alpha: group.alpha as number,
          eps: group.eps as number,
          weightDecay: group.weightDecay as number,
          momentum,
          centered: group.centered,
          maximize: group.maximize,
        },
      );
    }
  }
}
