/**
 * Broadcasting binary ops: arithmetic, pow, maximum/minimum, comparisons, logical ops and `where`.
 * Either operand may be a JS number or boolean (treated as a 0-dim tensor, PyTorch's promotion rules).
 * @module
 */
import { record, saveFor } from "../autograd/record.js";
import { addRule, divRule, maximumRule, minimumRule, mulRule, powRule, subRule, whereRule } from "../autograd/rules/binary-rules.js";
import { type DType, allocate } from "../dtype.js";
import { describe } from "../describe.js";
import { mapBinary, mapTernary } from "../kernels/elementwise.js";
import { broadcastShapes, numelOf } from "../shape.js";
import { Tensor, type TensorOrScalar } from "../tensor.js";
import { asTensor, checkTensor, floatResult, resultDtype, strided } from "./operands.js";

/** Compute `f` elementwise over broadcast operands into a new tensor of `outDtype`. */
function compute(op: string, a: Tensor, b: Tensor, outDtype: DType, f: (x: number, y: number) => number): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, op);
  const out = allocate(outDtype, numelOf(shape));
  const fn = outDtype === "bool" ? (x: number, y: number) => (f(x, y) !== 0 ? 1 : 0) : f;
  mapBinary(strided(a), strided(b), shape, out, fn);
  return Tensor.fromData(out, shape, outDtype);
}

function operands(op: string, a: TensorOrScalar, b: TensorOrScalar, dtype?: DType): [Tensor, Tensor, DType] {
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) {
    throw new TypeError(`${op}: at least one operand must be a Tensor, got ${describe(a)} and ${describe(b)}`);
  }
  const outDtype = dtype ?? resultDtype(a, b);
  return [asTensor(a, outDtype, op, "input"), asTensor(b, outDtype, op, "other"), outDtype];
}

function alphaOf(options: { alpha?: number } | undefined, op: string, dtype: DType): number {
  const alpha = options?.alpha ?? 1;
  if (typeof alpha !== "number") throw new TypeError(`${op}: alpha must be a number, got ${describe(alpha)}`);
  // The scalar is converted to the op's compute type first, as PyTorch does.
  return dtype === "float32" ? Math.fround(alpha) : alpha;
}

/**
 * `a + alpha * b` with broadcasting.
 * @example add(x, 1); add(x, y, { alpha: -0.5 })
 */
export function add(a: TensorOrScalar, b: TensorOrScalar, options?: { alpha?: number }): Tensor {
  const [x, y, dtype] = operands("add", a, b);
  const alpha = alphaOf(options, "add", dtype);
  const out = compute("add", x, y, dtype, alpha === 1 ? (p, q) => p + q : (p, q) => p + alpha * q);
  return record(out, "AddBackward", [x, y], (g) => addRule(g, x, y, alpha));
}

/** `a - alpha * b` with broadcasting. */
export function sub(a: TensorOrScalar, b: TensorOrScalar, options?: { alpha?: number }): Tensor {
  const [x, y, dtype] = operands("sub", a, b);
  if (dtype === "bool") throw new TypeError("sub: subtraction of bool tensors is not supported; use logicalXor instead");
  const alpha = alphaOf(options, "sub", dtype);
  const out = compute("sub", x, y, dtype, alpha === 1 ? (p, q) => p - q : (p, q) => p - alpha * q);
  return record(out, "SubBackward", [x, y], (g) => subRule(g, x, y, alpha));
}

/** `a * b` with broadcasting. */
export function mul(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const [x, y, dtype] = operands("mul", a, b);
  // int32 products wrap modulo 2^32 as in PyTorch; a double product loses the low bits past 2^53.
  const out = compute("mul", x, y, dtype, dtype === "int32" ? Math.imul : (p, q) => p * q);
  // An unsaved operand is only consulted for its (immutable) shape.
  return record(out, "MulBackward", [x, y], (g, [sx, sy]) => mulRule(g, sx ?? x, sy ?? y, x.requiresGrad, y.requiresGrad), saveFor(x, y));
}

