/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum, weight decay and
 * maximize (PyTorch 2.8's `torch.optim.SGD`).
 * @module
 */
import { Tensor, getDefaultDtype, scalar } from "@tapegrad/core";
import { Optimizer, type ParamGroup, type ParamsInput } from "./optimizer.js";
import { describeValue, isPlainObject } from "./state-dict.js";
import { sgdUpdate } from "./functional/sgd-update.js";

/** Options of {@link SGD} (PyTorch's keyword arguments, camelCase). */
export interface SGDOptions {
  /** Learning rate (default 1e-3): a number or a 1-element tensor. */
  lr?: number | Tensor;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Dampening for momentum (default 0). */
  dampening?: number;
  /** L2 penalty (default 0). */
  weightDecay?: number;
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
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
  foreach: boolean | undefined;
  differentiable: boolean;
}

// ----------------------------------------------------------------- shared hyperparameter checks

/** @internal throw unless `options` is undefined or an object whose keys are all in `allowed`. */
export function checkOptionKeys(options: unknown, allowed: readonly string[], where: string): Record<string, unknown> {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw new TypeError(`${where}: options must be an object, got ${describeValue(options)}`);
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`${where}: unknown option "${key}" (expected one of ${allowed.join(", ")})`);
    }
  }
  return options;
}

/** @internal PyTorch's lr check: a number or 1-element tensor with `0 <= lr` (NaN fails). */
export function checkLr(lr: unknown, where: string): void {
  if (lr instanceof Tensor) {
    if (lr.numel() !== 1) throw new RangeError(`${where}: Tensor lr must be 1-element, got shape [${lr.shape.join(", ")}]`);
    if (!lr.isFloatingPoint()) throw new TypeError(`${where}: Tensor lr must be float32 or float64, got ${lr.dtype}`);
    if (!(lr.item() >= 0)) throw new RangeError(`${where}: Invalid learning rate: ${lr.item()}`);
    return;
  }
  if (typeof lr !== "number") throw new TypeError(`${where}: lr must be a number or a 1-element Tensor, got ${describeValue(lr)}`);
  if (!(lr >= 0)) throw new RangeError(`${where}: Invalid learning rate: ${lr}`);
}

/** @internal a number with `0 <= value` (NaN fails): `Invalid <label> value: <value>`. */
export function checkNonNegative(value: unknown, name: string, where: string, label = name): void {
  if (typeof value !== "number") throw new TypeError(`${where}: ${name} must be a number, got ${describeValue(value)}`);
  if (!(value >= 0)) throw new RangeError(`${where}: Invalid ${label} value: ${value}`);
}

/** @internal a finite-or-infinite number (NaN fails). */
export function checkNumber(value: unknown, name: string, where: string): number {
  if (typeof value !== "number" || Number.isNaN(value)) throw new TypeError(`${where}: ${name} must be a number, got ${describeValue(value)}`);
  return value;
}

/** @internal a boolean flag. */
export function checkFlag(value: unknown, name: string, where: string): void {
  if (typeof value !== "boolean") throw new TypeError(`${where}: ${name} must be a boolean, got ${describeValue(value)}`);
}

/** @internal `foreach`: a boolean or undefined/null (automatic). */
export function checkForeach(value: unknown, where: string): void {
  if (value !== undefined && value !== null && typeof value !== "boolean") {
    throw new TypeError(`${where}: foreach must be a boolean or undefined, got ${describeValue(value)}`);
  }
}

/** @internal a fresh 0-dim step counter in the scalar dtype (float64 if that is the default dtype, else float32). */
export function stepTensor(value = 0): Tensor {
  return scalar(value, getDefaultDtype());
}

/**
 * @internal a loaded `step`: a number (older checkpoints, PyTorch 1.x) becomes a 0-dim tensor in the
 * scalar dtype; a 0-dim float tensor is kept.
 */
export function loadedStep(value: unknown, where: string): Tensor {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return stepTensor(value);
  if (value instanceof Tensor && value.numel() === 1 && value.isFloatingPoint()) return value.reshape([]);
  throw new TypeError(`${where}: "step" must be a non-negative number or a 1-element float tensor, got ${describeValue(value)}`);
}

/** @internal throw if a loaded per-parameter state has keys other than `allowed`. */
export function checkStateKeys(saved: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(saved)) {
    if (!allowed.includes(key)) throw new Error(`${where}: unexpected state key "${key}" (expected ${allowed.join(", ")})`);
  }
}

/** @internal the tensor under `key` of a loaded state (shape already checked by the base class). */
export function loadedTensor(saved: Record<string, unknown>, key: string, where: string): Tensor {
  const value = saved[key];
  if (!(value instanceof Tensor) || !value.isFloatingPoint()) {
    throw new TypeError(`${where}: state "${key}" must be a float tensor, got ${describeValue(value)}`);
  }
  return value;
}

/** @internal parameters of a group that have a gradient, with their gradients. */
export function withGrads(group: ParamGroup): { params: Tensor[]; grads: Tensor[] } {
  const params: Tensor[] = [];
  const grads: Tensor[] = [];
  for (const p of group.params) {
    if (p.grad === null) continue;
    params.push(p);
    grads.push(p.grad);
  }
  return { params, grads };
}

// ----------------------------------------------------------------- SGD

const SGD_OPTIONS = ["lr", "momentum", "dampening", "weightDecay", "nesterov", "maximize", "foreach", "differentiable"] as const;

function checkSgdGroup(g: Record<string, unknown>, where: string): void {
  checkLr(g.lr, where);
  checkNonNegative(g.momentum, "momentum", where);
  checkNumber(g.dampening, "dampening", where);
  checkNonNegative(g.weightDecay, "weightDecay", where);
  checkFlag(g.nesterov, "nesterov", where);
  checkFlag(g.maximize, "maximize", where);
  checkForeach(g.foreach, where);
  checkFlag(g.differentiable, "differentiable", where);
  if (g.nesterov === true && ((g.momentum as number) <= 0 || g.dampening !== 0)) {
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

  /** One SGD step for every group (see {@link sgdUpdate}). */
  protected updateGroups(): void {
    for (const group of this.paramGroups) {
      const { params, grads } = withGrads(group);
      if (params.length === 0) continue;
      const useMomentum = group.momentum !== 0;
      const buffers = params.map((p) => (useMomentum ? ((this.state.get(p)?.momentumBuffer as Tensor | undefined) ?? null) : null));
      sgdUpdate(params, grads, buffers, {
        lr: group.lr,
        momentum: group.momentum,
        dampening: group.dampening,
        weightDecay: group.weightDecay,
        nesterov: group.nesterov,
        maximize: group.maximize,
        foreach: group.foreach === true,
      });
      if (!useMomentum) continue;
      params.forEach((p, i) => {
        const st = this.state.get(p) ?? {};
        st.momentumBuffer = buffers[i];
        this.state.set(p, st);
      });
    }
  }
}
