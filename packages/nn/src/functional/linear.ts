/**
 * The affine map of `Linear` as a function.
 * @module
 */
import { type Tensor, linear as fusedLinear } from "@tapegrad/core";
import { checkFloatTensor, formatShape } from "../util.js";

/**
 * `y = x @ weight^T + bias`, over the last dim of `x` (any number of leading dims, or none):
 * core's fused `linear` (one kernel call, the weight read transposed in place, the bias added
 * in the kernel) after checking that every operand is a float tensor.
 * @param x input of shape `[..., inFeatures]`.
 * @param weight `[outFeatures, inFeatures]`.
 * @param bias optional `[outFeatures]`.
 * @returns `[..., outFeatures]`.
 * @throws TypeError for non-float or mixed dtypes; RangeError naming the shapes when they do not fit.
 * @example F.linear(x, w, b)
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const where = "linear";
  checkFloatTensor(x, where, "input");
  checkFloatTensor(weight, where, "weight");
  if (weight.ndim !== 2) throw new RangeError(`${where}: weight must be 2-D [outFeatures, inFeatures], got shape ${formatShape(weight.shape)}`);
  if (x.ndim === 0) throw new RangeError(`${where}: input must have at least 1 dim, got a 0-dim tensor`);
  const inFeatures = weight.shape[1]!;
  if (x.shape[x.ndim - 1] !== inFeatures) {
    throw new RangeError(
      `${where}: input shape ${formatShape(x.shape)} and weight shape ${formatShape(weight.shape)} are incompatible (last dim of input ${x.shape[x.ndim - 1]} != inFeatures ${inFeatures})`,
    );
  }
  if (x.dtype !== weight.dtype) throw new TypeError(`${where}: input dtype ${x.dtype} and weight dtype ${weight.dtype} differ`);
  if (bias !== undefined && bias !== null) {
    checkFloatTensor(bias, where, "bias");
    if (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0]) {
      throw new RangeError(`${where}: bias must have shape [${weight.shape[0]}] (outFeatures), got ${formatShape(bias.shape)}`);
    }
    if (bias.dtype !== weight.dtype) throw new TypeError(`${where}: bias dtype ${bias.dtype} and weight dtype ${weight.dtype} differ`);
  }
  return fusedLinear(x, weight, bias ?? null);
}
