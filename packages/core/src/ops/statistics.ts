/**
 * Statistical reductions: variance, standard deviation, log-sum-exp and vector norms. Each is
 * computed by a kernel in double precision (rounded once) and has its own gradient rule.
 * @module
 */
import { record } from "../autograd/record.js";
import { logsumexpRule, normRule, stdRule, varRule } from "../autograd/rules/statistics-rules.js";
import { groupedReductionForward } from "../autograd/rules/reduce-rules.js";
import { onesLike } from "./creation.js";
import { allocate, isFloatingDtype } from "../dtype.js";
import { describe } from "../describe.js";
import { logsumexpLastAxis, normLastAxis, varianceLastAxis } from "../kernels/statistics.js";
import { formatShape, normalizeDims, numelOf } from "../shape.js";
import { Tensor } from "../tensor.js";
import { checkTensor, floatResult } from "./operands.js";
import { reducedLayout, reductionPlan } from "./reduce.js";
import { cast } from "./unary.js";

/** Options of {@link variance} and {@link std}. */
export interface VarOptions {
  /** Dims to reduce: a number, a list, or undefined for all. Negative dims count from the end. */
  dim?: number | readonly number[];
  /** Keep reduced dims as size 1. Default false. */
  keepdim?: boolean;
  /** Subtracted from the element count in the divisor: 1 (default) = unbiased, 0 = biased. */
  correction?: number;
  /** PyTorch's older form of `correction`: true = correction 1, false = correction 0 (not both). */
  unbiased?: boolean;
}

const VAR_KEYS: readonly string[] = ["dim", "keepdim", "correction", "unbiased"];

/** The divisor correction of `options`: `correction`, or 1/0 from `unbiased`, default 1. */
function correctionOf(options: VarOptions, op: string): number {
  for (const key of Object.keys(options)) {
    if (!VAR_KEYS.includes(key)) throw new TypeError(`${op}: unknown option ${JSON.stringify(key)} (expected ${VAR_KEYS.join(", ")})`);
  }
  const { correction, unbiased } = options;
  if (unbiased !== undefined) {
    if (typeof unbiased !== "boolean") throw new TypeError(`${op}: unbiased must be a boolean, got ${describe(unbiased)}`);
    if (correction !== undefined) throw new TypeError(`${op}: pass either correction or unbiased, not both`);
    return unbiased ? 1 : 0;
  }
  if (correction === undefined) return 1;
  if (typeof correction !== "number" || !Number.isFinite(correction)) {
    throw new TypeError(`${op}: correction must be a finite number, got ${describe(correction)}`);
  }
  return correction;
}

function checkKeepdim(keepdim: unknown, op: string): boolean {
  if (typeof keepdim !== "boolean") throw new TypeError(`${op}: keepdim must be a boolean, got ${describe(keepdim)}`);
  return keepdim;
}

function checkFloat(x: Tensor, op: string): void {
  if (!isFloatingDtype(x.dtype)) {
    throw new TypeError(`${op}: input dtype must be float32 or float64, got ${x.dtype} (convert with .float())`);
  }
}

/** A dim argument where `[]` means every dim (as for PyTorch's reductions with `dim=()`). */
function reducedDims(dim: number | readonly number[] | undefined, ndim: number, op: string): number[] {
  return normalizeDims(Array.isArray(dim) && dim.length === 0 ? undefined : dim, ndim, op);
}

function varianceOp(x: Tensor, options: VarOptions, op: "var" | "std"): Tensor {
  checkTensor(x, op);
  if (options === null || typeof options !== "object") throw new TypeError(`${op}: options must be an object, got ${describe(options)}`);
  checkFloat(x, op);
  const dims = reducedDims(options.dim, x.ndim, op);
  const keepdim = checkKeepdim(options.keepdim ?? false, op);
  const correction = correctionOf(options, op);
  const { outShape } = reductionPlan(x.shape, dims, keepdim);
  const { values, outer, inner } = reducedLayout(x, dims);
  // As PyTorch: a non-positive divisor gives inf (or NaN for 0/0) rather than an error.
  const divisor = Math.max(0, inner - correction);
  const v = new Float64Array(outer);
  varianceLastAxis(values.values(), outer, inner, divisor, v);
  const out = allocate(x.dtype, outer);
  for (let i = 0; i < outer; i++) out[i] = op === "std" ? Math.sqrt(v[i]!) : v[i]!;
  const y = Tensor.fromData(out, outShape, x.dtype);
  const inputShape = x.shape;
  if (op === "var") {
    return record(y, "VarBackward", [x], (g, [sx]) => [varRule(g, sx!, inputShape, dims, keepdim, divisor)], [x], ([dx]) =>
      groupedReductionForward(dx!, varRule(onesLike(y), x, inputShape, dims, keepdim, divisor), dims, keepdim),
    );
  }
  return record(y, "StdBackward", [x], (g, [sx, sy]) => [stdRule(g, sx!, sy!, inputShape, dims, keepdim, divisor)], [x, y], ([dx]) =>
    groupedReductionForward(dx!, stdRule(onesLike(y), x, y, inputShape, dims, keepdim, divisor), dims, keepdim),
  );
}

/**
 * Variance over `dim` (all dims by default): `sum((x - mean)^2) / max(0, N - correction)` with N
 * the number of reduced elements; `correction` 1 (default) is the unbiased estimator, 0 the biased
 * one. Gradient: `2 (x - mean) / (N - correction) * g`.
 * @throws TypeError for integer or bool tensors or a bad correction; RangeError for dims out of range.
 * @example variance(x, { dim: 1, keepdim: true, correction: 0 })
 */
