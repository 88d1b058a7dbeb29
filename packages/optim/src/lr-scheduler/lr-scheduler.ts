/**
 * The `LRScheduler` base class (PyTorch 2.8's `torch.optim.lr_scheduler.LRScheduler`) and the
 * warning sink shared by all schedulers.
 * @module
 */
import { Tensor, noGrad } from "@tapegrad/core";
import { Optimizer } from "../optimizer.js";
import { type ScheduledLr, isLrOnTape, lrValue, writeLrs } from "./scheduled-lr.js";
import { checkOptionKeys } from "../optimizer-checks.js";
import { checkStateTree } from "@tapegrad/core/internal";
import { describeValue, isPlainObject } from "../state-dict.js";

/** Receives the warnings of lr schedulers (default: `console.warn`). */
export type WarningSink = (message: string) => void;

// The package is built without DOM or Node typings; console exists in every JavaScript runtime.
const consoleSink: WarningSink = (message) => (globalThis as { console?: { warn(m: string): void } }).console?.warn(message);
let warningSink: WarningSink = consoleSink;

/**
 * Replace the function lr schedulers send their warnings to (`null` restores `console.warn`).
 * Each scheduler sends a given warning at most once.
 * @param sink the new sink, or null for the default.
 * @returns the previous sink (to restore it later).
 * @throws TypeError if `sink` is neither a function nor null.
 * @example
 * const seen: string[] = [];
 * const previous = setSchedulerWarningSink((m) => seen.push(m));
 * // ... later
 * setSchedulerWarningSink(previous);
 */
export function setSchedulerWarningSink(sink: WarningSink | null): WarningSink {
  if (sink !== null && typeof sink !== "function") {
    throw new TypeError(`setSchedulerWarningSink: sink must be a function or null, got ${describeValue(sink)}`);
  }
  const previous = warningSink;
  warningSink = sink ?? consoleSink;
  return previous;
}

/** The warning of a first `scheduler.step()` before any `optimizer.step()` (PyTorch's text, with tapegrad's names). */
export const STEP_ORDER_WARNING =
  "Detected call of `scheduler.step()` before `optimizer.step()`. You should call them in the opposite order: " +
  "`optimizer.step()` before `scheduler.step()`. Failure to do this will result in skipping the first value of the " +
  "learning rate schedule. See https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate";

/** The warning of `getLr()` called outside `step()`. */
export const GET_LR_WARNING = "To get the last learning rate computed by the scheduler, please use `getLastLr()`.";

/**
 * A scheduler's state dict: `lastEpoch` and `lastLr` for every scheduler; for the ones built on
 * the {@link LRScheduler} formulas also `baseLrs`, `stepCount` and their hyperparameters
 * (e.g. `startFactor`, `tMax`), i.e. PyTorch's `base_lrs`, `last_epoch`, `_step_count`, `_last_lr`
 * in camelCase; the transient `_is_initial` and `_get_lr_called_within_step` flags are not saved.
 * Containers ({@link SequentialLR}) save `milestones` and their children's state dicts instead.
 */
export interface LRSchedulerStateDict {
  lastEpoch: number;
  lastLr: number[];
  baseLrs?: number[];
  stepCount?: number;
  [key: string]: unknown;
}

/** @internal Python's floor modulo (the result has the sign of `n`). */
export function floorMod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/** @internal throw unless `value` is an integer `>= min`. */
export function checkInteger(value: unknown, name: string, where: string, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`${where}: ${name} must be an integer, got ${describeValue(value)}`);
  }
  if (value < min) throw new RangeError(`${where}: ${name} must be >= ${min}, got ${value}`);
  return value;
}

