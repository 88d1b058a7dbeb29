/**
 * `Dropout` layer.
 * @module
 */
import type { Generator, Tensor } from "@tapegrad/core";
import { Module } from "./module.js";
import { dropout } from "./functional/dropout.js";
import { checkOptions, describe } from "./util.js";

/**
 * In training mode, zeroes each element with probability `p` and scales the rest by `1 / (1 - p)`;
 * in evaluation mode (`model.eval()`), returns its input unchanged.
 * @example const drop = new Dropout(0.2); drop.eval(); drop.forward(x) === x; // true
 */
export class Dropout extends Module {
  /** Probability of zeroing an element. */
  readonly p: number;
  /** Generator for the masks (the seeded default generator if undefined). */
  generator: Generator | undefined;

  /**
   * @param p drop probability in [0, 1] (default 0.5).
   * @throws RangeError when p is outside [0, 1].
   */
  constructor(p = 0.5, options?: { generator?: Generator }) {
    super();
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
      throw new RangeError(`Dropout: dropout probability has to be between 0 and 1, but got ${describe(p)}`);
    }
    this.p = p;
    this.generator = checkOptions(options, "Dropout", ["generator"]).generator;
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training, { generator: this.generator });
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
