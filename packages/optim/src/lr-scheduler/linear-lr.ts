/**
 * `LinearLR`: scale the lr by a factor that moves linearly from `startFactor` to `endFactor`.
 * @module
 */
import type { Optimizer } from "../optimizer.js";
import { LRScheduler, checkFinite, checkInteger, checkSchedulerOptions } from "./lr-scheduler.js";
import { type ScheduledLr, scaleLr } from "./scheduled-lr.js";

/** Options of {@link LinearLR} (PyTorch's `start_factor`, `end_factor`, `total_iters`, `last_epoch`). */
export interface LinearLROptions {
  /** Factor at epoch 0, in (0, 1] (default 1/3). */
  startFactor?: number;
  /** Factor from epoch `totalIters` on, in [0, 1] (default 1). */
  endFactor?: number;
  /** Number of epochs the factor takes to reach `endFactor` (a positive integer, default 5). */
  totalIters?: number;
  /** -1 for a fresh start (default), or the last epoch when resuming. */
  lastEpoch?: number;
}

/** The options LinearLR's formulas need. */
export interface LinearLRParameters {
  startFactor: number;
  endFactor: number;
  totalIters: number;
}

/**
 * LinearLR's closed form: `start + (end - start) * min(totalIters, epoch) / totalIters`, the
 * factor applied to the base lr at `epoch` (evaluated in PyTorch's order).
 * @example linearLrFactor(2, { startFactor: 0.25, endFactor: 1, totalIters: 4 }); // 0.625
 */
export function linearLrFactor(epoch: number, p: LinearLRParameters): number {
  return p.startFactor + ((p.endFactor - p.startFactor) * Math.min(p.totalIters, epoch)) / p.totalIters;
}

/** @internal PyTorch 2.8's LinearLR argument checks plus tapegrad's type checks. */
function checkLinearParameters(p: Record<string, unknown>, where: string): LinearLRParameters {
  const startFactor = checkFinite(p.startFactor, "startFactor", where);
  const endFactor = checkFinite(p.endFactor, "endFactor", where);
  if (startFactor > 1.0 || startFactor <= 0) {
    throw new RangeError(`${where}: Starting multiplicative factor expected to be greater than 0 and less or equal to 1 (startFactor ${startFactor})`);
  }
  if (endFactor > 1.0 || endFactor < 0) {
    throw new RangeError(`${where}: Ending multiplicative factor expected to be between 0 and 1 (endFactor ${endFactor})`);
  }
  const totalIters = checkInteger(p.totalIters, "totalIters", where, 1);
  return { startFactor, endFactor, totalIters };
}

/**
 * Multiply each group's lr by a factor changing linearly from `startFactor` (epoch 0) to
 * `endFactor` (epoch `totalIters` and after); PyTorch 2.8's `LinearLR`.
 *
 * Chainable form (what `step()` applies to the group's current lr, `n` = lastEpoch):
 * `n == 0`: `lr * start`; `n > totalIters` (or the initial step when resuming): `lr`; else
 * `lr * (1 + (end - start) / (totalIters * start + (n - 1) * (end - start)))`.
 * Closed form ({@link linearLrFactor}, used by `setEpoch`): `baseLr * factor(n)`.
 * The chain drifts from the closed form by a few ulps (e.g. 0.10000000000000002 instead of 0.1).
 *
 * Construction multiplies the groups' current lrs by `startFactor` at once. With ASGD the
 * scheduled lr reaches the parameters one step late (see {@link LRScheduler}).
 *
 * Differences from PyTorch 2.8: `totalIters` must be a positive integer (PyTorch accepts 0 and
 * then divides by zero in the closed form); messages also show the offending value.
 *
 * @example
 * const sched = new LinearLR(opt, { startFactor: 0.1, endFactor: 1, totalIters: 20 });
 * for (let e = 0; e < 100; e++) { train(); opt.step(); sched.step(); }
 */
export class LinearLR extends LRScheduler {
  /** Factor at epoch 0. */
  startFactor: number;
  /** Factor from epoch `totalIters` on. */
  endFactor: number;
  /** Length of the linear phase in epochs. */
  totalIters: number;

  /**
   * @param optimizer the optimizer to schedule.
   * @param options see {@link LinearLROptions}.
   * @throws RangeError for a factor out of range or `totalIters < 1`; TypeError for wrong types or
   *   an unknown option; Error when resuming without `initialLr`.
   */
  constructor(optimizer: Optimizer, options: LinearLROptions = {}) {
    const where = new.target.name;
    const o = checkSchedulerOptions(options, ["startFactor", "endFactor", "totalIters", "lastEpoch"], where);
    const p = checkLinearParameters({ startFactor: o.startFactor ?? 1 / 3, endFactor: o.endFactor ?? 1.0, totalIters: o.totalIters ?? 5 }, where);
    super(optimizer, (o.lastEpoch as number | undefined) ?? -1);
    this.startFactor = p.startFactor;
    this.endFactor = p.endFactor;
    this.totalIters = p.totalIters;
    this.initialStep();
  }

  /** PyTorch's chainable `get_lr`. */
  protected computeLr(): ScheduledLr[] {
    const n = this.lastEpoch;
    const { startFactor: s, endFactor: e, totalIters: t } = this;
    if (n === 0) return this.groupLrs().map((lr) => scaleLr(lr, s));
    if (this.isInitial || n > t) return this.groupLrs();
    const d = e - s;
    const factor = 1.0 + d / (t * s + (n - 1) * d);
    return this.groupLrs().map((lr) => scaleLr(lr, factor));
  }

  /** `baseLr * linearLrFactor(lastEpoch)`. */
  protected override closedFormLr(): ScheduledLr[] {
    return this.scheduledBaseLrs().map((b) => scaleLr(b, linearLrFactor(this.lastEpoch, this)));
  }

  protected hyperparameters(): Record<string, unknown> {
    return { startFactor: this.startFactor, endFactor: this.endFactor, totalIters: this.totalIters };
  }

  protected prepareHyperparameters(sd: Record<string, unknown>, where: string): () => void {
    const p = checkLinearParameters(sd, where);
    return () => {
      this.startFactor = p.startFactor;
      this.endFactor = p.endFactor;
      this.totalIters = p.totalIters;
    };
  }
}
