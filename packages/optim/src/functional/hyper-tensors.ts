/**
 * Hyperparameters that may be tensors in the pure updates: a number, or a 1-element float tensor
 * that stays on the tape (and carries its tangent in forward mode), so that the outer loss can be
 * differentiated with respect to it. With a number, the update runs exactly the operations it always
 * did (the same bits); with a tensor, the same formula in tensor ops.
 * @module
 */
import { Tensor, broadcastShapes, sub } from "@tapegrad/core";
import { resolveLr } from "./sgd-update.js";

/** A hyperparameter: a number, or a 1-element float tensor to differentiate with respect to. */
export type TensorHyperparameter = number | Tensor;

/**
 * A learning rate of a pure update: a number or 1-element tensor for every parameter; a tensor of
 * any shape that broadcasts to every parameter's shape (an elementwise learning rate, always used as
 * a tensor); or an array with one number or tensor (1-element or broadcasting to that parameter)
 * per parameter (Meta-SGD's per-parameter learning rates).
 */
export type PerParamLr = number | Tensor | ReadonlyArray<number | Tensor>;

/**
 * @internal the lr each parameter uses, from a {@link PerParamLr}: a number or 0-dim tensor (see
 * `resolveLr`), or an elementwise tensor that broadcasts to the parameter's shape.
 */
export function lrPerParam(where: string, lr: PerParamLr, params: readonly Tensor[]): Array<number | Tensor> {
  const one = (value: unknown, i: number, label: string): number | Tensor => {
    if (value instanceof Tensor && value.numel() !== 1) {
      if (!value.isFloatingPoint()) throw new TypeError(`${where}: ${label} must be a float tensor, got ${value.dtype}`);
      const p = params[i]!;
      let ok = false;
      try {
        const shape = broadcastShapes(value.shape, p.shape, where);
        ok = shape.length === p.shape.length && shape.every((d, k) => d === p.shape[k]);
      } catch {
        ok = false;
      }
      if (!ok) throw new RangeError(`${where}: ${label} of shape [${value.shape.join(",")}] does not broadcast to params[${i}] of shape [${p.shape.join(",")}]`);
      return value;
    }
    return resolveLr(value as number | Tensor, where);
  };
  if (Array.isArray(lr)) {
    if (lr.length !== params.length) throw new RangeError(`${where}: lr has ${lr.length} entries but params has ${params.length}`);
    return lr.map((v, i) => one(v, i, `lr[${i}]`));
  }
  return params.map((_, i) => one(lr, i, "lr"));
}

/**
 * @internal throw unless `value` is a finite number in `[min, max]` (max exclusive when `maxOpen`), or a
 * 1-element float tensor whose value is; returns a tensor as a 0-dim tensor.
 */
export function checkHyperparameter(where: string, key: string, value: unknown, min: number, max = Infinity, maxOpen = false): TensorHyperparameter {
  const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}${maxOpen ? ")" : "]"}`;
  if (value instanceof Tensor) {
    if (value.numel() !== 1 || !value.isFloatingPoint()) {
      throw new TypeError(`${where}: Tensor ${key} must be a 1-element float tensor, got ${value.dtype} of shape [${value.shape.join(",")}]`);
    }
    const v = value.item();
    if (!(v >= min) || !(maxOpen ? v < max : v <= max) || !Number.isFinite(v)) throw new RangeError(`${where}: ${key} must be a finite number ${range}, got tensor(${v})`);
    return value.reshape([]);
  }
  if (typeof value !== "number" || !(value >= min) || !(maxOpen ? value < max : value <= max) || !Number.isFinite(value)) {
    throw new RangeError(`${where}: ${key} must be a finite number ${range}, got ${String(value)}`);
  }
  return value;
}

/** @internal whether a hyperparameter switches its term off: the number 0 (a tensor always takes part, to have a derivative). */
export function isOff(h: TensorHyperparameter): boolean {
  return h === 0;
}

/** @internal `a + h * b` (`add(b, { alpha: h })` for a number h, as before). */
export function addScaled(a: Tensor, b: Tensor, h: TensorHyperparameter): Tensor {
  return typeof h === "number" ? a.add(b, { alpha: h }) : a.add(b.mul(h));
}

/** @internal `t * h`. */
export function scaled(t: Tensor, h: TensorHyperparameter): Tensor {
  return t.mul(h);
}

/** @internal the value of a hyperparameter, for decisions that are not differentiated (which branch, whether a term is on). */
export function valueOf(h: TensorHyperparameter): number {
  return typeof h === "number" ? h : h.item();
}

/** @internal `1 - h`. */
export function oneMinus(h: TensorHyperparameter): TensorHyperparameter {
  return typeof h === "number" ? 1 - h : sub(1, h);
}
