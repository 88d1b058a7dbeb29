/**
 * Loss modules: the losses of `F` with their options fixed at construction.
 * @module
 */
import type { Tensor } from "@tapegrad/core";
import { Module } from "./module.js";
import {
  BCE_KEYS, CROSS_ENTROPY_KEYS, NLL_KEYS, REDUCTION_KEYS,
  type BceWithLogitsOptions, type CrossEntropyOptions, type NllLossOptions, type Reduction, type ReductionOptions,
  binaryCrossEntropyWithLogits, crossEntropy, l1Loss, mseLoss, nllLoss,
} from "./functional/losses.js";
import { checkOptions, describe } from "./util.js";

function reductionOf(options: ReductionOptions | undefined, where: string, keys: readonly string[] = REDUCTION_KEYS): Reduction {
  const { reduction = "mean" } = checkOptions(options, where, keys);
  if (reduction !== "mean" && reduction !== "sum" && reduction !== "none") {
    throw new RangeError(`${where}: reduction must be "mean", "sum" or "none", got ${describe(reduction)}`);
  }
  return reduction;
}

/** Mean squared error (see `F.mseLoss`). @example new MSELoss().forward(pred, target) */
export class MSELoss extends Module {
  /** How the elementwise losses are combined. */
  readonly reduction: Reduction;
  constructor(options?: ReductionOptions) {
    super();
    this.reduction = reductionOf(options, "MSELoss");
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction });
  }
  override extraRepr(): string {
    return `reduction="${this.reduction}"`;
  }
}

/** Mean absolute error (see `F.l1Loss`). */
export class L1Loss extends Module {
  /** How the elementwise losses are combined. */
  readonly reduction: Reduction;
  constructor(options?: ReductionOptions) {
    super();
    this.reduction = reductionOf(options, "L1Loss");
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, { reduction: this.reduction });
  }
  override extraRepr(): string {
    return `reduction="${this.reduction}"`;
  }
}

/**
 * Negative log-likelihood of class-index targets given log-probabilities (see `F.nllLoss`).
 * A class `weight` is registered as a buffer, so it follows `to()` and appears in the state dict.
 */
export class NLLLoss extends Module {
  /** How the per-sample losses are combined. */
  readonly reduction: Reduction;
  /** The ignored target value. */
  readonly ignoreIndex: number;
  declare weight: Tensor | null;
  constructor(options?: NllLossOptions) {
    super();
    const o = checkOptions(options, "NLLLoss", NLL_KEYS);
    this.reduction = reductionOf(options, "NLLLoss", NLL_KEYS);
    this.ignoreIndex = o.ignoreIndex ?? -100;
    this.registerBuffer("weight", o.weight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
  override extraRepr(): string {
    return `reduction="${this.reduction}", ignoreIndex=${this.ignoreIndex}`;
  }
}

/**
 * Cross-entropy of logits and class-index (int32) or class-probability targets (see `F.crossEntropy`).
 * A class `weight` is registered as a buffer.
 * @example
 * const lossFn = new CrossEntropyLoss({ labelSmoothing: 0.1 });
 * const loss = lossFn.forward(model.forward(x), labels);
 */
export class CrossEntropyLoss extends Module {
  /** How the per-sample losses are combined. */
  readonly reduction: Reduction;
  /** The ignored target value. */
  readonly ignoreIndex: number;
  /** Amount of label smoothing. */
  readonly labelSmoothing: number;
  declare weight: Tensor | null;
  constructor(options?: CrossEntropyOptions) {
    super();
    const o = checkOptions(options, "CrossEntropyLoss", CROSS_ENTROPY_KEYS);
    this.reduction = reductionOf(options, "CrossEntropyLoss", CROSS_ENTROPY_KEYS);
    this.ignoreIndex = o.ignoreIndex ?? -100;
    this.labelSmoothing = o.labelSmoothing ?? 0;
    this.registerBuffer("weight", o.weight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, {
      weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing,
    });
  }
  override extraRepr(): string {
    return `reduction="${this.reduction}", ignoreIndex=${this.ignoreIndex}, labelSmoothing=${this.labelSmoothing}`;
  }
}

/**
 * Binary cross-entropy on logits (see `F.binaryCrossEntropyWithLogits`); `weight` and `posWeight`
 * are registered as buffers.
 */
export class BCEWithLogitsLoss extends Module {
  /** How the elementwise losses are combined. */
  readonly reduction: Reduction;
  declare weight: Tensor | null;
  declare posWeight: Tensor | null;
  constructor(options?: BceWithLogitsOptions) {
    super();
    const o = checkOptions(options, "BCEWithLogitsLoss", BCE_KEYS);
    this.reduction = reductionOf(options, "BCEWithLogitsLoss", BCE_KEYS);
    this.registerBuffer("weight", o.weight ?? null);
    this.registerBuffer("posWeight", o.posWeight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.posWeight, reduction: this.reduction });
  }
  override extraRepr(): string {
    return `reduction="${this.reduction}"`;
  }
}
