/**
 * `BatchNorm1d` and `BatchNorm2d`: batch normalization layers with running statistics.
 * @module
 */
import { type Tensor, noGrad, ones, tensor, zeros } from "@tapegrad/core";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";
import { batchNorm } from "./functional/normalization.js";
import { checkFinite, checkInt, checkOptions, describe, factoryDtype, formatShape } from "./util.js";

/** Options of {@link BatchNorm1d} and {@link BatchNorm2d}. */
export interface BatchNormModuleOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /**
   * Weight of each new batch in the running statistics (default 0.1); `null` keeps a cumulative
   * (equal-weight) average instead, with factor `1 / numBatchesTracked`.
   */
  momentum?: number | null;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
  /** Keep running statistics for evaluation mode (default true). */
  trackRunningStats?: boolean;
  /** Dtype of the parameters and running statistics (default: the default dtype). */
  dtype?: "float32" | "float64";
}

/**
 * Shared implementation of the batch-norm layers (PyTorch's `_BatchNorm`). State-dict keys are
 * PyTorch's: `weight`, `bias`, `running_mean`, `running_var`, `num_batches_tracked`.
 */
export abstract class BatchNormBase extends Module {
  /** Number of channels C. */
  readonly numFeatures: number;
  /** Added to the variance. */
  readonly eps: number;
  /** Running-average weight of a new batch, or null for a cumulative average. */
  momentum: number | null;
  /** Whether `weight` and `bias` exist. */
  readonly affine: boolean;
  /** Whether running statistics are kept. */
  readonly trackRunningStats: boolean;
  /** Per-channel scale `[C]` (ones at start), or null without `affine`. */
  weight: Parameter | null;
  /** Per-channel shift `[C]` (zeros at start), or null without `affine`. */
  bias: Parameter | null;
  /** @internal storage of {@link BatchNormBase.runningMean} under PyTorch's state-dict key. */
  declare running_mean: Tensor | null;
  /** @internal storage of {@link BatchNormBase.runningVar} under PyTorch's state-dict key. */
  declare running_var: Tensor | null;
  /** @internal storage of {@link BatchNormBase.numBatchesTracked} under PyTorch's state-dict key. */
  declare num_batches_tracked: Tensor | null;

  /**
   * @param numFeatures the number of channels C of the input `[N, C, ...]`.
   * @throws TypeError / RangeError for bad sizes or options.
   */
  constructor(numFeatures: number, options?: BatchNormModuleOptions) {
    super();
    const where = this.constructor.name;
    checkInt(numFeatures, where, "numFeatures", 1);
    const o = checkOptions(options, where, ["eps", "momentum", "affine", "trackRunningStats", "dtype"]);
    const { eps = 1e-5, affine = true, trackRunningStats = true } = o;
    const momentum = o.momentum === undefined ? 0.1 : o.momentum;
    checkFinite(eps, where, "eps");
    if (momentum !== null) checkFinite(momentum, where, "momentum");
    if (typeof affine !== "boolean") throw new TypeError(`${where}: affine must be a boolean, got ${describe(affine)}`);
    if (typeof trackRunningStats !== "boolean") throw new TypeError(`${where}: trackRunningStats must be a boolean, got ${describe(trackRunningStats)}`);
    const dtype = factoryDtype(o.dtype, where);
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.trackRunningStats = trackRunningStats;
    this.weight = affine ? new Parameter(ones([numFeatures], { dtype })) : null;
    this.bias = affine ? new Parameter(zeros([numFeatures], { dtype })) : null;
    this.registerBuffer("running_mean", trackRunningStats ? zeros([numFeatures], { dtype }) : null);
    this.registerBuffer("running_var", trackRunningStats ? ones([numFeatures], { dtype }) : null);
    this.registerBuffer("num_batches_tracked", trackRunningStats ? tensor(0, { dtype: "int32" }) : null);
  }

