/**
 * Loss functions of `F`: mean squared error, L1, negative log-likelihood, cross-entropy and binary
 * cross-entropy with logits, with PyTorch's reductions, class weights, ignored targets and label
 * smoothing. Cross-entropy with class indices is core's fused op (one recorded node); the others are
 * compositions of differentiable core ops. All support `createGraph`.
 * @module
 */
import { Tensor, abs, gather, logSoftmax, mul, neg, sub, sum, where as whereOp } from "@tapegrad/core";
import { crossEntropyLogits } from "@tapegrad/core/internal";
import { checkFloatTensor, checkOptions, checkTensor, describe, formatShape } from "../util.js";
import { logSigmoid } from "./activations.js";

/** How a loss combines its per-element values: their mean (default), their sum, or none (the values). */
export type Reduction = "mean" | "sum" | "none";

/** @internal the option keys of each loss, for the unknown-key check. */
export const REDUCTION_KEYS = ["reduction"] as const;
/** @internal */
export const NLL_KEYS = ["reduction", "weight", "ignoreIndex"] as const;
/** @internal */
export const CROSS_ENTROPY_KEYS = ["reduction", "weight", "ignoreIndex", "labelSmoothing"] as const;
/** @internal */
export const BCE_KEYS = ["reduction", "weight", "posWeight"] as const;

/** Options of the losses that only take a reduction. */
export interface ReductionOptions {
  /** `"mean"` (default), `"sum"` or `"none"`. */
  reduction?: Reduction;
}

/** Options of {@link nllLoss}. */
export interface NllLossOptions extends ReductionOptions {
  /** A manual rescaling weight per class, shape `[C]`, the input's dtype. */
  weight?: Tensor | null;
  /** A target value that is ignored and does not count in the mean (default -100). */
  ignoreIndex?: number;
}

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions extends NllLossOptions {
  /** Amount in [0, 1] of uniform smoothing mixed into the targets (default 0). */
  labelSmoothing?: number;
}

/** Options of {@link binaryCrossEntropyWithLogits}. */
export interface BceWithLogitsOptions extends ReductionOptions {
  /** A rescaling weight broadcastable to the input's shape. */
  weight?: Tensor | null;
  /** A weight of positive examples, broadcastable to the input's shape (typically `[C]`). */
  posWeight?: Tensor | null;
}

function checkReduction(reduction: unknown, where: string): Reduction {
  if (reduction === "mean" || reduction === "sum" || reduction === "none") return reduction;
  throw new RangeError(`${where}: reduction must be "mean", "sum" or "none", got ${describe(reduction)}`);
}

function reduce(loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === "none") return loss;
  return reduction === "sum" ? loss.sum() : loss.mean();
}

function checkSameShape(input: Tensor, target: Tensor, where: string): void {
  if (formatShape(input.shape) !== formatShape(target.shape)) {
    throw new RangeError(`${where}: target shape ${formatShape(target.shape)} must equal the input shape ${formatShape(input.shape)}`);
  }
}

/**
 * Mean squared error: `(input - target)^2`, reduced. Unlike PyTorch (which broadcasts with a
 * warning) the shapes must be equal, since broadcasting here is almost always a bug.
 * @throws RangeError when the shapes differ; TypeError for non-float tensors.
 * @example F.mseLoss(model.forward(x), y)
 */
export function mseLoss(input: Tensor, target: Tensor, options?: ReductionOptions): Tensor {
  const where = "mseLoss";
  checkFloatTensor(input, where, "input");
  checkFloatTensor(target, where, "target");
  checkSameShape(input, target, where);
  const reduction = checkReduction(checkOptions(options, where, REDUCTION_KEYS).reduction ?? "mean", where);
  const diff = sub(input, target);
  return reduce(mul(diff, diff), reduction);
}

/**
 * Mean absolute error: `|input - target|`, reduced. The shapes must be equal (see {@link mseLoss}).
 * @throws RangeError when the shapes differ; TypeError for non-float tensors.
 */
export function l1Loss(input: Tensor, target: Tensor, options?: ReductionOptions): Tensor {
  const where = "l1Loss";
  checkFloatTensor(input, where, "input");
  checkFloatTensor(target, where, "target");
  checkSameShape(input, target, where);
  const reduction = checkReduction(checkOptions(options, where, REDUCTION_KEYS).reduction ?? "mean", where);
  return reduce(abs(sub(input, target)), reduction);
}

