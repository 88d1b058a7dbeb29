/**
 * Elementwise unary ops, clamp and dtype casts.
 * @module
 */
import { record } from "../autograd/record.js";
import { clampRule, unaryRules } from "../autograd/rules/unary-rules.js";
import { type DType, allocate, checkDtype, isFloatingDtype } from "../dtype.js";
import { describe } from "../describe.js";
import { type DenseUnaryOp, denseUnary, hasDenseUnary } from "../kernels/dense-unary.js";
import { gather, mapUnary } from "../kernels/elementwise.js";
import { Tensor } from "../tensor.js";
import { checkTensor, floatResult, strided } from "./operands.js";

/** What dtype a unary op produces. */
type ResultKind = "float" | "same" | "signed";

/**
 * A unary op computing `f` per element; ops with a dedicated loop (`dense-unary.ts`) use it on a
 * dense input (no per-element call: the generic kernel's call site sees every op's `f`).
 */
function unary(name: string, kind: ResultKind, f: (v: number) => number) {
  const opName = name;
  const backwardName = `${name[0]!.toUpperCase()}${name.slice(1)}Backward`;
  const rule = unaryRules[name];
  const dense = hasDenseUnary(name);
  return (x: Tensor): Tensor => {
    checkTensor(x, opName);
    if (kind === "signed" && x.dtype === "bool") throw new TypeError(`${opName}: not supported for bool tensors`);
    const dtype: DType = kind === "float" ? floatResult(x.dtype) : x.dtype;
    const out = allocate(dtype, x.numel());
    const src = x.storage.data;
    if (dense && x.offset === 0 && src.length === out.length && x.isContiguous()) denseUnary(name as DenseUnaryOp, src, out);
    else mapUnary(strided(x), out, f);
    const y = Tensor.fromData(out, x.shape, dtype);
    if (rule === undefined) return y;
    const saved = rule.saves === "input" ? x : rule.saves === "output" ? y : null;
    // Elementwise: the Jacobian is diagonal, so the tangent is the reverse rule applied to it.
    return record(y, backwardName, [x], (g, [s]) => [rule.backward(g, s!)], [saved], ([dx]) => rule.backward(dx!, saved));
  };
}

/** `-x`. */
export const neg = unary("neg", "signed", (v) => -v);
/** `e^x`. */
export const exp = unary("exp", "float", Math.exp);
/** Natural logarithm (`log(0) = -Infinity`, negative inputs give NaN, as in PyTorch). */
export const log = unary("log", "float", Math.log);
/** `log(1 + x)`, accurate for small x. */
export const log1p = unary("log1p", "float", Math.log1p);
/** Square root. */
export const sqrt = unary("sqrt", "float", Math.sqrt);
/** `1 / sqrt(x)`. */
export const rsqrt = unary("rsqrt", "float", (v) => 1 / Math.sqrt(v));
/** Absolute value (gradient `sign(x)`, 0 at 0). */
export const abs = unary("abs", "signed", Math.abs);
/** -1, 0 or 1 (not differentiable: zero gradient). */
export const sign = unary("sign", "signed", (v) => (v > 0 ? 1 : v < 0 ? -1 : v));
/** Hyperbolic tangent. */
export const tanh = unary("tanh", "float", Math.tanh);
/** Logistic sigmoid `1 / (1 + e^-x)`, evaluated without overflow for large |x|. */
export const sigmoid = unary("sigmoid", "float", (v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v))));
/** `max(x, 0)`; the gradient at 0 is 0, as in PyTorch. */
export const relu = unary("relu", "signed", (v) => (v > 0 ? v : v !== v ? v : 0));
/** `1 / x`. */
export const reciprocal = unary("reciprocal", "float", (v) => 1 / v);
/** Sine. */
export const sin = unary("sin", "float", Math.sin);
/** Cosine. */
export const cos = unary("cos", "float", Math.cos);
/** The error function, to double precision (series near 0, continued fraction for the tails). */
export const erf = unary("erf", "float", erfScalar);

