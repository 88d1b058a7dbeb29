/**
 * Joining and indexing: `cat`, `stack`, `gather`, `indexSelect`, and their out-of-place
 * accumulating counterparts `scatterAdd` and `indexAdd` (each the other's gradient).
 * Index tensors must be int32; negative or out-of-range values are rejected.
 * @module
 */
import { record } from "../autograd/record.js";
import { catForward, catRule, gatherRule, indexAddForward, indexAddRule, indexSelectRule, scatterAddForward, scatterAddRule } from "../autograd/rules/indexing-rules.js";
import { type DType, type TypedArray, allocate, promoteTypes } from "../dtype.js";
import { describe } from "../describe.js";
import { catKernel, gatherKernel, indexAddKernel, indexSelectKernel, scatterAddKernel } from "../kernels/indexing.js";
import { broadcastPositions } from "../kernels/strided.js";
import { type Shape, contiguousStrides, formatShape, normalizeDim, numelOf, sameShape } from "../shape.js";
import { Tensor } from "../tensor.js";
import { unsqueeze } from "./movement.js";
import { checkNumber, checkTensor } from "./operands.js";

function checkTensorList(tensors: unknown, op: string): Tensor[] {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new TypeError(`${op}: tensors must be a non-empty array of tensors, got ${describe(tensors)}`);
  }
  tensors.forEach((t, i) => checkTensor(t, op, `tensors[${i}]`));
  return tensors as Tensor[];
}

/** Throw unless `index` is an int32 tensor. */
function checkIndexTensor(index: unknown, op: string): Tensor {
  checkTensor(index, op, "index");
  const t = index as Tensor;
  if (t.dtype !== "int32") throw new TypeError(`${op}: index must be an int32 tensor, got ${t.dtype} (convert with .int())`);
  return t;
}

/** The index values, after checking each lies in `[0, size)`. */
function checkIndexValues(index: Tensor, size: number, dim: number, op: string): TypedArray {
  const values = index.values();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < 0 || v >= size) {
      const hint = v < 0 ? " (negative indices are not supported)" : "";
      throw new RangeError(`${op}: index ${v} is out of bounds for dimension ${dim} with size ${size}${hint}`);
    }
  }
  return values;
}

/** Size of `dim` (1 for a 0-dim tensor, which is indexed like a one-element vector). */
function dimSize(x: Tensor, dim: number): number {
  return x.ndim === 0 ? 1 : x.shape[dim]!;
}

/** [outer, size, inner] view of a shape around `dim`. */
function around(shape: Shape, dim: number): [number, number, number] {
  if (shape.length === 0) return [1, 1, 1];
  return [numelOf(shape.slice(0, dim)), shape[dim]!, numelOf(shape.slice(dim + 1))];
}

/**
 * Concatenate tensors along an existing dim. All must have the same number of dims and the same
 * sizes except along `dim`; the result has the promoted dtype of all inputs. Each input's
 * gradient is its slice of the output gradient.
 * @throws TypeError for an empty list or non-tensors; RangeError for 0-dim inputs or mismatched shapes (naming the entry).
 * @example cat([zeros([2, 3]), ones([1, 3])]).shape // [3, 3]
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  const list = checkTensorList(tensors, "cat");
  const first = list[0]!;
  list.forEach((t, i) => {
    if (t.ndim === 0) throw new RangeError(`cat: zero-dimensional tensor (at position ${i}) cannot be concatenated`);
  });
  const d = normalizeDim(dim, first.ndim, "cat");
  let dtype: DType = first.dtype;
  let total = 0;
  list.forEach((t, i) => {
    if (t.ndim !== first.ndim) {
      throw new RangeError(`cat: tensors must have the same number of dimensions; tensors[0] has shape ${formatShape(first.shape)} but tensors[${i}] has shape ${formatShape(t.shape)}`);
    }
    for (let k = 0; k < t.ndim; k++) {
      if (k !== d && t.shape[k] !== first.shape[k]) {
        throw new RangeError(
          `cat: sizes of tensors must match except in dimension ${d}; tensors[0] has shape ${formatShape(first.shape)} but tensors[${i}] has shape ${formatShape(t.shape)} (dimension ${k}: ${first.shape[k]} vs ${t.shape[k]})`,
        );
      }
    }
    dtype = promoteTypes(dtype, t.dtype);
    total += t.shape[d]!;
  });
  const outShape = first.shape.slice();
  outShape[d] = total;
  const [outer, , inner] = around(outShape, d);
  const out = allocate(dtype, numelOf(outShape));
  catKernel(list.map((t) => ({ data: t.values(), size: t.shape[d]! })), outer, inner, out);
  const result = Tensor.fromData(out, outShape, dtype);
  const metas = list.map((t) => ({ size: t.shape[d]!, dtype: t.dtype, floating: t.requiresGrad }));
  return record(result, "CatBackward", list, (g) => catRule(g, d, metas), [], (tangents) => catForward(tangents, list, d, dtype));
}

/**
 * Stack tensors of equal shape along a new dim (`dim` may be `-1` .. `ndim`). Equivalent to
 * concatenating the tensors unsqueezed at `dim`.
 * @throws RangeError when shapes differ, naming the first mismatching entry and both shapes.
 * @example stack([tensor([1, 2]), tensor([3, 4])], 1).tolist() // [[1, 3], [2, 4]]
 */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  const list = checkTensorList(tensors, "stack");
  const first = list[0]!;
  list.forEach((t, i) => {
    if (!sameShape(t.shape, first.shape)) {
      throw new RangeError(`stack: expects each tensor to be equal size, but got ${formatShape(first.shape)} at entry 0 and ${formatShape(t.shape)} at entry ${i}`);
    }
  });
  const d = normalizeDim(dim, first.ndim + 1, "stack");
  return cat(list.map((t) => unsqueeze(t, d)), d);
}

