/**
 * Gradient rules of the broadcasting binary ops. Each returns one gradient per input, summed back
 * to that input's shape, written with differentiable ops so that `createGraph` works.
 * @module
 */
import type { Tensor } from "../../tensor.js";
import { div, eq, ge, gt, logicalAnd, lt, mul, pow, sub, where } from "../../ops/binary.js";
import { log, neg } from "../../ops/unary.js";
import { zerosLike } from "../../ops/creation.js";
import { sumToShape } from "../../ops/reduce.js";
import { type Tangent, sumTerms } from "./tangent-sum.js";

type Grads = [Tensor | null, Tensor | null];

/** d(a + alpha*b). */
export function addRule(g: Tensor, a: Tensor, b: Tensor, alpha: number): Grads {
  return [sumToShape(g, a.shape), sumToShape(alpha === 1 ? g : mul(g, alpha), b.shape)];
}

/** Tangent of a + alpha*b. */
export function addForward(da: Tangent, db: Tangent, alpha: number): Tensor {
  return sumTerms(da, db == null || alpha === 1 ? db : mul(db, alpha));
}

/** d(a - alpha*b). */
export function subRule(g: Tensor, a: Tensor, b: Tensor, alpha: number): Grads {
  return [sumToShape(g, a.shape), sumToShape(mul(g, -alpha), b.shape)];
}

/** Tangent of a - alpha*b. */
export function subForward(da: Tangent, db: Tangent, alpha: number): Tensor {
  return sumTerms(da, db == null ? null : mul(db, -alpha));
}

/** d(a * b). */
export function mulRule(g: Tensor, a: Tensor, b: Tensor, needA: boolean, needB: boolean): Grads {
  return [needA ? sumToShape(mul(g, b), a.shape) : null, needB ? sumToShape(mul(g, a), b.shape) : null];
}

/** Tangent of a * b: `da * b + a * db`. */
export function mulForward(a: Tensor, b: Tensor, da: Tangent, db: Tangent): Tensor {
  return sumTerms(da == null ? null : mul(da, b), db == null ? null : mul(a, db));
}

/** d(a / b) = (g / b, -g * a / b^2). */
export function divRule(g: Tensor, a: Tensor, b: Tensor, needA: boolean, needB: boolean): Grads {
  return [
    needA ? sumToShape(div(g, b), a.shape) : null,
    needB ? sumToShape(neg(div(mul(g, a), mul(b, b))), b.shape) : null,
  ];
}

/** Tangent of a / b: `da / b - db * a / b^2`. */
export function divForward(a: Tensor, b: Tensor, da: Tangent, db: Tangent): Tensor {
  return sumTerms(da == null ? null : div(da, b), db == null ? null : neg(div(mul(db, a), mul(b, b))));
}

/**
 * d(a ** b) = (g * b * a^(b-1), g * a^b * log a). As in PyTorch, the exponent's gradient is 0 where
 * a == 0 and b >= 0 (the limit), instead of NaN from log 0.
 */
export function powRule(g: Tensor, a: Tensor, b: Tensor, needA: boolean, needB: boolean): Grads {
  let ga: Tensor | null = null;
  let gb: Tensor | null = null;
  if (needA) {
    const raw = mul(mul(g, b), pow(a, sub(b, 1)));
    // b == 0 gives 0 * a^-1, which is NaN at a == 0; the true derivative there is 0.
    ga = sumToShape(where(eq(b, 0), zerosLike(raw), raw), a.shape);
  }
  if (needB) {
    const raw = mul(mul(g, pow(a, b)), log(a));
    const zeroBase = eq(a, 0);
    const mask = logicalAnd(zeroBase, ge(b, 0));
    gb = sumToShape(where(mask, zerosLike(raw), raw), b.shape);
  }
  return [ga, gb];
}

