/**
 * Activation functions of `F`: thin, documented entry points over the core ops, plus GELU and
 * log-sigmoid written with differentiable primitives.
 * @module
 */
import * as core from "@tapegrad/core";
import type { Tensor } from "@tapegrad/core";
import { checkOptions, checkTensor, describe, normalizeDim } from "../util.js";

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
  const { approximate = "none" } = checkOptions(options, "gelu");
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
