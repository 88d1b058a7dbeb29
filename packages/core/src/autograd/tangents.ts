/**
 * The state behind forward-mode AD: the active dual level and the tangent each tensor carries at it.
 *
 * Tangents live in a `WeakMap` owned by the level, so leaving the level forgets every tangent at
 * once (a tensor made inside a level never shows a stale tangent later) and nothing is added to
 * tensors that never meet forward mode. While an op's forward rule runs, the level is suspended:
 * the tangent is computed from the primals without itself getting a tangent at the same level
 * (PyTorch computes forward formulas on `_fw_primal(level)` for the same reason), while grad mode
 * is left as it is, so tangents are recorded on the tape when their inputs require grad.
 * @module
 */
import type { Tensor } from "../tensor.js";

/** One dual level: the tangents of the tensors made dual (directly or by an op) inside it. */
export class DualLevelState {
  /** The tangent of each dual tensor at this level. */
  readonly tangents = new WeakMap<Tensor, Tensor>();
}

let current: DualLevelState | null = null;
let suspended = 0;

/** @internal the active level (null outside `dualLevel`). */
export function currentLevel(): DualLevelState | null {
  return current;
}

/** @internal make `level` the active one (null to leave); returns the previous one. */
export function swapLevel(level: DualLevelState | null): DualLevelState | null {
  const previous = current;
  current = level;
  return previous;
}

/** @internal whether ops must propagate tangents now (inside a level, outside a forward rule). */
export function forwardActive(): boolean {
  return current !== null && suspended === 0;
}

/** @internal the tangent `t` carries at the active level, or null. */
export function tangentOf(t: Tensor): Tensor | null {
  return current === null ? null : (current.tangents.get(t) ?? null);
}

/** @internal attach (or, with null, remove) `t`'s tangent at the active level. */
export function setTangent(t: Tensor, tangent: Tensor | null): void {
  if (current === null) return;
  if (tangent === null) current.tangents.delete(t);
  else current.tangents.set(t, tangent);
}

/** @internal run `fn` with tangent propagation off (the level stays active for lookups). */
export function withoutForward<T>(fn: () => T): T {
  suspended++;
  try {
    return fn();
  } finally {
    suspended--;
  }
}

/** @internal `t.detach()` carrying `t`'s tangent, if any, over to the detached tensor. */
export function detachKeepingTangent(t: Tensor): Tensor {
  const detached = t.detach();
  setTangent(detached, tangentOf(t));
  return detached;
}
