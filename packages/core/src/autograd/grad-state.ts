/**
 * A tensor's gradient bookkeeping beyond its history: the `.grad` it accumulates, its leaf hooks,
 * its accumulator node and whether it retains its gradient; the checks on an assigned `.grad`.
 * @module
 */
import { describe } from "../describe.js";
import * as inplace from "../ops/inplace.js";
import { formatShape, sameShape } from "../shape.js";
import { Tensor } from "../tensor.js";
import type { RemovableHandle } from "../tensor-types.js";
import type { AccumulateGrad, TensorHook } from "./node.js";

/** @internal the hooks of a tensor that has none (shared, frozen). */
export const NO_HOOKS: readonly TensorHook[] = Object.freeze([]);

/** @internal a tensor's gradient state beyond its history (see `Tensor.gradState`). */
export interface GradState {
  /** The sink node of a leaf that requires grad. */
  accumulator: AccumulateGrad | null;
  /** `.grad`. */
  grad: Tensor | null;
  /** Hooks of a leaf. */
  hooks: TensorHook[] | null;
  /** Whether a non-leaf keeps its gradient (`retainGrad()`). */
  retains: boolean;
}

/** @internal an empty gradient state. */
export function newGradState(): GradState {
  return { accumulator: null, grad: null, hooks: null, retains: false };
}

/** @internal throw unless `value` may be assigned as `tensor.grad`: null, or another tensor of its shape and dtype. */
export function checkAssignedGrad(tensor: Tensor, value: Tensor | null): void {
  if (value !== null && !(value instanceof Tensor)) {
    throw new TypeError(`grad: assigned value must be a Tensor or null, got ${describe(value)}`);
  }
  if (value === tensor) throw new Error("grad: can't assign a tensor as its own grad");
  if (value !== null && (!sameShape(value.shape, tensor.shape) || value.dtype !== tensor.dtype)) {
    throw new TypeError(
      `grad: assigned gradient has shape ${formatShape(value.shape)} and dtype ${value.dtype}, but the tensor has shape ${formatShape(tensor.shape)} and dtype ${tensor.dtype}`,
    );
  }
}

/** @internal add a gradient into `state.grad` (a fresh, contiguous copy unless building a graph). */
export function accumulateInto(state: GradState, g: Tensor, createGraph: boolean): void {
  const incoming = createGraph ? g : g.detach();
  if (state.grad === null) {
    state.grad = createGraph ? incoming : incoming.clone();
  } else if (createGraph || state.grad.requiresGrad) {
    state.grad = state.grad.add(incoming);
  } else {
    inplace.addInPlaceRaw(state.grad, incoming);
  }
}

/** @internal append `hook` to `list`; the handle's `remove()` takes it out again (idempotent). */
export function addHook(list: TensorHook[], hook: TensorHook): RemovableHandle {
  list.push(hook);
  return {
    remove: () => {
      const i = list.indexOf(hook);
      if (i >= 0) list.splice(i, 1);
    },
  };
}
