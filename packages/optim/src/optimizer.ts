/**
 * The `Optimizer` base class: parameter groups, lazy per-parameter state, `zeroGrad`, the hooked
 * `step` dispatch and state dicts, with PyTorch 2.8's semantics. The class coordinates; the work is
 * in sibling files: group validation (`param-groups.ts`), hooks (`optimizer-hooks.ts`), step checks
 * (`step-checks.ts`), state-dict packing and loading (`state-dict.ts`, `load-state-dict.ts`) and
 * the printed form (`optimizer-format.ts`).
 * @module
 */

import { type Tensor, enableGrad, noGrad, setGradEnabled } from "@tapegrad/core";
import { checkStateTree, rebindingInPlace } from "@tapegrad/core/internal";
import type { HookOptions, RemovableHandle } from "./hooks.js";
import { loadedGroupsAndState } from "./load-state-dict.js";
import { checkOptionKeys } from "./optimizer-checks.js";
import { formatOptimizer } from "./optimizer-format.js";
import {
  OptimizerHooks,
  type LoadStateDictPostHook,
  type LoadStateDictPreHook,
  type StateDictPostHook,
  type StateDictPreHook,
  type StepKwargs,
  type StepPostHook,
  type StepPreHook,
} from "./optimizer-hooks.js";
import { type GroupInput, type ParamGroup, type ParamsInput, groupInputs, prepareGroup } from "./param-groups.js";
import { type OptimizerStateDict, describeValue, isPlainObject, packStateDict, parseStateDict } from "./state-dict.js";
import { checkGroups, checkNoLeafUpdate, resolveClosure } from "./step-checks.js";

export type { OptimizerStateDict } from "./state-dict.js";
export { required, type ParamGroup, type GroupInput, type ParamsInput } from "./param-groups.js";
export {
  registerOptimizerStepPreHook, registerOptimizerStepPostHook,
  type StepKwargs, type StepPreHook, type StepPostHook, type StateDictPreHook, type StateDictPostHook,
  type LoadStateDictPreHook, type LoadStateDictPostHook,
} from "./optimizer-hooks.js";

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
  readonly #hooks = new OptimizerHooks();

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
    const groups = groupInputs(params, where);
    groups.forEach((group, gi) => {
      this.paramGroups.push(this.#prepareGroup(group, `${where}: param group ${gi}`));
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
    this.paramGroups.push(this.#prepareGroup(group, `${where}: param group ${this.paramGroups.length}`));
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
   *   for a dual (forward-mode) hyperparameter, param or gradient without `differentiable: true`
   *   (only the differentiable step carries tangents into the params and their state).
   * @example const loss = opt.step(() => { opt.zeroGrad(); const l = lossFn(model.forward(x), y); l.backward(); return l; });
   */
  step(closure?: () => Tensor | number): Tensor | number | undefined {
    const name = this.constructor.name;
    let args: unknown[] = closure === undefined ? [] : [closure];
    let kwargs: StepKwargs = {};
    [args, kwargs] = this.#hooks.runStepPre(this, args, kwargs, name);
    const fn = resolveClosure(args, kwargs, name);
    const loss = setGradEnabled(this.defaults.differentiable === true, () => {
      const out = fn === undefined ? undefined : enableGrad(fn);
      checkGroups(this.paramGroups, this.defaults, name);
      if (this.defaults.differentiable === true) checkNoLeafUpdate(this.paramGroups, name);
      // A differentiable step rebinds each updated param and state tensor to a new storage, so a
      // graph that saved the old value (a model's forward saved a weight) stays valid.
      if (this.defaults.differentiable === true) rebindingInPlace(() => this.updateGroups());
      else this.updateGroups();
      return out;
    });
    this.#stepCount++;
    this.#hooks.runStepPost(this, args, kwargs);
    return loss;
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
    this.#hooks.runStateDictPre(this);
    const sd = packStateDict(this.paramGroups, this.state, where);
    return this.#hooks.runStateDictPost(this, sd, where);
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
    const sd = this.#hooks.runLoadStateDictPre(this, stateDict, where);
    const parsed = parseStateDict(sd, this.paramGroups.map((g) => g.params.length), where);
    const loaded = loadedGroupsAndState(parsed, this.paramGroups, {
      defaults: this.defaults,
      validateGroup: (group) => this.validateGroup(group),
      loadParamState: (param, saved, group) => this.loadParamState(param, saved, group),
    }, where);
    this.paramGroups = loaded.groups;
    this.state = loaded.state;
    this.#hooks.runLoadStateDictPost(this);
  }

  /**
   * Register a hook run before each `step()` (after the global pre-hooks). It may return
   * `[args, kwargs]` to replace step's arguments; see {@link StepPreHook}.
   * @returns a handle whose `remove()` unregisters the hook (idempotent).
   * @example opt.registerStepPreHook((opt, args) => { console.log(opt.stepCount, args.length); });
   */
  registerStepPreHook(hook: StepPreHook<this>, options?: HookOptions): RemovableHandle {
    return this.#hooks.stepPre.add(hook, options);
  }

  /**
   * Register a hook run after each successful `step()` (before the global post-hooks).
   * @returns a handle whose `remove()` unregisters the hook (idempotent).
   */
  registerStepPostHook(hook: StepPostHook<this>, options?: HookOptions): RemovableHandle {
    return this.#hooks.stepPost.add(hook, options);
  }

  /**
   * Register a hook `(optimizer) => void` run at the start of `stateDict()`.
   * @returns a handle whose `remove()` unregisters the hook (idempotent).
   */
  registerStateDictPreHook(hook: StateDictPreHook<this>, options?: HookOptions): RemovableHandle {
    return this.#hooks.stateDictPre.add(hook, options);
  }

  /**
   * Register a hook `(optimizer, stateDict) => void | stateDict` run at the end of `stateDict()`;
   * a returned object replaces the state dict.
   * @returns a handle whose `remove()` unregisters the hook (idempotent).
   */
  registerStateDictPostHook(hook: StateDictPostHook<this>, options?: HookOptions): RemovableHandle {
    return this.#hooks.stateDictPost.add(hook, options);
  }

  /**
   * Register a hook `(optimizer, stateDict) => void | stateDict` run at the start of
   * `loadStateDict()` on a shallow copy of the given dict; a returned object is loaded instead.
   * @returns a handle whose `remove()` unregisters the hook (idempotent).
   */
  registerLoadStateDictPreHook(hook: LoadStateDictPreHook<this>, options?: HookOptions): RemovableHandle {
    return this.#hooks.loadStateDictPre.add(hook, options);
  }

  /**
   * Register a hook `(optimizer) => void` run after a successful `loadStateDict()`.
   * @returns a handle whose `remove()` unregisters the hook (idempotent).
   */
  registerLoadStateDictPostHook(hook: LoadStateDictPostHook<this>, options?: HookOptions): RemovableHandle {
    return this.#hooks.loadStateDictPost.add(hook, options);
  }

  /**
   * PyTorch's repr: `ClassName (`, then per group `Parameter Group i` and one `    key: value`
   * line per hyperparameter in sorted key order (`params` omitted), then `)`. Values are rendered
   * the JavaScript way (`true`, `undefined`, not `True`, `None`).
   */
  toString(): string {
    return formatOptimizer(this.constructor.name, this.paramGroups);
  }

  // Validate a group input completely (the subclass's check last) and return the new group object; changes nothing.
  #prepareGroup(input: unknown, at: string): G {
    const typed = prepareGroup(input, at, this.defaults, this.paramGroups) as G;
    this.validateGroup(typed);
    return typed;
  }
}
