/**
 * The gradient of relu as one op (PyTorch's `threshold_backward`): `y > 0 ? g : 0` in a single pass,
 * instead of a comparison, a `where` and a tensor of zeros. It is linear in `g`, so its own
 * gradient with respect to `g` is the same op, and relu stays differentiable to any order.
 * @module
 */
import { record } from "../autograd/record.js";
import type { Tensor } from "../tensor.js";
import { compute } from "./binary.js";

/** @internal `y > 0 ? g : 0` elementwise, with `g` and `y` of the same shape; differentiable in `g` only. */
export function reluMask(g: Tensor, y: Tensor): Tensor {
  const out = compute("reluMask", g, y, g.dtype, (p, q) => (q > 0 ? p : 0), "reluMask");
  return record(out, "ThresholdBackwardBackward", [g], (gg) => [reluMask(gg, y)], [y], ([dg]) => reluMask(dg!, y));
}
