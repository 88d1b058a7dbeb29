/**
 * Gradient rules of the sum-like reductions.
 * @module
 */
import type { Shape } from "../../shape.js";
import type { Tensor } from "../../tensor.js";
import { expand, reshape } from "../../ops/movement.js";

/** Shape of a reduction result with the reduced dims kept as size 1. */
export function keptShape(inputShape: Shape, dims: readonly number[]): number[] {
  return inputShape.map((d, i) => (dims.includes(i) ? 1 : d));
}

/** d sum / d x: the output gradient broadcast back over the reduced dims. */
export function gradSumRule(g: Tensor, inputShape: Shape, dims: readonly number[], keepdim: boolean): Tensor {
  const kept = keepdim ? g : reshape(g, keptShape(inputShape, dims));
  return expand(kept, inputShape);
}
