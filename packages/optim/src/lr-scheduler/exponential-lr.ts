/**
 * `ExponentialLR`: multiply the lr by `gamma` every epoch.
 * @module
 */
import type { Optimizer } from "../optimizer.js";
import { LRScheduler, checkFinite, checkSchedulerOptions } from "./lr-scheduler.js";
import { type ScheduledLr, scaleLr } from "./scheduled-lr.js";

/** Options of {@link ExponentialLR} (PyTorch's `gamma`, `last_epoch`). */
export interface ExponentialLROptions {
  /** Multiplicative factor per epoch (required). */
  gamma: number;
  /** -1 for a fresh start (default), or the last epoch when resuming. */
  lastEpoch?: number;
}

/**
 * Decay each group's lr by `gamma` every epoch (PyTorch 2.8's `ExponentialLR`).
 *
 * Chainable form: `lr * gamma` at each step (unchanged at construction, also when resuming).
 * Closed form (`setEpoch`): `baseLr * gamma^lastEpoch`. With ASGD the scheduled lr reaches the
 * parameters one step late (see {@link LRScheduler}).
 *
 * @example
 * const sched = new ExponentialLR(opt, { gamma: 0.95 });
 */
export class ExponentialLR extends LRScheduler {
  /** Multiplicative factor per epoch. */
  gamma: number;

  /**
   * @param optimizer the optimizer to schedule.
   * @param options see {@link ExponentialLROptions}.
   * @throws TypeError for a missing or invalid `gamma`; Error when resuming without `initialLr`.
   */
  constructor(optimizer: Optimizer, options: ExponentialLROptions) {
    const where = new.target.name;
    const o = checkSchedulerOptions(options ?? {}, ["gamma", "lastEpoch"], where);
    const gamma = checkFinite(o.gamma, "gamma", where);
    super(optimizer, (o.lastEpoch as number | undefined) ?? -1);
    this.gamma = gamma;
    this.initialStep();
  }

  /** PyTorch's chainable `get_lr`. */
  protected computeLr(): ScheduledLr[] {
    const lrs = this.groupLrs();
    if (this.isInitial) return lrs;
    return lrs.map((lr) => scaleLr(lr, this.gamma));
  }

  /** `baseLr * gamma^lastEpoch`. */
  protected override closedFormLr(): ScheduledLr[] {
    return this.scheduledBaseLrs().map((b) => scaleLr(b, this.gamma ** this.lastEpoch));
  }

  protected hyperparameters(): Record<string, unknown> {
    return { gamma: this.gamma };
  }

  protected prepareHyperparameters(sd: Record<string, unknown>, where: string): () => void {
    const gamma = checkFinite(sd.gamma, "gamma", where);
    return () => {
      this.gamma = gamma;
    };
  }
}
