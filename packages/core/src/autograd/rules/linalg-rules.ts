/**
 * Gradient rules of the matrix products, written with differentiable ops so they can be
 * differentiated again.
 * @module
 */
import type { Tensor } from "../../tensor.js";
import { numelOf } from "../../shape.js";
import { mul } from "../../ops/binary.js";
import { dot, matmul } from "../../ops/linalg.js";
import { linear } from "../../ops/linear.js";
import { reshape, transpose } from "../../ops/movement.js";
import { sum, sumToShape } from "../../ops/reduce.js";
import { type Tangent, sumTerms } from "./tangent-sum.js";

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

/**
 * d linear(x, w, b) for `y = x @ w^T + b` with `g` of shape `[..., N]`: `(g @ w, g2^T @ x2, sum of g2 over rows)`,
 * where g2 `[M, N]` and x2 `[M, K]` flatten the leading dims (the transposes are views the matmul kernel reads in place).
 */
export function linearRule(g: Tensor, x: Tensor, w: Tensor, needX: boolean, needW: boolean, needB: boolean): [Tensor | null, Tensor | null, Tensor | null] {
  const [N, K] = w.shape as [number, number];
  const M = numelOf(g.shape.slice(0, -1));
  const g2 = needW || needB ? reshape(g, [M, N]) : null;
  return [
    needX ? matmul(g, w) : null,
    needW ? matmul(transpose(g2!, 0, 1), reshape(x, [M, K])) : null,
    needB ? sum(g2!, { dim: 0 }) : null,
  ];
}

/** Tangent of a @ b (at least 2 dims each): `da @ b + a @ db` (batch dims broadcast as in the product). */
export function batchedMatmulForward(a: Tensor, b: Tensor, da: Tangent, db: Tangent): Tensor {
  return sumTerms(da == null ? null : matmul(da, b), db == null ? null : matmul(a, db));
}

/** Tangent of dot(a, b): `dot(da, b) + dot(a, db)`. */
export function dotForward(a: Tensor, b: Tensor, da: Tangent, db: Tangent): Tensor {
  return sumTerms(da == null ? null : dot(da, b), db == null ? null : dot(a, db));
}

/** Tangent of linear(x, w, b) = `x @ w^T + b`: `dx @ w^T + x @ dw^T + db`. */
export function linearForward(x: Tensor, w: Tensor, dx: Tangent, dw: Tangent, db: Tangent): Tensor {
  return sumTerms(dx == null ? null : linear(dx, w), dw == null ? null : linear(x, dw), db);
}
