/**
 * `ReduceLROnPlateau`: reduce the lr when a metric has stopped improving.
 * @module
 */
import { checkStateTree } from "@tapegrad/core/internal";
import { Tensor } from "@tapegrad/core";
import { Optimizer } from "../optimizer.js";
import { describeValue, isPlainObject } from "../state-dict.js";
import { checkFinite, checkInteger, checkNumberList, checkSchedulerOptions } from "./lr-scheduler.js";
import { isLrOnTape, lrValue, writeLrs } from "./scheduled-lr.js";

/** Options of {@link ReduceLROnPlateau} (PyTorch's keyword arguments, camelCase). */
export interface ReduceLROnPlateauOptions {
  /** `"min"`: the metric should decrease (default); `"max"`: it should increase. */
  mode?: "min" | "max";
  /** Factor the lr is multiplied by on a plateau, < 1 (default 0.1). */
  factor?: number;
  /** Number of epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** Minimum change that counts as an improvement (default 1e-4). */
  threshold?: number;
  /** `"rel"`: relative to the best value (default); `"abs"`: absolute. */
  thresholdMode?: "rel" | "abs";
  /** Epochs to wait after a reduction before counting bad epochs again (default 0). */
  cooldown?: number;
  /** Lower bound of the lr: one number, or one per group (default 0). */
  minLr?: number | number[];
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/** The state dict of {@link ReduceLROnPlateau} (PyTorch's attributes, camelCase). */
export interface ReduceLROnPlateauStateDict {
  factor: number;
  minLrs: number[];
  defaultMinLr: number | null;
  patience: number;
  cooldown: number;
  cooldownCounter: number;
  mode: "min" | "max";
  threshold: number;
  thresholdMode: "rel" | "abs";
  best: number;
  numBadEpochs: number;
  modeWorse: number;
  eps: number;
  lastEpoch: number;
  lastLr: number[];
}

interface Settings {
  factor: number;
  patience: number;
  threshold: number;
  cooldown: number;
  eps: number;
  mode: "min" | "max";
  thresholdMode: "rel" | "abs";
}

function checkSettings(p: Record<string, unknown>, where: string): Settings {
  const factor = checkFinite(p.factor, "factor", where);
  if (factor >= 1.0) throw new RangeError(`${where}: Factor should be < 1.0 (factor ${factor})`);
  if (factor < 0) throw new RangeError(`${where}: factor must be >= 0, got ${factor}`);
  if (p.mode !== "min" && p.mode !== "max") throw new Error(`${where}: mode ${describeValue(p.mode)} is unknown! (expected "min" or "max")`);
  if (p.thresholdMode !== "rel" && p.thresholdMode !== "abs") {
    throw new Error(`${where}: threshold mode ${describeValue(p.thresholdMode)} is unknown! (expected "rel" or "abs")`);
  }
  return {
    factor,
    patience: checkInteger(p.patience, "patience", where, 0),
    threshold: checkFinite(p.threshold, "threshold", where),
    cooldown: checkInteger(p.cooldown, "cooldown", where, 0),
    eps: checkFinite(p.eps, "eps", where),
    mode: p.mode,
    thresholdMode: p.thresholdMode,
  };
}

/**
 * Reduce each group's lr by `factor` once a metric has not improved for more than `patience`
 * epochs (PyTorch 2.8's `ReduceLROnPlateau`). Call `step(metric)` after each validation.
 *
 * A value `a` improves on the best value `best` when (mode, thresholdMode): min/rel
 * `a < best * (1 - threshold)`; min/abs `a < best - threshold`; max/rel `a > best * (1 + threshold)`;
 * max/abs `a > best + threshold`. After `patience + 1` bad epochs each group's lr becomes
 * `max(lr * factor, minLr)` (skipped when the change is at most `eps`), then `cooldown` epochs are
 * ignored. Unlike the other schedulers it does not extend {@link LRScheduler} (its `step` needs the
 * metric) and cannot be used inside {@link SequentialLR}. With ASGD a reduced lr reaches the
 * parameters one step late (see {@link LRScheduler}).
 *
 * Differences from PyTorch 2.8: `step()` takes no epoch argument; every option is type-checked and
 * a negative `factor` is rejected; a NaN metric counts as a bad epoch (as in PyTorch).
 *
 * @example
 * const sched = new ReduceLROnPlateau(opt, { mode: "min", patience: 5 });
 * for (let e = 0; e < 100; e++) { train(); opt.step(); sched.step(validationLoss()); }
 */
export class ReduceLROnPlateau {
  /** The optimizer whose group lrs this scheduler reduces. */
  readonly optimizer: Optimizer;
  /** Factor the lr is multiplied by on a plateau. */
  factor: number;
  /** Lower bound of each group's lr. */
  minLrs: number[];
  /** The single `minLr` given at construction (null when one per group was given). */
  defaultMinLr: number | null;
  /** Bad epochs tolerated before a reduction. */
  patience: number;
  /** Epochs ignored after a reduction. */
  cooldown: number;
  /** Remaining cooldown epochs. */
  cooldownCounter = 0;
  /** Whether the metric should decrease or increase. */
  mode: "min" | "max";
  /** Minimum change that counts as an improvement. */
  threshold: number;
  /** Whether `threshold` is relative or absolute. */
  thresholdMode: "rel" | "abs";
  /** Best metric seen so far. */
  best: number;
  /** Consecutive epochs without improvement. */
  numBadEpochs = 0;
  /** The worst possible metric for the mode (Infinity for "min", -Infinity for "max"). */
  modeWorse: number;
  /** Reductions smaller than this are skipped. */
  eps: number;
  /** Number of `step()` calls. */
  lastEpoch = 0;
  #lastLr: number[];

