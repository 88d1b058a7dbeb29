/**
 * `Module`: the base class of every layer and model, with automatic registration of parameters and
 * sub-modules, buffers, train/eval mode and state dicts. The class coordinates; member bookkeeping
 * is in `module-members.ts`, state-dict loading in `module-state-dict.ts`, dtype conversion in
 * `module-dtype.ts` and forward hooks in `module-hooks.ts`.
 * @module
 */
import { type RemovableHandle, Tensor, noGrad } from "@tapegrad/core";
import { Parameter } from "./parameter.js";
import { convertFloatMembers } from "./module-dtype.js";
import { type ForwardHook, type ForwardPreHook, type HookOptions, callWithHooks, hooksOf } from "./module-hooks.js";
import {
  type NamedMembersOptions,
  type TensorSlot,
  checkMemberName,
  collectTensorSlots,
  fieldsOf,
  namedMembers,
  ownBuffers,
  ownChildren,
  ownParameters,
  registryOf,
  submoduleAt,
  trackMembers,
  walkModules,
} from "./module-members.js";
import { type LoadStateDictResult, type StateDict, loadStateDictInto } from "./module-state-dict.js";
import { checkFloatDtype, checkOptions, describe, zeroGradSetToNone } from "./util.js";

export type { NamedMembersOptions } from "./module-members.js";
export type { LoadStateDictResult, StateDict } from "./module-state-dict.js";

/** Options of {@link Module.registerBuffer}. */
export interface RegisterBufferOptions {
  /** Whether the buffer is part of the state dict (default true). */
  persistent?: boolean;
}

/**
 * Base class of layers and models (PyTorch's `nn.Module`).
 *
 * Parameters ({@link Parameter}) and sub-modules assigned to fields are registered automatically:
 * the module walks its own enumerable fields whenever it is asked for them, in registration order:
 * the order in which each field was first defined (declaration order for class fields, then
 * assignment and `register*` order), integer-like names such as `"10"` included, as PyTorch's
 * ordered dicts keep it. Arrays are not inspected: put modules in a `ModuleList` or `Sequential`.
 * Buffers (non-learnable state such as running statistics) are declared with
 * {@link Module.registerBuffer}.
 *
 * Rule for layers (PyTorch's factory kwargs): every parameter and floating buffer a layer creates
 * takes the dtype of its `dtype` option, or core's `getDefaultDtype()` when the option is absent
 * (`setDefaultDtype("float64")` makes `new Linear(2, 3).weight` float64). Resolve it once with
 * `factoryDtype(options.dtype, where)` from `./util.js` and create every tensor with it, never with a
 * fixed `"float32"`. Option objects are checked with `checkOptions(options, where, allowedKeys)`: an
 * unknown key is a TypeError.
 *
 * Names follow PyTorch: `fc1.weight`, `layers.0.bias`. Within a module, its own parameters come
 * before those of its sub-modules, as in PyTorch.
 *
 * Calling: `forward(...)` holds the computation; `call(...)` is PyTorch's `model(x)`: it runs the
 * forward pre-hooks, `forward`, then the forward hooks (see {@link Module.registerForwardHook}).
 * Containers (`Sequential`, the attention and transformer layers) and `functionalCall` call modules
 * through `call`, so hooks fire wherever a module runs; calling `forward` directly skips the
 * module's own hooks, as in PyTorch.
 *
 * @example
 * class MLP extends Module {
 *   fc1 = new Linear(4, 8);
 *   fc2 = new Linear(8, 3);
 *   forward(x: Tensor): Tensor {
 *     return this.fc2.forward(F.relu(this.fc1.forward(x)));
 *   }
 * }
 * const model = new MLP();
 * model.namedParameters().map(([name]) => name); // ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
 */
export abstract class Module {
  /** Whether the module is in training mode (see {@link Module.train}, {@link Module.eval}). */
  training = true;

  /**
   * Set up member registration. The module is returned wrapped in a `Proxy` whose only traps are
   * `defineProperty` and `deleteProperty`: they record the order in which fields are defined
   * (assignment, class fields, `registerModule`, ...), so names keep registration order even when
   * they are integer-like. Reads and method calls go straight to the module.
   */
  constructor() {
    return trackMembers(this);
  }

  /**
   * The computation of the module. Subclasses declare their own signature, e.g. `forward(x: Tensor): Tensor`.
   */
  abstract forward(...args: any[]): any;