export function variance(x: Tensor, options: VarOptions = {}): Tensor {
  return varianceOp(x, options, "var");
}

/**
 * Standard deviation `sqrt(var(x))` with the options of {@link variance}. Where the result is 0
 * the gradient is 0 (as in PyTorch), not NaN.
 * @example std(x, { dim: 0 })
 */
export function std(x: Tensor, options: VarOptions = {}): Tensor {
  return varianceOp(x, options, "std");
}

/**
 * `log(sum(exp(x), dim))`, computed stably as `m + log(sum(exp(x - m)))` with m the maximum
 * (rows of -inf give -inf, rows holding +inf give +inf). Integer inputs give the default float
 * dtype. Gradient: `g * exp(x - result)`.
 * @param dim the dim or dims to reduce (`[]` = all).
 * @throws RangeError for dims out of range; TypeError for bool tensors.
 * @example logsumexp(logits, 1)
 */
export function logsumexp(x: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  checkTensor(x, "logsumexp");
  if (x.dtype === "bool") throw new TypeError("logsumexp: not supported for bool tensors");
  if (dim === undefined) throw new TypeError("logsumexp: dim is required (a number or a list of dims; [] for all)");
  const dims = reducedDims(dim, x.ndim, "logsumexp");
  checkKeepdim(keepdim, "logsumexp");
  const input = cast(x, floatResult(x.dtype));
  const { outShape } = reductionPlan(x.shape, dims, keepdim);
  const { values, outer, inner } = reducedLayout(input, dims);
  const out = allocate(input.dtype, outer);
  logsumexpLastAxis(values.values(), outer, inner, out);
  const y = Tensor.fromData(out, outShape, input.dtype);
  const inputShape = x.shape;
  return record(y, "LogsumexpBackward", [input], (g, [sx, sy]) => [logsumexpRule(g, sx!, sy!, inputShape, dims, keepdim)], [input, y], ([dx]) =>
    groupedReductionForward(dx!, logsumexpRule(onesLike(y), input, y, inputShape, dims, keepdim), dims, keepdim),
  );
}

/**
 * Vector p-norm over `dim` (all elements by default): `(sum |x|^p)^(1/p)` for p > 0,
 * `max |x|` for p = Infinity, the number of non-zeros for p = 0. The gradient of the 2-norm (and
 * of every p > 1) at a zero result is 0, as in PyTorch; p = Infinity splits it among tied maxima.
 * @param p the order (default 2): 0, any positive number, or Infinity.
 * @throws RangeError for a negative or NaN p, dims out of range, or p = Infinity over an empty dim;
 *   TypeError for integer or bool tensors.
 * @example norm(x, 2, 1, true)
 */
export function norm(x: Tensor, p = 2, dim?: number | readonly number[], keepdim = false): Tensor {
  checkTensor(x, "norm");
  checkFloat(x, "norm");
  if (typeof p !== "number" || !(p >= 0)) throw new RangeError(`norm: p must be 0, a positive number or Infinity, got ${describe(p)}`);
  const dims = reducedDims(dim, x.ndim, "norm");
  checkKeepdim(keepdim, "norm");
  if (p === Infinity && numelOf(dims.map((d) => x.shape[d]!)) === 0 && x.ndim > 0) {
    throw new RangeError(`norm: cannot compute the infinity norm over an empty dimension (shape ${formatShape(x.shape)}); the operation has no identity`);
  }
  const { outShape } = reductionPlan(x.shape, dims, keepdim);
  const { values, outer, inner } = reducedLayout(x, dims);
  const out = allocate(x.dtype, outer);
  normLastAxis(values.values(), outer, inner, p, out);
  const y = Tensor.fromData(out, outShape, x.dtype);
  const inputShape = x.shape;
  return record(y, "NormBackward", [x], (g, [sx, sy]) => [normRule(g, sx!, sy!, inputShape, dims, keepdim, p)], [x, y], ([dx]) =>
    groupedReductionForward(dx!, normRule(onesLike(y), x, y, inputShape, dims, keepdim, p), dims, keepdim),
  );
}

/**
 * @internal the arguments of the `var`/`std` methods, read as PyTorch reads them: an options
 * object `{ dim, keepdim, correction, unbiased }`; positional `(dim, unbiased, keepdim)`; or a
 * single boolean `unbiased` (every dim). A second positional argument that is not a boolean is
 * refused, so `x.var(0, 0)` cannot be misread.
 */
export function varArguments(dim: number | readonly number[] | VarOptions | boolean | undefined, unbiased: boolean | undefined, keepdim: boolean | undefined, op: string): VarOptions {
  if (dim !== null && typeof dim === "object" && !Array.isArray(dim)) {
    if (unbiased !== undefined || keepdim !== undefined) {
      throw new TypeError(`${op}: pass either an options object or positional (dim, unbiased, keepdim), not both`);
    }
    return dim as VarOptions;
  }
  if (typeof dim === "boolean") {
    if (unbiased !== undefined || keepdim !== undefined) throw new TypeError(`${op}: after a boolean unbiased, no other positional argument is accepted`);
    return { unbiased: dim };
  }
  if (unbiased !== undefined && typeof unbiased !== "boolean") {
    throw new TypeError(`${op}: the second positional argument is unbiased (a boolean, as in PyTorch), got ${describe(unbiased)}; pass { correction } for a number`);
  }
  if (keepdim !== undefined && typeof keepdim !== "boolean") throw new TypeError(`${op}: keepdim must be a boolean, got ${describe(keepdim)}`);
  return { dim: dim as number | readonly number[] | undefined, keepdim: keepdim ?? false, unbiased: unbiased ?? true };
}
