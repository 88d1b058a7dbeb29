/**
 * Matrix products: `matmul` (with PyTorch's 1-D and batch-broadcasting rules), `dot` and `outer`.
 * @module
 */
import { record, saveFor } from "../autograd/record.js";
import { batchedMatmulForward, batchedMatmulRule, dotForward, dotRule } from "../autograd/rules/linalg-rules.js";
import { type DType, type TypedArray, allocate } from "../dtype.js";
import { batchedMatmulKernel, jsMatmulKernel, matmulKernel } from "../kernels/matmul.js";
import { broadcastPositions } from "../kernels/strided.js";
import { broadcastShapes, contiguousStrides, formatShape, numelOf } from "../shape.js";
import { Tensor } from "../tensor.js";
import { mul } from "./binary.js";
import { reshape, squeeze, unsqueeze } from "./movement.js";
import { checkTensor } from "./operands.js";

/** The common dtype of a product's operands; bool is rejected and mixed dtypes are an error, as in PyTorch. */
function productDtype(op: string, a: Tensor, b: Tensor): DType {
  if (a.dtype !== b.dtype) {
    throw new TypeError(`${op}: expected both operands to have the same dtype, but got ${a.dtype} and ${b.dtype} (convert one with .to())`);
  }
  if (a.dtype === "bool") throw new TypeError(`${op}: not supported for bool tensors`);
  return a.dtype;
}

function mismatch(op: string, a: Tensor, b: Tensor, k1: number, k2: number): RangeError {
  return new RangeError(`${op}: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} cannot be multiplied (${k1} != ${k2})`);
}

/** @internal where a kernel reads the matrices (last two dims) of a tensor from. */
export interface MatrixOperand {
  /** The values, row-major from `offset` (each matrix transposed when `trans`). */
  data: TypedArray;
  offset: number;
  /** Whether each matrix is stored transposed (the tensor is a transpose of a contiguous one). */
  trans: boolean;
}

/** Whether `x` (at least 2 dims) is the transpose over its last two dims of a contiguous tensor. */
function isTransposedLayout(x: Tensor): boolean {
  const n = x.ndim;
  const swapped = x.shape.slice();
  [swapped[n - 2], swapped[n - 1]] = [swapped[n - 1]!, swapped[n - 2]!];
  const expected = contiguousStrides(swapped);
  [expected[n - 2], expected[n - 1]] = [expected[n - 1]!, expected[n - 2]!];
  for (let i = 0; i < n; i++) if (x.shape[i]! > 1 && x.strides[i] !== expected[i]) return false;
  return true;
}

/**
 * @internal how a kernel reads the matrices of `x`: its storage in place when it is contiguous or
 * a transposed contiguous layout (such as `w.t()` or `transpose(g, -2, -1)`, so the gradients of
 * a product never copy a transpose), else a contiguous copy.
 */
export function matrixOperand(x: Tensor): MatrixOperand {
  if (x.isContiguous()) return { data: x.storage.data, offset: x.offset, trans: false };
  if (x.ndim >= 2 && isTransposedLayout(x)) return { data: x.storage.data, offset: x.offset, trans: true };
  return { data: x.values(), offset: 0, trans: false };
}

/** The operand's values as an array of exactly `x.numel()` elements starting at 0 (a subarray, not a copy). */
function wholeData(op: MatrixOperand, x: Tensor): TypedArray {
  const n = x.numel();
  return op.offset === 0 && op.data.length === n ? op.data : op.data.subarray(op.offset, op.offset + n);
}

/**
 * The product of two tensors with at least 2 dims: matrix products over the last two dims,
 * batch dims broadcast. The differentiable primitive behind {@link matmul}.
 */
function batchedMatmul(a: Tensor, b: Tensor, op: string): Tensor {
  const dtype = productDtype(op, a, b);
  const M = a.shape[a.ndim - 2]!;
  const K = a.shape[a.ndim - 1]!;
  const K2 = b.shape[b.ndim - 2]!;
  const N = b.shape[b.ndim - 1]!;
  if (K !== K2) throw mismatch(op, a, b, K, K2);
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  let batch: readonly number[];
  try {
    batch = broadcastShapes(aBatch, bBatch, op);
  } catch {
    throw new RangeError(
      `${op}: batch dims of shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} cannot be broadcast (${formatShape(aBatch)} vs ${formatShape(bBatch)})`,
    );
  }
  const outShape = [...batch, M, N];
  const out = allocate(dtype, numelOf(outShape));
  const A = matrixOperand(a);
  const B = matrixOperand(b);
  if (bBatch.every((d) => d === 1) && aBatch.length >= bBatch.length && (!A.trans || numelOf(aBatch) === 1)) {
    // A single right matrix: fold all of a's batch dims into its rows (one large product).
    matmulKernel(A.data, A.offset, A.trans, B.data, B.offset, B.trans, out, 0, numelOf(aBatch) * M, K, N);
  } else {
    const batchIndex = (own: readonly number[]): Int32Array =>
      broadcastPositions({ data: out, shape: own, strides: contiguousStrides(own), offset: 0 }, batch);
    batchedMatmulKernel(wholeData(A, a), batchIndex(aBatch), A.trans, wholeData(B, b), batchIndex(bBatch), B.trans, out, numelOf(batch), M, K, N);
  }
  const result = Tensor.fromData(out, outShape, dtype);
  const name = a.ndim === 2 && b.ndim === 2 ? "MmBackward" : "BmmBackward";
  // An unsaved operand is only consulted for its (immutable) shape.
  return record(result, name, [a, b], (g, [sa, sb]) => batchedMatmulRule(g, sa ?? a, sb ?? b, a.requiresGrad, b.requiresGrad), saveFor(a, b), ([da, db]) =>
    batchedMatmulForward(a, b, da, db),
  );
}

