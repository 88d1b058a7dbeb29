/**
 * Masking ops built from `where`: `tril`, `triu` and `maskedFill`. They are composites, so their
 * gradients (and higher derivatives) come from `where`'s rule: the gradient passes where the input
 * was kept and is 0 where it was replaced.
 * @module
 */
import { allocate } from "../dtype.js";
import { describe } from "../describe.js";
import { broadcastShapes, formatShape, sameShape } from "../shape.js";
import { Tensor } from "../tensor.js";
import { where } from "./binary.js";
import { scalar } from "./creation.js";
import { cast } from "./unary.js";
import { checkTensor } from "./operands.js";

/** A bool `[rows, cols]` mask that is true where `keep(col - row)`. */
function bandMask(rows: number, cols: number, keep: (offset: number) => boolean): Tensor {
  const data = allocate("bool", rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = keep(j - i) ? 1 : 0;
  return Tensor.fromData(data, [rows, cols], "bool");
}

function triangle(x: Tensor, diagonal: number, op: string, keep: (offset: number, diagonal: number) => boolean): Tensor {
  checkTensor(x, op);
  if (typeof diagonal !== "number" || !Number.isInteger(diagonal)) throw new TypeError(`${op}: diagonal must be an integer, got ${describe(diagonal)}`);
  if (x.ndim < 2) throw new RangeError(`${op}: input tensor must have at least 2 dimensions, got shape ${formatShape(x.shape)}`);
  const mask = bandMask(x.shape[x.ndim - 2]!, x.shape[x.ndim - 1]!, (offset) => keep(offset, diagonal));
  return where(mask, x, scalar(x.dtype === "bool" ? false : 0, x.dtype));
}

/**
 * The lower triangle of the last two dims: `x[..., i, j]` where `j - i <= diagonal`, 0 elsewhere
 * (`diagonal` 0 keeps the main diagonal, positive values keep more, negative fewer).
 * @throws RangeError for a tensor with fewer than 2 dims; TypeError for a non-integer diagonal.
 * @example tril(ones([3, 3])).tolist() // [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
 */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return triangle(x, diagonal, "tril", (offset, d) => offset <= d);
}

/**
 * The upper triangle of the last two dims: `x[..., i, j]` where `j - i >= diagonal`, 0 elsewhere.
 * @throws RangeError for a tensor with fewer than 2 dims; TypeError for a non-integer diagonal.
 * @example triu(ones([3, 3]), 1).tolist() // [[0, 1, 1], [0, 0, 1], [0, 0, 0]]
 */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return triangle(x, diagonal, "triu", (offset, d) => offset >= d);
}

/**
 * @internal check maskedFill's operands; returns `value` as a 0-dim tensor of `x`'s dtype (a tensor
 * value stays differentiable).
 */
export function maskedFillOperands(x: Tensor, mask: Tensor, value: number | boolean | Tensor, op: string): Tensor {
  checkTensor(x, op);
  checkTensor(mask, op, "mask");
  if (mask.dtype !== "bool") throw new TypeError(`${op}: mask must be a bool tensor, got ${mask.dtype}`);
  const shape = broadcastShapes(x.shape, mask.shape, op);
  if (!sameShape(shape, x.shape)) {
    throw new RangeError(`${op}: mask of shape ${formatShape(mask.shape)} does not broadcast to the input's shape ${formatShape(x.shape)}`);
  }
  if (value instanceof Tensor) {
    if (value.ndim !== 0) throw new RangeError(`${op}: only supports a 0-dimensional value tensor, but got one with shape ${formatShape(value.shape)}`);
    return cast(value, x.dtype);
  }
  if (typeof value !== "number" && typeof value !== "boolean") throw new TypeError(`${op}: value must be a number, boolean or 0-dim Tensor, got ${describe(value)}`);
  return scalar(x.dtype === "bool" ? Boolean(value) : Number(value), x.dtype);
}

/**
 * `value` where `mask` is true, `x` elsewhere (PyTorch's `masked_fill`). `mask` is a bool tensor that
 * broadcasts to `x`'s shape; `value` is a number or a 0-dim tensor (then differentiable: its
 * gradient is the sum of the output gradient over the filled positions). The result has `x`'s dtype.
 * @throws TypeError for a non-bool mask or a bad value; RangeError when the mask does not broadcast to `x`.
 * @example maskedFill(scores, causalMask.logicalNot(), -Infinity)
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number | boolean | Tensor): Tensor {
  const v = maskedFillOperands(x, mask, value, "maskedFill");
  return where(mask, v, x);
}
