/**
 * Activation layers: module wrappers of the functions in `F`.
 * @module
 */
import type { Tensor } from "@tapegrad/core";
import { Module } from "./module.js";
import { type GeluOptions, gelu, logSoftmax, relu, sigmoid, softmax, tanh } from "./functional/activations.js";
import { checkInt, checkOptions, describe } from "./util.js";

/** `max(x, 0)` elementwise. @example new Sequential(new Linear(4, 8), new ReLU()) */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** Hyperbolic tangent elementwise. */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** Logistic sigmoid elementwise. */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/**
 * Gaussian error linear unit: exact `x * 0.5 * (1 + erf(x / sqrt(2)))`, or the tanh approximation
 * with `{ approximate: "tanh" }`.
 */
export class GELU extends Module {
  /** `"none"` (exact) or `"tanh"`. */
  readonly approximate: "none" | "tanh";

  /** @throws RangeError for an unknown `approximate` value. */
  constructor(options?: GeluOptions) {
    super();
    const { approximate = "none" } = checkOptions(options, "GELU", ["approximate"]);
    if (approximate !== "none" && approximate !== "tanh") {
      throw new RangeError(`GELU: approximate must be "none" or "tanh", got ${describe(approximate)}`);
    }
    this.approximate = approximate;
  }

  forward(x: Tensor): Tensor {
    return gelu(x, { approximate: this.approximate });
  }

  override extraRepr(): string {
    return `approximate="${this.approximate}"`;
  }
}

/** Softmax along a dim (required, as PyTorch's implicit-dim form is deprecated). */
export class Softmax extends Module {
  /** The dim normalised over. */
  readonly dim: number;

  /** @param dim the dim to normalise over (negative counts from the end). */
  constructor(dim: number) {
    super();
    this.dim = checkInt(dim, "Softmax", "dim");
  }

  forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Log of the softmax along a dim (required). */
export class LogSoftmax extends Module {
  /** The dim normalised over. */
  readonly dim: number;

  /** @param dim the dim to normalise over (negative counts from the end). */
  constructor(dim: number) {
    super();
    this.dim = checkInt(dim, "LogSoftmax", "dim");
  }

  forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
