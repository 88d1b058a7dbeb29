/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum, weight decay and
 * maximize (PyTorch 2.8's `torch.optim.SGD`).
 * @module
 */
import { Tensor } from "@tapegrad/core";
import { Optimizer, type ParamGroup, type ParamsInput } from "./optimizer.js";
import { sgdUpdate } from "./functional/sgd-update.js";
import { sgdUpdatePure } from "./functional/sgd-update-pure.js";
import { valueOf } from "./functional/hyper-tensors.js";
import { applyPureStep } from "./pure-class-step.js";
import { pinForKernels } from "./kernels/pin-state.js";
import {
  checkOptionKeys, checkLr, checkNonNegativeHyperparameter, checkGroupHyperparameter, checkNumber, checkFlag, checkForeach, checkStateKeys, loadedTensor,
  withGrads,
} from "./optimizer-checks.js";

/** Options of {@link SGD} (PyTorch's keyword arguments, camelCase). */
export interface SGDOptions {
  /** Learning rate (default 1e-3): a number or a 1-element tensor. */
  lr?: number | Tensor;
  /** Momentum factor (default 0); with `differentiable: true`, also a 1-element tensor (on the tape). */
  momentum?: number | Tensor;
  /** Dampening for momentum (default 0); with `differentiable: true`, also a 1-element tensor. */
  dampening?: number | Tensor;
  /** L2 penalty (default 0); with `differentiable: true`, also a 1-element tensor (learn the weight decay). */
  weightDecay?: number | Tensor;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
  /** Op-by-op update over all tensors of a group (same values); `undefined` = single-tensor path. */
  foreach?: boolean;
  /** Record the update on the tape (for non-leaf params and hypergradients; default false). */
  differentiable?: boolean;
}

/** A parameter group of {@link SGD}. */
export interface SGDParamGroup extends ParamGroup {
  momentum: number | Tensor;
  dampening: number | Tensor;
  weightDecay: number | Tensor;
  nesterov: boolean;
  maximize: boolean;
  foreach: boolean | undefined;
  differentiable: boolean;
}


const SGD_OPTIONS = ["lr", "momentum", "dampening", "weightDecay", "nesterov", "maximize", "foreach", "differentiable"] as const;

function checkSgdGroup(g: Record<string, unknown>, where: string): void {
  checkLr(g.lr, where);
  // With differentiable: true, momentum, dampening and weightDecay may be 1-element tensors (on the tape).
  checkNonNegativeHyperparameter(g.momentum, "momentum", where, g.differentiable);
  checkGroupHyperparameter(g.dampening, "dampening", where, g.differentiable, (v) => checkNumber(v, "dampening", where), (v) => v >= 0, (s) => `Invalid dampening value: ${s}`);
  checkNonNegativeHyperparameter(g.weightDecay, "weightDecay", where, g.differentiable);
  checkFlag(g.nesterov, "nesterov", where);
  checkFlag(g.maximize, "maximize", where);
  checkForeach(g.foreach, where);
  checkFlag(g.differentiable, "differentiable", where);
  if (g.nesterov === true && (valueOf(g.momentum as number | Tensor) <= 0 || valueOf(g.dampening as number | Tensor) !== 0)) {
    throw new Error(`${where}: Nesterov momentum requires a momentum and zero dampening (momentum ${String(g.momentum)}, dampening ${String(g.dampening)})`);
  }
}

/**
 * Stochastic gradient descent, optionally with momentum (PyTorch 2.8's `torch.optim.SGD`).
 *
 * Per parameter with a gradient `g` (negated first when `maximize`):
 * `g = g + weightDecay * p`; with momentum, `buf = g` at the first step, else
 * `buf = momentum * buf + (1 - dampening) * g`, and `g = nesterov ? g + momentum * buf : buf`;
 * then `p = p - lr * g`. State: `momentumBuffer` (only when momentum is not 0; PyTorch 1.x stored
 * `null` there). Parameters whose `grad` is `null` are skipped.
 *
 * Differences from PyTorch 2.8: hyperparameters of every group (also `addParamGroup` and loaded
 * groups) are validated, not only the constructor's; `fused` is not supported; with
 * `differentiable: true` the first momentum buffer stays connected to the gradient (PyTorch
 * detaches it).
 *
 * @example
 * const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class SGD extends Optimizer<SGDParamGroup> {
  /**
   * @param params tensors, `[name, tensor]` pairs or parameter groups.
   * @param options hyperparameter defaults.
   * @throws TypeError for an unknown option or a value of the wrong type; RangeError for a negative
   *   lr, momentum or weightDecay; Error for Nesterov without momentum or with dampening.
   */
  constructor(params: ParamsInput, options: SGDOptions = {}) {
    const where = new.target.name;
    const o = checkOptionKeys(options, SGD_OPTIONS, where);
    const defaults = {
      lr: o.lr ?? 1e-3,
      momentum: o.momentum ?? 0,
      dampening: o.dampening ?? 0,
      weightDecay: o.weightDecay ?? 0,
      nesterov: o.nesterov ?? false,
      maximize: o.maximize ?? false,
      foreach: o.foreach,
      differentiable: o.differentiable ?? false,
    };
    checkSgdGroup(defaults, where);
    super(params, defaults);
  }

  /** Checks every group's hyperparameters (PyTorch's constructor checks, applied to each group). */
  protected override validateGroup(group: SGDParamGroup): void {
    checkSgdGroup(group, this.constructor.name);
  }

  /** Accepts `momentumBuffer` (a tensor, or `null`/absent = none yet). */
  protected override loadParamState(_param: Tensor, saved: Record<string, unknown>): Record<string, unknown> {
    const where = `${this.constructor.name}.loadStateDict`;
    checkStateKeys(saved, ["momentumBuffer"], where);
    if (saved.momentumBuffer === null || saved.momentumBuffer === undefined) return {};
    return { momentumBuffer: loadedTensor(saved, "momentumBuffer", where) };
  }

  /**
   * A recorded step: the pure update (so the class and functional paths are the same operations, and
   * any hyperparameter may be a tensor), then each param and momentum buffer takes its new value by
   * rebinding (the storage earlier graphs saved stays as it was).
   */
  #differentiableStep(group: SGDParamGroup, params: Tensor[], grads: Tensor[], buffers: Array<Tensor | null>): void {
    const next = sgdUpdatePure(params, grads, buffers.map((momentumBuffer) => ({ momentumBuffer })), {
      lr: group.lr,
      momentum: group.momentum as number | Tensor,
      dampening: group.dampening as number | Tensor,
      weightDecay: group.weightDecay as number | Tensor,
      nesterov: group.nesterov,
      maximize: group.maximize,
    });
    applyPureStep(this.state, params, next);
  }

  /** One SGD step for every group (see {@link sgdUpdate}). */
  protected updateGroups(): void {
    for (const group of this.paramGroups) {
      const { params, grads } = withGrads(group);
      if (params.length === 0) continue;
      const useMomentum = group.momentum !== 0;
      const buffers = params.map((p) => (useMomentum ? ((this.state.get(p)?.momentumBuffer as Tensor | undefined) ?? null) : null));
      if (this.defaults.differentiable === true) {
        this.#differentiableStep(group, params, grads, buffers);
        continue;
      }
      // The params (and momentum buffers, below) live as long as the optimizer: in kernel memory
      // the update and the model's matrix products read and write them without copies.
      for (const p of params) pinForKernels(p);
      // Tensor momentum, dampening and weightDecay are only accepted with differentiable: true.
      sgdUpdate(params, grads, buffers, {
        lr: group.lr,
        momentum: group.momentum as number,
        dampening: group.dampening as number,
        weightDecay: group.weightDecay as number,
        nesterov: group.nesterov,
        maximize: group.maximize,
        foreach: group.foreach === true,
      });
      if (!useMomentum) continue;
      params.forEach((p, i) => {
        const st = this.state.get(p) ?? {};
        pinForKernels(buffers[i]!);
        st.momentumBuffer = buffers[i];
        this.state.set(p, st);
      });
    }
  }
}
