/**
 * Broadcasting binary ops: arithmetic, pow, maximum/minimum, comparisons, logical ops and `where`.
 * Either operand may be a JS number or boolean (treated as a 0-dim tensor, PyTorch's promotion rules).
 * @module
 */
import { record, saveFor } from "../autograd/record.js";
import {
  addForward, addRule, divForward, divRule, maximumForward, maximumRule, minimumForward, minimumRule, mulForward, mulRule, powForward, powRule, powScalarRule,
  subForward, subRule, whereForward, whereRule,
} from "../autograd/rules/binary-rules.js";
import { type DType, type TypedArray, allocate } from "../dtype.js";
import { describe } from "../describe.js";
import { type DenseOp, denseBinary, denseBinaryRows } from "../kernels/dense-binary.js";
import { mapBinary, mapTernary } from "../kernels/elementwise.js";
import { broadcastPattern } from "../kernels/strided.js";
import { broadcastShapes, numelOf, sameShape } from "../shape.js";
import { Tensor, type TensorOrScalar } from "../tensor.js";
import { asTensor, checkTensor, floatResult, resultDtype, strided } from "./operands.js";

/**
 * `f` over `a` and `b` broadcast, into a new tensor. Float results of an op with a dedicated dense
 * loop (`dense`, with `alpha` for add/sub) skip the per-element call when the operands allow it.
 */
export function compute(
  op: string, a: Tensor, b: Tensor, outDtype: DType, f: (x: number, y: number) => number, dense?: DenseOp, alpha = 1,
): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, op);
  const n = numelOf(shape);
  const out = allocate(outDtype, n);
  const fast = dense !== undefined && (outDtype === "float32" || outDtype === "float64");
  const da = fast ? denseOperand(a, n) : null;
  const db = fast && da !== null ? denseOperand(b, n) : null;
  if (da !== null && db !== null) denseBinary(dense!, da, db, out, alpha);
  else if (!(fast && rowBroadcast(dense!, a, b, da, shape, out, alpha))) {
    mapBinary(strided(a), strided(b), shape, out, outDtype === "bool" ? (x: number, y: number) => (f(x, y) !== 0 ? 1 : 0) : f);
  }
  return Tensor.fromData(out, shape, outDtype);
}

/**
 * The dense kernels on one whole operand and one row repeated over the result (a bias `[N]` or
 * `[1, N]` against `[B, N]`, either side); false when the operands are not so or the kernels
 * cannot take them.
 */
function rowBroadcast(op: DenseOp, a: Tensor, b: Tensor, da: TypedArray | number | null, shape: readonly number[], out: TypedArray, alpha: number): boolean {
  const n = out.length;
  if (da !== null) {
    const row = typeof da === "number" ? null : rowOperand(b, shape);
    return row !== null && denseBinaryRows(op, da as TypedArray, row, out, alpha, row.length);
  }
  const db = denseOperand(b, n);
  const row = db === null || typeof db === "number" ? null : rowOperand(a, shape);
  return row !== null && denseBinaryRows(op, row, db as TypedArray, out, alpha, row.length);
}

/** The values of `t` when it is a contiguous row repeated over a result of `shape` (its values the result's last dims), else null. */
function rowOperand(t: Tensor, shape: readonly number[]): TypedArray | null {
  const p = broadcastPattern(strided(t), shape);
  if (p === null || p.repeat !== 1 || p.period !== t.numel() || p.period === numelOf(shape)) return null;
  const data = t.storage.data;
  return p.offset === 0 && data.length === p.period ? data : data.subarray(p.offset, p.offset + p.period);
}

/**
 * @internal `self = op(self, other)` (with `options.alpha` for add and sub) written straight into
 * `self`'s storage, the same bits as `op` computes out of place: for a dense float `self` and an
 * `other` that is a number or a dense tensor of `self`'s shape (or a 0-dim one) whose result dtype
 * is `self`'s. Returns false, having written nothing, for anything else (the caller then computes
 * out of place). Neither records nor bumps the version: the in-place ops do that.
 */
export function computeInto(op: "add" | "sub" | "mul" | "div", self: Tensor, other: TensorOrScalar, options?: { alpha?: number }): boolean {
  const dtype = self.dtype;
  if (dtype !== "float32" && dtype !== "float64") return false;
  const n = self.numel();
  const out = self.storage.data;
  if (self.offset !== 0 || out.length !== n || !self.isContiguous()) return false;
  let b: TypedArray | number;
  if (typeof other === "number") {
    b = dtype === "float32" ? Math.fround(other) : other;
  } else if (other instanceof Tensor && (other.ndim === 0 || sameShape(other.shape, self.shape)) && resultDtype(self, other) === dtype) {
    const operand = denseOperand(other, n);
    if (operand === null) return false;
    b = operand;
  } else {
    return false;
  }
  const alpha = op === "add" || op === "sub" ? alphaOf(options, op, dtype) : 1;
  denseBinary(op, out, b, out, alpha);
  return true;
}