/** Validated class-index targets, ready for `gather`. */
interface ClassTargets {
  classDim: number;
  numClasses: number;
  /** The target's shape (the input's shape without the class dim). */
  shape: number[];
  /** Targets with ignored entries replaced by 0, shaped like the input with 1 in the class dim. */
  index: Tensor;
  /** The same, flat (for gathering class weights). */
  flatIndex: Tensor;
  /** Which entries count; null when none is ignored. */
  valid: Tensor | null;
  validCount: number;
}

/** Class-index targets checked against the input: a copy of their values, each in [0, C) or `ignoreIndex`. */
interface CheckedTargets {
  classDim: number;
  numClasses: number;
  /** The target's shape (the input's shape without the class dim). */
  shape: number[];
  values: Int32Array;
}

function checkClassTargets(input: Tensor, target: unknown, ignoreIndex: number, where: string): CheckedTargets {
  if (input.ndim === 0) throw new RangeError(`${where}: input must have a class dim ([C], [N,C] or [N,C,d1,...]), got a 0-dim tensor`);
  const classDim = input.ndim === 1 ? 0 : 1;
  const numClasses = input.shape[classDim]!;
  const shape = input.shape.filter((_, i) => i !== classDim);
  if (!(target instanceof Tensor) || target.dtype !== "int32" || formatShape(target.shape) !== formatShape(shape)) {
    throw new TypeError(
      `${where}: target must be int32 class indices of shape ${formatShape(shape)} for input of shape ${formatShape(input.shape)}, got ${describe(target)}`,
    );
  }
  const values = target.dataSync() as Int32Array;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== ignoreIndex && (v < 0 || v >= numClasses)) {
      throw new RangeError(`${where}: target value ${v} (at flat index ${i}) is out of range [0, ${numClasses}) for ${numClasses} classes`);
    }
  }
  return { classDim, numClasses, shape, values };
}

function classTargets(input: Tensor, target: unknown, ignoreIndex: number, where: string): ClassTargets {
  const { classDim, numClasses, shape, values } = checkClassTargets(input, target, ignoreIndex, where);
  const safe = new Int32Array(values.length);
  const valid = new Uint8Array(values.length);
  let validCount = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === ignoreIndex) continue;
    safe[i] = v;
    valid[i] = 1;
    validCount++;
  }
  const indexShape = input.shape.map((d, i) => (i === classDim ? 1 : d));
  return {
    classDim,
    numClasses,
    shape,
    index: Tensor.fromData(safe, indexShape, "int32"),
    flatIndex: Tensor.fromData(safe.slice(), [safe.length], "int32"),
    valid: validCount === values.length ? null : Tensor.fromData(valid, shape, "bool"),
    validCount,
  };
}

function checkClassWeight(weight: unknown, input: Tensor, numClasses: number, where: string): Tensor | null {
  if (weight === undefined || weight === null) return null;
  const w = checkFloatTensor(weight, where, "weight");
  if (w.ndim !== 1 || w.shape[0] !== numClasses) {
    throw new RangeError(`${where}: weight must have shape [${numClasses}] (one value per class), got ${formatShape(w.shape)}`);
  }
  if (w.dtype !== input.dtype) throw new TypeError(`${where}: weight dtype ${w.dtype} must equal the input dtype ${input.dtype}`);
  return w;
}

function checkIgnoreIndex(x: unknown, where: string): number {
  if (typeof x !== "number" || !Number.isInteger(x)) throw new TypeError(`${where}: ignoreIndex must be an integer, got ${describe(x)}`);
  return x;
}

/** The per-target negative log-likelihood (0 where ignored), and the per-target class weights. */
function pickedNll(logp: Tensor, targets: ClassTargets, weight: Tensor | null): { losses: Tensor; weights: Tensor | null } {
  const picked = gather(logp, targets.classDim, targets.index).reshape(targets.shape);
  let losses = neg(picked);
  let weights: Tensor | null = null;
  if (weight !== null) {
    weights = gather(weight, 0, targets.flatIndex).reshape(targets.shape);
    losses = mul(losses, weights);
  }
  if (targets.valid !== null) {
    losses = whereOp(targets.valid, losses, 0);
    if (weights !== null) weights = whereOp(targets.valid, weights, 0);
  }
  return { losses, weights };
}

