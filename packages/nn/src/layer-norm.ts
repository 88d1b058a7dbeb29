/**
 * `LayerNorm`: normalization over the trailing dims of each sample.
 * @module
 */
import { type Tensor, ones, zeros } from "@tapegrad/core";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";
import { checkNormalizedShape, layerNorm } from "./functional/normalization.js";
import { checkFinite, checkOptions, describe, factoryDtype } from "./util.js";

/** Options of {@link LayerNorm}. */
export interface LayerNormModuleOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learn an elementwise scale (and shift) of shape `normalizedShape` (default true). */
  elementwiseAffine?: boolean;
  /** With `elementwiseAffine`, also learn the shift (default true). */
  bias?: boolean;
  /** Parameter dtype (default: the default dtype). */
  dtype?: "float32" | "float64";
}

/**
 * Normalizes each sample over its last `normalizedShape.length` dims to mean 0 and (biased)
 * variance 1, then scales and shifts elementwise (PyTorch's `nn.LayerNorm`).
 * @example const ln = new LayerNorm(64); ln.forward(randn([2, 10, 64]));
 */
export class LayerNorm extends Module {
  /** The trailing shape normalized over. */
  readonly normalizedShape: number[];
  /** Added to the variance. */
  readonly eps: number;
  /** Whether `weight` (and `bias`) exist. */
  readonly elementwiseAffine: boolean;
  /** Elementwise scale (ones at start), or null. */
  weight: Parameter | null;
  /** Elementwise shift (zeros at start), or null. */
  bias: Parameter | null;

  /**
   * @param normalizedShape a size or the list of trailing sizes to normalize over.
   * @throws TypeError for a bad shape or options.
   */
  constructor(normalizedShape: number | readonly number[], options?: LayerNormModuleOptions) {
    super();
    this.normalizedShape = checkNormalizedShape(normalizedShape, "LayerNorm");
    const o = checkOptions(options, "LayerNorm", ["eps", "elementwiseAffine", "bias", "dtype"]);
    const { eps = 1e-5, elementwiseAffine = true, bias = true } = o;
    this.eps = checkFinite(eps, "LayerNorm", "eps");
    if (typeof elementwiseAffine !== "boolean") throw new TypeError(`LayerNorm: elementwiseAffine must be a boolean, got ${describe(elementwiseAffine)}`);
    if (typeof bias !== "boolean") throw new TypeError(`LayerNorm: bias must be a boolean, got ${describe(bias)}`);
    const dtype = factoryDtype(o.dtype, "LayerNorm");
    this.elementwiseAffine = elementwiseAffine;
    this.weight = elementwiseAffine ? new Parameter(ones(this.normalizedShape, { dtype })) : null;
    this.bias = elementwiseAffine && bias ? new Parameter(zeros(this.normalizedShape, { dtype })) : null;
  }

  /** @param x `[*, ...normalizedShape]` */
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(", ")}], eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}