/** `t` as the dense loops read it: its one value, its whole buffer (dense, `n` elements), or null. */
function denseOperand(t: Tensor, n: number): TypedArray | number | null {
  const data = t.storage.data;
  if (t.numel() === 1) return data[t.offset]!;
  return t.offset === 0 && data.length === n && t.numel() === n && t.isContiguous() ? data : null;
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
  const out = compute("add", x, y, dtype, alpha === 1 ? (p, q) => p + q : (p, q) => p + alpha * q, "add", alpha);
  return record(out, "AddBackward", [x, y], (g) => addRule(g, x, y, alpha), [], ([dx, dy]) => addForward(dx, dy, alpha));
}

/** `a - alpha * b` with broadcasting. */
export function sub(a: TensorOrScalar, b: TensorOrScalar, options?: { alpha?: number }): Tensor {
  const [x, y, dtype] = operands("sub", a, b);
  if (dtype === "bool") throw new TypeError("sub: subtraction of bool tensors is not supported; use logicalXor instead");
  const alpha = alphaOf(options, "sub", dtype);
  const out = compute("sub", x, y, dtype, alpha === 1 ? (p, q) => p - q : (p, q) => p - alpha * q, "sub", alpha);
  return record(out, "SubBackward", [x, y], (g) => subRule(g, x, y, alpha), [], ([dx, dy]) => subForward(dx, dy, alpha));
}

/** `a * b` with broadcasting. */
export function mul(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const [x, y, dtype] = operands("mul", a, b);
  // int32 products wrap modulo 2^32 as in PyTorch; a double product loses the low bits past 2^53.
  const out = compute("mul", x, y, dtype, dtype === "int32" ? Math.imul : (p, q) => p * q, "mul");
  // An unsaved operand is only consulted for its (immutable) shape.
  return record(out, "MulBackward", [x, y], (g, [sx, sy]) => mulRule(g, sx ?? x, sy ?? y, x.requiresGrad, y.requiresGrad), saveFor(x, y), ([dx, dy]) =>
    mulForward(x, y, dx, dy),
  );
}

/** True division `a / b` with broadcasting (integer inputs give floats). */
export function div(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const [x, y, dtype] = operands("div", a, b);
  const outDtype = floatResult(dtype);
  const out = compute("div", x, y, outDtype, (p, q) => p / q, "div");
  return record(out, "DivBackward", [x, y], (g, [sx, sy]) => divRule(g, sx!, sy!, x.requiresGrad, y.requiresGrad), [x, y], ([dx, dy]) =>
    divForward(x, y, dx, dy),
  );
}

/** `a ** b` for tensor or scalar base and exponent, with broadcasting. */
export function pow(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const [x, y, dtype] = operands("pow", a, b);
  if (dtype === "int32" && y.dtype !== "bool") {
    const negative = y.values().some((v) => v < 0);
    if (negative) throw new RangeError("pow: integers to negative integer powers are not allowed");
  }
  const out = compute("pow", x, y, dtype, Math.pow);
  if (typeof b === "number") {
    // A number exponent is a constant, as PyTorch's pow(Tensor, Scalar): its own rule, exact to any order at 0.
    // Elementwise, so the tangent is that rule applied to the input's tangent.
    return record(out, "PowBackward", [x], (g, [sx]) => [powScalarRule(g, sx!, b)], [x], ([dx]) => powScalarRule(dx!, x, b));
  }
  return record(out, "PowBackward", [x, y], (g, [sx, sy]) => powRule(g, sx!, sy!, x.requiresGrad, y.requiresGrad), [x, y], ([dx, dy]) =>
    powForward(x, y, dx, dy),
  );
}

/** Elementwise maximum (NaN propagates). At ties the gradient is split evenly. */
export function maximum(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const [x, y, dtype] = operands("maximum", a, b);
  const out = compute("maximum", x, y, dtype, (p, q) => (p !== p || q !== q ? NaN : p > q ? p : q));
  return record(out, "MaximumBackward", [x, y], (g, [sx, sy]) => maximumRule(g, sx!, sy!, x.requiresGrad, y.requiresGrad), [x, y], ([dx, dy]) =>
    maximumForward(x, y, dx, dy),
  );
}

/** Elementwise minimum (NaN propagates). At ties the gradient is split evenly. */
export function minimum(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const [x, y, dtype] = operands("minimum", a, b);
  const out = compute("minimum", x, y, dtype, (p, q) => (p !== p || q !== q ? NaN : p < q ? p : q));
  return record(out, "MinimumBackward", [x, y], (g, [sx, sy]) => minimumRule(g, sx!, sy!, x.requiresGrad, y.requiresGrad), [x, y], ([dx, dy]) =>
    minimumForward(x, y, dx, dy),
  );
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
  return record(result, "WhereBackward", [x, y], (g) => whereRule(g, condition, x, y), [], ([dx, dy]) => whereForward(condition, dx, dy));
}
