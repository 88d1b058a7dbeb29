/**
 * Rebinding mode, for differentiable optimizer steps: inside {@link rebindingInPlace}, an in-place op
 * that autograd records on a tensor that is not a view gives the tensor a new storage holding the
 * result (and the result's history) instead of writing into the storage it had. A graph that saved
 * the tensor before (a model's forward saved a weight) keeps reading the old, untouched storage, so
 * the update does not invalidate it; outside this mode in-place ops keep PyTorch's version-counter
 * errors exactly.
 * @module
 */

let depth = 0;

/** @internal run `fn` with recorded in-place ops rebinding their target (see the module comment). */
export function rebindingInPlace<T>(fn: () => T): T {
  depth++;
  try {
    return fn();
  } finally {
    depth--;
  }
}

/** @internal whether recorded in-place ops rebind their target instead of writing into it. */
export function isRebindingInPlace(): boolean {
  return depth > 0;
}
