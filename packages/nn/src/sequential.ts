/**
 * `Sequential`: modules chained in order.
 * @module
 */
import type { Tensor } from "@tapegrad/core";
import { Module } from "./module.js";
import { ownChildren } from "./module-members.js";
import { checkModule, listIndex } from "./module-list.js";
import { describe } from "./util.js";

/**
 * Runs its modules one after the other, each on the previous one's output (PyTorch's
 * `nn.Sequential`). Modules given as arguments are registered under "0", "1", ..., so parameter
 * names read `0.weight`, `2.bias`, ...; a `Map` of name -> module (PyTorch's `OrderedDict` form)
 * registers them under its names, in its order. It runs every sub-module in registration order,
 * including ones added later with `registerModule` (PyTorch's `add_module`), and integer-like
 * names keep that order too (`"embed"`, `"1"`, `"10"`, `"2"` run and are listed in that order).
 *
 * @example
 * const model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3));
 * const logits = model.forward(x);
 * const named = new Sequential(new Map<string, Module>([["embed", new Linear(4, 8)], ["act", new ReLU()]]));
 */
export class Sequential extends Module {
  /**
   * @param modules the modules, in the order they run, or a single `Map` of name -> module.
   * @throws TypeError for an argument that is not a Module (or a Map entry that is not a string
   *   name and a Module); RangeError for an invalid name.
   */
  constructor(...modules: Module[] | [Map<string, Module>]) {
    super();
    if (modules.length === 1 && modules[0] instanceof Map) {
      const entries = [...modules[0].entries()];
      entries.forEach(([name, m]) => {
        if (typeof name !== "string") throw new TypeError(`Sequential: Map keys must be strings, got ${describe(name)}`);
        checkModule(m, `Sequential (entry ${JSON.stringify(name)})`);
      });
      for (const [name, m] of entries) this.registerModule(name, m);
      return;
    }
    modules.forEach((m, i) => checkModule(m, `Sequential (argument ${i})`));
    for (const m of modules as Module[]) this.append(m);
  }

  /** Number of modules. */
  get length(): number {
    return ownChildren(this).length;
  }

  /** The module at `index` (negative counts from the end), in registration order. */
  at(index: number): Module {
    const items = ownChildren(this);
    return items[listIndex(index, items.length, "Sequential.at")]![1];
  }

  /** Add a module at the end; returns this. */
  append(module: Module): this {
    checkModule(module, "Sequential.append");
    (this as unknown as Record<string, unknown>)[String(this.length)] = module;
    return this;
  }

  [Symbol.iterator](): Iterator<Module> {
    return ownChildren(this).map(([, m]) => m)[Symbol.iterator]();
  }

  /** Feed `input` through every module in turn (through `call`, so their hooks run) and return the last output. */
  forward(input: Tensor): Tensor {
    let x = input;
    for (const [, m] of ownChildren(this)) x = m.call(x) as Tensor;
    return x;
  }
}
