/**
 * `LinearLR`: scale the lr by a factor that moves linearly from `startFactor` to `endFactor`.
 * @module
 */
import { Tensor, add, div, mul, sub } from "@tapegrad/core";
import type { Optimizer } from "../optimizer.js";
import { describeValue } from "../state-dict.js";
import { LRScheduler, checkFinite, checkInteger, checkSchedulerOptions } from "./lr-scheduler.js";
import { type ScheduledLr, scaleLr } from "./scheduled-lr.js";

/** Options of {@link LinearLR} (PyTorch's `start_factor`, `end_factor`, `total_iters`, `last_epoch`). */
export interface LinearLROptions {
  /** Factor at epoch 0, in (0, 1] (default 1/3); a 1-element tensor that requires grad is learnable (on the tape). */
  startFactor?: number | Tensor;
  /** Factor from epoch `totalIters` on, in [0, 1] (default 1); also a 1-element tensor. */
  endFactor?: number | Tensor;
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

/** LinearLR's factors: numbers, or 1-element float tensors (learnable factors, on the tape). */
interface Factors {
  startFactor: number | Tensor;
  endFactor: number | Tensor;
  totalIters: number;
}

/** A factor: a finite number, or a 1-element float tensor with a finite value (kept as given). */
function checkFactor(value: unknown, name: string, where: string): { factor: number | Tensor; shown: string; v: number } {
  if (!(value instanceof Tensor)) {
    const v = checkFinite(value, name, where);
    return { factor: v, shown: String(v), v };
  }
  if (value.numel() !== 1 || !value.isFloatingPoint() || !Number.isFinite(value.item())) {
    throw new TypeError(`${where}: ${name} must be a finite number or a 1-element float tensor, got ${describeValue(value)}`);
  }
  return { factor: value, shown: `tensor(${value.item()})`, v: value.item() };
}

/** A factor for the formulas: a number, or a fresh 0-dim view of the tensor (a view made once would be freed by the first backward through it). */
function scalarFactor(f: number | Tensor): number | Tensor {
  return typeof f === "number" ? f : f.reshape([]);
}

/** @internal PyTorch 2.8's LinearLR argument checks plus tapegrad's type checks. */
function checkLinearParameters(p: Record<string, unknown>, where: string): Factors {
  const start = checkFactor(p.startFactor, "startFactor", where);
  const end = checkFactor(p.endFactor, "endFactor", where);
  if (start.v > 1.0 || start.v <= 0) {
    throw new RangeError(`${where}: Starting multiplicative factor expected to be greater than 0 and less or equal to 1 (startFactor ${start.shown})`);
  }
  if (end.v > 1.0 || end.v < 0) {
    throw new RangeError(`${where}: Ending multiplicative factor expected to be between 0 and 1 (endFactor ${end.shown})`);
  }
  const totalIters = checkInteger(p.totalIters, "totalIters", where, 1);
  return { startFactor: start.factor, endFactor: end.factor, totalIters };
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
 * A factor may be a 1-element tensor that requires grad (a learnable warm-up): the formulas then
 * run in tensor ops in the same order, and the group lrs become tensors on the tape (tapegrad's
 * extension; PyTorch's factors are numbers).
 *
 * Differences from PyTorch 2.8: `totalIters` must be a positive integer (PyTorch accepts 0 and
 * then divides by zero in the closed form); messages also show the offending value.
 *
 * @example
 * const sched = new LinearLR(opt, { startFactor: 0.1, endFactor: 1, totalIters: 20 });
 * for (let e = 0; e < 100; e++) { train(); opt.step(); sched.step(); }
 */
export class LinearLR extends LRScheduler {
  /** Factor at epoch 0 (a 1-element tensor when learnable). */
  startFactor: number | Tensor;
  /** Factor from epoch `totalIters` on (a 1-element tensor when learnable). */
  endFactor: number | Tensor;
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
    const [s, e, t] = [scalarFactor(this.startFactor), scalarFactor(this.endFactor), this.totalIters];
    if (n === 0) return this.groupLrs().map((lr) => scaleLr(lr, s));
    if (this.isInitial || n > t) return this.groupLrs();
    let factor: number | Tensor;
    if (typeof s === "number" && typeof e === "number") {
      const d = e - s;
      factor = 1.0 + d / (t * s + (n - 1) * d);
    } else {
      const d = sub(e, s);
      factor = add(div(d, add(mul(s, t), mul(d, n - 1))), 1.0);
    }
    return this.groupLrs().map((lr) => scaleLr(lr, factor));
  }

  /** `baseLr * linearLrFactor(lastEpoch)` (in tensor ops for a learnable factor). */
  protected override closedFormLr(): ScheduledLr[] {
    const [s, e, t] = [scalarFactor(this.startFactor), scalarFactor(this.endFactor), this.totalIters];
    const n = this.lastEpoch;
    const factor = typeof s === "number" && typeof e === "number" ? linearLrFactor(n, { startFactor: s, endFactor: e, totalIters: t }) : add(s, div(mul(sub(e, s), Math.min(t, n)), t));
    return this.scheduledBaseLrs().map((b) => scaleLr(b, factor));
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