  /**
   * @param optimizer the optimizer to schedule.
   * @param options see {@link ReduceLROnPlateauOptions}.
   * @throws TypeError for a non-optimizer or wrongly typed options; RangeError for `factor >= 1`;
   *   Error for an unknown mode or a `minLr` list whose length differs from the number of groups.
   */
  constructor(optimizer: Optimizer, options: ReduceLROnPlateauOptions = {}) {
    const where = new.target.name;
    const o = checkSchedulerOptions(options, ["mode", "factor", "patience", "threshold", "thresholdMode", "cooldown", "minLr", "eps"], where);
    const s = checkSettings(
      {
        mode: o.mode ?? "min",
        factor: o.factor ?? 0.1,
        patience: o.patience ?? 10,
        threshold: o.threshold ?? 1e-4,
        thresholdMode: o.thresholdMode ?? "rel",
        cooldown: o.cooldown ?? 0,
        eps: o.eps ?? 1e-8,
      },
      where,
    );
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${where}: ${describeValue(optimizer)} is not an Optimizer`);
    const groups = optimizer.paramGroups.length;
    const minLr = o.minLr ?? 0;
    if (Array.isArray(minLr)) {
      if (minLr.length !== groups) throw new Error(`${where}: expected ${groups} minLrs, got ${minLr.length}`);
      this.minLrs = checkNumberList(minLr, "minLr", where).slice();
      this.defaultMinLr = null;
    } else {
      this.defaultMinLr = checkFinite(minLr, "minLr", where);
      this.minLrs = Array.from({ length: groups }, () => minLr as number);
    }
    this.optimizer = optimizer;
    this.factor = s.factor;
    this.patience = s.patience;
    this.cooldown = s.cooldown;
    this.mode = s.mode;
    this.threshold = s.threshold;
    this.thresholdMode = s.thresholdMode;
    this.eps = s.eps;
    this.modeWorse = s.mode === "min" ? Infinity : -Infinity;
    this.best = this.modeWorse;
    this.#lastLr = this.#groupLrs();
  }

  #groupLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => lrValue(g.lr));
  }

  /** Whether the cooldown after a reduction is still running. */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /**
   * Whether `a` improves on `best` under the current mode and threshold.
   * @example sched.isBetter(0.9, 1.0); // true in "min" mode
   */
  isBetter(a: number, best: number): boolean {
    if (this.mode === "min" && this.thresholdMode === "rel") return a < best * (1.0 - this.threshold);
    if (this.mode === "min" && this.thresholdMode === "abs") return a < best - this.threshold;
    if (this.mode === "max" && this.thresholdMode === "rel") return a > best * (this.threshold + 1.0);
    return a > best + this.threshold;
  }

  /**
   * Record one epoch's metric and reduce the lrs if it has plateaued.
   * @param metrics the monitored value: a number or a 1-element tensor.
   * @throws TypeError for anything else or an extra argument; Error when groups were added and
   *   `minLr` was given per group.
   */
  step(metrics: number | Tensor): void {
    const where = `${this.constructor.name}.step`;
    if (arguments.length > 1) throw new TypeError(`${where}: takes only the metric (no epoch argument)`);
    let current: number;
    if (typeof metrics === "number") current = metrics;
    else if (metrics instanceof Tensor && metrics.numel() === 1) current = metrics.item();
    else throw new TypeError(`${where}: metrics must be a number or a 1-element Tensor, got ${describeValue(metrics)}`);
    const groups = this.optimizer.paramGroups;
    if (groups.length !== this.minLrs.length && this.defaultMinLr === null) {
      throw new Error(
        `${where}: The number of param groups in the optimizer (${groups.length}) differs from when ReduceLROnPlateau was initialized (${this.minLrs.length}), usually due to a new param group being added to the optimizer. Please modify the minLrs field to match the length of the optimizer param groups.`,
      );
    }
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.#reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.#lastLr = this.#groupLrs();
  }

  #reduceLr(): void {
    const groups = this.optimizer.paramGroups;
    if (groups.length !== this.minLrs.length) this.minLrs = groups.map(() => this.defaultMinLr as number);
    groups.forEach((g, i) => {
      const oldLr = lrValue(g.lr);
      const newLr = Math.max(oldLr * this.factor, this.minLrs[i]!);
      if (!(oldLr - newLr > this.eps)) return;
      // An lr on the tape is reduced by a recorded product, unless minLr bounds it (then a constant).
      writeLrs([g], [isLrOnTape(g.lr) && newLr === oldLr * this.factor ? (g.lr as Tensor).mul(this.factor) : newLr]);
    });
  }

  /** The lrs after the last `step()` (or at construction), one per group (a copy). */
  getLastLr(): number[] {
    return this.#lastLr.slice();
  }

  /** The scheduler's state (every field but the optimizer). */
  stateDict(): ReduceLROnPlateauStateDict {
    return {
      factor: this.factor,
      minLrs: this.minLrs.slice(),
      defaultMinLr: this.defaultMinLr,
      patience: this.patience,
      cooldown: this.cooldown,
      cooldownCounter: this.cooldownCounter,
      mode: this.mode,
      threshold: this.threshold,
      thresholdMode: this.thresholdMode,
      best: this.best,
      numBadEpochs: this.numBadEpochs,
      modeWorse: this.modeWorse,
      eps: this.eps,
      lastEpoch: this.lastEpoch,
      lastLr: this.#lastLr.slice(),
    };
  }

  /**
   * Restore a state from {@link ReduceLROnPlateau.stateDict}; everything is validated first.
   * @throws TypeError/Error naming the offending key.
   */
  loadStateDict(stateDict: ReduceLROnPlateauStateDict): void {
    const where = `${this.constructor.name}.loadStateDict`;
    if (!isPlainObject(stateDict)) throw new TypeError(`${where}: the state dict must be an object, got ${describeValue(stateDict)}`);
    checkStateTree(stateDict, where);
    const known = Object.keys(this.stateDict());
    for (const key of known) if (!Object.hasOwn(stateDict, key)) throw new Error(`${where}: the state dict has no "${key}"`);
    for (const key of Object.keys(stateDict)) {
      if (!known.includes(key)) throw new Error(`${where}: unexpected key "${key}" in the state dict (expected ${known.join(", ")})`);
    }
    const sd = stateDict as unknown as Record<string, unknown>;
    const s = checkSettings(sd, where);
    const groups = this.optimizer.paramGroups.length;
    const minLrs = checkNumberList(sd.minLrs, "minLrs", where, groups).slice();
    const defaultMinLr = sd.defaultMinLr === null ? null : checkFinite(sd.defaultMinLr, "defaultMinLr", where);
    const cooldownCounter = checkInteger(sd.cooldownCounter, "cooldownCounter", where, 0);
    const numBadEpochs = checkInteger(sd.numBadEpochs, "numBadEpochs", where, 0);
    const lastEpoch = checkInteger(sd.lastEpoch, "lastEpoch", where, 0);
    const lastLr = checkNumberList(sd.lastLr, "lastLr", where, groups).slice();
    if (typeof sd.best !== "number") throw new TypeError(`${where}: best must be a number, got ${describeValue(sd.best)}`);
    const best = sd.best;
    Object.assign(this, s, { minLrs, defaultMinLr, cooldownCounter, numBadEpochs, lastEpoch, best });
    this.modeWorse = s.mode === "min" ? Infinity : -Infinity;
    this.#lastLr = lastLr;
  }
}
