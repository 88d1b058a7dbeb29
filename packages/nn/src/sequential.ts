/**
 * `Sequential`: modules chained in order.
 * @module
 */
import type { Tensor } from "@tapegrad/core";
import { Module } from "./module.js";
import { checkModule, indexedModules, listIndex } from "./module-list.js";

/**
 * Runs its modules one after the other, each on the previous one's output (PyTorch's
 * `nn.Sequential`). The modules are registered under "0", "1", ..., so parameter names read
 * `0.weight`, `2.bias`, ...
 *
 * @example
 * const model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3));
 * const logits = model.forward(x);
 */
export class Sequential extends Module {
  /** @param modules the modules, in the order they run. */
  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => checkModule(m, `Sequential (argument ${i})`));
    for (const m of modules) this.append(m);
  }

  /** Number of modules. */
  get length(): number {
    return indexedModules(this).length;
  }

  /** The module at `index` (negative counts from the end). */
  at(index: number): Module {
    const items = indexedModules(this);
    return items[listIndex(index, items.length, "Sequential.at")]!;
  }

  /** Add a module at the end; returns this. */
  append(module: Module): this {
    checkModule(module, "Sequential.append");
    (this as unknown as Record<string, unknown>)[String(this.length)] = module;
    return this;
  }

  [Symbol.iterator](): Iterator<Module> {
    return indexedModules(this)[Symbol.iterator]();
  }

  /** Feed `input` through every module in turn and return the last output. */
  forward(input: Tensor): Tensor {
    let x = input;
    for (const m of indexedModules(this)) x = m.forward(x) as Tensor;
    return x;
  }
}
