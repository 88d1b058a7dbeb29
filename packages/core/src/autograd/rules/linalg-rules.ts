/**
 * Gradient rules of the matrix products, written with differentiable ops so they can be
 * differentiated again.
 * @module
 */
import type { Tensor } from "../../tensor.js";
import { mul } from "../../ops/binary.js";
import { matmul } from "../../ops/linalg.js";
import { transpose } from "../../ops/movement.js";
import { sumToShape } from "../../ops/reduce.js";

type Grads = [Tensor | null, Tensor | null];

/**
 * d (a @ b) for operands with at least 2 dims: `(g @ b^T, a^T @ g)` over the last two dims,
 * summed back over batch dims that were broadcast.
 */
export function batchedMatmulRule(g: Tensor, a: Tensor, b: Tensor, needA: boolean, needB: boolean): Grads {
  return [
    needA ? sumToShape(matmul(g, transpose(b, -2, -1)), a.shape) : null,
    needB ? sumToShape(matmul(transpose(a, -2, -1), g), b.shape) : null,
  ];
}

/** d dot(a, b) = (g * b, g * a) for a 0-dim output gradient `g`. */
export function dotRule(g: Tensor, a: Tensor, b: Tensor, needA: boolean, needB: boolean): Grads {
  return [needA ? mul(g, b) : null, needB ? mul(g, a) : null];
}
