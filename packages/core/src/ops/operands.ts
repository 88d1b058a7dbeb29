/**
 * Shared helpers of the op layer: argument checks, scalar operands, result dtypes.
 * @module
 */
import { type DType, getDefaultDtype, isFloatingDtype, promoteTypes, promoteWithScalar } from "../dtype.js";
import { describe } from "../describe.js";
import type { Strided } from "../kernels/strided.js";
import { Tensor, type TensorOrScalar } from "../tensor.js";
import { scalar } from "./creation.js";

/** Throw unless `x` is a Tensor. */
export function checkTensor(x: unknown, op: string, name = "input"): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${name} must be a Tensor, got ${describe(x)}`);
  return x;
}

/** Throw unless `x` is a finite or infinite number (NaN allowed only when `allowNaN`). */
export function checkNumber(x: unknown, op: string, name: string): number {
  if (typeof x !== "number") throw new TypeError(`${op}: ${name} must be a number, got ${describe(x)}`);
  return x;
}

const category = (d: DType): number => (d === "bool" ? 0 : d === "int32" ? 1 : 2);

/**
 * Result dtype of a binary op, following PyTorch: dimensioned tensors decide the width; 0-dim tensors
 * and JS scalars only raise the category (bool → integer → floating); a 0-dim tensor that does keeps
 * its dtype, a JS number gives the default float dtype.
 */
export function resultDtype(a: TensorOrScalar, b: TensorOrScalar): DType {
  if (a instanceof Tensor && b instanceof Tensor) {
    const aDim = a.ndim > 0;
    const bDim = b.ndim > 0;
    if (aDim === bDim) return promoteTypes(a.dtype, b.dtype);
    const [dim, zero] = aDim ? [a, b] : [b, a];
    if (category(zero.dtype) <= category(dim.dtype)) return dim.dtype;
    // PyTorch's combine_categories: a 0-dim tensor of a higher category brings its own dtype
    // (int32 + 0-dim float64 is float64), unlike a JS number, which brings the default dtype.
    return promoteTypes(dim.dtype, zero.dtype);
  }
  if (a instanceof Tensor) return promoteWithScalar(a.dtype, b as number | boolean);
  if (b instanceof Tensor) return promoteWithScalar(b.dtype, a as number | boolean);
  throw new TypeError("binary op: at least one operand must be a Tensor");
}

/** Turn a tensor-or-scalar operand into a tensor; scalars become 0-dim tensors of `dtype`. */
export function asTensor(x: TensorOrScalar, dtype: DType, op: string, name: string): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === "number" || typeof x === "boolean") return scalar(x, dtype);
  throw new TypeError(`${op}: ${name} must be a Tensor, a number or a boolean, got ${describe(x)}`);
}

/** Result dtype of an op that always produces floats (exp, log, division, ...). */
export function floatResult(dtype: DType): DType {
  return isFloatingDtype(dtype) ? dtype : getDefaultDtype();
}

/** The strided view a kernel sees of a tensor. */
export function strided(t: Tensor): Strided {
  return { data: t.storage.data, shape: t.shape, strides: t.strides, offset: t.offset };
}
