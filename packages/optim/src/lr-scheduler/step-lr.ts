/**
 * `StepLR`: multiply the lr by `gamma` every `stepSize` epochs.
 * @module
 */
import type { Optimizer } from "../optimizer.js";
import { LRScheduler, checkFinite, checkInteger, checkSchedulerOptions } from "./lr-scheduler.js";
import { type ScheduledLr, scaleLr } from "./scheduled-lr.js";

/** Options of {@link StepLR} (PyTorch's `step_size`, `gamma`, `last_epoch`). */
export interface StepLROptions {
  /** Period of the decay in epochs (required, a positive integer). */
  stepSize: number;
  /** Multiplicative factor (default 0.1). */
  gamma?: number;
  /** -1 for a fresh start (default), or the last epoch when resuming. */
  lastEpoch?: number;
}

function checkStepParameters(p: Record<string, unknown>, where: string): { stepSize: number; gamma: number } {
  return { stepSize: checkInteger(p.stepSize, "stepSize", where, 1), gamma: checkFinite(p.gamma, "gamma", where) };
}

/**
 * Decay each group's lr by `gamma` every `stepSize` epochs (PyTorch 2.8's `StepLR`).
 *
 * Chainable form: the lr is multiplied by `gamma` when `lastEpoch > 0` and `lastEpoch % stepSize == 0`,
 * unchanged otherwise. Closed form (`setEpoch`): `baseLr * gamma^floor(lastEpoch / stepSize)`.
 * With ASGD the scheduled lr reaches the parameters one step late (see {@link LRScheduler}).
 * Difference from PyTorch 2.8: `stepSize` must be a positive integer (PyTorch fails at the first step for 0).
 *
 * @example
 * const sched = new StepLR(opt, { stepSize: 30, gamma: 0.1 }); // 0.05, then 0.005 from epoch 30, ...
 */
export class StepLR extends LRScheduler {
  /** Period of the decay in epochs. */
  stepSize: number;
  /** Multiplicative factor. */
  gamma: number;

  /**
   * @param optimizer the optimizer to schedule.
   * @param options see {@link StepLROptions}.
   * @throws TypeError/RangeError for a missing or invalid option; Error when resuming without `initialLr`.
   */
  constructor(optimizer: Optimizer, options: StepLROptions) {
    const where = new.target.name;
    const o = checkSchedulerOptions(options ?? {}, ["stepSize", "gamma", "lastEpoch"], where);
    const p = checkStepParameters({ stepSize: o.stepSize, gamma: o.gamma ?? 0.1 }, where);
    super(optimizer, (o.lastEpoch as number | undefined) ?? -1);
    this.stepSize = p.stepSize;
    this.gamma = p.gamma;
    this.initialStep();
  }

  /** PyTorch's chainable `get_lr`. */
  protected computeLr(): ScheduledLr[] {
    const lrs = this.groupLrs();
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return lrs;
    return lrs.map((lr) => scaleLr(lr, this.gamma));
  }

  /** `baseLr * gamma^floor(lastEpoch / stepSize)`. */
  protected override closedFormLr(): ScheduledLr[] {
    return this.scheduledBaseLrs().map((b) => scaleLr(b, this.gamma ** Math.floor(this.lastEpoch / this.stepSize)));
  }

  protected hyperparameters(): Record<string, unknown> {
    return { stepSize: this.stepSize, gamma: this.gamma };
  }

  protected prepareHyperparameters(sd: Record<string, unknown>, where: string): () => void {
    const p = checkStepParameters(sd, where);
    return () => {
      this.stepSize = p.stepSize;
      this.gamma = p.gamma;
    };
  }
}
