/**
 * How a {@link Module} knows its members: the registry that keeps fields in registration order,
 * the enumeration of a module's own parameters, buffers and sub-modules, member-name checks, and
 * the walks over the module tree that the queries and state dicts build on.
 * @module
 */
import { Tensor } from "@tapegrad/core";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";
import { checkOptions, describe } from "./util.js";

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

/** @internal a module's fields by name, for reading and writing members whose names are computed. */
export function fieldsOf(m: Module): Record<string, unknown> {
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

/** @internal the registry of `m` (made on first use). */
export function registryOf(m: Module): Registry {
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

/** @internal `m`'s own parameters in registration order. */
export function ownParameters(m: Module): Array<[string, Parameter]> {
  return ownFields(m).filter((e): e is [string, Parameter] => e[1] instanceof Parameter);
}

/** @internal `m`'s own non-null buffers (only the persistent ones if asked) in registration order. */
export function ownBuffers(m: Module, persistentOnly: boolean): Array<[string, Tensor]> {
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

/** @internal `name` if it can name a new member of `owner`; throws naming what is wrong otherwise. */
export function checkMemberName(owner: Module, name: unknown, where: string): string {
  if (typeof name !== "string") throw new TypeError(`${where}: name must be a string, got ${describe(name)}`);
  if (name === "") throw new RangeError(`${where}: name can't be empty`);
  if (name.includes(".")) throw new RangeError(`${where}: name can't contain ".", got ${JSON.stringify(name)}`);
  if (name in owner && !Object.prototype.hasOwnProperty.call(owner, name)) {
    throw new RangeError(`${where}: name ${JSON.stringify(name)} would shadow a method or property of ${owner.constructor.name}`);
  }
  if (name === "training") throw new RangeError(`${where}: name "training" is reserved`);
  return name;
}

/** @internal the members `own` lists, of `root` and (by default) its sub-modules, with dotted names. */
export function namedMembers(root: Module, options: NamedMembersOptions | undefined, where: string, own: (m: Module) => Array<[string, Tensor]>): Array<[string, Tensor]> {
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
 * @internal wrap a new module in the `Proxy` that records the order in which its fields are
 * defined (see the `Module` constructor), and give it its registry.
 */
export function trackMembers<M extends Module>(module: M): M {
  const registry: Registry = { order: new Set(), buffers: new Map() };
  const proxy = new Proxy(module, {
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
 * @internal every parameter and buffer slot of the tree under `root` with its dotted name, without
 * removing duplicates (a tied weight appears under each of its names). Non-persistent buffers are
 * included only when asked.
 */
export function collectTensorSlots(root: Module, options: { includeNonPersistent: boolean }): TensorSlot[] {
  const out: TensorSlot[] = [];
  const visit = (module: Module, prefix: string, path: Set<Module>): void => {
    if (path.has(module)) throw new Error(`${root.constructor.name}: the module tree contains a cycle at "${prefix}"`);
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
  visit(root, "", new Set());
  return out;
}

/** @internal every module of the tree under `root` with its dotted name, `root` first, depth first in registration order. */
export function walkModules(root: Module, prefix: string, removeDuplicate: boolean): Array<[string, Module]> {
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
  visit(root, prefix);
  return out;
}

/** @internal the module at a dotted path under `root` (`""` is `root`); throws naming the first missing component. */
export function submoduleAt(root: Module, target: string): Module {
  if (target === "") return root;
  let module: Module = root;
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
