/**
 * Max/min reductions: `max`/`min` (all elements, or along a dim with indices), `argmax`/`argmin`
 * and `amax`/`amin` (over one or several dims).
 * @module
 */
import { record } from "../autograd/record.js";
import { evenlyDistributedRule, valueSelectingForward, valueSelectingRule } from "../autograd/rules/extrema-rules.js";
import { groupedReductionForward } from "../autograd/rules/reduce-rules.js";
import { onesLike } from "./creation.js";
import { allocate } from "../dtype.js";
import { describe } from "../describe.js";
import { extremumLastAxis } from "../kernels/extrema.js";
import { formatShape, normalizeDim, normalizeDims } from "../shape.js";
import { Tensor } from "../tensor.js";
import { checkTensor } from "./operands.js";
import { reducedLayout, reductionPlan } from "./reduce.js";

/** The result of a max/min along a dim: the values and (int32) the position of each along that dim. */
export interface ValuesIndices {
  /** The extreme values. */
  values: Tensor;
  /** Where they are along the reduced dim (first occurrence on ties), int32. */
  indices: Tensor;
}

/** Throw unless every reduced dim is non-empty (max/min have no identity element). */
function checkNonEmpty(x: Tensor, dims: number[], op: string): void {
  if (x.ndim === 0) return;
  if (dims.length === x.ndim && x.numel() === 0) {
    throw new RangeError(`${op}: cannot reduce a tensor with no elements (shape ${formatShape(x.shape)}); the operation has no identity`);
  }
  for (const d of dims) {
    if (x.shape[d] === 0) {
      throw new RangeError(`${op}: cannot reduce over dimension ${d} of size 0 (shape ${formatShape(x.shape)}); the operation has no identity`);
    }
  }
}

function checkKeepdim(keepdim: unknown, op: string): boolean {
  if (typeof keepdim !== "boolean") throw new TypeError(`${op}: keepdim must be a boolean, got ${describe(keepdim)}`);
  return keepdim;
}

/** Values (and optionally positions within each reduced row) of the extremum over `dims`. */
function reduceExtremum(x: Tensor, dims: number[], keepdim: boolean, greater: boolean, withIndices: boolean, op: string): { values: Tensor; indices: Tensor | null } {
  checkNonEmpty(x, dims, op);
  const { outShape } = reductionPlan(x.shape, dims, keepdim);
  const { values, outer, inner } = reducedLayout(x, dims);
  const out = allocate(x.dtype, outer);
  const idx = withIndices ? new Int32Array(outer) : null;
  extremumLastAxis(values.values(), outer, inner, greater, out, idx);
  return {
    values: Tensor.fromData(out, outShape, x.dtype),
    indices: idx === null ? null : Tensor.fromData(idx, outShape, "int32"),
  };
}

/** amax/amin and the no-dim max/min: gradient evenly distributed among tied extremes. */
function extremumOverDims(x: Tensor, dim: number | readonly number[] | undefined, keepdim: boolean, greater: boolean, op: string, name: string): Tensor {
  const all = dim === undefined || (Array.isArray(dim) && dim.length === 0);
  const dims = normalizeDims(all ? undefined : dim, x.ndim, op);
  const { values } = reduceExtremum(x, dims, keepdim, greater, false, op);
  const inputShape = x.shape;
  return record(values, name, [x], (g, [sx, sy]) => [evenlyDistributedRule(g, sx!, sy!, inputShape, dims, keepdim)], [x, values], ([dx]) =>
    groupedReductionForward(dx!, evenlyDistributedRule(onesLike(values), x, values, inputShape, dims, keepdim), dims, keepdim),
  );
}

/** max/min along one dim: values and indices; the gradient goes to the index position. */
function extremumAlongDim(x: Tensor, dim: number, keepdim: boolean, greater: boolean, op: string, name: string): ValuesIndices {
  const d = normalizeDim(dim, x.ndim, op);
  const dims = x.ndim === 0 ? [] : [d];
  const { values, indices } = reduceExtremum(x, dims, keepdim, greater, true, op);
  const inputShape = x.shape;
  const result = record(values, name, [x], (g, [si]) => [valueSelectingRule(g, inputShape, d, si!, keepdim)], [indices!], ([dx]) =>
    valueSelectingForward(dx!, d, indices!, keepdim),
  );
  return { values: result, indices: indices! };
}

/**
 * Largest element. Without `dim`: a 0-dim tensor (the gradient is split evenly among tied maxima).
 * With `dim`: `{ values, indices }` along that dim (indices int32, first occurrence on ties; the
 * gradient flows to the index position). NaN counts as the largest value.
 * @throws RangeError when reducing over an empty dim (max has no identity) or for a dim out of range.
 * @example max(tensor([[1, 5], [7, 2]]), 1) // { values: [5, 7], indices: [1, 0] }
 */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  checkTensor(x, "max");
  if (dim === undefined) return extremumOverDims(x, undefined, false, true, "max", "MaxBackward");
  return extremumAlongDim(x, dim, checkKeepdim(keepdim, "max"), true, "max", "MaxBackward");
}

/**
 * Smallest element; the mirror image of {@link max} (NaN also propagates).
 * @throws RangeError when reducing over an empty dim or for a dim out of range.
 */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  checkTensor(x, "min");
  if (dim === undefined) return extremumOverDims(x, undefined, false, false, "min", "MinBackward");
  return extremumAlongDim(x, dim, checkKeepdim(keepdim, "min"), false, "min", "MinBackward");
}

function argExtremum(x: Tensor, dim: number | undefined, keepdim: boolean, greater: boolean, op: string): Tensor {
  checkTensor(x, op);
  checkKeepdim(keepdim, op);
  if (dim === undefined) {
    // Index into the flattened tensor; keepdim keeps every dim as size 1.
    const dims = normalizeDims(undefined, x.ndim, op);
    return reduceExtremum(x, dims, keepdim, greater, true, op).indices!;
  }
  const d = normalizeDim(dim, x.ndim, op);
  return reduceExtremum(x, x.ndim === 0 ? [] : [d], keepdim, greater, true, op).indices!;
}

/**
 * Position (int32) of the largest element along `dim`, or in the flattened tensor when `dim` is
 * omitted. First occurrence on ties; a NaN counts as the largest. Not differentiable.
 * @throws RangeError when reducing over an empty dim.
 * @example argmax(tensor([[1, 5], [7, 2]])).item() // 2
 */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argExtremum(x, dim, keepdim, true, "argmax");
}

/** Position (int32) of the smallest element along `dim` (or of the flattened tensor); see {@link argmax}. */
export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argExtremum(x, dim, keepdim, false, "argmin");
}

/**
 * Largest value over one or several dims (all of them when `dim` is omitted or `[]`). Unlike
 * `max(x, dim)`, returns only the values, and the gradient is split evenly among tied maxima.
 * @throws RangeError when a reduced dim is empty, a dim is out of range or repeated.
 * @example amax(x, [0, 2], true)
 */
export function amax(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  checkTensor(x, "amax");
  return extremumOverDims(x, dim, checkKeepdim(keepdim, "amax"), true, "amax", "AmaxBackward");
}

/** Smallest value over one or several dims; the mirror image of {@link amax}. */
export function amin(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  checkTensor(x, "amin");
  return extremumOverDims(x, dim, checkKeepdim(keepdim, "amin"), false, "amin", "AminBackward");
}
