/**
 * `ConstantLR`: scale the lr by a constant factor until a given epoch.
 * @module
 */
import type { Optimizer } from "../optimizer.js";
import { LRScheduler, checkFinite, checkInteger, checkSchedulerOptions } from "./lr-scheduler.js";
import { type ScheduledLr, scaleLr } from "./scheduled-lr.js";

/** Options of {@link ConstantLR} (PyTorch's `factor`, `total_iters`, `last_epoch`). */
export interface ConstantLROptions {
  /** Factor applied until epoch `totalIters`, in [0, 1] (default 1/3). */
  factor?: number;
  /** Epoch at which the factor is removed (a non-negative integer, default 5). */
  totalIters?: number;
  /** -1 for a fresh start (default), or the last epoch when resuming. */
  lastEpoch?: number;
}

function checkConstantParameters(p: Record<string, unknown>, where: string): { factor: number; totalIters: number } {
  const factor = checkFinite(p.factor, "factor", where);
  if (factor > 1.0 || factor < 0) {
    throw new RangeError(`${where}: Constant multiplicative factor expected to be between 0 and 1 (factor ${factor})`);
  }
  return { factor, totalIters: checkInteger(p.totalIters, "totalIters", where, 0) };
}

/**
 * Multiply each group's lr by `factor` until epoch `totalIters` (PyTorch 2.8's `ConstantLR`).
 *
 * Chainable form: `lr * factor` at epoch 0, `lr / factor` (as `lr * (1 / factor)`) at epoch
 * `totalIters`, unchanged otherwise. Closed form (`setEpoch`):
 * `baseLr * (factor + (lastEpoch >= totalIters) * (1 - factor))`. With ASGD the scheduled lr reaches
 * the parameters one step late (see {@link LRScheduler}).
 *
 * @example
 * const sched = new ConstantLR(opt, { factor: 0.5, totalIters: 4 }); // half the lr for 4 epochs
 */
export class ConstantLR extends LRScheduler {
  /** Factor applied until epoch `totalIters`. */
  factor: number;
  /** Epoch at which the factor is removed. */
  totalIters: number;

  /**
   * @param optimizer the optimizer to schedule.
   * @param options see {@link ConstantLROptions}.
   * @throws RangeError for a factor outside [0, 1] or a negative `totalIters`; TypeError for wrong
   *   types; Error when resuming without `initialLr`.
   */
  constructor(optimizer: Optimizer, options: ConstantLROptions = {}) {
    const where = new.target.name;
    const o = checkSchedulerOptions(options, ["factor", "totalIters", "lastEpoch"], where);
    const p = checkConstantParameters({ factor: o.factor ?? 1 / 3, totalIters: o.totalIters ?? 5 }, where);
    super(optimizer, (o.lastEpoch as number | undefined) ?? -1);
    this.factor = p.factor;
    this.totalIters = p.totalIters;
    this.initialStep();
  }

  /** PyTorch's chainable `get_lr`. */
  protected computeLr(): ScheduledLr[] {
    const lrs = this.groupLrs();
    if (this.lastEpoch === 0) return lrs.map((lr) => scaleLr(lr, this.factor));
    if (this.lastEpoch !== this.totalIters) return lrs;
    return lrs.map((lr) => scaleLr(lr, (1.0 / this.factor)));
  }

  /** `baseLr * (factor + (lastEpoch >= totalIters) * (1 - factor))`. */
  protected override closedFormLr(): ScheduledLr[] {
    const done = this.lastEpoch >= this.totalIters ? 1 : 0;
    return this.scheduledBaseLrs().map((b) => scaleLr(b, (this.factor + done * (1 - this.factor))));
  }

  protected hyperparameters(): Record<string, unknown> {
    return { factor: this.factor, totalIters: this.totalIters };
  }

  protected prepareHyperparameters(sd: Record<string, unknown>, where: string): () => void {
    const p = checkConstantParameters(sd, where);
    return () => {
      this.factor = p.factor;
      this.totalIters = p.totalIters;
    };
  }
}