  /**
   * Run the module as PyTorch's `model(...)` does: forward pre-hooks, {@link Module.forward}, forward
   * hooks (each may replace the arguments or the output). With no hooks it is exactly `forward`.
   * @example const y = model.call(x);
   */
  call(...args: Parameters<this["forward"]>): ReturnType<this["forward"]> {
    const hooks = hooksOf(this, false);
    if (hooks === undefined || (hooks.pre.size === 0 && hooks.post.size === 0)) return this.forward(...args);
    return callWithHooks(this, args, hooks, (...a) => this.forward(...a)) as ReturnType<this["forward"]>;
  }

  /**
   * Register `hook(module, args)` to run before every {@link Module.call}; returning an array replaces
   * the arguments, another non-`undefined` value replaces them with that one argument.
   * @returns a handle; `handle.remove()` unregisters the hook.
   * @example const h = model.registerForwardPreHook((m, [x]) => [x.mul(2)]); h.remove();
   */
  registerForwardPreHook(hook: ForwardPreHook<this>, options?: HookOptions): RemovableHandle {
    const where = "registerForwardPreHook";
    return hooksOf(this, true)!.pre.add(hook, checkOptions(options, where, ["prepend"]), where);
  }

  /**
   * Register `hook(module, args, output)` to run after every {@link Module.call}; a non-`undefined`
   * result replaces the output.
   * @returns a handle; `handle.remove()` unregisters the hook.
   * @example const acts: Tensor[] = []; layer.registerForwardHook((m, args, out) => { acts.push(out.detach()); });
   */
  registerForwardHook(hook: ForwardHook<this>, options?: HookOptions): RemovableHandle {
    const where = "registerForwardHook";
    return hooksOf(this, true)!.post.add(hook, checkOptions(options, where, ["prepend"]), where);
  }

  // ---------------------------------------------------------------- registration

  /**
   * Register (or replace) a parameter under `name`; `null` registers an absent parameter (like a
   * `Linear` without bias). Equivalent to assigning the field, for names computed at run time.
   * @throws TypeError when `param` is neither a Parameter nor null; RangeError for an invalid name.
   */
  registerParameter(name: string, param: Parameter | null): void {
    checkMemberName(this, name, "registerParameter");
    if (param !== null && !(param instanceof Parameter)) {
      throw new TypeError(`registerParameter: "${name}" must be a Parameter or null, got ${describe(param)} (wrap tensors with new Parameter(t))`);
    }
    if (registryOf(this).buffers.has(name)) throw new RangeError(`registerParameter: "${name}" is already a buffer`);
    fieldsOf(this)[name] = param;
  }

  /**
   * Register (or replace) a sub-module under `name`. Equivalent to assigning the field.
   * @throws TypeError when `module` is neither a Module nor null; RangeError for an invalid name.
   */
  registerModule(name: string, module: Module | null): void {
    checkMemberName(this, name, "registerModule");
    if (module !== null && !(module instanceof Module)) {
      throw new TypeError(`registerModule: "${name}" must be a Module or null, got ${describe(module)}`);
    }
    if (registryOf(this).buffers.has(name)) throw new RangeError(`registerModule: "${name}" is already a buffer`);
    fieldsOf(this)[name] = module;
  }

  /**
   * Register a buffer: a tensor that is part of the module's state but not a parameter (e.g. running
   * statistics). It becomes the field `name`, moves with {@link Module.to}, and is included in the
   * state dict unless `persistent` is false. `null` registers an empty buffer (skipped everywhere).
   * @throws TypeError when `tensor` is not a Tensor or null (a Parameter is rejected); RangeError
   *   when `name` is invalid or already a parameter or sub-module.
   * @example this.registerBuffer("runningMean", zeros([8]));
   */
  registerBuffer(name: string, tensor: Tensor | null, options?: RegisterBufferOptions): void {
    checkMemberName(this, name, "registerBuffer");
    const { persistent = true } = checkOptions(options, "registerBuffer", ["persistent"]);
    if (typeof persistent !== "boolean") throw new TypeError(`registerBuffer: persistent must be a boolean, got ${describe(persistent)}`);
    if (tensor !== null && (!(tensor instanceof Tensor) || tensor instanceof Parameter)) {
      throw new TypeError(`registerBuffer: "${name}" must be a Tensor (not a Parameter) or null, got ${describe(tensor)}`);
    }
    const existing: unknown = fieldsOf(this)[name];
    if (!registryOf(this).buffers.has(name) && existing !== undefined && existing !== null) {
      throw new RangeError(`registerBuffer: attribute "${name}" already exists (${describe(existing)})`);
    }
    registryOf(this).buffers.set(name, persistent);
    fieldsOf(this)[name] = tensor;
  }

