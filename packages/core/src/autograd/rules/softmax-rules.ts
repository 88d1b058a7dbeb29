/**
 * Gradient rules of softmax and log-softmax, in terms of the saved output `y` (differentiable
 * ops only, so second derivatives work).
 * @module
 */
import type { Tensor } from "../../tensor.js";
import { mul, sub } from "../../ops/binary.js";
import { exp } from "../../ops/unary.js";
import { sum } from "../../ops/reduce.js";

/** d softmax: `y * (g - sum(g * y, dim, keepdim))`. */
export function softmaxRule(g: Tensor, y: Tensor, dim: number): Tensor {
  return mul(y, sub(g, sum(mul(g, y), { dim, keepdim: true })));
}

/** d logSoftmax: `g - exp(y) * sum(g, dim, keepdim)`. */
export function logSoftmaxRule(g: Tensor, y: Tensor, dim: number): Tensor {
  return sub(g, mul(exp(y), sum(g, { dim, keepdim: true })));
}

/** Tangent of softmax: `y * (dx - sum(dx * y, dim, keepdim))` (the Jacobian is symmetric). */
export function softmaxForward(dx: Tensor, y: Tensor, dim: number): Tensor {
  return softmaxRule(dx, y, dim);
}

/** Tangent of logSoftmax: `dx - sum(dx * exp(y), dim, keepdim)`. */
export function logSoftmaxForward(dx: Tensor, y: Tensor, dim: number): Tensor {
  return sub(dx, sum(mul(dx, exp(y)), { dim, keepdim: true }));
}