/** Common checks of gather and scatterAdd: returns the normalised dim. */
function checkGatherShapes(op: string, x: Tensor, dim: number, index: Tensor): number {
  const d = normalizeDim(dim, x.ndim, op);
  if (index.ndim !== x.ndim) {
    throw new RangeError(`${op}: index ${formatShape(index.shape)} must have the same number of dimensions as input ${formatShape(x.shape)}`);
  }
  for (let k = 0; k < x.ndim; k++) {
    if (k !== d && index.shape[k]! > x.shape[k]!) {
      throw new RangeError(
        `${op}: size of index ${formatShape(index.shape)} exceeds the input ${formatShape(x.shape)} at dimension ${k} (${index.shape[k]} > ${x.shape[k]}); only dimension ${d} may be larger`,
      );
    }
  }
  return d;
}

/** Storage positions of `t`'s elements over `shape` (a prefix box of t), with dim `zeroDim` pinned at 0. */
function positions(data: TypedArray, shape: Shape, strides: readonly number[], offset: number, zeroDim: number): Int32Array {
  const s = strides.map((v, k) => (k === zeroDim ? 0 : v));
  return broadcastPositions({ data, shape, strides: s, offset }, shape);
}

/**
 * Gather values along `dim`: `out[i][j][k] = x[index[i][j][k]][j][k]` for dim 0 (and likewise for
 * other dims). The result has the shape of `index`, which must have as many dims as `x` and no
 * larger size than `x` outside `dim`. Backward scatters the gradient with {@link scatterAdd}.
 * @throws TypeError when index is not int32; RangeError for index values outside `[0, x.size(dim))` or bad shapes.
 * @example gather(tensor([[1, 2], [3, 4]]), 1, tensor([[0, 0], [1, 0]], { dtype: "int32" })).tolist() // [[1, 1], [4, 3]]
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  checkTensor(x, "gather");
  const idx = checkIndexTensor(index, "gather");
  const d = checkGatherShapes("gather", x, dim, idx);
  const values = checkIndexValues(idx, dimSize(x, d), d, "gather");
  const out = allocate(x.dtype, idx.numel());
  const base = positions(x.storage.data, idx.shape, x.strides, x.offset, d);
  gatherKernel(x.storage.data, base, values, x.ndim === 0 ? 0 : x.strides[d]!, out);
  const result = Tensor.fromData(out, idx.shape, x.dtype);
  const inputShape = x.shape;
  return record(result, "GatherBackward", [x], (g, [si]) => [gatherRule(g, inputShape, d, si!)], [idx], ([dx]) => gather(dx!, d, idx));
}

/**
 * Out-of-place scatter-add: a copy of `x` with `src` values added at the positions `index` names
 * along `dim` (`out[index[i][j]][j] += src[i][j]` for dim 0). Repeated indices accumulate.
 * `index` must have as many dims as `x`, be no larger than `src` anywhere and no larger than `x`
 * outside `dim`; `src` must have the dtype of `x`. Differentiable in `x` (identity) and `src`
 * (a gather of the gradient).
 * @throws TypeError for a non-int32 index or dtype mismatch; RangeError for out-of-range values or bad shapes.
 */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  checkTensor(x, "scatterAdd");
  const idx = checkIndexTensor(index, "scatterAdd");
  checkTensor(src, "scatterAdd", "src");
  if (src.dtype !== x.dtype) throw new TypeError(`scatterAdd: expected src and input to have the same dtype, but got ${src.dtype} and ${x.dtype}`);
  if (x.dtype === "bool") throw new TypeError("scatterAdd: not supported for bool tensors");
  const d = checkGatherShapes("scatterAdd", x, dim, idx);
  if (src.ndim !== x.ndim) {
    throw new RangeError(`scatterAdd: src ${formatShape(src.shape)} must have the same number of dimensions as input ${formatShape(x.shape)}`);
  }
  for (let k = 0; k < x.ndim; k++) {
    if (idx.shape[k]! > src.shape[k]!) {
      throw new RangeError(`scatterAdd: size of index ${formatShape(idx.shape)} exceeds src ${formatShape(src.shape)} at dimension ${k} (${idx.shape[k]} > ${src.shape[k]})`);
    }
  }
  const values = checkIndexValues(idx, dimSize(x, d), d, "scatterAdd");
  const out = allocate(x.dtype, x.numel());
  out.set(x.values());
  const base = positions(out, idx.shape, contiguousStrides(x.shape), 0, d);
  const srcPos = positions(src.storage.data, idx.shape, src.strides, src.offset, -1);
  scatterAddKernel(out, base, values, x.ndim === 0 ? 0 : contiguousStrides(x.shape)[d]!, src.storage.data, srcPos);
  const result = Tensor.fromData(out, x.shape, x.dtype);
  const srcShape = src.shape;
  return record(result, "ScatterAddBackward", [x, src], (g, [si]) => scatterAddRule(g, d, si!, srcShape), [idx], ([dx, ds]) =>
    scatterAddForward(x, src, d, idx, dx, ds),
  );
}

