/**
 * Gradient rules of the unary ops, written with differentiable ops (so they can be differentiated
 * again), each with the one tensor it saves.
 * @module
 */
import type { Tensor } from "../../tensor.js";
import { add, div, ge, le, logicalAnd, mul, sub, where } from "../../ops/binary.js";
import { cos, exp, neg, sign, sin } from "../../ops/unary.js";
import { zerosLike } from "../../ops/creation.js";
import { reluMask } from "../../ops/relu-mask.js";

/**
 * What a unary op saves for its gradient, as PyTorch's `derivatives.yaml` does: the input (`sin`,
 * `log`, `abs`, ...), the output (`exp`, `tanh`, `sqrt`, ...) or nothing (`neg`, `sign`). Saving
 * only that tensor lets the other one be modified in place without breaking backward.
 */
export type UnarySaved = "input" | "output" | "none";

/** A unary op's reverse rule and the one tensor it needs. */
export interface UnaryRule {
  /** Which tensor the op saves. */
  readonly saves: UnarySaved;
  /**
   * The gradient of the input from the output gradient `g` and the saved tensor (the input or the
   * output, as `saves` says; null when the op saves nothing).
   */
  readonly backward: (g: Tensor, saved: Tensor | null) => Tensor;
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** Rules by op name; `x` is the saved input, `y` the saved output, `g` the output gradient. */
export const unaryRules: Record<string, UnaryRule> = {
  neg: { saves: "none", backward: (g) => neg(g) },
  exp: { saves: "output", backward: (g, y) => mul(g, y!) },
  log: { saves: "input", backward: (g, x) => div(g, x!) },
  log1p: { saves: "input", backward: (g, x) => div(g, add(x!, 1)) },
  sqrt: { saves: "output", backward: (g, y) => div(g, mul(y!, 2)) },
  rsqrt: { saves: "output", backward: (g, y) => mul(mul(g, -0.5), mul(y!, mul(y!, y!))) },
  abs: { saves: "input", backward: (g, x) => mul(g, sign(x!)) },
  sign: { saves: "none", backward: (g) => zerosLike(g) },
  tanh: { saves: "output", backward: (g, y) => mul(g, sub(1, mul(y!, y!))) },
  sigmoid: { saves: "output", backward: (g, y) => mul(g, mul(y!, sub(1, y!))) },
  relu: { saves: "output", backward: (g, y) => reluMask(g, y!) },
  reciprocal: { saves: "output", backward: (g, y) => neg(mul(g, mul(y!, y!))) },
  sin: { saves: "input", backward: (g, x) => mul(g, cos(x!)) },
  cos: { saves: "input", backward: (g, x) => neg(mul(g, sin(x!))) },
  erf: { saves: "input", backward: (g, x) => mul(g, mul(exp(neg(mul(x!, x!))), TWO_OVER_SQRT_PI)) },
};

/** d clamp(x, min, max): the gradient passes where min <= x <= max (bounds inclusive, as PyTorch). */
export function clampRule(g: Tensor, x: Tensor, min: number | null, max: number | null): Tensor {
  let mask: Tensor | null = null;
  if (min !== null) mask = ge(x, min);
  if (max !== null) mask = mask === null ? le(x, max) : logicalAnd(mask, le(x, max));
  return mask === null ? g : where(mask, g, zerosLike(g));
}