/**
 * Matrix product with PyTorch's rules:
 * - 1-D @ 1-D: dot product, a 0-dim result;
 * - 2-D @ 2-D: the matrix product;
 * - 1-D @ N-D: a 1 is prepended to the vector's shape and removed from the result;
 * - N-D @ 1-D: a 1 is appended to the vector's shape and removed from the result;
 * - otherwise batched over all but the last two dims, which broadcast (`[2,1,3,4] @ [3,4,2]` -> `[2,3,3,2]`).
 *
 * Both operands must have the same dtype (float32, float64 or int32). Gradients flow to both
 * operands in every case, summed over broadcast batch dims.
 * @throws RangeError naming both shapes when the inner sizes differ or the batch dims don't broadcast.
 * @throws TypeError for 0-dim operands, bool tensors or mixed dtypes.
 * @example matmul(tensor([[1, 2], [3, 4]]), tensor([1, 1])).tolist() // [3, 7]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, "matmul", "input");
  checkTensor(b, "matmul", "other");
  if (a.ndim === 0 || b.ndim === 0) {
    throw new TypeError(`matmul: both arguments need to be at least 1D, but they are ${a.ndim}D and ${b.ndim}D (shapes ${formatShape(a.shape)} and ${formatShape(b.shape)})`);
  }
  if (a.ndim === 1 && b.ndim === 1) {
    productDtype("matmul", a, b);
    if (a.shape[0] !== b.shape[0]) throw mismatch("matmul", a, b, a.shape[0]!, b.shape[0]!);
    return dot(a, b);
  }
  if (a.ndim === 1) {
    productDtype("matmul", a, b);
    const k = b.shape[b.ndim - 2]!;
    if (a.shape[0] !== k) throw mismatch("matmul", a, b, a.shape[0]!, k);
    return squeeze(batchedMatmul(unsqueeze(a, 0), b, "matmul"), -2);
  }
  if (b.ndim === 1) {
    productDtype("matmul", a, b);
    const k = a.shape[a.ndim - 1]!;
    if (b.shape[0] !== k) throw mismatch("matmul", a, b, k, b.shape[0]!);
    return squeeze(batchedMatmul(a, unsqueeze(b, 1), "matmul"), -1);
  }
  return batchedMatmul(a, b, "matmul");
}

/**
 * Dot product of two 1-D tensors of the same length and dtype: a 0-dim tensor, `sum_i a[i] * b[i]`
 * (accumulated in double precision).
 * @throws TypeError unless both are 1-D; RangeError when the lengths differ.
 * @example dot(tensor([1, 2, 3]), tensor([4, 5, 6])).item() // 32
 */
export function dot(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, "dot", "input");
  checkTensor(b, "dot", "other");
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new TypeError(`dot: 1D tensors expected, but got ${a.ndim}D and ${b.ndim}D tensors (shapes ${formatShape(a.shape)} and ${formatShape(b.shape)})`);
  }
  const dtype = productDtype("dot", a, b);
  if (a.shape[0] !== b.shape[0]) {
    throw new RangeError(`dot: inconsistent tensor size, expected tensors ${formatShape(a.shape)} and ${formatShape(b.shape)} to have the same number of elements (${a.shape[0]} != ${b.shape[0]})`);
  }
  const out = allocate(dtype, 1);
  jsMatmulKernel(a.values(), 0, false, b.values(), 0, false, out, 0, 1, a.shape[0]!, 1);
  const result = Tensor.fromData(out, [], dtype);
  return record(result, "DotBackward", [a, b], (g, [sa, sb]) => dotRule(g, sa!, sb!, a.requiresGrad, b.requiresGrad), saveFor(a, b), ([da, db]) =>
    dotForward(a, b, da, db),
  );
}

/**
 * Outer product of two 1-D tensors: `out[i][j] = a[i] * b[j]`, shape `[a.length, b.length]`.
 * Usual type promotion applies (it is a broadcast multiply).
 * @throws TypeError unless both are 1-D.
 * @example outer(tensor([1, 2]), tensor([3, 4, 5])).tolist() // [[3, 4, 5], [6, 8, 10]]
 */
export function outer(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, "outer", "input");
  checkTensor(b, "outer", "vec2");
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new TypeError(`outer: 1D tensors expected, but got ${a.ndim}D and ${b.ndim}D tensors (shapes ${formatShape(a.shape)} and ${formatShape(b.shape)})`);
  }
  return mul(reshape(a, [a.shape[0]!, 1]), b);
}
