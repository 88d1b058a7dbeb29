/**
 * Gradient rules of the pooling primitives.
 * - max pooling: the gradient goes to the arg-max of each window (`scatterAdd` onto zeros, so it
 *   accumulates where windows overlap); the arg-max is piecewise constant, so the second
 *   derivative with respect to the input is zero and the one with respect to the output gradient
 *   is a `gather` (scatterAdd's own rule);
 * - the window average and its adjoint are linear and each other's gradient.
 * Forward mode: max pooling's tangent picks the input tangent at the arg-max (a `gather`); the
 * linear ops apply themselves to the tangent.
 * @module
 */
import type { WindowGeometry } from "../../kernels/pool.js";
import { zeros } from "../../ops/creation.js";
import { cat, gather, scatterAdd } from "../../ops/indexing.js";
import { narrow, reshape } from "../../ops/movement.js";
import { windowAverage, windowAverageAdjoint } from "../../ops/pool-primitives.js";
import type { Shape } from "../../shape.js";
import type { Tensor } from "../../tensor.js";

/**
 * d maxPool(x) for output gradient `g` `[N, C, OH, OW]` and the arg-max `indices` of the same
 * shape. When some window held only padding (`empty`), its index is one past the plane: the
 * gradient is scattered into one spare column, then dropped.
 */
export function maxPoolRule(g: Tensor, indices: Tensor, inputShape: Shape, empty: boolean): Tensor {
  const [N, C, H, W] = inputShape as [number, number, number, number];
  const planes = N * C;
  const per = indices.numel() / Math.max(planes, 1);
  const width = H * W + (empty ? 1 : 0);
  const flat = scatterAdd(zeros([planes, width], { dtype: g.dtype }), 1, reshape(indices, [planes, per]), reshape(g, [planes, per]));
  return reshape(empty ? narrow(flat, 1, 0, H * W) : flat, inputShape);
}

/** d windowAverage(x) for output gradient `g`: the adjoint applied to `g`. */
export function windowAverageRule(g: Tensor, geo: WindowGeometry): Tensor {
  return windowAverageAdjoint(g, geo);
}

/** d windowAverageAdjoint(g) for output gradient `h`: the window average of `h`. */
export function windowAverageAdjointRule(h: Tensor, geo: WindowGeometry): Tensor {
  return windowAverage(h, geo);
}

/** Tangent of maxPool(x): the input's tangent `dx` at each window's arg-max (0 for a window of only padding). */
export function maxPoolForward(dx: Tensor, indices: Tensor, empty: boolean): Tensor {
  const [N, C, H, W] = dx.shape as [number, number, number, number];
  const planes = N * C;
  let flat = reshape(dx, [planes, H * W]);
  if (empty) flat = cat([flat, zeros([planes, 1], { dtype: dx.dtype })], 1);
  return reshape(gather(flat, 1, reshape(indices, [planes, indices.numel() / Math.max(planes, 1)])), indices.shape);
}
