/**
 * `ModuleList`: a list of sub-modules, registered under the names "0", "1", ...
 * @module
 */
import { Module } from "./module.js";
import { checkInt, describe } from "./util.js";

/** @internal shared by ModuleList and Sequential: the modules stored under "0", "1", ... */
export function indexedModules(owner: Module): Module[] {
  const out: Module[] = [];
  const fields = owner as unknown as Record<string, unknown>;
  for (let i = 0; Object.prototype.hasOwnProperty.call(owner, String(i)); i++) out.push(fields[String(i)] as Module);
  return out;
}

/** @internal normalise a possibly negative index into a list of `length` items. */
export function listIndex(index: number, length: number, where: string): number {
  checkInt(index, where, "index");
  if (index < -length || index >= length) throw new RangeError(`${where}: index ${index} is out of range for ${length} modules`);
  return index < 0 ? index + length : index;
}

/** @internal check that `m` is a Module. */
export function checkModule(m: unknown, where: string): Module {
  if (!(m instanceof Module)) throw new TypeError(`${where}: expected a Module, got ${describe(m)}`);
  return m;
}

/**
 * Holds sub-modules in a list so that they are registered (a plain array field is not inspected).
 * Their names are their positions: `layers.0.weight`, `layers.1.weight`, ... It has no `forward`
 * of its own: iterate over it in the owner's `forward`.
 *
 * @example
 * class Deep extends Module {
 *   layers = new ModuleList([new Linear(4, 4), new Linear(4, 4)]);
 *   forward(x: Tensor): Tensor {
 *     for (const layer of this.layers) x = F.relu((layer as Linear).forward(x));
 *     return x;
 *   }
 * }
 */
export class ModuleList extends Module {
  /** @param modules the initial modules, in order. */
  constructor(modules: Iterable<Module> = []) {
    super();
    if (modules === null || typeof (modules as Iterable<Module>)[Symbol.iterator] !== "function") {
      throw new TypeError(`ModuleList: modules must be an iterable of Modules, got ${describe(modules)}`);
    }
    this.extend(modules);
  }

  /** Number of modules. */
  get length(): number {
    return indexedModules(this).length;
  }

  /** The module at `index` (negative counts from the end). */
  at(index: number): Module {
    const items = indexedModules(this);
    return items[listIndex(index, items.length, "ModuleList.at")]!;
  }

  /** Replace the module at `index`. */
  set(index: number, module: Module): void {
    const i = listIndex(index, this.length, "ModuleList.set");
    (this as unknown as Record<string, unknown>)[String(i)] = checkModule(module, "ModuleList.set");
  }

  /** Add a module at the end; returns this list. */
  append(module: Module): this {
    checkModule(module, "ModuleList.append");
    (this as unknown as Record<string, unknown>)[String(this.length)] = module;
    return this;
  }

  /** Add modules at the end; returns this list. */
  extend(modules: Iterable<Module>): this {
    const items = [...modules];
    items.forEach((m, i) => checkModule(m, `ModuleList.extend (item ${i})`));
    for (const m of items) this.append(m);
    return this;
  }

  [Symbol.iterator](): Iterator<Module> {
    return indexedModules(this)[Symbol.iterator]();
  }

  /**
   * PyTorch's rendering of a list: runs of identical modules are shown once, e.g.
   * `ModuleList(\n  (0-2): 3 x Linear(inFeatures=8, outFeatures=8, bias=true)\n)`.
   */
  override toString(): string {
    const items = indexedModules(this).map((m) => m.toString());
    if (items.length === 0) return "ModuleList()";
    const lines: string[] = [];
    for (let start = 0; start < items.length; ) {
      let end = start;
      while (end + 1 < items.length && items[end + 1] === items[start]) end++;
      const [first, ...rest] = items[start]!.split("\n");
      const label = start === end ? `(${start}): ` : `(${start}-${end}): ${end - start + 1} x `;
      lines.push(`${label}${first}`, ...rest);
      start = end + 1;
    }
    return `ModuleList(\n${lines.map((l) => `  ${l}`).join("\n")}\n)`;
  }

  /** @throws Error always: a ModuleList has no forward; call its modules from the owner's forward. */
  forward(): never {
    throw new Error("ModuleList: a ModuleList has no forward(); iterate over it in the owning module's forward()");
  }
}
