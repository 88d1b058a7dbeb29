/**
 * Gradient rules of the sum-like reductions.
 * @module
 */
import type { Shape } from "../../shape.js";
import type { Tensor } from "../../tensor.js";
import { mul } from "../../ops/binary.js";
import { expand, reshape } from "../../ops/movement.js";
import { sum } from "../../ops/reduce.js";

/** Shape of a reduction result with the reduced dims kept as size 1. */
export function keptShape(inputShape: Shape, dims: readonly number[]): number[] {
  return inputShape.map((d, i) => (dims.includes(i) ? 1 : d));
}

/** d sum / d x: the output gradient broadcast back over the reduced dims. */
export function gradSumRule(g: Tensor, inputShape: Shape, dims: readonly number[], keepdim: boolean): Tensor {
  const kept = keepdim ? g : reshape(g, keptShape(inputShape, dims));
  return expand(kept, inputShape);
}

/**
 * Tangent of a reduction over `dims` whose every output element depends only on its own group of
 * input elements: `sum(dx * J^T 1, dims)`, where `J^T 1` (the reverse rule applied to an output
 * gradient of ones) holds, for each input element, the derivative of its group's output.
 * var, std, logsumexp, norm and amax/amin use it with their reverse rules.
 */
export function groupedReductionForward(dx: Tensor, jacobianTOnes: Tensor, dims: readonly number[], keepdim: boolean): Tensor {
  return sum(mul(dx, jacobianTOnes), { dim: dims.slice(), keepdim });
}