/** erf(x) in double precision: Taylor series for |x| < 2.5, complementary continued fraction beyond. */
function erfScalar(x: number): number {
  if (x !== x) return x;
  const a = Math.abs(x);
  let r: number;
  if (a < 2.5) {
    // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
    let term = a;
    let s = a;
    const x2 = a * a;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      s += add;
      if (Math.abs(add) < 1e-17 * Math.abs(s)) break;
    }
    r = (2 / Math.sqrt(Math.PI)) * s;
  } else if (a < 6) {
    // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))) (Lentz evaluation)
    let f = a;
    let c = a;
    let d = 0;
    for (let k = 1; k < 300; k++) {
      const ak = k / 2;
      d = a + ak * d;
      d = d === 0 ? 1e-300 : 1 / d;
      c = a + ak / c;
      if (c === 0) c = 1e-300;
      const delta = c * d;
      f *= delta;
      if (Math.abs(delta - 1) < 1e-16) break;
    }
    r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  } else {
    r = 1;
  }
  return x < 0 ? -r : r;
}

/**
 * Clamp every element into `[min, max]`; either bound may be null/undefined.
 * The gradient passes where `min <= x <= max`.
 */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  checkTensor(x, "clamp");
  const lo = min ?? null;
  const hi = max ?? null;
  if (lo === null && hi === null) throw new TypeError("clamp: at least one of min and max must be given");
  if (lo !== null && typeof lo !== "number") throw new TypeError(`clamp: min must be a number, got ${describe(lo)}`);
  if (hi !== null && typeof hi !== "number") throw new TypeError(`clamp: max must be a number, got ${describe(hi)}`);
  if (x.dtype === "bool") throw new TypeError("clamp: not supported for bool tensors");
  const dtype: DType = x.dtype === "int32" && ((lo !== null && !Number.isInteger(lo)) || (hi !== null && !Number.isInteger(hi))) ? floatResult(x.dtype) : x.dtype;
  const out = allocate(dtype, x.numel());
  const l = lo ?? -Infinity;
  const h = hi ?? Infinity;
  // PyTorch: min(max(x, lo), hi), so hi wins when lo > hi; NaN stays NaN.
  mapUnary(strided(x), out, (v) => (v !== v ? v : Math.min(Math.max(v, l), h)));
  const y = Tensor.fromData(out, x.shape, dtype);
  return record(y, "ClampBackward", [x], (g, [sx]) => [clampRule(g, sx!, lo, hi)], [x], ([dx]) => clampRule(dx!, x, lo, hi));
}

/**
 * Convert to `dtype`. Returns `x` itself when the dtype already matches. Float-to-float casts are
 * differentiable (the gradient is cast back); casts to int32 truncate toward zero; to bool test != 0.
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  checkTensor(x, "to");
  const target = checkDtype(dtype, "to");
  if (target === x.dtype) return x;
  const out = allocate(target, x.numel());
  // A typed-array store converts as these casts do (rounds to float32; truncates toward zero, wrapping,
  // into int32), so a native copy does every cast but the one to bool, which tests != 0.
  if (target === "bool") mapUnary(strided(x), out, (v) => (v !== 0 ? 1 : 0));
  else gather(strided(x), out);
  const y = Tensor.fromData(out, x.shape, target);
  if (!isFloatingDtype(target) || !isFloatingDtype(x.dtype)) return y;
  const from = x.dtype;
  return record(y, "ToCopyBackward", [x], (g) => [cast(g, from)], [], ([dx]) => cast(dx!, target));
}

/** Logical not (bool result). */
export function logicalNot(x: Tensor): Tensor {
  checkTensor(x, "logicalNot");
  const out = allocate("bool", x.numel());
  mapUnary(strided(x), out, (v) => (v === 0 ? 1 : 0));
  return Tensor.fromData(out, x.shape, "bool");
}
