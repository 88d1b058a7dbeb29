/**
 * The lrs a scheduler computes and writes: numbers, or, for a group whose lr is on the tape (a
 * tensor that requires grad, or a dual tensor), tensor expressions of it that keep its history.
 * @module
 */
import { Tensor, isDual, mul, noGrad, scalar } from "@tapegrad/core";
import type { ParamGroup } from "../optimizer.js";

/** @internal the value of an lr that may be a 1-element tensor. */
export function lrValue(lr: unknown): number {
  return lr instanceof Tensor ? lr.item() : (lr as number);
}

/**
 * @internal an lr a scheduler computes: a number, or, for a group whose lr is on the tape (a tensor that
 * requires grad, or a dual tensor), a 0-dim tensor expression of it.
 */
export type ScheduledLr = number | Tensor;

/**
 * @internal whether a group lr is on the tape: a tensor that requires grad (or is dual, in forward mode).
 * Schedulers then compute its new value as a tensor expression of it and assign it to the group
 * (never `fill_`, which would overwrite the tensor, often the leaf being differentiated).
 */
export function isLrOnTape(lr: unknown): boolean {
  return lr instanceof Tensor && (lr.requiresGrad || isDual(lr));
}

/** @internal `lr * factor`: in double for numbers, a recorded tensor op for an lr or a factor on the tape. */
export function scaleLr(lr: ScheduledLr, factor: number | Tensor): ScheduledLr {
  return typeof lr === "number" && typeof factor === "number" ? lr * factor : mul(lr, factor);
}

/**
 * @internal write `values` into the groups' lrs (pairs beyond the shorter list are ignored, as
 * PyTorch's zip): a tensor value (an lr on the tape) is assigned as a 0-dim tensor; a number is
 * assigned to a number lr, filled into a tensor lr (identity preserved), and assigned as a new
 * constant tensor to an lr on the tape (never written into: it may be the leaf being differentiated).
 */
export function writeLrs(groups: readonly ParamGroup[], values: readonly ScheduledLr[]): void {
  const n = Math.min(groups.length, values.length);
  for (let i = 0; i < n; i++) {
    const g = groups[i]!;
    const lr = g.lr;
    const v = values[i]!;
    if (v instanceof Tensor) g.lr = v.reshape([]);
    else if (isLrOnTape(lr)) g.lr = scalar(v, (lr as Tensor).dtype);
    else if (lr instanceof Tensor) noGrad(() => lr.fill_(v));
    else g.lr = v;
  }
}