/** Mean over the counted targets: divided by the total weight of the counted targets, as PyTorch. */
function reduceCounted(total: Tensor, weights: Tensor | null, validCount: number): Tensor {
  return weights === null ? total.div(validCount) : total.div(weights.sum());
}

/**
 * Negative log-likelihood of class-index targets given log-probabilities:
 * `loss_i = -weight[t_i] * input[i, t_i]`, 0 where `t_i == ignoreIndex`; the mean divides by the
 * sum of `weight[t_i]` over the counted targets (their number without weights).
 * @param input log-probabilities `[N, C]`, `[C]` or `[N, C, d1, ...]`.
 * @param target int32 class indices `[N]`, `[]` or `[N, d1, ...]`.
 * @throws TypeError for a target that is not int32 of the matching shape; RangeError naming a target value outside [0, C).
 */
export function nllLoss(input: Tensor, target: Tensor, options?: NllLossOptions): Tensor {
  const where = "nllLoss";
  checkFloatTensor(input, where, "input");
  const o = checkOptions(options, where, NLL_KEYS);
  const reduction = checkReduction(o.reduction ?? "mean", where);
  const ignoreIndex = checkIgnoreIndex(o.ignoreIndex ?? -100, where);
  const targets = classTargets(input, target, ignoreIndex, where);
  const weight = checkClassWeight(o.weight, input, targets.numClasses, where);
  const { losses, weights } = pickedNll(input, targets, weight);
  if (reduction === "none") return losses;
  const total = losses.sum();
  return reduction === "sum" ? total : reduceCounted(total, weights, targets.validCount);
}

/**
 * Cross-entropy between logits and targets (PyTorch's `F.cross_entropy`): `logSoftmax` over the
 * class dim followed by the negative log-likelihood.
 *
 * Targets are either int32 class indices (shape `[N]`; `[]` for an unbatched `[C]` input;
 * `[N, d1, ...]` for `[N, C, d1, ...]`), or float class probabilities with the input's shape.
 * With class indices, `loss_i = -weight[t_i] * logp[i, t_i]`, targets equal to `ignoreIndex`
 * (default -100) contribute 0 and are left out of the mean, and the mean divides by the total
 * weight of the counted targets. `labelSmoothing = e` mixes in the uniform distribution:
 * `(1 - e) * nll + (e / C) * sum_c -weight[c] * logp[i, c]`.
 *
 * With class indices this is one fused op (one recorded node, `CrossEntropyBackward`, whose
 * gradient is `(softmax - target distribution) * scale`): the loss is computed in double precision
 * and rounded once. Class weights that require grad, and probability targets, take the
 * composite of `logSoftmax` and the tensor ops above, which differentiates the weights too.
 *
 * @throws TypeError for non-float logits or a malformed target (the message gives the expected
 *   shape); RangeError naming a target value outside [0, C), a bad weight shape, reduction or
 *   labelSmoothing.
 * @example
 * const loss = F.crossEntropy(logits, tensor([2, 0, 1], { dtype: "int32" }), { labelSmoothing: 0.1 });
 */
