/**
 * Forward hooks of a {@link Module}: the registry behind `registerForwardPreHook` and
 * `registerForwardHook`, and the hook-running call that `Module.call` performs.
 * @module
 */
import type { RemovableHandle } from "@tapegrad/core";
import { describe } from "./util.js";

/**
 * Runs before `forward` with the module and its arguments. Returning `undefined` keeps the arguments;
 * returning an array replaces them; any other value replaces them with that single argument (as
 * PyTorch wraps a non-tuple result).
 */
export type ForwardPreHook<M = any> = (module: M, args: any[]) => unknown;

/** Runs after `forward` with the module, its arguments and its output; a non-`undefined` result replaces the output. */
export type ForwardHook<M = any> = (module: M, args: any[], output: any) => unknown;

/** Options of the hook registrations. */
export interface HookOptions {
  /** Run this hook before the ones already registered (default false: after them). */
  prepend?: boolean;
}

/** An ordered set of hooks with removable handles (insertion order, or first with `prepend`). */
export class HookList<H extends (...args: any[]) => unknown> {
  #hooks: Array<{ id: number; hook: H }> = [];
  #next = 0;

  /** Add `hook`; returns a handle whose `remove()` unregisters it (idempotent). */
  add(hook: H, options: HookOptions | undefined, where: string): RemovableHandle {
    if (typeof hook !== "function") throw new TypeError(`${where}: hook must be a function, got ${describe(hook)}`);
    const prepend = options?.prepend ?? false;
    if (typeof prepend !== "boolean") throw new TypeError(`${where}: prepend must be a boolean, got ${describe(prepend)}`);
    const entry = { id: this.#next++, hook };
    if (prepend) this.#hooks.unshift(entry);
    else this.#hooks.push(entry);
    return {
      remove: () => {
        this.#hooks = this.#hooks.filter((e) => e.id !== entry.id);
      },
    };
  }

  /** The hooks in running order (a snapshot: hooks removed while running still finish this call). */
  list(): H[] {
    return this.#hooks.map((e) => e.hook);
  }

  /** Number of registered hooks. */
  get size(): number {
    return this.#hooks.length;
  }
}

/** A module's two hook lists. */
export interface ModuleHooks {
  /** Forward pre-hooks, in running order. */
  pre: HookList<ForwardPreHook>;
  /** Forward hooks, in running order. */
  post: HookList<ForwardHook>;
}

// Kept outside the module objects (which are proxies, where `#private` members cannot be reached).
const hooksByModule = new WeakMap<object, ModuleHooks>();

/** The hook lists of `module` (created empty on first use), or undefined when it has none yet and `create` is false. */
export function hooksOf(module: object, create: boolean): ModuleHooks | undefined {
  let hooks = hooksByModule.get(module);
  if (hooks === undefined && create) {
    hooks = { pre: new HookList(), post: new HookList() };
    hooksByModule.set(module, hooks);
  }
  return hooks;
}

/** Run `forward` between the pre-hooks and the hooks, applying their replacements. */
export function callWithHooks(module: object, args: any[], { pre, post }: ModuleHooks, forward: (...a: any[]) => unknown): unknown {
  let current = args;
  for (const hook of pre.list()) {
    const result = hook(module, current);
    if (result !== undefined) current = Array.isArray(result) ? result : [result];
  }
  let output = forward(...current);
  for (const hook of post.list()) {
    const result = hook(module, current, output);
    if (result !== undefined) output = result;
  }
  return output;
}
