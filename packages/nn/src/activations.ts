/**
 * Activation layers: module wrappers of the functions in `F`.
 * @module
 */
import type { Tensor } from "@tapegrad/core";
import { Module } from "./module.js";
import {
  type GeluOptions, elu, gelu, hardtanh, leakyRelu, logSoftmax, mish, relu, relu6, sigmoid, silu, softmax, softplus, tanh,
} from "./functional/activations.js";
import { checkFinite, checkInt, checkOptions, describe } from "./util.js";

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

/** Sigmoid linear unit `x * sigmoid(x)` elementwise (PyTorch's `nn.SiLU`). */
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** Mish `x * tanh(softplus(x))` elementwise (PyTorch's `nn.Mish`). */
export class Mish extends Module {
  forward(x: Tensor): Tensor {
    return mish(x);
  }
}

/** `x` for positive inputs, `negativeSlope * x` otherwise (PyTorch's `nn.LeakyReLU`). */
export class LeakyReLU extends Module {
  /** Slope for negative inputs. */
  readonly negativeSlope: number;

  /** @param negativeSlope slope for negative inputs (default 0.01). */
  constructor(negativeSlope = 0.01) {
    super();
    this.negativeSlope = checkFinite(negativeSlope, "LeakyReLU", "negativeSlope");
  }

  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** `x` for positive inputs, `alpha * (exp(x) - 1)` otherwise (PyTorch's `nn.ELU`). */
export class ELU extends Module {
  /** Scale of the negative part. */
  readonly alpha: number;

  /** @param alpha scale of the negative part (default 1). */
  constructor(alpha = 1) {
    super();
    this.alpha = checkFinite(alpha, "ELU", "alpha");
  }

  forward(x: Tensor): Tensor {
    return elu(x, this.alpha);
  }

  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** `log(1 + exp(beta * x)) / beta`, linear above `threshold` (PyTorch's `nn.Softplus`). */
export class Softplus extends Module {
  /** Sharpness. */
  readonly beta: number;
  /** Above this value of `beta * x` the layer is the identity. */
  readonly threshold: number;

  /**
   * @param beta sharpness (default 1).
   * @param threshold linear region start for `beta * x` (default 20).
   */
  constructor(beta = 1, threshold = 20) {
    super();
    this.beta = checkFinite(beta, "Softplus", "beta");
    this.threshold = checkFinite(threshold, "Softplus", "threshold");
  }

  forward(x: Tensor): Tensor {
    return softplus(x, this.beta, this.threshold);
  }

  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/** `x` clipped to `[minVal, maxVal]` (PyTorch's `nn.Hardtanh`; gradient 0 at the ends). */
export class Hardtanh extends Module {
  /** Lower end. */
  readonly minVal: number;
  /** Upper end. */
  readonly maxVal: number;

  /**
   * @param minVal lower end (default -1).
   * @param maxVal upper end (default 1).
   * @throws RangeError when `maxVal < minVal`.
   */
  constructor(minVal = -1, maxVal = 1) {
    super();
    this.minVal = checkFinite(minVal, "Hardtanh", "minVal");
    this.maxVal = checkFinite(maxVal, "Hardtanh", "maxVal");
    if (this.maxVal < this.minVal) throw new RangeError(`Hardtanh: maxVal (${maxVal}) must be greater than or equal to minVal (${minVal})`);
  }

  forward(x: Tensor): Tensor {
    return hardtanh(x, this.minVal, this.maxVal);
  }

  override extraRepr(): string {
    return `minVal=${this.minVal}, maxVal=${this.maxVal}`;
  }
}

/** `min(max(x, 0), 6)` (PyTorch's `nn.ReLU6`). */
export class ReLU6 extends Module {
  forward(x: Tensor): Tensor {
    return relu6(x);
  }
}
