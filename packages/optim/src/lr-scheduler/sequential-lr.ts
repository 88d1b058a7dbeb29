/**
 * `SequentialLR`: run schedulers one after another, switching at milestone epochs.
 * @module
 */
import { checkStateTree } from "@tapegrad/core/internal";
import type { Tensor } from "@tapegrad/core";
import type { Optimizer } from "../optimizer.js";
import { describeValue, isPlainObject } from "../state-dict.js";
import { LRScheduler, type LRSchedulerStateDict, checkInteger, checkNumberList, checkSchedulerOptions } from "./lr-scheduler.js";
import { type ScheduledLr, isLrOnTape, lrValue, writeLrs } from "./scheduled-lr.js";
import { ReduceLROnPlateau } from "./reduce-lr-on-plateau.js";

/** Options of {@link SequentialLR}. */
export interface SequentialLROptions {
  /** The schedulers, in the order they take over (all on the same optimizer, at least one). */
  schedulers: LRScheduler[];
  /** Epochs at which the next scheduler takes over: strictly increasing integers >= 1, one fewer than schedulers. */
  milestones: number[];
  /** Only -1 (a fresh start); resume with {@link SequentialLR.loadStateDict}. */
  lastEpoch?: number;
}

/** The state dict of {@link SequentialLR}: its own counters and one state dict per child. */
export interface SequentialLRStateDict extends LRSchedulerStateDict {
  milestones: number[];
  schedulers: LRSchedulerStateDict[];
}

