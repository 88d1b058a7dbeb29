/**
 * `Linear`: the affine layer `y = x W^T + b`.
 * @module
 */
import { type Generator, type Tensor, zeros } from "@tapegrad/core";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";
import { linear } from "./functional/linear.js";
import { checkInt, checkOptions, describe, factoryDtype } from "./util.js";
import { resetAffineParameters } from "./reset-affine.js";

/** Options of {@link Linear}. */
export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** Parameter dtype (default: the default dtype, see `setDefaultDtype`; float32 unless changed). */
  dtype?: "float32" | "float64";
  /** Generator for the initial values (the seeded default generator if omitted). */
  generator?: Generator;
}

/**
 * Applies `y = x W^T + b` to the last dim of its input (PyTorch's `nn.Linear`).
 *
 * `weight` has shape `[outFeatures, inFeatures]`, `bias` `[outFeatures]` (or is null). They are
 * initialised as PyTorch does: `kaimingUniform_(weight, { a: sqrt(5) })`, i.e. U(-1/sqrt(inFeatures),
 * 1/sqrt(inFeatures)), and the bias from U(-1/sqrt(inFeatures), 1/sqrt(inFeatures)), weight first,
 * drawn from the seeded default generator (see `manualSeed`); the numbers differ from PyTorch's, the
 * distribution does not. The parameters take the `dtype` option, else the default dtype
 * (`setDefaultDtype("float64")` gives float64 weights, as in PyTorch). Unknown option keys are refused.
 *
 * @example
 * manualSeed(0);
 * const fc = new Linear(4, 3);
 * fc.forward(randn([5, 4])).shape; // [5, 3]
 */
export class Linear extends Module {
  /** Size of each input sample. */
  readonly inFeatures: number;
  /** Size of each output sample. */
  readonly outFeatures: number;
  /** The learnable weights, `[outFeatures, inFeatures]`. */
  weight: Parameter;
  /** The learnable bias, `[outFeatures]`, or null when built with `bias: false`. */
  bias: Parameter | null;

  /**
   * @throws TypeError for non-integer sizes, bad option values or an unknown option key; RangeError
   *   for negative sizes.
   */
  constructor(inFeatures: number, outFeatures: number, options?: LinearOptions) {
    super();
    checkInt(inFeatures, "Linear", "inFeatures", 0);
    checkInt(outFeatures, "Linear", "outFeatures", 0);
    const o = checkOptions(options, "Linear", ["bias", "dtype", "generator"]);
    const hasBias = o.bias ?? true;
    if (typeof hasBias !== "boolean") throw new TypeError(`Linear: bias must be a boolean, got ${describe(hasBias)}`);
    const dtype = factoryDtype(o.dtype, "Linear");
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = new Parameter(zeros([outFeatures, inFeatures], { dtype }));
    this.bias = hasBias ? new Parameter(zeros([outFeatures], { dtype })) : null;
    this.resetParameters(o.generator);
  }

  /**
   * Re-draw the initial values (PyTorch's `reset_parameters`).
   * @param generator the generator to draw from (the seeded default generator if omitted).
   */
  resetParameters(generator?: Generator): void {
    resetAffineParameters(this.weight, this.bias, generator);
  }

  /**
   * @param x `[..., inFeatures]`
   * @returns `[..., outFeatures]`
   */
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
