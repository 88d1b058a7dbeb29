/**
 * `Module`: the base class of every layer and model, with automatic registration of parameters and
 * sub-modules, buffers, train/eval mode and state dicts.
 * @module
 */
import { type RemovableHandle, Tensor, isFloatingDtype, noGrad } from "@tapegrad/core";
import { isForbiddenKey } from "@tapegrad/core/internal";
import { Parameter } from "./parameter.js";
import { type ForwardHook, type ForwardPreHook, type HookOptions, callWithHooks, hooksOf } from "./module-hooks.js";
import { checkFloatDtype, checkOptions, describe, formatShape, zeroGradSetToNone } from "./util.js";

/** A module's state: dotted name → tensor, in registration order (see {@link Module.stateDict}). */
export type StateDict = Record<string, Tensor>;

/** What {@link Module.loadStateDict} reports. */
export interface LoadStateDictResult {
  /** Keys the module expects that the state dict does not have (always empty when strict). */
  missingKeys: string[];
  /** Keys of the state dict the module does not have (always empty when strict). */
  unexpectedKeys: string[];
}

/** Options of {@link Module.registerBuffer}. */
export interface RegisterBufferOptions {
  /** Whether the buffer is part of the state dict (default true). */
  persistent?: boolean;
}

/** Options of the recursive member queries ({@link Module.namedParameters}, ...). */
export interface NamedMembersOptions {
  /** Prefix prepended (with a dot) to every name. */
  prefix?: string;
  /** Include the members of sub-modules (default true). */
  recurse?: boolean;
  /** List a tensor or module reachable under several names only once, under its first name (default true). */
  removeDuplicate?: boolean;
}

/**
 * One registered tensor slot: the module that owns it, its field name, and what kind of member it is.
 * @internal
 */
export interface TensorSlot {
  key: string;
  owner: Module;
  field: string;
  kind: "parameter" | "buffer";
  value: Tensor;
}

/** A module's fields by name, for reading and writing members whose names are computed. */
function fieldsOf(m: Module): Record<string, unknown> {
  return m as unknown as Record<string, unknown>;
}

/**
 * What a module remembers about its members: every field name in the order it was first defined
 * (PyTorch's insertion-ordered `_parameters`/`_modules` dicts), and its buffers.
 */
interface Registry {
  /** Field names in first-definition order (a name deleted and defined again moves to the end). */
  order: Set<string>;
  /** Registered buffer names -> persistent flag, in registration order. */
  buffers: Map<string, boolean>;
}

// Keyed by the module object callers see (the proxy returned by Module's constructor).
const registries = new WeakMap<object, Registry>();

function registryOf(m: Module): Registry {
  let registry = registries.get(m);
  if (registry === undefined) {
    registry = { order: new Set(), buffers: new Map() };
    registries.set(m, registry);
  }
  return registry;
}

/**
 * A module's own enumerable fields in registration order. JavaScript enumerates integer-like keys
 * ("0", "10") before all others; the registry keeps the order in which fields were defined instead.
 * Fields defined before the registry existed (the base class's own) come first.
 */
function ownFields(m: Module): Array<[string, unknown]> {
  const { order } = registryOf(m);
  const keys = Object.keys(m);
  const present = new Set(keys);
  const names = keys.filter((k) => !order.has(k));
  for (const k of order) if (present.has(k)) names.push(k);
  const fields = fieldsOf(m);
  return names.map((k) => [k, fields[k]]);
}

function ownParameters(m: Module): Array<[string, Parameter]> {
  return ownFields(m).filter((e): e is [string, Parameter] => e[1] instanceof Parameter);
}

function ownBuffers(m: Module, persistentOnly: boolean): Array<[string, Tensor]> {
  const out: Array<[string, Tensor]> = [];
  for (const [name, persistent] of registryOf(m).buffers) {
    if (persistentOnly && !persistent) continue;
    const value: unknown = fieldsOf(m)[name];
    if (value === null || value === undefined || value instanceof Parameter) continue;
    if (!(value instanceof Tensor)) {
      throw new TypeError(`${m.constructor.name}: buffer "${name}" must be a Tensor or null, got ${describe(value)}`);
    }
    out.push([name, value]);
  }
  return out;
}

