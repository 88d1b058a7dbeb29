/**
 * Argument and state checks shared by the optimizers (not exported from the package): option keys,
 * hyperparameter values, loaded state entries.
 * @module
 */
import { Tensor, getDefaultDtype, scalar } from "@tapegrad/core";
import type { ParamGroup } from "./optimizer.js";
import { describeValue, isPlainObject } from "./state-dict.js";

/**
 * @internal throw unless `options` is undefined or an object whose keys are all in `allowed` and
 * whose values are not `null` (null is not "use the default": omit the key, or pass `undefined`),
 * except for the keys in `nullable` (`foreach`, whose `None` means "automatic" in PyTorch too).
 */
export function checkOptionKeys(options: unknown, allowed: readonly string[], where: string, nullable: readonly string[] = ["foreach"]): Record<string, unknown> {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw new TypeError(`${where}: options must be an object, got ${describeValue(options)}`);
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`${where}: unknown option "${key}" (expected one of ${allowed.join(", ")})`);
    }
    if (options[key] === null && !nullable.includes(key)) {
      throw new TypeError(`${where}: option "${key}" is null; omit it (or pass undefined) to use the default`);
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

/**
 * @internal a group hyperparameter that may be a number or, with `differentiable: true`, a
 * 1-element float tensor (on the tape). Numbers keep their own checks (`checkNumberValue`); a tensor
 * must be 1-element, float and finite, and its value must pass `valid`, else `invalid(value)` is the
 * message (PyTorch's wording, e.g. `Invalid beta parameter at index 0: tensor(1)`).
 */
export function checkGroupHyperparameter(
  value: unknown,
  name: string,
  where: string,
  differentiable: unknown,
  checkNumberValue: (v: unknown) => void,
  valid: (v: number) => boolean,
  invalid: (shown: string) => string,
): void {
  if (!(value instanceof Tensor)) {
    checkNumberValue(value);
    return;
  }
  if (differentiable !== true) throw new TypeError(`${where}: ${name} must be a number; a tensor ${name} needs differentiable: true`);
  if (value.numel() !== 1 || !value.isFloatingPoint()) {
    throw new TypeError(`${where}: Tensor ${name} must be a 1-element float tensor, got ${value.dtype} of shape [${value.shape.join(",")}]`);
  }
  const v = value.item();
  if (!Number.isFinite(v) || !valid(v)) throw new RangeError(`${where}: ${invalid(`tensor(${v})`)} (${name} must be finite and in range)`);
}

/** @internal {@link checkGroupHyperparameter} for a hyperparameter `>= 0`: `Invalid <label> value: ...`. */
export function checkNonNegativeHyperparameter(value: unknown, name: string, where: string, differentiable: unknown, label = name): void {
  checkGroupHyperparameter(value, name, where, differentiable, (v) => checkNonNegative(v, name, where, label), (v) => v >= 0, (s) => `Invalid ${label} value: ${s}`);
}
