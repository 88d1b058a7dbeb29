/**
 * The optimizer's hooks: their types, the global step hooks, and the per-optimizer registries with
 * the code that runs each kind at its place in `step`, `stateDict` and `loadStateDict`.
 * @module
 */

import { checkStateTree } from "@tapegrad/core/internal";
import { HookRegistry, type HookOptions, type RemovableHandle } from "./hooks.js";
import type { Optimizer } from "./optimizer.js";
import { type OptimizerStateDict, describeValue, isPlainObject } from "./state-dict.js";

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

/**
 * @internal one optimizer's hooks, by kind, and the code that runs them. Hooks are stored with the
 * optimizer parameter typed `never` so that the field types do not depend on `this` or the group
 * type (which would make ASGD not assignable to Optimizer); they are always called with the
 * optimizer that owns them, which is what the public registration signatures promise.
 */
export class OptimizerHooks {
  readonly stepPre = new HookRegistry<StepPreHook<never>>("registerStepPreHook");
  readonly stepPost = new HookRegistry<StepPostHook<never>>("registerStepPostHook");
  readonly stateDictPre = new HookRegistry<StateDictPreHook<never>>("registerStateDictPreHook");
  readonly stateDictPost = new HookRegistry<StateDictPostHook<never>>("registerStateDictPostHook");
  readonly loadStateDictPre = new HookRegistry<LoadStateDictPreHook<never>>("registerLoadStateDictPreHook");
  readonly loadStateDictPost = new HookRegistry<LoadStateDictPostHook<never>>("registerLoadStateDictPostHook");

  /** Global, then instance step pre-hooks; returns the `[args, kwargs]` step runs with. */
  runStepPre(optimizer: Optimizer, args: unknown[], kwargs: StepKwargs, name: string): [unknown[], StepKwargs] {
    const preHooks: Array<StepPreHook<never>> = [...globalStepPreHooks.snapshot(), ...this.stepPre.snapshot()];
    for (const hook of preHooks) {
      const result: unknown = hook(optimizer as never, args, kwargs);
      if (result === undefined) continue;
      if (!Array.isArray(result) || result.length !== 2 || !Array.isArray(result[0]) || !isPlainObject(result[1])) {
        throw new Error(
          `${name}.step: a step pre-hook must return undefined or a pair [args (array), kwargs (object)], but got ${describeValue(result)}`,
        );
      }
      [args, kwargs] = result as [unknown[], StepKwargs];
    }
    return [args, kwargs];
  }

  /** Instance, then global step post-hooks. */
  runStepPost(optimizer: Optimizer, args: unknown[], kwargs: StepKwargs): void {
    const postHooks: Array<StepPostHook<never>> = [...this.stepPost.snapshot(), ...globalStepPostHooks.snapshot()];
    for (const hook of postHooks) {
      hook(optimizer as never, args, kwargs);
    }
  }

  /** The state-dict pre-hooks. */
  runStateDictPre(optimizer: Optimizer): void {
    for (const hook of this.stateDictPre.snapshot()) hook(optimizer as never);
  }

  /** The state-dict post-hooks, each of which may replace `sd`; returns the final state dict. */
  runStateDictPost(optimizer: Optimizer, sd: OptimizerStateDict, where: string): OptimizerStateDict {
    for (const hook of this.stateDictPost.snapshot()) {
      const result: unknown = hook(optimizer as never, sd);
      if (result === undefined) continue;
      if (!isPlainObject(result)) {
        throw new TypeError(`${where}: a state-dict post-hook must return undefined or a state dict object, got ${describeValue(result)}`);
      }
      sd = result as unknown as OptimizerStateDict;
    }
    return sd;
  }

  /** The load pre-hooks on a shallow copy of `stateDict`; returns what to load (checked again if a hook replaced it). */
  runLoadStateDictPre(optimizer: Optimizer, stateDict: OptimizerStateDict, where: string): unknown {
    let sd: unknown = { ...stateDict };
    let replaced = false;
    for (const hook of this.loadStateDictPre.snapshot()) {
      const result: unknown = hook(optimizer as never, sd as OptimizerStateDict);
      if (result !== undefined) {
        sd = result;
        replaced = true;
      }
    }
    if (replaced) checkStateTree(sd, where);
    return sd;
  }

  /** The load post-hooks. */
  runLoadStateDictPost(optimizer: Optimizer): void {
    for (const hook of this.loadStateDictPost.snapshot()) hook(optimizer as never);
  }
}
