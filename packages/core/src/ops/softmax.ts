/**
 * Softmax and log-softmax along a dim.
 * @module
 */
import { record } from "../autograd/record.js";
import { logSoftmaxForward, logSoftmaxRule, softmaxForward, softmaxRule } from "../autograd/rules/softmax-rules.js";
import { allocate } from "../dtype.js";
import { softmaxKernel } from "../kernels/softmax.js";
import { normalizeDim, numelOf } from "../shape.js";
import { Tensor } from "../tensor.js";
import { cast } from "./unary.js";
import { checkTensor, floatResult } from "./operands.js";

function softmaxOp(x: Tensor, dim: number, op: "softmax" | "logSoftmax"): Tensor {
  checkTensor(x, op);
  const d = normalizeDim(dim, x.ndim, op);
  if (x.dtype === "bool") throw new TypeError(`${op}: not supported for bool tensors`);
  // Integer inputs are converted to the default float dtype first (PyTorch rejects them).
  const input = cast(x, floatResult(x.dtype));
  const size = x.ndim === 0 ? 1 : x.shape[d]!;
  const inner = numelOf(x.shape.slice(d + 1));
  const outer = size * inner === 0 ? numelOf(x.shape.slice(0, d)) : x.numel() / (size * inner);
  const out = allocate(input.dtype, x.numel());
  softmaxKernel(input.values(), out, outer, size, inner, op === "logSoftmax");
  const y = Tensor.fromData(out, x.shape, input.dtype);
  if (op === "softmax") return record(y, "SoftmaxBackward", [input], (g, [sy]) => [softmaxRule(g, sy!, d)], [y], ([dx]) => softmaxForward(dx!, y, d));
  return record(y, "LogSoftmaxBackward", [input], (g, [sy]) => [logSoftmaxRule(g, sy!, d)], [y], ([dx]) => logSoftmaxForward(dx!, y, d));
}

/**
 * Softmax along `dim`: `exp(x_i - max) / sum_j exp(x_j - max)`, so large logits (even +-1e4) do
 * not overflow. Gradient: `y * (g - sum(g * y, dim))`.
 * @param dim the dim to normalise over (negative counts from the end); required.
 * @throws TypeError for a missing or non-integer dim or a bool tensor; RangeError for a dim out of range.
 * @example softmax(tensor([[1, 2, 3]]), -1)
 */
export function softmax(x: Tensor, dim: number): Tensor {
  return softmaxOp(x, dim, "softmax");
}

/**
 * Log of the softmax along `dim`: `x_i - max - log(sum_j exp(x_j - max))`, stable for any finite
 * logits. Gradient: `g - exp(y) * sum(g, dim)`.
 * @throws TypeError for a missing or non-integer dim or a bool tensor; RangeError for a dim out of range.
 * @example logSoftmax(logits, 1)
 */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return softmaxOp(x, dim, "logSoftmax");
}
