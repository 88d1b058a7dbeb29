/**
 * The `Optimizer` base class: parameter groups, lazy per-parameter state, `zeroGrad`, the hooked
 * `step` dispatch and state dicts, with PyTorch 2.8's semantics.
 * @module
 */

import { Tensor, enableGrad, isDual, noGrad, setGradEnabled } from "@tapegrad/core";
import { checkStateTree, rebindingInPlace, setOwnField } from "@tapegrad/core/internal";
import { HookRegistry, type HookOptions, type RemovableHandle } from "./hooks.js";
import {
  type OptimizerStateDict,
  castStateValue,
  checkStateShapes,
  deepCopy,
  describeValue,
  isPlainObject,
  packStateDict,
  parseStateDict,
} from "./state-dict.js";
import { checkOptionKeys } from "./optimizer-checks.js";

export type { OptimizerStateDict } from "./state-dict.js";

/**
 * Sentinel default meaning "every parameter group must give this hyperparameter" (PyTorch's
 * `torch.optim.optimizer.required`).
 * @example super(params, { lr: required, momentum: 0 });
 */
export const required: unique symbol = Symbol("required");

/**
 * One parameter group: the tensors it optimizes and its hyperparameters.
 *
 * Groups are plain, mutable objects: users and lr schedulers assign `group.lr` directly.
 */
export interface ParamGroup {
  /** The tensors this group optimizes. */
  params: Tensor[];
  /** Learning rate (a number, or a 0-dim tensor for differentiable hyperparameters). */
  lr: number | Tensor;
  /** Parameter names, present when the group was built from `[name, tensor]` pairs. */
  paramNames?: string[];
  /** The lr when the first lr scheduler was created (set by schedulers). */
  initialLr?: number | Tensor;
  [hyperparameter: string]: unknown;
}

/**
 * A parameter group as given to the constructor or {@link Optimizer.addParamGroup}: `params` is a
 * tensor, or an iterable of tensors or of `[name, tensor]` pairs (not a Set); any other key is a
 * hyperparameter that overrides the optimizer's default.
 */
export interface GroupInput {
  params: Tensor | Iterable<Tensor> | Iterable<readonly [string, Tensor]>;
  [hyperparameter: string]: unknown;
}

/** What an optimizer constructor accepts: tensors, `[name, tensor]` pairs (from `namedParameters()`), or group objects. */
export type ParamsInput = Iterable<Tensor> | Iterable<readonly [string, Tensor]> | Iterable<GroupInput>;

/** Keyword arguments of a `step` call as step hooks see them: `{}`, or `{ closure }` when a pre-hook passes it that way. */
export type StepKwargs = Record<string, unknown>;

/**
 * A step pre-hook: `(optimizer, args, kwargs) => undefined | [newArgs, newKwargs]`.
 *
 * `args` are `step`'s positional arguments WITHOUT the optimizer (`[]` or `[closure]`; PyTorch's
 * args tuple starts with the optimizer itself, which TypeScript passes as the first hook argument
 * instead). Returning a pair replaces the arguments `step` runs with and the post-hooks see.
 */
export type StepPreHook<O = Optimizer> = (optimizer: O, args: unknown[], kwargs: StepKwargs) => void | [unknown[], StepKwargs];
/** A step post-hook: `(optimizer, args, kwargs) => void`, called with the (possibly replaced) arguments. */
export type StepPostHook<O = Optimizer> = (optimizer: O, args: unknown[], kwargs: StepKwargs) => void;
/** Called with the optimizer at the start of `stateDict()`. */
export type StateDictPreHook<O = Optimizer> = (optimizer: O) => void;
/** Called with the optimizer and the packed state dict; returning an object replaces it. */
export type StateDictPostHook<O = Optimizer> = (optimizer: O, stateDict: OptimizerStateDict) => void | OptimizerStateDict;
/** Called with the optimizer and a shallow copy of the dict passed to `loadStateDict`; returning an object replaces it. */
export type LoadStateDictPreHook<O = Optimizer> = (optimizer: O, stateDict: OptimizerStateDict) => void | OptimizerStateDict;
/** Called with the optimizer after a successful `loadStateDict`. */
export type LoadStateDictPostHook<O = Optimizer> = (optimizer: O) => void;