  // ---------------------------------------------------------------- queries

  /**
   * Every module of the tree with its dotted name, this module first (name `""`), depth first in
   * registration order.
   */
  namedModules(options?: Omit<NamedMembersOptions, "recurse">): Array<[string, Module]> {
    const { prefix = "", removeDuplicate = true } = checkOptions(options, "namedModules", ["prefix", "removeDuplicate"]);
    return walkModules(this, prefix, removeDuplicate);
  }

  /** Every module of the tree, this module first. */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** The direct sub-modules with their field names. */
  namedChildren(): Array<[string, Module]> {
    const seen = new Set<Module>();
    const out: Array<[string, Module]> = [];
    for (const [name, m] of ownChildren(this)) {
      if (seen.has(m)) continue;
      seen.add(m);
      out.push([name, m]);
    }
    return out;
  }

  /** The direct sub-modules. */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /**
   * The parameters with their dotted names (`fc1.weight`, `layers.0.bias`), in registration order:
   * each module's own parameters, then those of its sub-modules. A parameter shared by several
   * modules is listed once, under its first name.
   */
  namedParameters(options?: NamedMembersOptions): Array<[string, Parameter]> {
    return namedMembers(this, options, "namedParameters", (m) => ownParameters(m)) as Array<[string, Parameter]>;
  }

  /**
   * The parameters, in the order of {@link Module.namedParameters} (what an optimizer is given).
   * @example const opt = new SGD(model.parameters(), { lr: 0.1 });
   */
  parameters(options?: { recurse?: boolean }): Parameter[] {
    const { recurse = true } = checkOptions(options, "parameters", ["recurse"]);
    return this.namedParameters({ recurse }).map(([, p]) => p);
  }

  /** The buffers (non-null, persistent or not) with their dotted names, in registration order. */
  namedBuffers(options?: NamedMembersOptions): Array<[string, Tensor]> {
    return namedMembers(this, options, "namedBuffers", (m) => ownBuffers(m, false));
  }

  /** The buffers, in the order of {@link Module.namedBuffers}. */
  buffers(options?: { recurse?: boolean }): Tensor[] {
    const { recurse = true } = checkOptions(options, "buffers", ["recurse"]);
    return this.namedBuffers({ recurse }).map(([, b]) => b);
  }

  /**
   * The module at a dotted path (`""` is this module).
   * @throws RangeError naming the first path component that is not a sub-module.
   */
  getSubmodule(target: string): Module {
    if (typeof target !== "string") throw new TypeError(`getSubmodule: target must be a string, got ${describe(target)}`);
    return submoduleAt(this, target);
  }

  /**
   * @internal every parameter and buffer slot with its dotted name, without removing duplicates
   * (a tied weight appears under each of its names). Non-persistent buffers are included only when asked.
   */
  tensorSlots(options: { includeNonPersistent: boolean }): TensorSlot[] {
    return collectTensorSlots(this, options);
  }

  // ---------------------------------------------------------------- modes and bulk operations