/** Index of the first milestone greater than `x` (Python's `bisect_right`). */
function bisectRight(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < sorted[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function checkMilestones(value: unknown, count: number | null, where: string): number[] {
  if (!Array.isArray(value)) throw new TypeError(`${where}: milestones must be an array of integers, got ${describeValue(value)}`);
  value.forEach((m: unknown, i) => {
    if (typeof m !== "number" || !Number.isInteger(m) || m < 1) {
      throw new RangeError(`${where}: milestones must be integers >= 1, got ${describeValue(m)} at index ${i}`);
    }
    if (i > 0 && m <= (value[i - 1] as number)) {
      throw new RangeError(`${where}: milestones must be strictly increasing, got [${value.join(", ")}]`);
    }
  });
  if (count !== null && value.length !== count) {
    throw new Error(
      `${where}: Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, ` +
        `but got number of schedulers ${count + 1} and the number of milestones to be equal to ${value.length}`,
    );
  }
  return value.slice() as number[];
}

/**
 * Chain schedulers: `schedulers[0]` runs until `milestones[0]`, then `schedulers[1]` until
 * `milestones[1]`, and so on (PyTorch 2.8's `SequentialLR`).
 *
 * Build the children first, on the same optimizer, then the container, e.g. a warmup then a cosine
 * decay. Construction resets every group's lr to its `initialLr`, steps every child (recursively,
 * through nested SequentialLRs) back by one epoch, and re-runs the first child's initial step, so
 * the schedule starts from the first child's epoch-0 value whatever the other children did when
 * they were built. `step()` advances only the active child; at a milestone the next child restarts
 * from its closed form at epoch 0 (e.g. CosineAnnealingLR from its base lr), regardless of the lr
 * the previous child reached. Inactive children keep their epochs.
 *
 * With ASGD the scheduled lr reaches the parameters one step late (see {@link LRScheduler}).
 *
 * Differences from PyTorch 2.8: no deprecation warning at milestones (PyTorch 2.8 calls the child's
 * deprecated `step(0)`; fixed in 2.9); milestones must be strictly increasing integers >= 1
 * (PyTorch silently skips scheduler 0 for a milestone 0, pytorch/pytorch#185872); `lastEpoch` other
 * than -1 is rejected (PyTorch ignores it, #162591); group lrs given as tensors are filled in place
 * instead of aliased to `initialLr`; `loadStateDict` needs one saved state per child; a nested
 * SequentialLR restarts at its epoch 0 when the outer one is built (PyTorch steps it to epoch 1
 * while its first child is at epoch 0, shifting its milestones by one).
 *
 * @example
 * const warmup = new LinearLR(opt, { startFactor: 0.1, endFactor: 1, totalIters: 20 });
 * const decay = new CosineAnnealingLR(opt, { tMax: 80, etaMin: 3e-5 });
 * const sched = new SequentialLR(opt, { schedulers: [warmup, decay], milestones: [20] });
 * for (let e = 0; e < 100; e++) { train(); opt.step(); sched.step(); }
 */
export class SequentialLR extends LRScheduler {
  /** The chained schedulers. */
  readonly schedulers: readonly LRScheduler[];
  /** The epochs at which the next scheduler takes over. */
  milestones: number[];

  /**
   * @param optimizer the optimizer every child schedules.
   * @param options see {@link SequentialLROptions}.
   * @throws Error for an empty list, children of another optimizer or a milestone count that does
   *   not match; TypeError for a child that is not a scheduler; RangeError for bad milestones or
   *   `lastEpoch`; Error if a group has no `initialLr`.
   */
  constructor(optimizer: Optimizer, options: SequentialLROptions) {
    const where = new.target.name;
    const o = checkSchedulerOptions(options ?? {}, ["schedulers", "milestones", "lastEpoch"], where);
    const schedulers = o.schedulers;
    if (!Array.isArray(schedulers)) throw new TypeError(`${where}: schedulers must be an array of lr schedulers, got ${describeValue(schedulers)}`);
    if (schedulers.length < 1) throw new Error(`${where} expects at least one scheduler, but got no scheduler.`);
    schedulers.forEach((s: unknown, i) => {
      if (s instanceof ReduceLROnPlateau) {
        throw new Error(
          `${where} does not support \`ReduceLROnPlateau\` scheduler as it requires additional kwargs to be specified when calling \`step\`, but got one at index ${i} in the given schedulers sequence.`,
        );
      }
      if (typeof s !== "object" || s === null || !("optimizer" in s)) {
        throw new TypeError(`${where} at index ${i} should have \`optimizer\` as its attribute (got ${describeValue(s)}).`);
      }
      if (!(s instanceof LRScheduler)) throw new TypeError(`${where}: schedulers[${i}] must be an LRScheduler, got ${describeValue(s)}`);
      if (s.optimizer !== optimizer) {
        throw new Error(
          `${where} expects all schedulers to belong to the same optimizer, but got scheduler ${s.constructor.name} at index ${i} has another ${s.optimizer.constructor.name} instance, which is different from ${optimizer.constructor.name}.`,
        );
      }
    });
    const milestones = checkMilestones(o.milestones, schedulers.length - 1, where);
    const lastEpoch = (o.lastEpoch as number | undefined) ?? -1;
    if (lastEpoch !== -1) {
      throw new RangeError(`${where}: lastEpoch must be -1 (resume with loadStateDict instead), got ${describeValue(lastEpoch)}`);
    }
    super(optimizer, lastEpoch, false);
    optimizer.paramGroups.forEach((g, i) => {
      if (g.initialLr === undefined) {
        throw new Error(`${where}: paramGroups[${i}] has no initialLr; construct the schedulers on this optimizer before the SequentialLR`);
      }
    });
    this.schedulers = schedulers.slice();
    this.milestones = milestones;
    this.lastEpoch = lastEpoch + 1;
    // Copy the value: PyTorch assigns the initialLr object itself, which aliases tensor lrs (an
    // initialLr on the tape is never written into, so the group takes that tensor and its history).
    for (const g of optimizer.paramGroups) writeLrs([g], [isLrOnTape(g.initialLr) ? (g.initialLr as Tensor) : lrValue(g.initialLr)]);
    for (const s of this.schedulers) s.undoEpoch();
    this.schedulers[0]!.initialStep();
    this.setLastLr(this.schedulers[0]!.getLastLr());
  }

  /** Not available: a container has no formula of its own (use {@link SequentialLR.getLastLr}). */
  protected computeLr(): ScheduledLr[] {
    throw new Error(`${this.constructor.name}.getLr: not supported; use getLastLr()`);
  }

  /**
   * Advance one epoch: the active child steps, or, at a milestone, the next child restarts at its
   * epoch 0 (closed form).
   * @throws TypeError if given an argument.
   */
  override step(): void {
    if (arguments.length > 0) throw new TypeError(`${this.constructor.name}.step: takes no epoch argument`);
    this.lastEpoch += 1;
    const idx = bisectRight(this.milestones, this.lastEpoch);
    const s = this.schedulers[idx]!;
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.setEpoch(0);
    else s.step();
    this.setLastLr(s.getLastLr());
  }

  /**
   * Jump to `epoch`: the child active at that epoch jumps to `epoch` minus its milestone (its
   * closed form when it has one).
   * @param epoch a non-negative integer.
   * @throws TypeError/RangeError for anything else.
   */
  override setEpoch(epoch: number): void {
    checkInteger(epoch, "epoch", `${this.constructor.name}.setEpoch`, 0);
    const idx = bisectRight(this.milestones, epoch);
    const s = this.schedulers[idx]!;
    s.setEpoch(idx > 0 ? epoch - this.milestones[idx - 1]! : epoch);
    this.lastEpoch = epoch;
    this.setLastLr(s.getLastLr());
  }

  /**
   * @internal restart at epoch 0 with the first child's initial step (a nested SequentialLR inside
   * another one's construction).
   */
  override initialStep(): void {
    this.lastEpoch = 0;
    this.schedulers[0]!.initialStep();
    this.setLastLr(this.schedulers[0]!.getLastLr());
  }

  /** @internal steps every child back one epoch (PyTorch's `recursive_undo`); the container's own epoch stays. */
  override undoEpoch(): void {
    for (const s of this.schedulers) s.undoEpoch();
  }

  protected hyperparameters(): Record<string, unknown> {
    return { milestones: this.milestones.slice() };
  }

  protected prepareHyperparameters(sd: Record<string, unknown>, where: string): () => void {
    const milestones = checkMilestones(sd.milestones, this.schedulers.length - 1, where);
    return () => {
      this.milestones = milestones;
    };
  }

  /**
   * `{ milestones, lastEpoch, lastLr, schedulers }` with one (nested) state dict per child.
   * @example const sd = sched.stateDict(); sd.schedulers[1].lastEpoch;
   */
  override stateDict(): SequentialLRStateDict {
    return {
      milestones: this.milestones.slice(),
      lastEpoch: this.lastEpoch,
      lastLr: this.getLastLr(),
      schedulers: this.schedulers.map((s) => s.stateDict()),
    };
  }

  /**
   * Restore a state from {@link SequentialLR.stateDict}, children included. Everything is validated
   * first (it needs exactly one saved state per child); the optimizer's lrs are not touched.
   * @throws TypeError/Error naming the offending key or child.
   */
  override loadStateDict(stateDict: LRSchedulerStateDict): void {
    this.prepareLoad(stateDict, `${this.constructor.name}.loadStateDict`)();
  }

  /** @internal validate a state dict (children included) and return the function that applies it. */
  override prepareLoad(stateDict: unknown, where: string): () => void {
    if (!isPlainObject(stateDict)) throw new TypeError(`${where}: the state dict must be an object, got ${describeValue(stateDict)}`);
    checkStateTree(stateDict, where);
    const known = ["milestones", "lastEpoch", "lastLr", "schedulers"];
    for (const key of known) if (!Object.hasOwn(stateDict, key)) throw new Error(`${where}: the state dict has no "${key}"`);
    for (const key of Object.keys(stateDict)) {
      if (!known.includes(key)) throw new Error(`${where}: unexpected key "${key}" in the state dict (expected ${known.join(", ")})`);
    }
    const applyMilestones = this.prepareHyperparameters(stateDict, where);
    const lastEpoch = checkInteger(stateDict.lastEpoch, "lastEpoch", where, 0);
    const lastLr = checkNumberList(stateDict.lastLr, "lastLr", where, this.optimizer.paramGroups.length).slice();
    const saved = stateDict.schedulers;
    if (!Array.isArray(saved) || saved.length !== this.schedulers.length) {
      throw new Error(`${where}: schedulers must be an array of ${this.schedulers.length} state dicts (one per child), got ${describeValue(saved)}`);
    }
    const applyChildren = this.schedulers.map((s, i) => s.prepareLoad(saved[i], `${where}: schedulers[${i}]`));
    return () => {
      applyMilestones();
      this.lastEpoch = lastEpoch;
      this.setLastLr(lastLr);
      for (const apply of applyChildren) apply();
    };
  }
}