/** True division `a / b` with broadcasting (integer inputs give floats). */
export function div(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const [x, y, dtype] = operands("div", a, b);
  const outDtype = floatResult(dtype);
  const out = compute("div", x, y, outDtype, (p, q) => p / q);
  return record(out, "DivBackward", [x, y], (g, [sx, sy]) => divRule(g, sx!, sy!, x.requiresGrad, y.requiresGrad), [x, y]);
}

/** `a ** b` for tensor or scalar base and exponent, with broadcasting. */
export function pow(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const [x, y, dtype] = operands("pow", a, b);
  if (dtype === "int32" && y.dtype !== "bool") {
    const negative = y.values().some((v) => v < 0);
    if (negative) throw new RangeError("pow: integers to negative integer powers are not allowed");
  }
  const out = compute("pow", x, y, dtype, Math.pow);
  return record(out, "PowBackward", [x, y], (g, [sx, sy]) => powRule(g, sx!, sy!, x.requiresGrad, y.requiresGrad), [x, y]);
}

/** Elementwise maximum (NaN propagates). At ties the gradient is split evenly. */
export function maximum(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const [x, y, dtype] = operands("maximum", a, b);
  const out = compute("maximum", x, y, dtype, (p, q) => (p !== p || q !== q ? NaN : p > q ? p : q));
  return record(out, "MaximumBackward", [x, y], (g, [sx, sy]) => maximumRule(g, sx!, sy!, x.requiresGrad, y.requiresGrad), [x, y]);
}

/** Elementwise minimum (NaN propagates). At ties the gradient is split evenly. */
export function minimum(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const [x, y, dtype] = operands("minimum", a, b);
  const out = compute("minimum", x, y, dtype, (p, q) => (p !== p || q !== q ? NaN : p < q ? p : q));
  return record(out, "MinimumBackward", [x, y], (g, [sx, sy]) => minimumRule(g, sx!, sy!, x.requiresGrad, y.requiresGrad), [x, y]);
}

function comparison(op: string, f: (p: number, q: number) => boolean) {
  return (a: TensorOrScalar, b: TensorOrScalar): Tensor => {
    const [x, y] = operands(op, a, b);
    return compute(op, x, y, "bool", (p, q) => (f(p, q) ? 1 : 0));
  };
}

/** `a == b` elementwise (bool result, not differentiable). */
export const eq = comparison("eq", (p, q) => p === q);
/** `a != b` elementwise. */
export const ne = comparison("ne", (p, q) => p !== q);
/** `a < b` elementwise. */
export const lt = comparison("lt", (p, q) => p < q);
/** `a <= b` elementwise. */
export const le = comparison("le", (p, q) => p <= q);
/** `a > b` elementwise. */
export const gt = comparison("gt", (p, q) => p > q);
/** `a >= b` elementwise. */
export const ge = comparison("ge", (p, q) => p >= q);
/** Logical and of the truth values (non-zero is true). */
export const logicalAnd = comparison("logicalAnd", (p, q) => p !== 0 && q !== 0);
/** Logical or of the truth values. */
export const logicalOr = comparison("logicalOr", (p, q) => p !== 0 || q !== 0);
/** Logical exclusive or of the truth values. */
export const logicalXor = comparison("logicalXor", (p, q) => (p !== 0) !== (q !== 0));

/**
 * Elementwise choice: `a` where `condition` is true, else `b` (all three broadcast).
 * @example where(x.gt(0), x, 0)
 */
export function where(condition: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  checkTensor(condition, "where", "condition");
  if (condition.dtype !== "bool") throw new TypeError(`where: condition must be a bool tensor, got ${condition.dtype}`);
  const [x, y, dtype] = operands("where", a, b);
  const shape = broadcastShapes(broadcastShapes(condition.shape, x.shape, "where"), y.shape, "where");
  const out = allocate(dtype, numelOf(shape));
  mapTernary(strided(condition), strided(x), strided(y), shape, out, (c, p, q) => (c !== 0 ? p : q));
  const result = Tensor.fromData(out, shape, dtype);
  return record(result, "WhereBackward", [x, y], (g) => whereRule(g, condition, x, y));
}