const globalStepPreHooks = new HookRegistry<StepPreHook>("registerOptimizerStepPreHook");
const globalStepPostHooks = new HookRegistry<StepPostHook>("registerOptimizerStepPostHook");

/**
 * Register a step pre-hook for every optimizer of every class (PyTorch's
 * `register_optimizer_step_pre_hook`). Global pre-hooks run before the instance's pre-hooks.
 * @returns a handle whose `remove()` unregisters the hook (idempotent).
 * @example
 * const h = registerOptimizerStepPreHook((opt) => console.log("step of", opt.constructor.name));
 * h.remove();
 */
export function registerOptimizerStepPreHook(hook: StepPreHook, options?: HookOptions): RemovableHandle {
  return globalStepPreHooks.add(hook, options);
}

/**
 * Register a step post-hook for every optimizer of every class (PyTorch's
 * `register_optimizer_step_post_hook`). Global post-hooks run after the instance's post-hooks.
 * @returns a handle whose `remove()` unregisters the hook (idempotent).
 */
export function registerOptimizerStepPostHook(hook: StepPostHook, options?: HookOptions): RemovableHandle {
  return globalStepPostHooks.add(hook, options);
}

function formatHyperparameter(value: unknown): string {
  if (value instanceof Tensor) return value.toString();
  if (Array.isArray(value)) return `[${value.map(formatHyperparameter).join(", ")}]`;
  if (typeof value === "string") return value;
  if (isPlainObject(value)) {
    return `{${Object.entries(value).map(([k, v]) => `${k}: ${formatHyperparameter(v)}`).join(", ")}}`;
  }
  return String(value);
}