  /** Running mean `[C]` (state-dict key `running_mean`), or null without `trackRunningStats`. */
  get runningMean(): Tensor | null {
    return this.running_mean;
  }
  set runningMean(value: Tensor | null) {
    this.running_mean = value;
  }
  /** Running (unbiased) variance `[C]` (state-dict key `running_var`), or null. */
  get runningVar(): Tensor | null {
    return this.running_var;
  }
  set runningVar(value: Tensor | null) {
    this.running_var = value;
  }
  /** Number of training batches seen, a 0-dim int32 tensor (state-dict key `num_batches_tracked`), or null. */
  get numBatchesTracked(): Tensor | null {
    return this.num_batches_tracked;
  }
  set numBatchesTracked(value: Tensor | null) {
    this.num_batches_tracked = value;
  }

  /** Reset the running statistics: mean 0, variance 1, no batches seen. */
  resetRunningStats(): void {
    noGrad(() => {
      this.running_mean?.zero_();
      this.running_var?.fill_(1);
      this.num_batches_tracked?.zero_();
    });
  }

  /** Reset the running statistics and the affine parameters (weight 1, bias 0). */
  resetParameters(): void {
    this.resetRunningStats();
    noGrad(() => {
      this.weight?.fill_(1);
      this.bias?.fill_(0);
    });
  }

  /** @internal throw unless the input has the layer's number of dims. */
  protected abstract checkInputDim(x: Tensor): void;

  /**
   * Normalize with the batch's statistics in training mode (updating the running ones), with the
   * running statistics in evaluation mode (or the batch's when running statistics are not tracked).
   * @param x `[N, C]` or `[N, C, L]` (BatchNorm1d), `[N, C, H, W]` (BatchNorm2d).
   */
  forward(x: Tensor): Tensor {
    this.checkInputDim(x);
    if (x.shape[1] !== this.numFeatures) {
      throw new RangeError(`${this.constructor.name}: expected ${this.numFeatures} channels (dim 1), got input of shape ${formatShape(x.shape)}`);
    }
    if (this.training && x.numel() / this.numFeatures <= 1) {
      // Checked before num_batches_tracked moves, so a rejected batch changes nothing.
      throw new RangeError(`${this.constructor.name}: expected more than 1 value per channel when training, got input of shape ${formatShape(x.shape)}`);
    }
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.num_batches_tracked !== null) {
      noGrad(() => this.num_batches_tracked!.add_(1));
      factor = this.momentum ?? 1 / this.num_batches_tracked.item();
    }
    const useBatchStats = this.training || (this.running_mean === null && this.running_var === null);
    const track = !this.training || this.trackRunningStats;
    return batchNorm(x, track ? this.running_mean : null, track ? this.running_var : null, {
      weight: this.weight,
      bias: this.bias,
      training: useBatchStats,
      momentum: factor,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/**
 * Batch normalization of `[N, C]` or `[N, C, L]` inputs over the batch (and length) dims, per channel
 * (PyTorch's `nn.BatchNorm1d`). Running variance is the unbiased one, normalization uses the biased one.
 * @example const bn = new BatchNorm1d(16); bn.forward(randn([8, 16]));
 */
export class BatchNorm1d extends BatchNormBase {
  protected checkInputDim(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw new RangeError(`BatchNorm1d: expected 2D or 3D input (got ${x.ndim}D input, shape ${formatShape(x.shape)})`);
  }
}

/**
 * Batch normalization of `[N, C, H, W]` inputs over the batch and spatial dims, per channel
 * (PyTorch's `nn.BatchNorm2d`).
 * @example const bn = new BatchNorm2d(8); bn.forward(randn([4, 8, 5, 5]));
 */
export class BatchNorm2d extends BatchNormBase {
  protected checkInputDim(x: Tensor): void {
    if (x.ndim !== 4) throw new RangeError(`BatchNorm2d: expected 4D input (got ${x.ndim}D input, shape ${formatShape(x.shape)})`);
  }
}
