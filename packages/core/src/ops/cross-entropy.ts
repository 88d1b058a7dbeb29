/**
 * The fused cross-entropy of logits against class indices, the primitive behind
 * `F.crossEntropy`: one recorded node, `CrossEntropyBackward`, where the composite records
 * log-softmax, gather, neg, sum and div.
 * @module
 */
import { isGradEnabled } from "../autograd/grad-mode.js";
import { needsGrad, record } from "../autograd/record.js";
import { type CrossEntropyTerms, crossEntropyForward, crossEntropyRule } from "../autograd/rules/cross-entropy-rules.js";
import { forwardActive } from "../autograd/tangents.js";
import { type TypedArray, allocate } from "../dtype.js";
import { type CrossEntropyPlan, crossEntropyGradKernel, crossEntropyKernel, rowFactor, targetTerm } from "../kernels/cross-entropy.js";
import { pairwiseSum } from "../kernels/reduce.js";
import { formatShape, numelOf } from "../shape.js";
import { Tensor } from "../tensor.js";
import { softmax } from "./softmax.js";

/** The targets and options of {@link crossEntropyLogits}, validated by the caller. */
export interface CrossEntropyArgs {
  /**
   * One int32 class index per slice: the logits' shape without the class dim, row-major. Each is
   * in [0, C) or equal to `ignoreIndex`.
   */
  target: Int32Array;
  /** `"mean"` (over the counted targets' weights), `"sum"` or `"none"`. */
  reduction: "mean" | "sum" | "none";
  /** Per-class weights `[C]` of the logits' dtype (constants: no gradient flows to them), or null. */
  weight: Tensor | null;
  /** A target value whose slice contributes 0 and is not counted in the mean. */
  ignoreIndex: number;
  /** Label smoothing in [0, 1]. */
  labelSmoothing: number;
}

const identity = (v: number): number => v;

/**
 * @internal Cross-entropy of float logits `[C]`, `[N, C]` or `[N, C, d1, ...]` (class dim 1, or 0
 * for 1-D) against class indices, as PyTorch's `F.cross_entropy`: per slice
 * `w[t] * -log_softmax(x)[t]`, mixed with `(e / C) * sum_c w[c] * -log_softmax(x)[c]` for label
 * smoothing `e` (times `1 - e`), 0 for an ignored target; the mean divides by the counted targets'
 * total weight. Computed in double precision per slice, summed pairwise, rounded once.
 *
 * One recorded node whose gradient is `(softmax * A - Q) * G` (see `cross-entropy-rules.ts`): a
 * single pass over the saved softmax for a first-order backward, tensor ops when the backward is
 * itself recorded (`createGraph`) or carries tangents, with the same bits.
 * @throws RangeError when the targets do not match the logits' shape or one is out of range.
 */
export function crossEntropyLogits(input: Tensor, args: CrossEntropyArgs): Tensor {
  const classDim = input.ndim === 1 ? 0 : 1;
  const classes = input.shape[classDim]!;
  const targetShape = input.shape.filter((_, i) => i !== classDim);
  const slices = numelOf(targetShape);
  if (args.target.length !== slices) {
    throw new RangeError(`crossEntropy: ${args.target.length} targets for logits of shape ${formatShape(input.shape)} (${slices} slices)`);
  }
  const dtype = input.dtype;
  const weight = args.weight === null ? null : args.weight.values();
  const plan: CrossEntropyPlan = {
    outer: numelOf(input.shape.slice(0, classDim)),
    classes,
    inner: numelOf(input.shape.slice(classDim + 1)),
    target: args.target,
    ignoreIndex: args.ignoreIndex,
    weight,
    smoothing: args.labelSmoothing,
    round: dtype === "float32" ? Math.fround : identity,
  };
  const losses = new Float64Array(slices);
  const counted = new Float64Array(slices);
  // The softmax is kept for a first-order backward only when there will be one.
  const probs = needsGrad([input]) ? allocate(dtype, input.numel()) : null;
  const contiguous = input.isContiguous();
  crossEntropyKernel(contiguous ? input.storage.data : input.values(), contiguous ? input.offset : 0, plan, losses, probs, counted);

  let out: Tensor;
  let denominator = 1;
  if (args.reduction === "none") {
    const values = allocate(dtype, slices);
    values.set(losses);
    out = Tensor.fromData(values, targetShape, dtype);
  } else {
    const total = pairwiseSum(losses, 0, slices);
    if (args.reduction === "mean") denominator = pairwiseSum(counted, 0, slices);
    const value = allocate(dtype, 1);
    value[0] = args.reduction === "mean" ? total / denominator : total;
    out = Tensor.fromData(value, [], dtype);
  }

  const weightSum = weight === null ? classes : pairwiseSum(weight, 0, classes);
  // The row factor A is 1 for every slice unless weights, smoothing or ignored targets change it.
  const withRowFactor = weight !== null || args.labelSmoothing > 0 || counted.includes(0);
  const roundedDenominator = plan.round(denominator);
  const version = input.version;
  const storage = input.storage;
  const terms = (): CrossEntropyTerms => {
    if (input.version !== version || input.storage !== storage) {
      throw new Error(
        `CrossEntropyBackward: the logits (a ${dtype} tensor of shape ${formatShape(input.shape)}) were modified in place after the loss was computed; ` +
          "a recorded backward (createGraph) or forward-mode derivative needs their values from then",
      );
    }
    return {
      p: softmax(input, classDim),
      A: withRowFactor ? rowTensor(plan, input.shape, classDim, weightSum, dtype) : null,
      Q: targetTensor(plan, input.shape, dtype),
      classDim,
      reduction: args.reduction,
      denominator: roundedDenominator,
    };
  };
  return record(
    out,
    "CrossEntropyBackward",
    [input],
    (g) => {
      if (isGradEnabled() || forwardActive()) return [crossEntropyRule(g, terms())];
      const gv = g.values();
      const G = args.reduction === "none" ? gv : plan.round(gv[0]! / (args.reduction === "mean" ? roundedDenominator : 1));
      const dx = allocate(dtype, input.numel());
      crossEntropyGradKernel(plan, probs!, withRowFactor, weightSum, G, dx);
      return [Tensor.fromData(dx, input.shape, dtype)];
    },
    [],
    ([dx]) => crossEntropyForward(dx!, terms()),
  );
}

/** The row factor A of every slice, shaped like the logits with 1 in the class dim. */
function rowTensor(plan: CrossEntropyPlan, shape: readonly number[], classDim: number, weightSum: number, dtype: Tensor["dtype"]): Tensor {
  const values = allocate(dtype, plan.target.length);
  for (let s = 0; s < values.length; s++) values[s] = rowFactor(plan, s, weightSum);
  return Tensor.fromData(values, shape.map((d, i) => (i === classDim ? 1 : d)), dtype);
}

/** The target term Q of every slice and class, the logits' shape. */
function targetTensor(plan: CrossEntropyPlan, shape: readonly number[], dtype: Tensor["dtype"]): Tensor {
  const { outer, classes, inner } = plan;
  const values: TypedArray = allocate(dtype, outer * classes * inner);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < classes; k++) {
      for (let i = 0; i < inner; i++) values[(o * classes + k) * inner + i] = targetTerm(plan, o * inner + i, k);
    }
  }
  return Tensor.fromData(values, shape.slice(), dtype);
}