  /**
   * Set training mode (`true`) or evaluation mode (`false`) on this module and every sub-module.
   * Layers such as {@link Dropout} behave differently in the two modes.
   * @returns this module.
   */
  train(mode = true): this {
    if (typeof mode !== "boolean") throw new TypeError(`train: mode must be a boolean, got ${describe(mode)}`);
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Set evaluation mode: the same as `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Reset the gradients of every parameter: set them to null (the default, as PyTorch 2.x), or
   * fill them with zeros when `setToNone` is false. Takes the same forms as `Optimizer.zeroGrad`:
   * `zeroGrad()`, `zeroGrad(false)` or `zeroGrad({ setToNone: false })`.
   * @throws TypeError when `setToNone` is not a boolean or the options have another key.
   */
  zeroGrad(options?: boolean | { setToNone?: boolean }): void {
    const setToNone = zeroGradSetToNone(options, `${this.constructor.name}.zeroGrad`);
    for (const p of this.parameters()) {
      const g = p.grad;
      if (g === null) continue;
      if (setToNone) {
        p.grad = null;
      } else {
        // A gradient built with createGraph is part of a graph: zero a detached copy instead of it.
        const plain = g.requiresGrad ? g.detach() : g;
        noGrad(() => plain.zero_());
        if (plain !== g) p.grad = plain;
      }
    }
  }

  /**
   * Call `fn` on every sub-module (recursively, children first) and then on this module, as PyTorch's
   * `apply` does; typically used for custom initialisation.
   * @returns this module.
   * @example model.apply((m) => { if (m instanceof Linear) init.zeros_(m.weight); });
   */
  apply(fn: (module: Module) => void): this {
    if (typeof fn !== "function") throw new TypeError(`apply: fn must be a function, got ${describe(fn)}`);
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Convert every floating-point parameter and buffer to `dtype` (integer and bool buffers are kept).
   * Converted parameters are NEW {@link Parameter} objects (with their gradients converted too):
   * build optimizers after calling `to`. Tied parameters stay tied.
   * @returns this module.
   * @example model.to({ dtype: "float64" });
   */
  to(options: { dtype: "float32" | "float64" } | "float32" | "float64"): this {
    const raw = typeof options === "string" ? options : checkOptions(options, "to", ["dtype"]).dtype;
    const dtype = checkFloatDtype(raw, "to");
    if (dtype === undefined) throw new TypeError("to: dtype is required (\"float32\" or \"float64\")");
    convertFloatMembers(this, dtype);
    return this;
  }

  /** Convert floating-point parameters and buffers to float64 (see {@link Module.to}). */
  double(): this {
    return this.to("float64");
  }

  /** Convert floating-point parameters and buffers to float32 (see {@link Module.to}). */
  float(): this {
    return this.to("float32");
  }

  // ---------------------------------------------------------------- state dicts

  /**
   * The module's state as a plain object: dotted name → tensor, for every parameter and persistent
   * buffer, in registration order (each module's parameters, then its buffers, then its sub-modules),
   * integer-like names included (`"embed.weight"`, `"1.weight"`, `"10.weight"`, `"2.weight"` stay in
   * that order). The tensors are detached and share storage with the module (copy them to keep a
   * snapshot). A tied parameter appears under each of its names, as in PyTorch.
   *
   * One case a plain object cannot hold in order: a parameter or buffer of THIS module (no dot in
   * its key) whose name is itself integer-like (`"10"`) is enumerated first by JavaScript. Use
   * {@link Module.stateDictEntries} when that order matters.
   * @example save(model.stateDict(), "model.safetensors");
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [key, value] of this.stateDictEntries()) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    return out;
  }

  /**
   * The entries of {@link Module.stateDict} as `[name, tensor]` pairs, always in PyTorch's
   * `state_dict()` order (also for integer-like names of this module's own members).
   * `new Map(m.stateDictEntries())` is an ordered state dict that {@link Module.loadStateDict} accepts.
   * @example for (const [name, t] of model.stateDictEntries()) console.log(name, t.shape);
   */
  stateDictEntries(): Array<[string, Tensor]> {
    return this.tensorSlots({ includeNonPersistent: false }).map((slot) => [slot.key, slot.value.detach()]);
  }

  /**
   * Copy the values of a state dict into the module's parameters and persistent buffers (converting
   * dtypes when needed). Everything is validated first: on any error nothing is changed.
   *
   * With `strict` (the default) missing keys, unexpected keys, shape mismatches and non-tensor
   * values are all reported, by name, in one error; with `strict: false` only shape mismatches and
   * non-tensor values are errors, and the missing and unexpected keys are returned.
   *
   * A key with a `__proto__`, `constructor` or `prototype` component is refused (TypeError), in
   * both modes, and unknown option keys are refused too.
   *
   * @returns `{ missingKeys, unexpectedKeys }` (both empty after a strict load).
   * @throws Error listing every problem found.
   * @example model.loadStateDict(load("model.safetensors"));
   */
  loadStateDict(stateDict: StateDict | Map<string, Tensor>, options?: { strict?: boolean }): LoadStateDictResult {
    return loadStateDictInto(this, stateDict, options);
  }

  // ---------------------------------------------------------------- printing

  /** Extra information shown by {@link Module.toString} between the parentheses, e.g. `inFeatures=4`. */
  extraRepr(): string {
    return "";
  }

  /**
   * A PyTorch-style rendering of the module tree, e.g.
   * `MLP(\n  (fc1): Linear(inFeatures=4, outFeatures=8, bias=true)\n  ...)`.
   */
  toString(): string {
    const children = ownChildren(this);
    const extra = this.extraRepr();
    if (children.length === 0) return `${this.constructor.name}(${extra})`;
    const lines: string[] = [];
    if (extra) lines.push(...extra.split("\n"));
    for (const [name, child] of children) {
      const [first, ...rest] = child.toString().split("\n");
      lines.push(`(${name}): ${first}`, ...rest);
    }
    return `${this.constructor.name}(\n${lines.map((l) => `  ${l}`).join("\n")}\n)`;
  }

  /** Node's `util.inspect`, and so `console.log(model)`, prints {@link Module.toString}. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}
