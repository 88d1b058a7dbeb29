/**
 * Gradient rules of the unary ops, written with differentiable ops (so they can be differentiated
 * again). `x` is the saved input, `y` the saved output, `g` the output gradient.
 * @module
 */
import type { Tensor } from "../../tensor.js";
import { add, div, ge, le, logicalAnd, mul, sub, where } from "../../ops/binary.js";
import { cos, exp, neg, sign, sin } from "../../ops/unary.js";
import { zerosLike } from "../../ops/creation.js";
import { reluMask } from "../../ops/relu-mask.js";

/** A unary rule: (g, saved input, saved output) → gradient of the input. */
export type UnaryRule = (g: Tensor, x: Tensor, y: Tensor) => Tensor;

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** Rules by op name; each op saves both its input and output. */
export const unaryRules: Record<string, UnaryRule> = {
  neg: (g) => neg(g),
  exp: (g, _x, y) => mul(g, y),
  log: (g, x) => div(g, x),
  log1p: (g, x) => div(g, add(x, 1)),
  sqrt: (g, _x, y) => div(g, mul(y, 2)),
  rsqrt: (g, _x, y) => mul(mul(g, -0.5), mul(y, mul(y, y))),
  abs: (g, x) => mul(g, sign(x)),
  sign: (g) => zerosLike(g),
  tanh: (g, _x, y) => mul(g, sub(1, mul(y, y))),
  sigmoid: (g, _x, y) => mul(g, mul(y, sub(1, y))),
  relu: (g, _x, y) => reluMask(g, y),
  reciprocal: (g, _x, y) => neg(mul(g, mul(y, y))),
  sin: (g, x) => mul(g, cos(x)),
  cos: (g, x) => neg(mul(g, sin(x))),
  erf: (g, x) => mul(g, mul(exp(neg(mul(x, x))), TWO_OVER_SQRT_PI)),
};

/** d clamp(x, min, max): the gradient passes where min <= x <= max (bounds inclusive, as PyTorch). */
export function clampRule(g: Tensor, x: Tensor, min: number | null, max: number | null): Tensor {
  let mask: Tensor | null = null;
  if (min !== null) mask = ge(x, min);
  if (max !== null) mask = mask === null ? le(x, max) : logicalAnd(mask, le(x, max));
  return mask === null ? g : where(mask, g, zerosLike(g));
}