/** @internal throw unless `value` is a finite number. */
export function checkFinite(value: unknown, name: string, where: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new TypeError(`${where}: ${name} must be a finite number, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * @internal throw unless `options` is undefined or an object with only `allowed` keys and no `null`
 * values (null is not "use the default": omit the key).
 */
export function checkSchedulerOptions(options: unknown, allowed: readonly string[], where: string): Record<string, unknown> {
  return checkOptionKeys(options, allowed, where, []);
}

/** @internal throw unless `value` is an array of `n` finite numbers. */
export function checkNumberList(value: unknown, name: string, where: string, n?: number): number[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== "number" || !Number.isFinite(v))) {
    throw new TypeError(`${where}: ${name} must be an array of finite numbers, got ${describeValue(value)}`);
  }
  if (n !== undefined && value.length !== n) throw new Error(`${where}: ${name} must have ${n} entries (one per param group), got ${value.length}`);
  return value as number[];
}

/**
 * Base class of the lr schedulers (PyTorch 2.8's `LRScheduler`): it owns the epoch counter and
 * writes each group's new lr.
 *
 * Construction (`lastEpoch = -1`, a fresh start) sets `initialLr = lr` in every group that has none
 * (so a second scheduler on the same optimizer inherits the first one's), takes `baseLrs` from the
 * `initialLr`s, and performs the initial step, which makes `lastEpoch` 0 and writes the epoch-0 lrs.
 * Resuming (`lastEpoch >= 0`) requires `initialLr` in every group. Prefer resuming through
 * {@link LRScheduler.loadStateDict}: construct the optimizer and schedulers as at the start, then
 * `scheduler.loadStateDict(...)`, then `optimizer.loadStateDict(...)` (PyTorch's documented order).
 *
 * `step()` takes no epoch argument (PyTorch's deprecated `step(epoch)` is {@link LRScheduler.setEpoch}).
 * The first `step()` warns once, through {@link setSchedulerWarningSink}, if `optimizer.step()` was
 * never called (PyTorch's call-order warning; read from `optimizer.stepCount`, no monkey-patching).
 *
 * Learning rates are numbers. A group lr given as a 1-element Tensor that does not require grad
 * keeps its identity: the scheduler writes the new value into it with `fill_` (computed in double,
 * rounded to the tensor's dtype), while `initialLr` is a separate copy. A group lr that is *on the
 * tape* (a tensor that requires grad, or a dual tensor) keeps its history
 * instead: `initialLr` is that tensor itself, and each step assigns the group a new 0-dim tensor,
 * the same formula evaluated with tensor ops on the current lr (or on `initialLr` for the closed
 * forms and `LambdaLR`), so a differentiable optimizer's updates, and the hypergradient, reach the
 * lr through the schedule (a learnable base lr under a warm-up; a `LambdaLR` factor may be a tensor
 * too, a learnable warm-up scale). `baseLrs`, `getLr()` and `getLastLr()` hold numbers either way.
 *
 * With `ASGD`: it reads the group lr only at the end of its step, to compute the eta of the
 * next update, so a scheduled lr reaches the parameters one step late (the eta used by step k + 1
 * is `lr_k / (1 + lambd * lr_k * k)^alpha`, where `lr_k` is the lr during step k).
 *
 * Subclasses set their fields after `super(...)`, implement {@link LRScheduler.computeLr} (and
 * optionally {@link LRScheduler.closedFormLr}), list their hyperparameters in
 * {@link LRScheduler.hyperparameters}, and finish their constructor with `this.initialStep()`.
 */
export abstract class LRScheduler {
  /** The optimizer whose group lrs this scheduler sets. */
  readonly optimizer: Optimizer;
  /** Each group's `initialLr` at construction (numbers). */
  baseLrs: number[];
  /** Index of the last epoch (number of `step()` calls since the start; 0 after construction). */
  lastEpoch: number;
  #stepCount = 0;
  #isInitial = false;
  #withinStep = false;
  #lastLr: number[] = [];
  readonly #warned = new Set<string>();

  /**
   * @param optimizer the optimizer to schedule.
   * @param lastEpoch -1 for a fresh start, or the index of the last epoch when resuming.
   * @param setUpGroups false for containers (SequentialLR) that leave the groups' `initialLr` alone.
   * @throws TypeError if `optimizer` is not an Optimizer or `lastEpoch` not an integer >= -1;
   *   Error when resuming and a group has no `initialLr`.
   */
  protected constructor(optimizer: Optimizer, lastEpoch = -1, setUpGroups = true) {
    const where = new.target.name;
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${where}: ${describeValue(optimizer)} is not an Optimizer`);
    checkInteger(lastEpoch, "lastEpoch", where, -1);
    this.optimizer = optimizer;
    this.lastEpoch = lastEpoch;
    this.baseLrs = [];
    if (!setUpGroups) return;
    const groups = optimizer.paramGroups;
    groups.forEach((g, i) => {
      if (lastEpoch !== -1 && g.initialLr === undefined) {
        throw new Error(`${where}: param 'initialLr' is not specified in paramGroups[${i}] when resuming an optimizer`);
      }
      checkLrValue(lastEpoch === -1 && g.initialLr === undefined ? g.lr : g.initialLr, `${where}: paramGroups[${i}]`);
    });
    for (const g of groups) {
      const lr = g.lr;
      // An lr on the tape is never written into, so initialLr may be the tensor itself (and keeps its history).
      if (g.initialLr === undefined) g.initialLr = lr instanceof Tensor && !isLrOnTape(lr) ? noGrad(() => lr.detach().clone()) : lr;
    }
    this.baseLrs = groups.map((g) => lrValue(g.initialLr));
  }

  /** Number of `step()` calls including the initial one (PyTorch's `_step_count`). */
  get stepCount(): number {
    return this.#stepCount;
  }

  /** True only while the constructor's initial step runs (PyTorch 2.8's `_is_initial`). */
  protected get isInitial(): boolean {
    return this.#isInitial;
  }

  /** The lrs this scheduler last wrote, one per group (a copy). */
  getLastLr(): number[] {
    return this.#lastLr.slice();
  }

  /** @internal set the last lrs (containers copy them from their active child). */
  protected setLastLr(lrs: readonly number[]): void {
    this.#lastLr = lrs.slice();
  }

  /**
   * The chainable lrs for the current `lastEpoch`, computed from the groups' current lrs.
   * Called outside `step()` it warns once (use {@link LRScheduler.getLastLr}) and computes anyway;
   * it never changes any state.
   */
  getLr(): number[] {
    if (!this.#withinStep) this.warnOnce(GET_LR_WARNING);
    return this.computeLr().map(lrValue);
  }

  /** The subclass's chainable formula (PyTorch's `get_lr` body), a tensor for a group whose lr is on the tape. */
  protected abstract computeLr(): ScheduledLr[];

  /** The subclass's closed form for `lastEpoch`, or null when it has none (PyTorch's `_get_closed_form_lr`). */
  protected closedFormLr(): ScheduledLr[] | null {
    return null;
  }

  /** The current lr of each group: a number, or the tensor itself when it is on the tape. */
  protected groupLrs(): ScheduledLr[] {
    return this.optimizer.paramGroups.map((g) => (isLrOnTape(g.lr) ? (g.lr as Tensor) : lrValue(g.lr)));
  }

  /**
   * The base lr of each group: `baseLrs[i]`, or, for a group whose lr is on the tape and whose
   * `initialLr` is too, that tensor (so closed forms and `LambdaLR` stay on the tape).
   */
  protected scheduledBaseLrs(): ScheduledLr[] {
    const groups = this.optimizer.paramGroups;
    return this.baseLrs.map((b, i) => {
      const g = groups[i];
      return g !== undefined && isLrOnTape(g.lr) && isLrOnTape(g.initialLr) ? (g.initialLr as Tensor) : b;
    });
  }

  /**
   * Advance one epoch: `lastEpoch += 1`, then every group's lr is set to the chainable formula.
   * Call it after `optimizer.step()`.
   * @throws TypeError if given an argument (use {@link LRScheduler.setEpoch}).
   * @example
   * for (let epoch = 0; epoch < 100; epoch++) { train(); opt.step(); sched.step(); }
   */
  step(): void {
    if (arguments.length > 0) {
      throw new TypeError(`${this.constructor.name}.step: takes no epoch argument; use setEpoch(epoch) to jump to an epoch`);
    }
    this.advance(null);
  }

  /**
   * Jump to `epoch` (PyTorch's deprecated `step(epoch)`, without its deprecation warning): sets
   * `lastEpoch = epoch` and each group's lr to the closed form when the scheduler has one, else to
   * the chainable formula at that epoch. Counts as a step for the call-order check.
   * @param epoch a non-negative integer.
   * @throws TypeError/RangeError for anything else.
   */
  setEpoch(epoch: number): void {
    checkInteger(epoch, "epoch", `${this.constructor.name}.setEpoch`, 0);
    this.advance(epoch);
  }

  /**
   * @internal one step (PyTorch's `step(epoch)` body). A formula that throws leaves the scheduler
   * and the optimizer unchanged.
   */
  advance(epoch: number | null): void {
    if (this.#stepCount === 1 && this.optimizer.stepCount === 0) this.warnOnce(STEP_ORDER_WARNING);
    const previousEpoch = this.lastEpoch;
    // Incremented before the formula runs, as in PyTorch (CosineAnnealingLR reads it).
    this.#stepCount += 1;
    this.#withinStep = true;
    let values: ScheduledLr[];
    try {
      if (epoch === null) {
        this.lastEpoch += 1;
        values = this.computeLr();
      } else {
        this.lastEpoch = epoch;
        values = this.closedFormLr() ?? this.computeLr();
      }
      values.forEach((v, i) => {
        const ok = v instanceof Tensor ? v.numel() === 1 && v.isFloatingPoint() && !Number.isNaN(v.item()) : typeof v === "number" && !Number.isNaN(v);
        if (!ok) throw new TypeError(`${this.constructor.name}: lr ${i} is ${describeValue(v)}, not a number or a 1-element float tensor`);
      });
    } catch (error) {
      this.lastEpoch = previousEpoch;
      this.#stepCount -= 1;
      throw error;
    } finally {
      this.#withinStep = false;
    }
    writeLrs(this.optimizer.paramGroups, values);
    this.#lastLr = this.groupLrs().map(lrValue);
  }

  /**
   * @internal the constructor's first step (PyTorch's `_initial_step`): resets the step count and
   * runs one step with {@link LRScheduler.isInitial} set.
   */
  initialStep(): void {
    this.#stepCount = 0;
    this.#isInitial = true;
    try {
      this.advance(null);
    } finally {
      this.#isInitial = false;
    }
  }

  /** @internal step back one epoch (SequentialLR's construction; PyTorch's `recursive_undo`). */
  undoEpoch(): void {
    this.lastEpoch -= 1;
  }

  /** Send `message` to the warning sink unless this scheduler already sent it. */
  protected warnOnce(message: string): void {
    if (this.#warned.has(message)) return;
    this.#warned.add(message);
    warningSink(message);
  }

  /** The subclass's hyperparameters for the state dict, e.g. `{ startFactor, endFactor, totalIters }`. */
  protected abstract hyperparameters(): Record<string, unknown>;

  /**
   * Validate the subclass's hyperparameters of a loaded state dict and return a function that
   * applies them (called only once everything is validated).
   */
  protected abstract prepareHyperparameters(sd: Record<string, unknown>, where: string): () => void;

  /**
   * The scheduler's state (everything but the optimizer): its hyperparameters, then `baseLrs`,
   * `lastEpoch`, `stepCount`, `lastLr`. Arrays are copies.
   * @example const sd = sched.stateDict(); sd.lastEpoch;
   */
  stateDict(): LRSchedulerStateDict {
    return {
      ...this.hyperparameters(),
      baseLrs: this.baseLrs.slice(),
      lastEpoch: this.lastEpoch,
      stepCount: this.#stepCount,
      lastLr: this.#lastLr.slice(),
    };
  }

  /**
   * Restore a state from {@link LRScheduler.stateDict}. Every key must be present and valid (no
   * unknown keys, `baseLrs` and `lastLr` with one entry per param group of the optimizer, no
   * `__proto__`/`constructor`/`prototype` key, no cycle, at most 1000 levels of nesting); nothing
   * changes unless all of them are. The optimizer's lrs are not touched:
   * load the optimizer's state dict too (after this one).
   * @throws TypeError/Error naming the offending key.
   */
  loadStateDict(stateDict: LRSchedulerStateDict): void {
    this.prepareLoad(stateDict, `${this.constructor.name}.loadStateDict`)();
  }

  /** @internal validate a state dict and return the function that applies it. */
  prepareLoad(stateDict: unknown, where: string): () => void {
    if (!isPlainObject(stateDict)) throw new TypeError(`${where}: the state dict must be an object, got ${describeValue(stateDict)}`);
    checkStateTree(stateDict, where);
    const known = [...Object.keys(this.hyperparameters()), "baseLrs", "lastEpoch", "stepCount", "lastLr"];
    for (const key of known) {
      if (!Object.hasOwn(stateDict, key)) throw new Error(`${where}: the state dict has no "${key}"`);
    }
    for (const key of Object.keys(stateDict)) {
      if (!known.includes(key)) throw new Error(`${where}: unexpected key "${key}" in the state dict (expected ${known.join(", ")})`);
    }
    const groups = this.optimizer.paramGroups.length;
    const baseLrs = checkNumberList(stateDict.baseLrs, "baseLrs", where, groups).slice();
    const lastLr = checkNumberList(stateDict.lastLr, "lastLr", where, groups).slice();
    const lastEpoch = checkInteger(stateDict.lastEpoch, "lastEpoch", where, -1);
    const stepCount = checkInteger(stateDict.stepCount, "stepCount", where, 0);
    const applyHyperparameters = this.prepareHyperparameters(stateDict, where);
    return () => {
      applyHyperparameters();
      this.baseLrs = baseLrs;
      this.lastEpoch = lastEpoch;
      this.#stepCount = stepCount;
      this.#lastLr = lastLr;
    };
  }
}

/** Throw unless `lr` is a number or a 1-element tensor. */
function checkLrValue(lr: unknown, where: string): void {
  if (typeof lr === "number") return;
  if (lr instanceof Tensor && lr.numel() === 1) return;
  throw new TypeError(`${where}: lr must be a number or a 1-element Tensor, got ${describeValue(lr)}`);
}
