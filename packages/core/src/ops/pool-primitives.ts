/**
 * The differentiable primitives behind pooling: max pooling (its gradient scatters to the
 * arg-max with `scatterAdd`, whose own gradient is a `gather`) and the window average with its
 * adjoint (each the other's gradient). Arguments are trusted here: `pool.ts` validates them.
 * @module
 */
import { record } from "../autograd/record.js";
import { maxPoolForward, maxPoolRule, windowAverageAdjointRule, windowAverageRule } from "../autograd/rules/pool-rules.js";
import { allocate } from "../dtype.js";
import { type MaxPoolGeometry, type WindowGeometry, maxPool2dKernel, windowAverageAdjointKernel, windowAverageKernel } from "../kernels/pool.js";
import { Tensor } from "../tensor.js";
import { dense } from "./conv-primitives.js";

/**
 * @internal max pooling of a 4-D `x` `[N, C, H, W]`: the pooled tensor `[N, C, OH, OW]` (recorded
 * as `MaxPool2DWithIndicesBackward`) and the int32 arg-max `h * W + w` of every window (`H * W`
 * for a window holding only padding).
 */
export function maxPoolWithIndices(x: Tensor, geo: MaxPoolGeometry): [Tensor, Tensor] {
  const n = geo.planes * geo.OH * geo.OW;
  const out = allocate(x.dtype, n);
  const idx = new Int32Array(n);
  const [xd, xo] = dense(x);
  const empty = maxPool2dKernel(xd, xo, geo, out, idx);
  const shape = [x.shape[0]!, x.shape[1]!, geo.OH, geo.OW];
  const indices = Tensor.fromData(idx, shape, "int32");
  const y = Tensor.fromData(out, shape, x.dtype);
  const inputShape = x.shape;
  return [record(y, "MaxPool2DWithIndicesBackward", [x], (g, [si]) => [maxPoolRule(g, si!, inputShape, empty)], [indices], ([dx]) => maxPoolForward(dx!, indices, empty)), indices];
}

/** @internal the window average of a 4-D `x` (average and adaptive average pooling), recorded as `AvgPool2DBackward`. */
export function windowAverage(x: Tensor, geo: WindowGeometry): Tensor {
  const OH = geo.rows.start.length;
  const OW = geo.cols.start.length;
  const out = allocate(x.dtype, geo.planes * OH * OW);
  const [xd, xo] = dense(x);
  windowAverageKernel(xd, xo, geo, out);
  const y = Tensor.fromData(out, [x.shape[0]!, x.shape[1]!, OH, OW], x.dtype);
  return record(y, "AvgPool2DBackward", [x], (g) => [windowAverageRule(g, geo)], [], ([dx]) => windowAverage(dx!, geo));
}

/** @internal the adjoint of {@link windowAverage}: the input gradient `[N, C, H, W]` from `g`, recorded as `AvgPool2DBackwardBackward`. */
export function windowAverageAdjoint(g: Tensor, geo: WindowGeometry): Tensor {
  const out = allocate(g.dtype, geo.planes * geo.H * geo.W);
  const [gd, go] = dense(g);
  windowAverageAdjointKernel(gd, go, geo, out);
  const dx = Tensor.fromData(out, [g.shape[0]!, g.shape[1]!, geo.H, geo.W], g.dtype);
  return record(dx, "AvgPool2DBackwardBackward", [g], (h) => [windowAverageAdjointRule(h, geo)], [], ([dg]) => windowAverageAdjoint(dg!, geo));
}
