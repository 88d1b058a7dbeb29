/**
 * A small ordered hook registry with removable handles, as used by the optimizer's step and
 * state-dict hooks (PyTorch's `OrderedDict` of hooks plus `torch.utils.hooks.RemovableHandle`).
 * @module
 */

import type { RemovableHandle as CoreRemovableHandle } from "@tapegrad/core";

// One counter for every handle of every kind in the process, as PyTorch's RemovableHandle.next_id.
let nextHookId = 0;

/** Options accepted by every hook registration. */
export interface HookOptions {
  /** Run this hook before the hooks already registered (default false: after them). */
  prepend?: boolean;
}

/**
 * The handle a hook registration returns: `remove()` unregisters the hook.
 *
 * `remove()` is idempotent: a second call, or a call after the hook was removed some other way,
 * does nothing. `id` comes from one process-wide counter shared by all handles (starting at 0).
 * Unlike PyTorch the handle holds a strong reference to its registry (JavaScript code rarely relies
 * on a registry being garbage-collected while a handle is alive).
 *
 * @example
 * const h = opt.registerStepPostHook(() => console.log("stepped"));
 * h.remove(); h.remove(); // the second call is a no-op
 */
export class RemovableHandle implements CoreRemovableHandle {
  /** The hook's key in its registry (unique in the process). */
  readonly id: number;
  readonly #registry: { delete(id: number): boolean };

  /** @internal use {@link HookRegistry.add}. */
  constructor(registry: { delete(id: number): boolean }, id: number) {
    this.#registry = registry;
    this.id = id;
  }

  /** Unregister the hook; does nothing if it is already gone. */
  remove(): void {
    this.#registry.delete(this.id);
  }
}

/**
 * An ordered map from handle id to hook function.
 *
 * Iteration order is registration order, except that a hook added with `{ prepend: true }` goes to
 * the front. {@link HookRegistry.snapshot} returns a copy, so a hook may add or remove hooks while
 * the registry is being run (PyTorch raises "OrderedDict mutated during iteration" there instead);
 * such changes take effect from the next run.
 *
 * @typeParam F the hook's function type.
 * @example
 * const hooks = new HookRegistry<(x: number) => void>();
 * const h = hooks.add((x) => console.log(x));
 * for (const fn of hooks.snapshot()) fn(1);
 * h.remove();
 */
export class HookRegistry<F> {
  #hooks = new Map<number, F>();
  readonly #where: string;

  /**
   * @param where the registering method's name, used in error messages (e.g. "registerStepPreHook").
   */
  constructor(where = "registerHook") {
    this.#where = where;
  }

  /**
   * Register `hook` and return its handle.
   * @throws TypeError if `hook` is not a function or `options.prepend` is not a boolean.
   */
  add(hook: F, options: HookOptions = {}): RemovableHandle {
    if (typeof hook !== "function") {
      throw new TypeError(`${this.#where}: hook must be a function, got ${hook === null ? "null" : typeof hook}`);
    }
    if (options === null || typeof options !== "object") {
      throw new TypeError(`${this.#where}: options must be an object, got ${options === null ? "null" : typeof options}`);
    }
    const prepend = options.prepend ?? false;
    if (typeof prepend !== "boolean") {
      throw new TypeError(`${this.#where}: options.prepend must be a boolean, got ${typeof prepend}`);
    }
    const id = nextHookId++;
    if (prepend) {
      this.#hooks = new Map<number, F>([[id, hook], ...this.#hooks]);
    } else {
      this.#hooks.set(id, hook);
    }
    return new RemovableHandle(this, id);
  }

  /** Remove the hook registered under `id`; returns whether it was present. */
  delete(id: number): boolean {
    return this.#hooks.delete(id);
  }

  /** Whether a hook is registered under `id`. */
  has(id: number): boolean {
    return this.#hooks.has(id);
  }

  /** Number of registered hooks. */
  get size(): number {
    return this.#hooks.size;
  }

  /** The hooks in run order, copied (safe against registration or removal during a run). */
  snapshot(): F[] {
    return [...this.#hooks.values()];
  }
}