/** Checks shared by indexSelect and indexAdd: returns the normalised dim and the index values. */
function checkSelectIndex(op: string, x: Tensor, dim: number, index: Tensor): [number, TypedArray] {
  const d = normalizeDim(dim, x.ndim, op);
  if (index.ndim > 1) throw new RangeError(`${op}: index must be a vector (0-D or 1-D), got shape ${formatShape(index.shape)}`);
  if (x.ndim === 0 && index.numel() !== 1) {
    throw new RangeError(`${op}: index into a 0-dim tensor must have exactly 1 value, got ${index.numel()}`);
  }
  return [d, checkIndexValues(index, dimSize(x, d), d, op)];
}

/** Shape of `x` with `dim` resized to `length` (a 0-dim tensor stays 0-dim). */
function selectedShape(shape: Shape, dim: number, length: number): number[] {
  if (shape.length === 0) return [];
  const out = shape.slice();
  out[dim] = length;
  return out;
}

/**
 * Select entries along `dim` by a 1-D (or 0-D) int32 index: `out[..., i, ...] = x[..., index[i], ...]`.
 * Repeated indices are allowed; their gradients accumulate (backward is {@link indexAdd}).
 * @throws TypeError for a non-int32 index; RangeError for out-of-range values or an index with more than 1 dim.
 * @example indexSelect(embeddings, 0, tensor([3, 1, 3], { dtype: "int32" }))
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  checkTensor(x, "indexSelect");
  const idx = checkIndexTensor(index, "indexSelect");
  const [d, values] = checkSelectIndex("indexSelect", x, dim, idx);
  const outShape = selectedShape(x.shape, d, values.length);
  const [outer, size, inner] = around(x.shape, d);
  const out = allocate(x.dtype, numelOf(outShape));
  indexSelectKernel(x.values(), outer, size, inner, values, out);
  const result = Tensor.fromData(out, outShape, x.dtype);
  const inputShape = x.shape;
  return record(result, "IndexSelectBackward", [x], (g, [si]) => [indexSelectRule(g, inputShape, d, si!)], [idx], ([dx]) => indexSelect(dx!, d, idx));
}

/** Options of {@link indexAdd}. */
export interface IndexAddOptions {
  /** Multiplier of `source` (default 1). */
  alpha?: number;
}

/**
 * Out-of-place index-add: a copy of `x` with `alpha * source[..., i, ...]` added to
 * `x[..., index[i], ...]` along `dim`; repeated indices accumulate. `source` must have the dtype of
 * `x` and its shape with `dim` resized to `index.numel()`. Differentiable in `x` (identity) and
 * `source` (`alpha * indexSelect(g, dim, index)`).
 * @throws TypeError for a non-int32 index or dtype mismatch; RangeError for out-of-range values or a wrong source shape.
 */
export function indexAdd(x: Tensor, dim: number, index: Tensor, source: Tensor, options: IndexAddOptions = {}): Tensor {
  checkTensor(x, "indexAdd");
  const idx = checkIndexTensor(index, "indexAdd");
  checkTensor(source, "indexAdd", "source");
  const alpha = checkNumber(options?.alpha ?? 1, "indexAdd", "alpha");
  if (source.dtype !== x.dtype) throw new TypeError(`indexAdd: expected source and input to have the same dtype, but got ${source.dtype} and ${x.dtype}`);
  if (x.dtype === "bool") throw new TypeError("indexAdd: not supported for bool tensors");
  const [d, values] = checkSelectIndex("indexAdd", x, dim, idx);
  const expected = selectedShape(x.shape, d, values.length);
  if (!sameShape(source.shape, expected)) {
    throw new RangeError(`indexAdd: source has shape ${formatShape(source.shape)} but expected ${formatShape(expected)} (input ${formatShape(x.shape)} with dimension ${d} of size ${values.length})`);
  }
  const [outer, size, inner] = around(x.shape, d);
  const out = allocate(x.dtype, x.numel());
  out.set(x.values());
  indexAddKernel(out, outer, size, inner, values, source.values(), x.dtype === "float32" ? Math.fround(alpha) : alpha);
  const result = Tensor.fromData(out, x.shape, x.dtype);
  return record(result, "IndexAddBackward", [x, source], (g, [si]) => indexAddRule(g, d, si!, alpha), [idx], ([dx, ds]) =>
    indexAddForward(x, source, d, idx, alpha, dx, ds),
  );
}
