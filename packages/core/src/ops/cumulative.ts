/**
 * Running sums along a dim (`cumsum`).
 * @module
 */
import { record } from "../autograd/record.js";
import { cumulativeRules } from "../autograd/rules/cumulative-rules.js";
import { type DType, allocate } from "../dtype.js";
import { cumsumKernel } from "../kernels/cumulative.js";
import { normalizeDim, numelOf } from "../shape.js";
import { Tensor } from "../tensor.js";
import { gatherValues } from "./movement.js";
import { checkTensor } from "./operands.js";

/**
 * @internal the running sum along `dim`, from the front (`reverse` false) or from the back; the
 * primitive behind {@link cumsum}, whose gradient is the same op in the other direction.
 */
export function cumulativeSum(x: Tensor, dim: number, reverse: boolean): Tensor {
  const d = normalizeDim(dim, x.ndim, "cumsum");
  // Integers and bools sum into int32 (PyTorch: int64, which tapegrad does not have).
  const dtype: DType = x.dtype === "bool" ? "int32" : x.dtype;
  const shape = x.shape;
  const size = x.ndim === 0 ? 1 : shape[d]!;
  const outer = numelOf(shape.slice(0, d));
  const inner = x.ndim === 0 ? 1 : numelOf(shape.slice(d + 1));
  const out = allocate(dtype, x.numel());
  cumsumKernel(gatherValues(x), outer, size, inner, reverse, out);
  const y = Tensor.fromData(out, shape, dtype);
  // Linear in x: the tangent is the same running sum of the input's tangent.
  return record(y, "CumsumBackward", [x], (g) => [cumulativeRules.cumsum(g, d, reverse)], [], ([dx]) => cumulativeSum(dx!, d, reverse));
}

/**
 * The running sum along `dim`: `y_i = x_0 + x_1 + ... + x_i` (negative dims count from the end; a
 * 0-dim tensor is returned as a copy). Floats keep their dtype; int32 and bool give int32 (PyTorch:
 * int64). The gradient is the running sum of the output gradient taken from the back.
 * @throws TypeError when `dim` is not an integer; RangeError when it is out of range.
 * @example cumsum(tensor([1, 2, 3]), 0).tolist() // [1, 3, 6]
 */
export function cumsum(x: Tensor, dim: number): Tensor {
  checkTensor(x, "cumsum");
  return cumulativeSum(x, dim, false);
}
