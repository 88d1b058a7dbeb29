/**
 * Gradient rules of var, std, logsumexp and norm, written with differentiable ops (so they can
 * be differentiated again). `x` is the saved input, `y` the saved result.
 * @module
 */
import type { Shape } from "../../shape.js";
import type { Tensor } from "../../tensor.js";
import { div, eq, mul, pow, sub, where } from "../../ops/binary.js";
import { zerosLike } from "../../ops/creation.js";
import { reshape } from "../../ops/movement.js";
import { mean } from "../../ops/reduce.js";
import { abs, exp, sign } from "../../ops/unary.js";
import { evenlyDistributedRule } from "./extrema-rules.js";
import { keptShape } from "./reduce-rules.js";

/** `t` with the reduced dims restored as size 1 (a no-op when they were kept). */
function restore(t: Tensor, inputShape: Shape, dims: readonly number[], keepdim: boolean): Tensor {
  return keepdim ? t : reshape(t, keptShape(inputShape, dims));
}

/** d var: `g * 2 (x - mean(x)) / divisor`. */
export function varRule(g: Tensor, x: Tensor, inputShape: Shape, dims: readonly number[], keepdim: boolean, divisor: number): Tensor {
  const centered = sub(x, mean(x, { dim: dims.slice(), keepdim: true }));
  return mul(restore(g, inputShape, dims, keepdim), mul(centered, 2 / divisor));
}

/** d std: the var rule applied to `g / (2 y)`, with 0 where y == 0 (PyTorch's convention). */
export function stdRule(g: Tensor, x: Tensor, y: Tensor, inputShape: Shape, dims: readonly number[], keepdim: boolean, divisor: number): Tensor {
  const gv = where(eq(y, 0), 0, div(g, mul(y, 2)));
  return varRule(gv, x, inputShape, dims, keepdim, divisor);
}

/** d logsumexp: `g * exp(x - y)` with g and y broadcast back over the reduced dims. */
export function logsumexpRule(g: Tensor, x: Tensor, y: Tensor, inputShape: Shape, dims: readonly number[], keepdim: boolean): Tensor {
  return mul(restore(g, inputShape, dims, keepdim), exp(sub(x, restore(y, inputShape, dims, keepdim))));
}

/**
 * d norm_p (PyTorch's norm_backward):
 * - p = 0: 0;  p = 1: `g * sign(x)`;
 * - p = Infinity: `sign(x) *` the max rule applied to |x|;
 * - p < 1: `sign(x) |x|^(p-1) * g * y^(1-p)`, with 0 where x == 0;
 * - otherwise `x |x|^(p-2) * g / y^(p-1)` (as `sign(x) |x|^(p-1)` for p < 2), with 0 where y == 0.
 */
export function normRule(g: Tensor, x: Tensor, y: Tensor, inputShape: Shape, dims: readonly number[], keepdim: boolean, p: number): Tensor {
  if (p === 0) return zerosLike(x);
  const gk = restore(g, inputShape, dims, keepdim);
  if (p === 1) return mul(gk, sign(x));
  if (p === Infinity) return mul(sign(x), evenlyDistributedRule(g, abs(x), y, inputShape, dims, keepdim));
  const yk = restore(y, inputShape, dims, keepdim);
  if (p < 1) {
    const scaled = where(eq(x, 0), 0, mul(sign(x), pow(abs(x), p - 1)));
    return mul(scaled, mul(gk, pow(yk, 1 - p)));
  }
  const scale = where(eq(yk, 0), 0, div(gk, p === 2 ? yk : pow(yk, p - 1)));
  if (p === 2) return mul(x, scale);
  const scaled = p < 2 ? mul(sign(x), pow(abs(x), p - 1)) : mul(x, pow(abs(x), p - 2));
  return mul(scaled, scale);
}
