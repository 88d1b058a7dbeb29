/**
 * `CosineAnnealingLR`: anneal the lr along a cosine from the base lr to `etaMin` over `tMax` epochs.
 * @module
 */
import type { Optimizer } from "../optimizer.js";
import { LRScheduler, checkFinite, checkSchedulerOptions, floorMod } from "./lr-scheduler.js";
import { type ScheduledLr } from "./scheduled-lr.js";

/** Options of {@link CosineAnnealingLR} (PyTorch's `T_max`, `eta_min`, `last_epoch`). */
export interface CosineAnnealingLROptions {
  /** Half period in epochs: the lr reaches `etaMin` at epoch `tMax` (required, > 0). */
  tMax: number;
  /** Minimum lr (default 0). */
  etaMin?: number;
  /** -1 for a fresh start (default), or the last epoch when resuming. */
  lastEpoch?: number;
}

/**
 * CosineAnnealingLR's closed form: `etaMin + (baseLr - etaMin) * (1 + cos(pi * epoch / tMax)) / 2`
 * (evaluated in PyTorch's order). Past `tMax` it rises again: the period is `2 * tMax`.
 * @example cosineAnnealingLr(2, 0.1, { tMax: 4, etaMin: 0.01 }); // 0.055
 */
export function cosineAnnealingLr(epoch: number, baseLr: number, p: { tMax: number; etaMin: number }): number {
  return p.etaMin + ((baseLr - p.etaMin) * (1 + Math.cos((Math.PI * epoch) / p.tMax))) / 2;
}

/** `(b - m) * k / 2`: in double, or in tensor ops (the same order) for a base lr on the tape. */
function half(b: ScheduledLr, m: number, k: number): ScheduledLr {
  return typeof b === "number" ? ((b - m) * k) / 2 : b.sub(m).mul(k).div(2);
}

/** `a + b`, a recorded op when either is a tensor. */
function plus(a: ScheduledLr, b: ScheduledLr): ScheduledLr {
  if (typeof a === "number") return typeof b === "number" ? a + b : b.add(a);
  return a.add(b);
}

function checkCosineParameters(p: Record<string, unknown>, where: string): { tMax: number; etaMin: number } {
  const tMax = checkFinite(p.tMax, "tMax", where);
  if (!(tMax > 0)) throw new RangeError(`${where}: tMax must be > 0, got ${tMax}`);
  const etaMin = checkFinite(p.etaMin, "etaMin", where);
  return { tMax, etaMin };
}

/**
 * Cosine annealing (SGDR without restarts), PyTorch 2.8's `CosineAnnealingLR`, in PyTorch's
 * recursive ("chainable") form, so it composes with other changes of the group lr.
 *
 * With `n` = lastEpoch, `b` = base lr, `m` = etaMin, `T` = tMax, `step()` sets each group's lr to:
 * the current lr at construction; `m + (b - m) * (1 + cos(n * pi / T)) / 2` if the scheduler was
 * resumed at `n > 0` with a step count of 1; `lr + (b - m) * (1 - cos(pi / T)) / 2` when
 * `(n - 1 - T) mod 2T == 0` (Python's floor modulo: right after each minimum, where the ratio
 * below would divide by zero); otherwise
 * `(1 + cos(pi * n / T)) / (1 + cos(pi * (n - 1) / T)) * (lr - m) + m`.
 * Beyond `tMax` the lr does not stay at `etaMin`: it climbs back to the base lr at `2 * tMax`,
 * and so on (period `2 * tMax`). {@link cosineAnnealingLr} is the closed form (`setEpoch`).
 *
 * With ASGD the scheduled lr reaches the parameters one step late (see {@link LRScheduler}).
 *
 * Differences from PyTorch 2.8: `tMax` must be a positive number (PyTorch divides by zero at the
 * first step for 0) and `etaMin` a finite number.
 *
 * @example
 * const sched = new CosineAnnealingLR(opt, { tMax: 80, etaMin: 3e-5 });
 * for (let e = 0; e < 80; e++) { train(); opt.step(); sched.step(); }
 */
export class CosineAnnealingLR extends LRScheduler {
  /** Half period in epochs. */
  tMax: number;
  /** Minimum lr. */
  etaMin: number;

  /**
   * @param optimizer the optimizer to schedule.
   * @param options see {@link CosineAnnealingLROptions}.
   * @throws RangeError for `tMax <= 0`; TypeError for wrong types, a missing `tMax` or an unknown
   *   option; Error when resuming without `initialLr`.
   */
  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions) {
    const where = new.target.name;
    const o = checkSchedulerOptions(options ?? {}, ["tMax", "etaMin", "lastEpoch"], where);
    const p = checkCosineParameters({ tMax: o.tMax, etaMin: o.etaMin ?? 0 }, where);
    super(optimizer, (o.lastEpoch as number | undefined) ?? -1);
    this.tMax = p.tMax;
    this.etaMin = p.etaMin;
    this.initialStep();
  }

  /** PyTorch's chainable `get_lr`. */
  protected computeLr(): ScheduledLr[] {
    const n = this.lastEpoch;
    const T = this.tMax;
    const m = this.etaMin;
    const lrs = this.groupLrs();
    if (this.isInitial) return lrs;
    const bases = this.scheduledBaseLrs();
    if (this.stepCount === 1 && n > 0) return bases.map((b) => plus(m, half(b, m, 1 + Math.cos((n * Math.PI) / T))));
    if (floorMod(n - 1 - T, 2 * T) === 0) {
      return lrs.slice(0, bases.length).map((lr, i) => plus(lr, half(bases[i]!, m, 1 - Math.cos(Math.PI / T))));
    }
    const ratio = (1 + Math.cos((Math.PI * n) / T)) / (1 + Math.cos((Math.PI * (n - 1)) / T));
    return lrs.map((lr) => (typeof lr === "number" ? ratio * (lr - m) + m : lr.sub(m).mul(ratio).add(m)));
  }

  /** `cosineAnnealingLr(lastEpoch, baseLr)` for each group. */
  protected override closedFormLr(): ScheduledLr[] {
    const n = this.lastEpoch;
    return this.scheduledBaseLrs().map((b) =>
      typeof b === "number" ? cosineAnnealingLr(n, b, this) : plus(this.etaMin, half(b, this.etaMin, 1 + Math.cos((Math.PI * n) / this.tMax))),
    );
  }

  protected hyperparameters(): Record<string, unknown> {
    return { tMax: this.tMax, etaMin: this.etaMin };
  }

  protected prepareHyperparameters(sd: Record<string, unknown>, where: string): () => void {
    const p = checkCosineParameters(sd, where);
    return () => {
      this.tMax = p.tMax;
      this.etaMin = p.etaMin;
    };
  }
}