/**
 * @internal a module's direct sub-modules in registration order, repeats included (what
 * `Sequential` runs).
 */
export function ownChildren(m: Module): Array<[string, Module]> {
  return ownFields(m).filter((e): e is [string, Module] => e[1] instanceof Module);
}

function checkMemberName(owner: Module, name: unknown, where: string): string {
  if (typeof name !== "string") throw new TypeError(`${where}: name must be a string, got ${describe(name)}`);
  if (name === "") throw new RangeError(`${where}: name can't be empty`);
  if (name.includes(".")) throw new RangeError(`${where}: name can't contain ".", got ${JSON.stringify(name)}`);
  if (name in owner && !Object.prototype.hasOwnProperty.call(owner, name)) {
    throw new RangeError(`${where}: name ${JSON.stringify(name)} would shadow a method or property of ${owner.constructor.name}`);
  }
  if (name === "training") throw new RangeError(`${where}: name "training" is reserved`);
  return name;
}

/** The members `own` lists, of `root` and (by default) its sub-modules, with dotted names. */
function namedMembers(root: Module, options: NamedMembersOptions | undefined, where: string, own: (m: Module) => Array<[string, Tensor]>): Array<[string, Tensor]> {
  const { prefix = "", recurse = true, removeDuplicate = true } = checkOptions(options, where, ["prefix", "recurse", "removeDuplicate"]);
  const modules: Array<[string, Module]> = recurse ? root.namedModules({ prefix, removeDuplicate }) : [[prefix, root]];
  const out: Array<[string, Tensor]> = [];
  const seen = new Set<Tensor>();
  for (const [moduleName, module] of modules) {
    for (const [name, t] of own(module)) {
      if (removeDuplicate) {
        if (seen.has(t)) continue;
        seen.add(t);
      }
      out.push([moduleName === "" ? name : `${moduleName}.${name}`, t]);
    }
  }
  return out;
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
    const registry: Registry = { order: new Set(), buffers: new Map() };
    const proxy = new Proxy(this, {
      defineProperty(target, key, descriptor) {
        const ok = Reflect.defineProperty(target, key, descriptor);
        if (ok && typeof key === "string") registry.order.add(key);
        return ok;
      },
      deleteProperty(target, key) {
        const ok = Reflect.deleteProperty(target, key);
        if (ok && typeof key === "string") {
          registry.order.delete(key);
          registry.buffers.delete(key);
        }
        return ok;
      },
    });
    registries.set(proxy, registry);
    return proxy;
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
    const out: Array<[string, Module]> = [];
    const seen = new Set<Module>();
    const visit = (module: Module, name: string): void => {
      if (removeDuplicate) {
        if (seen.has(module)) return;
        seen.add(module);
      }
      out.push([name, module]);
      for (const [childName, child] of ownChildren(module)) visit(child, name === "" ? childName : `${name}.${childName}`);
    };
    visit(this, prefix);
    return out;
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
    if (target === "") return this;
    let module: Module = this;
    let path = "";
    for (const part of target.split(".")) {
      const next: unknown = Object.prototype.hasOwnProperty.call(module, part) ? fieldsOf(module)[part] : undefined;
      if (!(next instanceof Module)) {
        throw new RangeError(`getSubmodule: ${module.constructor.name}${path ? ` at "${path}"` : ""} has no sub-module "${part}" (looking up "${target}")`);
      }
      module = next;
      path = path ? `${path}.${part}` : part;
    }
    return module;
  }

  /**
   * @internal every parameter and buffer slot with its dotted name, without removing duplicates
   * (a tied weight appears under each of its names). Non-persistent buffers are included only when asked.
   */
  tensorSlots(options: { includeNonPersistent: boolean }): TensorSlot[] {
    const out: TensorSlot[] = [];
    const visit = (module: Module, prefix: string, path: Set<Module>): void => {
      if (path.has(module)) throw new Error(`${this.constructor.name}: the module tree contains a cycle at "${prefix}"`);
      path.add(module);
      for (const [field, value] of ownParameters(module)) {
        out.push({ key: prefix + field, owner: module, field, kind: "parameter", value });
      }
      for (const [field, value] of ownBuffers(module, !options.includeNonPersistent)) {
        out.push({ key: prefix + field, owner: module, field, kind: "buffer", value });
      }
      for (const [name, child] of ownChildren(module)) visit(child, `${prefix}${name}.`, path);
      path.delete(module);
    };
    visit(this, "", new Set());
    return out;
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
    const converted = new Map<Tensor, Tensor>();
    const convert = (t: Tensor, make: (t: Tensor) => Tensor): Tensor => {
      if (!isFloatingDtype(t.dtype) || t.dtype === dtype) return t;
      let out = converted.get(t);
      if (out === undefined) {
        out = make(t);
        converted.set(t, out);
      }
      return out;
    };
    const changes: Array<[Module, string, Tensor]> = [];
    noGrad(() => {
      for (const slot of this.tensorSlots({ includeNonPersistent: true })) {
        const next = convert(slot.value, (t) => {
          if (slot.kind === "buffer") return t.to(dtype);
          const p = new Parameter(t.to(dtype), t.requiresGrad);
          if (t.grad !== null) p.grad = t.grad.detach().to(dtype);
          return p;
        });
        if (next !== slot.value) changes.push([slot.owner, slot.field, next]);
      }
    });
    for (const [owner, field, value] of changes) fieldsOf(owner)[field] = value;
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
    const where = `loadStateDict`;
    const { strict = true } = checkOptions(options, where, ["strict"]);
    if (typeof strict !== "boolean") throw new TypeError(`${where}: strict must be a boolean, got ${describe(strict)}`);
    let entries: Map<string, unknown>;
    if (stateDict instanceof Map) entries = stateDict as Map<string, unknown>;
    else if (stateDict !== null && typeof stateDict === "object" && !Array.isArray(stateDict) && !(stateDict instanceof Tensor)) {
      entries = new Map(Object.entries(stateDict));
    } else {
      throw new TypeError(`${where}: stateDict must be a plain object (or Map) of name -> Tensor, got ${describe(stateDict)}`);
    }
    for (const key of entries.keys()) {
      if (typeof key === "string" && key.split(".").some(isForbiddenKey)) {
        throw new TypeError(`${this.constructor.name}.${where}: forbidden key ${JSON.stringify(key)} in the state dict (__proto__, constructor and prototype are never member names; nothing was changed)`);
      }
    }
    const slots = this.tensorSlots({ includeNonPersistent: false });
    const expected = new Set(slots.map((s) => s.key));
    const missingKeys: string[] = [];
    const problems: string[] = [];
    for (const slot of slots) {
      if (!entries.has(slot.key)) {
        missingKeys.push(slot.key);
        continue;
      }
      const value = entries.get(slot.key);
      if (!(value instanceof Tensor)) {
        problems.push(`value for "${slot.key}" must be a Tensor, got ${describe(value)}`);
      } else if (formatShape(value.shape) !== formatShape(slot.value.shape)) {
        problems.push(
          `size mismatch for "${slot.key}": copying a tensor with shape ${formatShape(value.shape)} from the state dict, the shape in the current model is ${formatShape(slot.value.shape)}`,
        );
      }
    }
    const unexpectedKeys = [...entries.keys()].filter((k) => !expected.has(k));
    const messages: string[] = [];
    if (strict && missingKeys.length > 0) messages.push(`missing key(s): ${missingKeys.map((k) => `"${k}"`).join(", ")}`);
    if (strict && unexpectedKeys.length > 0) messages.push(`unexpected key(s): ${unexpectedKeys.map((k) => `"${k}"`).join(", ")}`);
    messages.push(...problems);
    if (messages.length > 0) {
      throw new Error(`${where}: error(s) in loading the state dict for ${this.constructor.name} (nothing was changed):\n  ${messages.join("\n  ")}`);
    }
    noGrad(() => {
      for (const slot of slots) {
        const value = entries.get(slot.key) as Tensor | undefined;
        if (value === undefined) continue;
        slot.value.copy_(value.dtype === slot.value.dtype ? value : value.to(slot.value.dtype));
      }
    });
    return { missingKeys: strict ? [] : missingKeys, unexpectedKeys: strict ? [] : unexpectedKeys };
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
