/**
 * Gradient rules of the max/min reductions (differentiable ops only).
 * @module
 */
import type { Shape } from "../../shape.js";
import type { Tensor } from "../../tensor.js";
import { div, eq, logicalAnd, logicalOr, ne, where } from "../../ops/binary.js";
import { zeros } from "../../ops/creation.js";
import { gather, scatterAdd } from "../../ops/indexing.js";
import { reshape, squeeze, unsqueeze } from "../../ops/movement.js";
import { sum } from "../../ops/reduce.js";
import { keptShape } from "./reduce-rules.js";

/**
 * d amax / d x (also max/min over all elements): the output gradient split evenly among the
 * elements equal to the result (NaN results count NaN inputs as equal), 0 elsewhere.
 * `grad = where(x == y, g / count(x == y), 0)` with y and g broadcast back over the reduced dims.
 */
export function evenlyDistributedRule(g: Tensor, x: Tensor, y: Tensor, inputShape: Shape, dims: readonly number[], keepdim: boolean): Tensor {
  const shape = keptShape(inputShape, dims);
  const gk = keepdim ? g : reshape(g, shape);
  const yk = keepdim ? y : reshape(y, shape);
  const mask = logicalOr(eq(x, yk), logicalAnd(ne(x, x), ne(yk, yk)));
  const count = sum(mask, { dim: dims.slice(), keepdim: true });
  return where(mask, div(gk, count), 0);
}

/**
 * d max(x, dim) / d x: the output gradient placed at the selected index along `dim`, zeros
 * elsewhere (a scatter-add into zeros, whose own gradient is a gather).
 */
export function valueSelectingRule(g: Tensor, inputShape: Shape, dim: number, indices: Tensor, keepdim: boolean): Tensor {
  const restore = !keepdim && inputShape.length > 0;
  const gk = restore ? unsqueeze(g, dim) : g;
  const ik = restore ? unsqueeze(indices, dim) : indices;
  return scatterAdd(zeros(inputShape, { dtype: g.dtype }), dim, ik, gk);
}

/** Tangent of max(x, dim): `dx` gathered at the selected indices along `dim`. */
export function valueSelectingForward(dx: Tensor, dim: number, indices: Tensor, keepdim: boolean): Tensor {
  if (dx.ndim === 0) return dx;
  const picked = gather(dx, dim, keepdim ? indices : unsqueeze(indices, dim));
  return keepdim ? picked : squeeze(picked, dim);
}
