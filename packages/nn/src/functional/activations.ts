/**
 * Activation functions of `F`: thin, documented entry points over the core ops, plus GELU and
 * log-sigmoid written with differentiable primitives.
 * @module
 */
import * as core from "@tapegrad/core";
import type { Tensor } from "@tapegrad/core";
import { checkFinite, checkOptions, checkTensor, describe, normalizeDim } from "../util.js";

/** `max(x, 0)` elementwise (gradient 0 at 0, as PyTorch). */
export function relu(x: Tensor): Tensor {
  return core.relu(checkTensor(x, "relu", "input"));
}

/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor {
  return core.tanh(checkTensor(x, "tanh", "input"));
}

/** Logistic sigmoid `1 / (1 + exp(-x))`. */
export function sigmoid(x: Tensor): Tensor {
  return core.sigmoid(checkTensor(x, "sigmoid", "input"));
}

/**
 * `log(sigmoid(x))`, computed stably: `x - log1p(exp(x))` where x < 0, `-log1p(exp(-x))` elsewhere
 * (the values of PyTorch's `min(x, 0) - log1p(exp(-|x|))`). Both branches are smooth and each
 * sees only its own side of 0 (the other side is replaced by 0 before `exp`), so every derivative
 * is exact at 0 too (first 1/2, second -1/4, as PyTorch) and no overflow reaches the gradient.
 */
export function logSigmoid(x: Tensor): Tensor {
  checkTensor(x, "logSigmoid", "input");
  const negative = core.lt(x, 0);
  const xn = core.where(negative, x, 0);
  const xp = core.where(negative, 0, x);
  const left = core.sub(xn, core.log1p(core.exp(xn)));
  const right = core.neg(core.log1p(core.exp(core.neg(xp))));
  return core.where(negative, left, right);
}

/** Options of {@link gelu}. */
export interface GeluOptions {
  /** `"none"` (default): the exact erf form; `"tanh"`: the tanh approximation. */
  approximate?: "none" | "tanh";
}

const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.SQRT2 * (2 / Math.sqrt(Math.PI)) * 0.5;

/**
 * Gaussian error linear unit. Exact: `x * 0.5 * (1 + erf(x / sqrt(2)))`; with
 * `approximate: "tanh"`: `0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))`.
 * @throws RangeError for an unknown `approximate` value.
 * @example F.gelu(x, { approximate: "tanh" })
 */
export function gelu(x: Tensor, options?: GeluOptions): Tensor {
  checkTensor(x, "gelu", "input");
  const { approximate = "none" } = checkOptions(options, "gelu", ["approximate"]);
  if (approximate === "none") return core.mul(core.mul(x, 0.5), core.add(core.erf(core.mul(x, SQRT1_2)), 1));
  if (approximate === "tanh") {
    const cube = core.mul(core.mul(x, x), x);
    const inner = core.mul(core.add(x, core.mul(cube, 0.044715)), SQRT_2_OVER_PI);
    return core.mul(core.mul(x, 0.5), core.add(core.tanh(inner), 1));
  }
  throw new RangeError(`gelu: approximate must be "none" or "tanh", got ${describe(approximate)}`);
}

/**
 * Softmax along `dim` (required; negative dims count from the end): `exp(x_i) / sum_j exp(x_j)`,
 * computed stably.
 * @throws TypeError when `dim` is missing or not an integer; RangeError when it is out of range.
 */
export function softmax(x: Tensor, dim: number): Tensor {
  checkTensor(x, "softmax", "input");
  normalizeDim(dim, x.ndim, "softmax");
  return core.softmax(x, dim);
}

/**
 * Log of the softmax along `dim` (required): `x_i - log(sum_j exp(x_j))`, computed stably.
 * @throws TypeError when `dim` is missing or not an integer; RangeError when it is out of range.
 */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  checkTensor(x, "logSoftmax", "input");
  normalizeDim(dim, x.ndim, "logSoftmax");
  return core.logSoftmax(x, dim);
}

/**
 * Sigmoid linear unit (swish): `x * sigmoid(x)`.
 * @example F.silu(x)
 */
export function silu(x: Tensor): Tensor {
  checkTensor(x, "silu", "input");
  return core.mul(x, core.sigmoid(x));
}