export function crossEntropy(input: Tensor, target: Tensor, options?: CrossEntropyOptions): Tensor {
  const where = "crossEntropy";
  checkFloatTensor(input, where, "input");
  const o = checkOptions(options, where, CROSS_ENTROPY_KEYS);
  const reduction = checkReduction(o.reduction ?? "mean", where);
  const ignoreIndex = checkIgnoreIndex(o.ignoreIndex ?? -100, where);
  const smoothing = o.labelSmoothing ?? 0;
  if (typeof smoothing !== "number" || !(smoothing >= 0 && smoothing <= 1)) {
    throw new RangeError(`${where}: labelSmoothing must be between 0.0 and 1.0, got ${describe(smoothing)}`);
  }
  if (input.ndim === 0) throw new RangeError(`${where}: input must have a class dim ([C], [N,C] or [N,C,d1,...]), got a 0-dim tensor`);
  const classDim = input.ndim === 1 ? 0 : 1;
  const numClasses = input.shape[classDim]!;
  const weight = checkClassWeight(o.weight, input, numClasses, where);
  // Broadcast shape of the class weights against the input: [1, C, 1, ...].
  const weightView = weight === null ? null : weight.reshape(input.shape.map((d, i) => (i === classDim ? d : 1)));
  checkTensor(target, where, "target");

  if (target.dtype === "float32" || target.dtype === "float64") {
    if (formatShape(target.shape) !== formatShape(input.shape)) {
      throw new RangeError(
        `${where}: float targets are class probabilities and must have the input's shape ${formatShape(input.shape)}, got ${formatShape(target.shape)} (class indices must be int32)`,
      );
    }
    if (target.dtype !== input.dtype) {
      throw new TypeError(`${where}: class-probability target dtype ${target.dtype} must equal the input dtype ${input.dtype}`);
    }
    const logp = logSoftmax(input, classDim);
    const probs = smoothing > 0 ? mul(target, 1 - smoothing).add(smoothing / numClasses) : target;
    let terms = mul(logp, probs);
    if (weightView !== null) terms = mul(terms, weightView);
    if (reduction === "none") return neg(sum(terms, { dim: classDim }));
    const total = neg(terms.sum());
    return reduction === "sum" ? total : total.div(input.numel() / numClasses);
  }

  if (weight === null || !weight.requiresGrad) {
    // One fused op (one recorded node); a weight that requires grad takes the composite below,
    // which differentiates it too.
    const { values } = checkClassTargets(input, target, ignoreIndex, where);
    return crossEntropyLogits(input, { target: values, reduction, weight, ignoreIndex, labelSmoothing: smoothing });
  }
  const targets = classTargets(input, target, ignoreIndex, where);
  const logp = logSoftmax(input, classDim);
  const { losses, weights } = pickedNll(logp, targets, weight);
  const nll = reduction === "none" ? losses : reduction === "sum" ? losses.sum() : reduceCounted(losses.sum(), weights, targets.validCount);
  if (smoothing === 0) return nll;
  let smooth = neg(sum(weightView === null ? logp : mul(logp, weightView), { dim: classDim }));
  if (targets.valid !== null) smooth = whereOp(targets.valid, smooth, 0);
  const smoothReduced =
    reduction === "none" ? smooth : reduction === "sum" ? smooth.sum() : reduceCounted(smooth.sum(), weights, targets.validCount);
  return mul(nll, 1 - smoothing).add(mul(smoothReduced, smoothing / numClasses));
}

/**
 * Binary cross-entropy on logits, in the numerically stable form
 * `loss = (1 - t) * x - (1 + (posWeight - 1) * t) * logSigmoid(x)`, times `weight`, reduced.
 * @param input logits of any shape.
 * @param target probabilities in [0, 1], the input's shape.
 * @throws RangeError when the shapes differ; TypeError for non-float tensors.
 * @example F.binaryCrossEntropyWithLogits(logits, labels, { posWeight: tensor([3]) })
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options?: BceWithLogitsOptions): Tensor {
  const where = "binaryCrossEntropyWithLogits";
  checkFloatTensor(input, where, "input");
  checkFloatTensor(target, where, "target");
  checkSameShape(input, target, where);
  const o = checkOptions(options, where, BCE_KEYS);
  const reduction = checkReduction(o.reduction ?? "mean", where);
  const weight = o.weight === undefined || o.weight === null ? null : checkFloatTensor(o.weight, where, "weight");
  const posWeight = o.posWeight === undefined || o.posWeight === null ? null : checkFloatTensor(o.posWeight, where, "posWeight");
  const logSig = logSigmoid(input);
  const logWeight = posWeight === null ? null : mul(sub(posWeight, 1), target).add(1);
  let loss = sub(mul(sub(1, target), input), logWeight === null ? logSig : mul(logWeight, logSig));
  if (weight !== null) loss = mul(loss, weight);
  if (formatShape(loss.shape) !== formatShape(input.shape)) {
    throw new RangeError(`${where}: weight or posWeight broadcast the loss to shape ${formatShape(loss.shape)}, but the input has shape ${formatShape(input.shape)}`);
  }
  return reduce(loss, reduction);
}
