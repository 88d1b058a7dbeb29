/**
 * The fused affine map `linear(x, weight, bias)`: one matrix-product kernel call with the weight
 * read transposed in place and the bias added in the kernel's epilogue.
 * @module
 */
import { record } from "../autograd/record.js";
import { linearForward, linearRule } from "../autograd/rules/linalg-rules.js";
import { allocate } from "../dtype.js";
import { matmulKernel } from "../kernels/matmul.js";
import { formatShape, numelOf } from "../shape.js";
import { Tensor } from "../tensor.js";
import { matrixOperand } from "./linalg.js";
import { checkTensor } from "./operands.js";

/**
 * `y = x @ weight^T + bias` over the last dim of `x` (PyTorch's `torch.nn.functional.linear`),
 * computed by one kernel call: no transposed copy of the weight, no separate bias add.
 *
 * Gradients (recorded as one node, `AddmmBackward`, or `MmBackward` without bias):
 * dx = g @ weight, dweight = g^T @ x and dbias = g summed over the leading dims, with the leading
 * dims of `x` and `g` flattened; all written with differentiable ops, so higher orders work.
 * @param x input `[..., inFeatures]` (at least 1 dim).
 * @param weight `[outFeatures, inFeatures]`.
 * @param bias optional `[outFeatures]`.
 * @returns `[..., outFeatures]` (`[outFeatures]` for a 1-D input).
 * @throws TypeError for bool tensors or differing dtypes; RangeError naming the shapes when they do not fit.
 * @example linear(tensor([[1, 2]]), tensor([[1, 0], [0, 1], [1, 1]]), tensor([0, 0, 10])).tolist() // [[1, 2, 13]]
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkTensor(x, "linear", "input");
  checkTensor(weight, "linear", "weight");
  const b = bias ?? null;
  if (b !== null) checkTensor(b, "linear", "bias");
  if (weight.ndim !== 2) throw new RangeError(`linear: weight must be 2-D [outFeatures, inFeatures], got shape ${formatShape(weight.shape)}`);
  if (x.ndim === 0) throw new RangeError("linear: input must have at least 1 dim, got a 0-dim tensor");
  const [N, K] = weight.shape as [number, number];
  if (x.shape[x.ndim - 1] !== K) {
    throw new RangeError(
      `linear: input shape ${formatShape(x.shape)} and weight shape ${formatShape(weight.shape)} cannot be multiplied (${x.shape[x.ndim - 1]} != ${K})`,
    );
  }
  if (b !== null && (b.ndim !== 1 || b.shape[0] !== N)) {
    throw new RangeError(`linear: bias must have shape [${N}] (outFeatures), got ${formatShape(b.shape)}`);
  }
  for (const [name, t] of [["weight", weight], ["bias", b]] as const) {
    if (t !== null && t.dtype !== x.dtype) throw new TypeError(`linear: input dtype ${x.dtype} and ${name} dtype ${t.dtype} differ`);
  }
  if (x.dtype === "bool") throw new TypeError("linear: not supported for bool tensors");

  const outShape = [...x.shape.slice(0, -1), N];
  const M = numelOf(x.shape.slice(0, -1));
  const out = allocate(x.dtype, numelOf(outShape));
  // A transposed 2-D input is read in place; leading dims of any other layout must be contiguous to fold into rows.
  const X = x.ndim === 2 || x.isContiguous() ? matrixOperand(x) : { data: x.values(), offset: 0, trans: false };
  const W = matrixOperand(weight);
  const B = b === null ? null : matrixOperand(b);
  // weight is op(B)^T: a contiguous weight is read transposed, a transposed view straight.
  matmulKernel(X.data, X.offset, X.trans, W.data, W.offset, !W.trans, out, 0, M, K, N, B?.data ?? null, B?.offset ?? 0);
  const result = Tensor.fromData(out, outShape, x.dtype);
  const saved = [weight.requiresGrad ? x : null, x.requiresGrad ? weight : null];
  return record(
    result,
    b === null ? "MmBackward" : "AddmmBackward",
    [x, weight, b],
    (g, [sx, sw]) => linearRule(g, sx ?? x, sw ?? weight, x.requiresGrad, weight.requiresGrad, b !== null && b.requiresGrad),
    saved,
    ([dx, dw, db]) => linearForward(x, weight, dx, dw, db),
  );
}