/**
 * `x` where `x > 0`, `negativeSlope * x` elsewhere. The derivative at 0 is `negativeSlope`, as in
 * PyTorch's `leaky_relu_backward` (`x > 0 ? g : g * negativeSlope`).
 * @param negativeSlope slope for negative inputs (default 0.01).
 */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  checkTensor(x, "leakyRelu", "input");
  const slope = checkFinite(negativeSlope, "leakyRelu", "negativeSlope");
  return core.where(core.gt(x, 0), x, core.mul(x, slope));
}

/**
 * Exponential linear unit: `x` where `x > 0`, `alpha * (exp(x) - 1)` elsewhere (the derivative at 0
 * is `alpha`, as in PyTorch). The exponential sees `min(x, 0)`, so large inputs don't overflow into
 * the gradient.
 * @param alpha the saturation value for negative inputs is `-alpha` (default 1).
 */
export function elu(x: Tensor, alpha = 1): Tensor {
  checkTensor(x, "elu", "input");
  const a = checkFinite(alpha, "elu", "alpha");
  const negative = core.mul(core.sub(core.exp(core.clamp(x, null, 0)), 1), a);
  return core.where(core.gt(x, 0), x, negative);
}

/**
 * `log(1 + exp(beta * x)) / beta`, and `x` itself where `beta * x > threshold` (for numerical
 * stability, as PyTorch; the derivative there is 1).
 * @param beta sharpness (default 1).
 * @param threshold above this value of `beta * x` the function is the identity (default 20).
 * @throws TypeError for a non-finite or zero beta.
 */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  checkTensor(x, "softplus", "input");
  const b = checkFinite(beta, "softplus", "beta");
  if (b === 0) throw new RangeError("softplus: beta must be non-zero");
  const t = checkFinite(threshold, "softplus", "threshold");
  const scaled = b === 1 ? x : core.mul(x, b);
  // The clamp keeps exp() finite in the unused branch (its gradient there is 0, not NaN).
  const raw = core.log1p(core.exp(core.clamp(scaled, null, t)));
  const soft = b === 1 ? raw : core.div(raw, b);
  // Exactly at the threshold PyTorch's first derivative is sigmoid(t) but its second derivative is 0
  // (softplus_double_backward masks with x*beta < threshold): there use the tangent line at t,
  // whose value is the exact softplus(t) ((x - x.detach()) is exactly 0).
  const slope = 1 / (1 + Math.exp(-t));
  const tangent = core.add(core.mul(core.sub(x, x.detach()), slope), Math.log1p(Math.exp(t)) / b);
  return core.where(core.gt(scaled, t), x, core.where(core.eq(scaled, t), tangent, soft));
}

/**
 * `x` clipped to `[minVal, maxVal]`. The gradient is 1 strictly inside the interval and 0 at and
 * beyond its ends, as PyTorch's `hardtanh_backward` (unlike `clamp`, which passes it at the ends).
 * @throws RangeError when `maxVal < minVal`.
 */
export function hardtanh(x: Tensor, minVal = -1, maxVal = 1): Tensor {
  checkTensor(x, "hardtanh", "input");
  const lo = checkFinite(minVal, "hardtanh", "minVal");
  const hi = checkFinite(maxVal, "hardtanh", "maxVal");
  if (hi < lo) throw new RangeError(`hardtanh: maxVal (${hi}) must be greater than or equal to minVal (${lo})`);
  const inside = core.logicalAnd(core.gt(x, lo), core.lt(x, hi));
  return core.where(inside, x, core.clamp(x, lo, hi).detach());
}

/** `min(max(x, 0), 6)`: {@link hardtanh} with bounds 0 and 6. */
export function relu6(x: Tensor): Tensor {
  checkTensor(x, "relu6", "input");
  return hardtanh(x, 0, 6);
}

/**
 * Mish: `x * tanh(softplus(x))` (softplus with PyTorch's threshold 20 for stability).
 * @example F.mish(x)
 */
export function mish(x: Tensor): Tensor {
  checkTensor(x, "mish", "input");
  return core.mul(x, core.tanh(softplus(x)));
}
