/**
 * Sum and mean over dims, and `sumToShape`, the reduction that undoes broadcasting in gradients.
 * @module
 */
import { gradSumRule } from "../autograd/rules/reduce-rules.js";
import { record } from "../autograd/record.js";
import { allocate, isFloatingDtype } from "../dtype.js";
import { sumLastAxis, sumMiddleAxis } from "../kernels/reduce.js";
import { formatShape, normalizeDims, numelOf, sameShape, type Shape } from "../shape.js";
import { Tensor } from "../tensor.js";
import { checkTensor } from "./operands.js";
import { div } from "./binary.js";
import { permute, reshape } from "./movement.js";

/** Options of the reductions. */
export interface ReduceOptions {
  /**
   * Dims to reduce: a number, a list, or undefined for all; an empty list also means all (as in
   * PyTorch). Negative dims count from the end.
   */
  dim?: number | readonly number[];
  /** Keep reduced dims as size 1. */
  keepdim?: boolean;
}

/** @internal the output shape of a reduction and the permutation putting reduced dims last. */
export function reductionPlan(shape: Shape, dims: number[], keepdim: boolean): { outShape: number[]; perm: number[]; kept: number[] } {
  const kept = shape.map((_, i) => i).filter((i) => !dims.includes(i));
  const outShape = keepdim ? shape.map((d, i) => (dims.includes(i) ? 1 : d)) : kept.map((i) => shape[i]!);
  return { outShape, perm: [...kept, ...dims], kept };
}

/** @internal the values of `x` with the reduced dims last and contiguous, as [outer, inner]. */
export function reducedLayout(x: Tensor, dims: number[]): { values: Tensor; outer: number; inner: number } {
  const { perm } = reductionPlan(x.shape, dims, false);
  const inner = numelOf(dims.map((d) => x.shape[d]!));
  const outer = inner === 0 ? numelOf(x.shape.filter((_, i) => !dims.includes(i))) : x.numel() / inner;
  const moved = perm.every((p, i) => p === i) ? x : permute(x, perm);
  return { values: moved, outer, inner };
}

/**
 * For sorted `dims` that are consecutive (e.g. the leading batch dims), the shape seen as
 * [outer, size, inner] with the reduced dims in the middle; null for gaps between the dims.
 */
function consecutiveRun(shape: Shape, dims: number[]): { outer: number; size: number; inner: number } | null {
  if (dims.length === 0 || dims[dims.length - 1]! - dims[0]! !== dims.length - 1) return null;
  return {
    outer: numelOf(shape.slice(0, dims[0]!)),
    size: numelOf(shape.slice(dims[0]!, dims[dims.length - 1]! + 1)),
    inner: numelOf(shape.slice(dims[dims.length - 1]! + 1)),
  };
}

/** A `dim` argument with PyTorch's reading of an empty list: every dim. */
function allIfEmpty(dim: number | readonly number[] | undefined): number | readonly number[] | undefined {
  return Array.isArray(dim) && dim.length === 0 ? undefined : dim;
}

/**
 * Sum of elements over `dim` (all by default, or for an empty list), with pairwise summation for accuracy.
 * Integer and bool inputs sum to int32.
 * @example sum(x, { dim: 1, keepdim: true })
 */
export function sum(x: Tensor, options: ReduceOptions = {}): Tensor {
  checkTensor(x, "sum");
  const dims = normalizeDims(allIfEmpty(options.dim), x.ndim, "sum");
  const keepdim = options.keepdim ?? false;
  const { outShape } = reductionPlan(x.shape, dims, keepdim);
  const outDtype = isFloatingDtype(x.dtype) ? x.dtype : "int32";
  const run = x.isContiguous() ? consecutiveRun(x.shape, dims) : null;
  let out;
  if (run !== null) {
    out = allocate(outDtype, run.outer * run.inner);
    sumMiddleAxis(x.storage.data, x.offset, run.outer, run.size, run.inner, out);
  } else {
    const { values, outer, inner } = reducedLayout(x, dims);
    out = allocate(outDtype, outer);
    sumLastAxis(values.values(), outer, inner, out);
  }
  const result = Tensor.fromData(out, outShape, outDtype);
  const inputShape = x.shape;
  return record(result, "SumBackward", [x], (g) => [gradSumRule(g, inputShape, dims, keepdim)], [], ([dx]) => sum(dx!, { dim: options.dim, keepdim }));
}

/** Mean over `dim` (all by default, or for an empty list). Integer inputs are not accepted, as in PyTorch. */
export function mean(x: Tensor, options: ReduceOptions = {}): Tensor {
  checkTensor(x, "mean");
  if (!isFloatingDtype(x.dtype)) {
    throw new TypeError(`mean: could not infer output dtype; input dtype must be float32 or float64, got ${x.dtype} (convert with .float())`);
  }
  const dims = normalizeDims(allIfEmpty(options.dim), x.ndim, "mean");
  const count = numelOf(dims.map((d) => x.shape[d]!));
  return div(sum(x, options), count);
}

/**
 * Sum `g` down to `shape` (the inverse of broadcasting `shape` up to `g.shape`).
 * @throws RangeError if `shape` does not broadcast to `g.shape`.
 */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  if (lead < 0) throw new RangeError(`sumToShape: cannot reduce shape ${formatShape(g.shape)} to ${formatShape(shape)}`);
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead) dims.push(i);
    else if (shape[i - lead] === 1 && g.shape[i] !== 1) dims.push(i);
    else if (shape[i - lead] !== g.shape[i]) throw new RangeError(`sumToShape: cannot reduce shape ${formatShape(g.shape)} to ${formatShape(shape)}`);
  }
  const reduced = sum(g, { dim: dims, keepdim: true });
  return reshape(reduced, shape);
}
