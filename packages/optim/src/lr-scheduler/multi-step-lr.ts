/**
 * `MultiStepLR`: multiply the lr by `gamma` at each milestone epoch.
 * @module
 */
import type { Optimizer } from "../optimizer.js";
import { describeValue } from "../state-dict.js";
import { LRScheduler, checkFinite, checkSchedulerOptions } from "./lr-scheduler.js";
import { type ScheduledLr, scaleLr } from "./scheduled-lr.js";

/** Options of {@link MultiStepLR} (PyTorch's `milestones`, `gamma`, `last_epoch`). */
export interface MultiStepLROptions {
  /** Epochs at which the lr decays (non-negative integers; a repeated milestone decays several times). */
  milestones: number[];
  /** Multiplicative factor (default 0.1). */
  gamma?: number;
  /** -1 for a fresh start (default), or the last epoch when resuming. */
  lastEpoch?: number;
}

function checkMultiStepParameters(p: Record<string, unknown>, where: string): { milestones: number[]; gamma: number } {
  const m = p.milestones;
  if (!Array.isArray(m) || m.some((x) => typeof x !== "number" || !Number.isInteger(x) || x < 0)) {
    throw new TypeError(`${where}: milestones must be an array of non-negative integers, got ${describeValue(m)}`);
  }
  return { milestones: (m as number[]).slice().sort((a, b) => a - b), gamma: checkFinite(p.gamma, "gamma", where) };
}

/** Index of the first entry greater than `x` in a sorted array. */
function countAtMost(sorted: readonly number[], x: number): number {
  let n = 0;
  while (n < sorted.length && sorted[n]! <= x) n++;
  return n;
}

/**
 * Decay each group's lr by `gamma` once the epoch reaches each milestone (PyTorch 2.8's `MultiStepLR`).
 *
 * Chainable form: at an epoch listed `k` times in `milestones` the lr is multiplied by `gamma^k`,
 * otherwise unchanged. Closed form (`setEpoch`): `baseLr * gamma^(number of milestones <= lastEpoch)`.
 * Milestones are stored sorted (PyTorch keeps a Counter). With ASGD the scheduled lr reaches the
 * parameters one step late (see {@link LRScheduler}).
 *
 * @example
 * const sched = new MultiStepLR(opt, { milestones: [30, 80], gamma: 0.1 });
 */
export class MultiStepLR extends LRScheduler {
  /** Sorted milestone epochs (with repetitions). */
  milestones: number[];
  /** Multiplicative factor. */
  gamma: number;

  /**
   * @param optimizer the optimizer to schedule.
   * @param options see {@link MultiStepLROptions}.
   * @throws TypeError for missing or invalid options; Error when resuming without `initialLr`.
   */
  constructor(optimizer: Optimizer, options: MultiStepLROptions) {
    const where = new.target.name;
    const o = checkSchedulerOptions(options ?? {}, ["milestones", "gamma", "lastEpoch"], where);
    const p = checkMultiStepParameters({ milestones: o.milestones, gamma: o.gamma ?? 0.1 }, where);
    super(optimizer, (o.lastEpoch as number | undefined) ?? -1);
    this.milestones = p.milestones;
    this.gamma = p.gamma;
    this.initialStep();
  }

  /** PyTorch's chainable `get_lr`. */
  protected computeLr(): ScheduledLr[] {
    const k = this.milestones.filter((m) => m === this.lastEpoch).length;
    const lrs = this.groupLrs();
    if (k === 0) return lrs;
    return lrs.map((lr) => scaleLr(lr, this.gamma ** k));
  }

  /** `baseLr * gamma^(milestones <= lastEpoch)`. */
  protected override closedFormLr(): ScheduledLr[] {
    return this.scheduledBaseLrs().map((b) => scaleLr(b, this.gamma ** countAtMost(this.milestones, this.lastEpoch)));
  }

  protected hyperparameters(): Record<string, unknown> {
    return { milestones: this.milestones.slice(), gamma: this.gamma };
  }

  protected prepareHyperparameters(sd: Record<string, unknown>, where: string): () => void {
    const p = checkMultiStepParameters(sd, where);
    return () => {
      this.milestones = p.milestones;
      this.gamma = p.gamma;
    };
  }
}
