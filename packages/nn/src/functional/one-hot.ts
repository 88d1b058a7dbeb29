/**
 * One-hot encoding of class indices.
 * @module
 */
import { Tensor } from "@tapegrad/core";
import { checkInt, checkTensor, formatShape } from "../util.js";

/**
 * One-hot encode int32 class indices: the result has shape `[...indices.shape, numClasses]`, dtype
 * int32, with a 1 at each index and 0 elsewhere (PyTorch returns int64; tapegrad's integer dtype is int32).
 * @param numClasses the number of classes; -1 (default) uses `max(indices) + 1`.
 * @throws TypeError unless `indices` is int32; RangeError for negative indices or indices >= numClasses.
 * @example F.oneHot(tensor([0, 2], { dtype: "int32" }), 3).tolist() // [[1, 0, 0], [0, 0, 1]]
 */
export function oneHot(indices: Tensor, numClasses = -1): Tensor {
  const where = "oneHot";
  checkTensor(indices, where, "indices");
  if (indices.dtype !== "int32") throw new TypeError(`${where}: indices must be an int32 tensor of class indices, got dtype ${indices.dtype}`);
  checkInt(numClasses, where, "numClasses", -1);
  const values = indices.dataSync();
  let max = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < 0) throw new RangeError(`${where}: class values must be non-negative, got ${v} at flat index ${i}`);
    if (v > max) max = v;
  }
  let classes = numClasses;
  if (classes === -1) {
    if (values.length === 0) throw new RangeError(`${where}: cannot infer numClasses from an empty tensor (shape ${formatShape(indices.shape)})`);
    classes = max + 1;
  } else if (max >= classes) {
    throw new RangeError(`${where}: class value ${max} is out of range for numClasses ${classes}`);
  }
  const out = new Int32Array(values.length * classes);
  for (let i = 0; i < values.length; i++) out[i * classes + values[i]!] = 1;
  return Tensor.fromData(out, [...indices.shape, classes], "int32");
}