/** Tangent of a ** b: `da * b a^(b-1) + db * a^b log a`, with the reverse rule's zeros at b == 0 and at a == 0, b >= 0. */
export function powForward(a: Tensor, b: Tensor, da: Tangent, db: Tangent): Tensor {
  let ta: Tensor | null = null;
  let tb: Tensor | null = null;
  if (da != null) {
    const raw = mul(mul(da, b), pow(a, sub(b, 1)));
    ta = where(eq(b, 0), zerosLike(raw), raw);
  }
  if (db != null) {
    const raw = mul(mul(db, pow(a, b)), log(a));
    tb = where(logicalAnd(eq(a, 0), ge(b, 0)), zerosLike(raw), raw);
  }
  return sumTerms(ta, tb);
}

/**
 * d(a ** exponent) for a number exponent (PyTorch's `pow_backward` with a Scalar): 0 for exponent 0,
 * else `g * exponent * a^(exponent-1)`. Testing the exponent here instead of masking a computed
 * value keeps the second derivative at a = 0 exact (0 for exponent 0 and 1, not 0 * Infinity = NaN).
 */
export function powScalarRule(g: Tensor, a: Tensor, exponent: number): Tensor {
  if (exponent === 0) return zerosLike(a);
  return mul(g, mul(pow(a, exponent - 1), exponent));
}

/**
 * The gradient of maximum/minimum: split evenly at ties, all of it to the winner, none to the loser
 * (`loses(x, y)`: x loses to y). As PyTorch's `where(a == b, g / 2, g).masked_fill_(a < b, 0)`, an
 * input compared with NaN (where neither loses) receives the whole gradient.
 */
function extremumRule(g: Tensor, a: Tensor, b: Tensor, needA: boolean, needB: boolean, loses: (x: Tensor, y: Tensor) => Tensor): Grads {
  const tie = eq(a, b);
  const half = div(g, 2);
  const zero = zerosLike(g);
  return [
    needA ? sumToShape(where(tie, half, where(loses(a, b), zero, g)), a.shape) : null,
    needB ? sumToShape(where(tie, half, where(loses(b, a), zero, g)), b.shape) : null,
  ];
}

/** d maximum(a, b): the gradient goes to the larger input; at ties it is split evenly. */
export function maximumRule(g: Tensor, a: Tensor, b: Tensor, needA: boolean, needB: boolean): Grads {
  return extremumRule(g, a, b, needA, needB, lt);
}

/** d minimum(a, b): the gradient goes to the smaller input; at ties it is split evenly. */
export function minimumRule(g: Tensor, a: Tensor, b: Tensor, needA: boolean, needB: boolean): Grads {
  return extremumRule(g, a, b, needA, needB, gt);
}

/**
 * Tangent of maximum/minimum, the transpose of {@link extremumRule}: the winner's tangent, the mean
 * of both at ties, the sum of both where neither loses (a NaN comparison).
 */
function extremumForward(a: Tensor, b: Tensor, da: Tangent, db: Tangent, loses: (x: Tensor, y: Tensor) => Tensor): Tensor {
  const tie = eq(a, b);
  const term = (d: Tangent, self: Tensor, other: Tensor): Tensor | null =>
    d == null ? null : where(tie, div(d, 2), where(loses(self, other), zerosLike(d), d));
  return sumTerms(term(da, a, b), term(db, b, a));
}

/** Tangent of maximum(a, b). */
export function maximumForward(a: Tensor, b: Tensor, da: Tangent, db: Tangent): Tensor {
  return extremumForward(a, b, da, db, lt);
}

/** Tangent of minimum(a, b). */
export function minimumForward(a: Tensor, b: Tensor, da: Tangent, db: Tangent): Tensor {
  return extremumForward(a, b, da, db, gt);
}

/** Tangent of where(cond, a, b): `where(cond, da, db)` (0 for an absent tangent). */
export function whereForward(cond: Tensor, da: Tangent, db: Tangent): Tensor {
  return where(cond, da ?? 0, db ?? 0);
}

/** d where(cond, a, b). */
export function whereRule(g: Tensor, cond: Tensor, a: Tensor, b: Tensor): Grads {
  const zero = zerosLike(g);
  return [sumToShape(where(cond, g, zero), a.shape), sumToShape(where(cond, zero, g), b.shape)];
}