/**
 * Base class of all optimizers (PyTorch 2.8's `torch.optim.Optimizer`).
 *
 * A subclass passes its hyperparameter defaults to the constructor, implements
 * {@link Optimizer.updateGroups} (the update of every group, creating per-parameter state lazily in
 * {@link Optimizer.state}), and may override {@link Optimizer.validateGroup} and
 * {@link Optimizer.loadParamState}. The base class provides parameter groups, `zeroGrad`, the
 * `step` dispatch with hooks and grad mode, and state dicts.
 *
 * Differences from PyTorch 2.8 (all deliberate):
 * - a parameter listed twice in one group throws (PyTorch only warns, pytorch/pytorch#40967);
 * - a `Set` of tensors is rejected at the top level too (PyTorch only rejects it inside a group);
 * - group objects and `defaults` are copied: the caller's objects are never mutated or kept;
 * - every error names the group index, parameter index or hyperparameter, and a failed
 *   `addParamGroup`/`loadStateDict` leaves the optimizer unchanged;
 * - `loadStateDict` validates everything first (sizes, ids, state shapes, hyperparameters),
 *   rejects state ids that are in no saved group (PyTorch keeps them as opaque keys), fills
 *   hyperparameters missing from the checkpoint from `defaults`, and deep-copies the state it
 *   loads (PyTorch aliases tensors, pytorch/pytorch#147288);
 * - a hyperparameter given as `undefined` counts as missing and takes the default;
 * - `stateDict().state` enumerates in id order (JavaScript orders integer keys), not in the order
 *   the state was created;
 * - step hooks get `args` without the optimizer, and every hook kind accepts `{ prepend }`;
 * - `state` is a plain `Map`: `state.get(p)` is `undefined` until the subclass creates the entry.
 *
 * @typeParam G the group type of the subclass (its hyperparameters).
 * @example
 * class PlainSGD extends Optimizer {
 *   constructor(params: ParamsInput, lr = 0.1) { super(params, { lr }); }
 *   protected updateGroups(): void {
 *     for (const g of this.paramGroups) for (const p of g.params) if (p.grad) p.sub_(p.grad.mul(g.lr));
 *   }
 * }
 * const opt = new PlainSGD(model.parameters(), 0.05);
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export abstract class Optimizer<G extends ParamGroup = ParamGroup> {
  /** The subclass's hyperparameter defaults, in the order they were given (a shallow copy). */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** The parameter groups (plain, mutable objects; replaced by new objects on `loadStateDict`). */
  paramGroups: G[];
  /** Per-parameter state, keyed by the parameter tensor; entries are created lazily by the subclass. */
  state: Map<Tensor, Record<string, unknown>>;

  #stepCount = 0;
  // Hooks are stored with the optimizer parameter typed `never` so that the field types do not
  // depend on `this` or G (which would make ASGD not assignable to Optimizer); they are always
  // called with `this`, which is what the public registration signatures promise.
  readonly #stepPreHooks = new HookRegistry<StepPreHook<never>>("registerStepPreHook");
  readonly #stepPostHooks = new HookRegistry<StepPostHook<never>>("registerStepPostHook");
  readonly #stateDictPreHooks = new HookRegistry<StateDictPreHook<never>>("registerStateDictPreHook");
  readonly #stateDictPostHooks = new HookRegistry<StateDictPostHook<never>>("registerStateDictPostHook");
  readonly #loadStateDictPreHooks = new HookRegistry<LoadStateDictPreHook<never>>("registerLoadStateDictPreHook");
  readonly #loadStateDictPostHooks = new HookRegistry<LoadStateDictPostHook<never>>("registerLoadStateDictPostHook");

  /**
   * Build the parameter groups from `params` and fill `defaults` into each.
   *
   * `params` is an iterable (array, generator, ...) of tensors, of `[name, tensor]` pairs, or of
   * group objects (`{ params, ...hyperparameters }`); the first element decides which. Each group
   * goes through {@link Optimizer.addParamGroup}, so {@link Optimizer.validateGroup} runs for
   * every group (it runs during `super()`, before the subclass's own fields are initialised).
   *
   * @param params the tensors to optimize, or parameter groups.
   * @param defaults hyperparameter defaults (use {@link required} for values every group must give).
   * @throws TypeError for a bare tensor, a Set, a non-iterable or a non-object `defaults`; Error for
   *   an empty list and for any group that {@link Optimizer.addParamGroup} rejects.
   */
  constructor(params: ParamsInput, defaults: Record<string, unknown>) {
    const where = new.target.name;
    if (!isPlainObject(defaults)) {
      throw new TypeError(`${where}: defaults must be an object of hyperparameters, got ${describeValue(defaults)}`);
    }
    this.defaults = { ...defaults };
    this.paramGroups = [];
    this.state = new Map();
    if (params instanceof Tensor) {
      throw new TypeError(
        `${where}: params argument given to the optimizer should be an iterable of Tensors or param groups, but got a single Tensor (wrap it in an array)`,
      );
    }
    if (params instanceof Set) {
      throw new TypeError(
        `${where}: optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs. Please use an array instead of a Set`,
      );
    }
    if (!isIterable(params)) {
      throw new TypeError(`${where}: params must be an iterable of Tensors, [name, Tensor] pairs or param groups, got ${describeValue(params)}`);
    }
    const items: unknown[] = Array.from(params as Iterable<unknown>);
    if (items.length === 0) throw new Error(`${where}: optimizer got an empty parameter list`);
    const groups = isPlainObject(items[0]) ? items : [{ params: items }];
    groups.forEach((group, gi) => {
      this.paramGroups.push(this.#prepareGroup(group, gi, where));
    });
  }

  /** Number of completed `step()` calls (incremented after each successful update; lr schedulers read it). */
  get stepCount(): number {
    return this.#stepCount;
  }

  /**
   * Update every parameter group once (the subclass's algorithm). Called by {@link Optimizer.step}
   * with grad mode set to `defaults.differentiable`, after the closure.
   */
  protected abstract updateGroups(): void;

  /**
   * Check a group's hyperparameters; throw to reject it. Called with the complete group (defaults
   * filled in) for each constructor group, for {@link Optimizer.addParamGroup} and for each group
   * produced by {@link Optimizer.loadStateDict}, always before anything is changed. The base
   * implementation accepts everything.
   * @param _group the candidate group (a fresh object the subclass may normalise in place).
   */
  protected validateGroup(_group: G): void {}

  /**
   * Validate and convert one parameter's loaded state; throw to reject the state dict. Receives
   * a private copy in which floating tensors were already converted to the parameter's dtype (except
   * `step`) and top-level tensors were checked to be 0-dim or of the parameter's shape. The base
   * implementation returns `saved` unchanged.
   * @param _param the current parameter tensor.
   * @param saved the copied state of that parameter.
   * @param _group the group the parameter will belong to, with the loaded hyperparameters.
   * @returns the state object to store for `param`.
   */
  protected loadParamState(_param: Tensor, saved: Record<string, unknown>, _group: G): Record<string, unknown> {
    return saved;
  }

  /**
   * Add a parameter group (e.g. layers to fine-tune later), with `defaults` filled in for missing
   * hyperparameters.
   *
   * The group is copied, so the caller's object is never mutated; the new group's key order is
   * `params`, the caller's keys, `paramNames` (when built from `[name, tensor]` pairs), then the
   * missing defaults in `defaults` order. A key given as `undefined` takes the default. Everything
   * is checked (including the subclass's {@link Optimizer.validateGroup}) before the group is added.
   *
   * @param group `{ params, ...hyperparameters }`.
   * @throws TypeError for a non-object group, a Set or non-tensor param; Error for a non-leaf
   *   param (unless `defaults.differentiable`), a parameter listed twice, a parameter already in
   *   another group, a missing {@link required} hyperparameter, or mixing groups with and without names.
   * @example opt.addParamGroup({ params: head.parameters(), lr: 1e-3 });
   */
  addParamGroup(group: GroupInput): void {
    const where = `${this.constructor.name}.addParamGroup`;
    this.paramGroups.push(this.#prepareGroup(group, this.paramGroups.length, where));
  }

  /**
   * Reset the gradients of all optimized tensors.
   *
   * With `setToNone` (the default since PyTorch 2.0) each `grad` becomes `null`. Otherwise each
   * existing gradient is detached in place from any graph (or stops requiring grad) and filled with
   * zeros, keeping the same tensor object. Tensors whose `grad` is `null` are left alone.
   * Takes the same forms as `Module.zeroGrad`: `zeroGrad()`, `zeroGrad(false)` or
   * `zeroGrad({ setToNone: false })`.
   * @param options `setToNone` as a boolean or `{ setToNone }`: set gradients to null instead of zeroing them.
   * @throws TypeError if `setToNone` is not a boolean or the options object has another key.
   */
  zeroGrad(options: boolean | { setToNone?: boolean } = true): void {
    const where = `${this.constructor.name}.zeroGrad`;
    const setToNone = isPlainObject(options) ? (checkOptionKeys(options, ["setToNone"], where).setToNone ?? true) : options;
    if (typeof setToNone !== "boolean") {
      throw new TypeError(`${where}: setToNone must be a boolean, got ${describeValue(setToNone)}`);
    }
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const g = p.grad;
        if (g === null) continue;
        if (setToNone) {
          p.grad = null;
          continue;
        }
        if (g.gradFn !== null) g.detach_();
        else g.requiresGrad_(false);
        noGrad(() => g.zero_());
      }
    }
  }

  /**
   * Perform one optimization step and return the closure's loss (or `undefined` without closure).
   *
   * Order: global pre-hooks, instance pre-hooks (either may replace `[args, kwargs]`), then, with
   * grad mode set to `defaults.differentiable` (restored afterwards, even on error): the closure
   * under grad mode on, then a check that no group hyperparameter was set to NaN, then
   * {@link Optimizer.updateGroups}; then `stepCount` is incremented and the
   * instance post-hooks and global post-hooks run with the final `[args, kwargs]`. Hooks run in the
   * caller's grad mode. `args` excludes the optimizer (PyTorch includes it as `args[0]`).
   *
   * @param closure re-evaluates the model and returns the loss (needed by some algorithms).
   * @returns the closure's result, or `undefined`.
   * @throws Error if a pre-hook returns something other than `undefined` or an `[args, kwargs]`
   *   pair; TypeError if the final arguments are not a single optional closure function;
   *   RangeError `<Name>.step: param group <i>: <key> is NaN` (before any parameter changes); Error
   *   for a dual (forward-mode) hyperparameter, whose tangent a class step would drop.
   * @example const loss = opt.step(() => { opt.zeroGrad(); const l = lossFn(model.forward(x), y); l.backward(); return l; });
   */
  step(closure?: () => Tensor | number): Tensor | number | undefined {
    const name = this.constructor.name;
    let args: unknown[] = closure === undefined ? [] : [closure];
    let kwargs: StepKwargs = {};
    const preHooks: Array<StepPreHook<never>> = [...globalStepPreHooks.snapshot(), ...this.#stepPreHooks.snapshot()];
    for (const hook of preHooks) {
      const result: unknown = hook(this as never, args, kwargs);
      if (result === undefined) continue;
      if (!Array.isArray(result) || result.length !== 2 || !Array.isArray(result[0]) || !isPlainObject(result[1])) {
        throw new Error(
          `${name}.step: a step pre-hook must return undefined or a pair [args (array), kwargs (object)], but got ${describeValue(result)}`,
        );
      }
      [args, kwargs] = result as [unknown[], StepKwargs];
    }
    const fn = resolveClosure(args, kwargs, name);
    const loss = setGradEnabled(this.defaults.differentiable === true, () => {
      const out = fn === undefined ? undefined : enableGrad(fn);
      this.#checkGroups(name);
      if (this.defaults.differentiable === true) this.#checkNoLeafUpdate(name);
      // A differentiable step rebinds each updated param and state tensor to a new storage, so a
      // graph that saved the old value (a model's forward saved a weight) stays valid.
      if (this.defaults.differentiable === true) rebindingInPlace(() => this.updateGroups());
      else this.updateGroups();
      return out;
    });
    this.#stepCount++;
    const postHooks: Array<StepPostHook<never>> = [...this.#stepPostHooks.snapshot(), ...globalStepPostHooks.snapshot()];
    for (const hook of postHooks) {
      hook(this as never, args, kwargs);
    }
    return loss;
  }

  /**
   * Groups are plain objects that users edit (`group.lr = NaN`), and no hyperparameter of any
   * optimizer is valid as NaN: refuse one before any parameter changes, instead of silently filling
   * the parameters with NaN. (Only NaN: an lr schedule may legitimately round to -1e-24.) Keys that
   * are not hyperparameters of this optimizer (extra keys users or old checkpoints add) are ignored
   * by every update, so they are not checked.
   */
  #checkGroups(name: string): void {
    this.paramGroups.forEach((group, gi) => {
      for (const key of Object.keys(this.defaults)) {
        const value = group[key];
        const values = Array.isArray(value) && key !== "params" ? value : [value];
        if (values.some((v) => (typeof v === "number" && Number.isNaN(v)) || (v instanceof Tensor && v.numel() === 1 && Number.isNaN(v.item())))) {
          throw new RangeError(`${name}.step: param group ${gi}: ${key} is NaN (${formatHyperparameter(value)}); set a valid value before stepping`);
        }
        // A step rebinds or overwrites the params: their reverse-mode history survives, a tangent would not.
        if (key !== "params" && values.some((v) => v instanceof Tensor && isDual(v))) {
          throw new Error(
            `${name}.step: param group ${gi}: ${key} is a dual tensor (forward mode); an optimizer class does not carry tangents. ` +
              `Use its pure update with unrollSteps(..., { mode: "forward" })`,
          );
        }
      }
    });
  }

  /**
   * A differentiable step writes into the params on the tape, which a leaf that requires grad (or a
   * view of one) cannot take: fail before any state changes, saying what to do instead.
   */
  #checkNoLeafUpdate(name: string): void {
    this.paramGroups.forEach((group, gi) => {
      group.params.forEach((p, i) => {
        if (p.grad === null) return;
        const base = p.base ?? p;
        if (base.isLeaf && base.requiresGrad) {
          throw new Error(
            `${name}.step: param group ${gi}, params[${i}] is a leaf tensor that requires grad; differentiable: true records the ` +
              `update on the tape and cannot overwrite a leaf in place. Optimize non-leaf clones (p.clone()) or use differentiable: false`,
          );
        }
      });
    });
  }

  /**
   * The optimizer's state as a plain object: `{ state: { [id]: paramState }, paramGroups: [...] }`.
   *
   * Ids are assigned in group order (`[[a, b], [c]]` gives `[0, 1]` and `[2]`); `state` lists only
   * parameters that have state (its keys enumerate in id order, since JavaScript orders
   * integer-like keys; PyTorch keeps creation order). As in PyTorch the result references the
   * live state objects, state tensors and hyperparameter values (copy it before mutating the
   * optimizer if you need a snapshot; `loadStateDict` always copies). State-dict pre-hooks run first;
   * each post-hook may return a replacement object.
   * @throws Error if `state` holds an entry for a tensor that is in no group.
   * @example const sd = opt.stateDict(); sd.paramGroups[0].params; // [0, 1]
   */
  stateDict(): OptimizerStateDict {
    const where = `${this.constructor.name}.stateDict`;
    for (const hook of this.#stateDictPreHooks.snapshot()) hook(this as never);
    let sd = packStateDict(this.paramGroups, this.state, where);
    for (const hook of this.#stateDictPostHooks.snapshot()) {
      const result: unknown = hook(this as never, sd);
      if (result === undefined) continue;
      if (!isPlainObject(result)) {
        throw new TypeError(`${where}: a state-dict post-hook must return undefined or a state dict object, got ${describeValue(result)}`);
      }
      sd = result as unknown as OptimizerStateDict;
    }
    return sd;
  }

  /**
   * Load a state dict produced by {@link Optimizer.stateDict} (of an optimizer with the same group
   * sizes).
   *
   * Saved ids map to the current parameters by position. Each new group takes the saved
   * hyperparameters (keys present only in the current group are dropped, as in PyTorch), keeps the
   * current `params` array and `paramNames` when the saved group has none; missing defaults are
   * filled in and {@link Optimizer.validateGroup} runs. Each state entry is deep-copied, its floating
   * tensors converted to the parameter's dtype (except `step`), then passed to
   * {@link Optimizer.loadParamState}. Everything is validated before anything changes, so a rejected
   * state dict leaves the optimizer exactly as it was. `stepCount` is not changed.
   *
   * @param stateDict the state dict (not modified; load pre-hooks receive a shallow copy).
   * @throws TypeError/Error naming the offending group, parameter id, key or shapes.
   * @example opt.loadStateDict(load("ckpt.safetensors").optimizer);
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const where = `${this.constructor.name}.loadStateDict`;
    if (!isPlainObject(stateDict)) {
      throw new TypeError(`${where}: the state dict must be an object with "state" and "paramGroups", got ${describeValue(stateDict)}`);
    }
    checkStateTree(stateDict, where);
    let sd: unknown = { ...stateDict };
    let replaced = false;
    for (const hook of this.#loadStateDictPreHooks.snapshot()) {
      const result: unknown = hook(this as never, sd as OptimizerStateDict);
      if (result !== undefined) {
        sd = result;
        replaced = true;
      }
    }
    if (replaced) checkStateTree(sd, where);
    const current = this.paramGroups;
    const parsed = parseStateDict(sd, current.map((g) => g.params.length), where);

    const newGroups = parsed.groups.map((saved, gi) => {
      const cur = current[gi]!;
      const group: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(saved)) {
        setOwnField(group, key, key === "params" ? cur.params : deepCopy(value));
      }
      if (cur.paramNames !== undefined && (!Object.hasOwn(saved, "paramNames") || saved.paramNames === undefined)) {
        group.paramNames = cur.paramNames;
      }
      this.#fillDefaults(group, `${where}: stateDict.paramGroups[${gi}]`);
      const typed = group as G;
      this.validateGroup(typed);
      return typed;
    });

    const newState = new Map<Tensor, Record<string, unknown>>();
    for (const [id, entry] of parsed.state) {
      const [gi, i] = parsed.positions.get(id)!;
      const param = current[gi]!.params[i]!;
      checkStateShapes(param, id, entry, where);
      const copy = castStateValue(param, entry) as Record<string, unknown>;
      const loaded = this.loadParamState(param, copy, newGroups[gi]!);
      if (!isPlainObject(loaded)) {
        throw new TypeError(`${where}: loadParamState must return a state object for parameter ${id}, got ${describeValue(loaded)}`);
      }
      newState.set(param, loaded);
    }

    this.paramGroups = newGroups;
    this.state = newState;
    for (const hook of this.#loadStateDictPostHooks.snapshot()) hook(this as never);
  }

  /**
   * Register a hook run before each `step()` (after the global pre-hooks). It may return
   * `[args, kwargs]` to replace step's arguments; see {@link StepPreHook}.
   * @returns a handle whose `remove()` unregisters the hook (idempotent).
   * @example opt.registerStepPreHook((opt, args) => { console.log(opt.stepCount, args.length); });
   */
  registerStepPreHook(hook: StepPreHook<this>, options?: HookOptions): RemovableHandle {
    return this.#stepPreHooks.add(hook, options);
  }

  /**
   * Register a hook run after each successful `step()` (before the global post-hooks).
   * @returns a handle whose `remove()` unregisters the hook (idempotent).
   */
  registerStepPostHook(hook: StepPostHook<this>, options?: HookOptions): RemovableHandle {
    return this.#stepPostHooks.add(hook, options);
  }

  /**
   * Register a hook `(optimizer) => void` run at the start of `stateDict()`.
   * @returns a handle whose `remove()` unregisters the hook (idempotent).
   */
  registerStateDictPreHook(hook: StateDictPreHook<this>, options?: HookOptions): RemovableHandle {
    return this.#stateDictPreHooks.add(hook, options);
  }

  /**
   * Register a hook `(optimizer, stateDict) => void | stateDict` run at the end of `stateDict()`;
   * a returned object replaces the state dict.
   * @returns a handle whose `remove()` unregisters the hook (idempotent).
   */
  registerStateDictPostHook(hook: StateDictPostHook<this>, options?: HookOptions): RemovableHandle {
    return this.#stateDictPostHooks.add(hook, options);
  }

  /**
   * Register a hook `(optimizer, stateDict) => void | stateDict` run at the start of
   * `loadStateDict()` on a shallow copy of the given dict; a returned object is loaded instead.
   * @returns a handle whose `remove()` unregisters the hook (idempotent).
   */
  registerLoadStateDictPreHook(hook: LoadStateDictPreHook<this>, options?: HookOptions): RemovableHandle {
    return this.#loadStateDictPreHooks.add(hook, options);
  }

  /**
   * Register a hook `(optimizer) => void` run after a successful `loadStateDict()`.
   * @returns a handle whose `remove()` unregisters the hook (idempotent).
   */
  registerLoadStateDictPostHook(hook: LoadStateDictPostHook<this>, options?: HookOptions): RemovableHandle {
    return this.#loadStateDictPostHooks.add(hook, options);
  }

  /**
   * PyTorch's repr: `ClassName (`, then per group `Parameter Group i` and one `    key: value`
   * line per hyperparameter in sorted key order (`params` omitted), then `)`. Values are rendered
   * the JavaScript way (`true`, `undefined`, not `True`, `None`).
   */
  toString(): string {
    let out = `${this.constructor.name} (`;
    this.paramGroups.forEach((group, i) => {
      out += `\nParameter Group ${i}\n`;
      for (const key of Object.keys(group).filter((k) => k !== "params").sort()) {
        out += `    ${key}: ${formatHyperparameter(group[key])}\n`;
      }
    });
    return `${out})`;
  }

  // Validate a group input completely and return the new group object; changes nothing.
  #prepareGroup(input: unknown, gi: number, where: string): G {
    const at = `${where}: param group ${gi}`;
    if (!isPlainObject(input)) {
      throw new TypeError(`${at} must be an object with a "params" key, got ${describeValue(input)}`);
    }
    // Own keys only, checked before anything is copied: a JSON group's "__proto__" must not become
    // the group's prototype (its hyperparameters would be used by step() but missing from stateDict()).
    checkStateTree({ ...input, params: undefined }, at, "the param group");
    if (!Object.hasOwn(input, "params") || input.params === undefined) {
      throw new Error(`${at} has no "params"`);
    }
    const raw = input.params;
    let items: unknown[];
    if (raw instanceof Tensor) {
      items = [raw];
    } else if (raw instanceof Set) {
      throw new TypeError(
        `${at}: optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs. Please use an array instead of a Set`,
      );
    } else if (isIterable(raw)) {
      items = Array.from(raw as Iterable<unknown>);
    } else {
      throw new TypeError(`${at}: "params" must be a Tensor or an iterable of Tensors or [name, Tensor] pairs, got ${describeValue(raw)}`);
    }

    const params: Tensor[] = [];
    const names: Array<string | undefined> = [];
    items.forEach((item, i) => {
      if (Array.isArray(item)) {
        if (item.length !== 2 || typeof item[0] !== "string" || !(item[1] instanceof Tensor)) {
          throw new TypeError(`${at}: params[${i}] must be a Tensor or a [name, Tensor] pair, got ${describeValue(item)}`);
        }
        names.push(item[0]);
        params.push(item[1]);
      } else if (item instanceof Tensor) {
        names.push(undefined);
        params.push(item);
      } else {
        throw new TypeError(`${at}: optimizer can only optimize Tensors, but params[${i}] is ${describeValue(item)}`);
      }
    });
    const named = names.filter((n) => n !== undefined).length;
    if (named > 0 && named < names.length) {
      const missing = names.findIndex((n) => n === undefined);
      throw new Error(`${at}: all optimizer params should be with/without names, but params[${missing}] has no name`);
    }

    const differentiable = this.defaults.differentiable === true;
    const firstIndex = new Map<Tensor, number>();
    params.forEach((p, i) => {
      if (!differentiable && !(p.isLeaf || p.retainsGrad)) {
        throw new Error(`${at}: can't optimize a non-leaf Tensor (params[${i}], produced by ${p.gradFn?.name ?? "an op"}); detach it or use differentiable: true`);
      }
      const first = firstIndex.get(p);
      if (first !== undefined) {
        throw new Error(`${at}: the same parameter appears twice in the group (params[${first}] and params[${i}])`);
      }
      firstIndex.set(p, i);
    });

    const group: Record<string, unknown> = { params };
    for (const [key, value] of Object.entries(input)) {
      if (key !== "params") setOwnField(group, key, value);
    }
    if (named > 0) {
      group.paramNames = names as string[];
    } else if (group.paramNames !== undefined) {
      const given = group.paramNames;
      if (!Array.isArray(given) || given.length !== params.length || given.some((n) => typeof n !== "string")) {
        throw new TypeError(`${at}: paramNames must be an array of ${params.length} strings, got ${describeValue(given)}`);
      }
      group.paramNames = [...(given as string[])];
    } else {
      delete group.paramNames;
    }
    this.#fillDefaults(group, at);

    const hasNames = Object.hasOwn(group, "paramNames");
    this.paramGroups.forEach((existing, ei) => {
      if ((Object.hasOwn(existing, "paramNames") && existing.paramNames !== undefined) !== hasNames) {
        throw new Error(
          `${at}: all optimizer param groups should be with/without names. cannot add param group ${hasNames ? "with" : "without"} names to the optimizer (group ${ei} is ${hasNames ? "without" : "with"} names)`,
        );
      }
    });
    const groupOf = new Map<Tensor, number>();
    this.paramGroups.forEach((existing, ei) => {
      for (const p of existing.params) if (!groupOf.has(p)) groupOf.set(p, ei);
    });
    params.forEach((p, i) => {
      const ei = groupOf.get(p);
      if (ei !== undefined) {
        throw new Error(`${at}: some parameters appear in more than one parameter group (params[${i}] is already in group ${ei})`);
      }
    });

    const typed = group as G;
    this.validateGroup(typed);
    return typed;
  }

  // Fill missing (or undefined) hyperparameters from the defaults, in defaults order.
  #fillDefaults(group: Record<string, unknown>, at: string): void {
    for (const [key, fallback] of Object.entries(this.defaults)) {
      const present = Object.hasOwn(group, key) && group[key] !== undefined && group[key] !== required;
      if (present) continue;
      if (fallback === required) {
        throw new Error(`${at} didn't specify a value of required optimization parameter ${key}`);
      }
      setOwnField(group, key, fallback);
    }
  }
}

function isIterable(x: unknown): boolean {
  return (
    x !== null &&
    x !== undefined &&
    typeof x !== "string" &&
    typeof (x as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function"
  );
}

// The closure after pre-hooks: at most one positional argument, or a `closure` keyword.
function resolveClosure(args: unknown[], kwargs: StepKwargs, name: string): (() => Tensor | number) | undefined {
  if (args.length > 1) {
    throw new TypeError(`${name}.step: takes at most 1 argument (closure) but ${args.length} were given`);
  }
  for (const key of Object.keys(kwargs)) {
    if (key !== "closure") throw new TypeError(`${name}.step: got an unexpected keyword argument "${key}"`);
  }
  if (args.length === 1 && "closure" in kwargs) {
    throw new TypeError(`${name}.step: got multiple values for argument "closure"`);
  }
  const fn = args.length === 1 ? args[0] : kwargs.closure;
  if (fn === undefined || fn === null) return undefined;
  if (typeof fn !== "function") {
    throw new TypeError(`${name}.step: closure must be a function, got ${describeValue(fn)}`);
  }
  return fn as () => Tensor | number;
}
