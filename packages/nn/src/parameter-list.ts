/**
 * `ParameterList`: a list of parameters, registered under the names "0", "1", ...
 * @module
 */
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";
import { listIndex } from "./module-list.js";
import { describe } from "./util.js";

/**
 * Holds parameters in a list so that they are registered (a plain array field is not inspected):
 * names `0`, `1`, ... (`weights.0`, `weights.1` inside a model), as PyTorch's `nn.ParameterList`.
 * It has no `forward`: read its entries in the owner's `forward`.
 * @example
 * class Mix extends Module {
 *   weights = new ParameterList([new Parameter(ones([3])), new Parameter(zeros([3]))]);
 *   forward(x: Tensor): Tensor { return x.mul(this.weights.at(0)).add(this.weights.at(1)); }
 * }
 */
export class ParameterList extends Module {
  /** @param parameters the initial parameters, in order. */
  constructor(parameters: Iterable<Parameter> = []) {
    super();
    if (parameters === null || typeof (parameters as Iterable<Parameter>)[Symbol.iterator] !== "function") {
      throw new TypeError(`ParameterList: parameters must be an iterable of Parameters, got ${describe(parameters)}`);
    }
    this.extend(parameters);
  }

  /** @internal the parameters in order. */
  private items(): Parameter[] {
    const out: Parameter[] = [];
    const fields = this as unknown as Record<string, unknown>;
    for (let i = 0; Object.prototype.hasOwnProperty.call(this, String(i)); i++) out.push(fields[String(i)] as Parameter);
    return out;
  }

  /** Number of parameters. */
  get length(): number {
    return this.items().length;
  }

  /** The parameter at `index` (negative counts from the end). */
  at(index: number): Parameter {
    const items = this.items();
    return items[listIndex(index, items.length, "ParameterList.at")]!;
  }

  /** Add a parameter at the end; returns this. */
  append(parameter: Parameter): this {
    if (!(parameter instanceof Parameter)) throw new TypeError(`ParameterList.append: expected a Parameter, got ${describe(parameter)}`);
    (this as unknown as Record<string, unknown>)[String(this.length)] = parameter;
    return this;
  }

  /** Add several parameters at the end (all are checked first); returns this. */
  extend(parameters: Iterable<Parameter>): this {
    const list = [...parameters];
    list.forEach((p, i) => {
      if (!(p instanceof Parameter)) throw new TypeError(`ParameterList: entry ${i} must be a Parameter, got ${describe(p)}`);
    });
    for (const p of list) this.append(p);
    return this;
  }

  [Symbol.iterator](): Iterator<Parameter> {
    return this.items()[Symbol.iterator]();
  }

  /** A ParameterList has no computation of its own. @throws Error always. */
  forward(): never {
    throw new Error("ParameterList: has no forward(); read its parameters in the owning module's forward");
  }

  override extraRepr(): string {
    return this.items().map((p, i) => `(${i}): Parameter containing: [${p.dtype} of size ${p.shape.join("x")}]`).join("\n");
  }
}
