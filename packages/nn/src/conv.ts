/**
 * `Conv1d` and `Conv2d`: convolution layers with PyTorch's constructor arguments, initialisation
 * and state-dict keys (`weight`, `bias`).
 * @module
 */
import { type ConvOptions, type Generator, type SizeArg, type Tensor, conv1d, conv2d, zeros } from "@tapegrad/core";
import { sizeTuple } from "@tapegrad/core/internal";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";
import { checkInt, checkOptions, describe, factoryDtype } from "./util.js";
import { resetAffineParameters } from "./reset-affine.js";

/** Options of {@link Conv1d} and {@link Conv2d} (PyTorch's keyword arguments). */
export interface ConvLayerOptions {
  /** Step of the sliding window (default 1). */
  stride?: SizeArg;
  /** Zeros on both sides of each spatial dim (default 0), `"valid"` or `"same"` (stride must be 1). */
  padding?: SizeArg | "same" | "valid";
  /** Spacing between kernel elements (default 1). */
  dilation?: SizeArg;
  /** Independent channel groups (default 1); inChannels and outChannels must be divisible by it. */
  groups?: number;
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** How the input is padded: only `"zeros"` (the default) is supported. */
  paddingMode?: "zeros";
  /** Parameter dtype (default: the default dtype, see `setDefaultDtype`). */
  dtype?: "float32" | "float64";
  /** Generator for the initial values (the seeded default generator if omitted). */
  generator?: Generator;
}

/**
 * The shared part of the convolution layers (PyTorch's `_ConvNd`): argument checks, parameters,
 * initialisation. Subclasses apply the functional form of their dimension.
 */
export abstract class ConvNd extends Module {
  /** Channels of the input. */
  readonly inChannels: number;
  /** Channels of the output. */
  readonly outChannels: number;
  /** Kernel size per spatial dim. */
  readonly kernelSize: number[];
  /** Stride per spatial dim. */
  readonly stride: number[];
  /** Padding per spatial dim, or "same" / "valid". */
  readonly padding: number[] | "same" | "valid";
  /** Dilation per spatial dim. */
  readonly dilation: number[];
  /** Channel groups. */
  readonly groups: number;
  /** Padding mode (always "zeros"). */
  readonly paddingMode: "zeros";
  /** The learnable kernels, `[outChannels, inChannels / groups, ...kernelSize]`. */
  weight: Parameter;
  /** The learnable bias `[outChannels]`, or null when built with `bias: false`. */
  bias: Parameter | null;

  /**
   * @param where the layer's name for messages.
   * @param dims number of spatial dims.
   * @throws TypeError for non-integer sizes or bad options; RangeError for sizes that do not fit.
   */
  protected constructor(where: string, dims: number, inChannels: number, outChannels: number, kernelSize: SizeArg, options?: ConvLayerOptions) {
    super();
    checkInt(inChannels, where, "inChannels", 1);
    checkInt(outChannels, where, "outChannels", 1);
    const o = checkOptions(options, where, ["stride", "padding", "dilation", "groups", "bias", "paddingMode", "dtype", "generator"]);
    const groups = o.groups ?? 1;
    checkInt(groups, where, "groups", 1);
    if (inChannels % groups !== 0) throw new RangeError(`${where}: inChannels (${inChannels}) must be divisible by groups (${groups})`);
    if (outChannels % groups !== 0) throw new RangeError(`${where}: outChannels (${outChannels}) must be divisible by groups (${groups})`);
    this.kernelSize = sizeTuple(kernelSize, dims, where, "kernelSize", 1);
    this.stride = sizeTuple(o.stride ?? 1, dims, where, "stride", 1);
    this.dilation = sizeTuple(o.dilation ?? 1, dims, where, "dilation", 1);
    const padding = o.padding ?? 0;
    if (padding === "same" || padding === "valid") {
      if (padding === "same" && this.stride.some((s) => s !== 1)) {
        throw new RangeError(`${where}: padding="same" is not supported for strided convolutions (stride ${describe(o.stride)})`);
      }
      this.padding = padding;
    } else if (typeof padding === "string") {
      throw new RangeError(`${where}: invalid padding string ${describe(padding)}, expected "same" or "valid"`);
    } else {
      this.padding = sizeTuple(padding, dims, where, "padding", 0);
    }
    const mode = o.paddingMode ?? "zeros";
    if (mode !== "zeros") throw new RangeError(`${where}: paddingMode ${describe(mode)} is not supported (only "zeros")`);
    this.paddingMode = mode;
    const hasBias = o.bias ?? true;
    if (typeof hasBias !== "boolean") throw new TypeError(`${where}: bias must be a boolean, got ${describe(hasBias)}`);
    const dtype = factoryDtype(o.dtype, where);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.groups = groups;
    this.weight = new Parameter(zeros([outChannels, inChannels / groups, ...this.kernelSize], { dtype }));
    this.bias = hasBias ? new Parameter(zeros([outChannels], { dtype })) : null;
    this.resetParameters(o.generator);
  }

  /**
   * Re-draw the initial values as PyTorch does: `kaimingUniform_(weight, { a: sqrt(5) })`, i.e.
   * U(-1/sqrt(fanIn), 1/sqrt(fanIn)) with fanIn = inChannels / groups * prod(kernelSize), and the
   * bias from the same bound; weight first.
   * @param generator the generator to draw from (the seeded default generator if omitted).
   */
  resetParameters(generator?: Generator): void {
    resetAffineParameters(this.weight, this.bias, generator);
  }

  /** The options passed to the functional form. */
  protected convOptions(): ConvOptions {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }

  override extraRepr(): string {
    const parts = [`${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize.join(", ")}], stride=[${this.stride.join(", ")}]`];
    if (this.padding === "same" || this.padding === "valid") parts.push(`padding=${this.padding}`);
    else if (this.padding.some((p) => p !== 0)) parts.push(`padding=[${this.padding.join(", ")}]`);
    if (this.dilation.some((d) => d !== 1)) parts.push(`dilation=[${this.dilation.join(", ")}]`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (this.bias === null) parts.push("bias=false");
    return parts.join(", ");
  }
}

/**
 * 2-D convolution layer (PyTorch's `nn.Conv2d`): input `[N, inChannels, H, W]` or `[inChannels, H, W]`,
 * output `[N, outChannels, OH, OW]`. See {@link conv2d} for the formula and output size.
 * @example
 * const conv = new Conv2d(1, 6, 5, { padding: 2 });
 * conv.forward(randn([8, 1, 28, 28])).shape; // [8, 6, 28, 28]
 */
export class Conv2d extends ConvNd {
  /**
   * @param kernelSize a number or `[kH, kW]`.
   * @throws TypeError for non-integer sizes or bad options; RangeError for sizes that do not fit.
   */
  constructor(inChannels: number, outChannels: number, kernelSize: SizeArg, options?: ConvLayerOptions) {
    super("Conv2d", 2, inChannels, outChannels, kernelSize, options);
  }

  /**
   * @param x `[N, inChannels, H, W]` or `[inChannels, H, W]`
   * @returns `[N, outChannels, OH, OW]` (unbatched: `[outChannels, OH, OW]`)
   */
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.convOptions());
  }
}

/**
 * 1-D convolution layer (PyTorch's `nn.Conv1d`): input `[N, inChannels, L]` or `[inChannels, L]`,
 * output `[N, outChannels, OL]`. See {@link conv1d}.
 * @example
 * const conv = new Conv1d(4, 8, 3, { padding: "same" });
 * conv.forward(randn([2, 4, 16])).shape; // [2, 8, 16]
 */
export class Conv1d extends ConvNd {
  /**
   * @param kernelSize a number or `[kW]`.
   * @throws TypeError for non-integer sizes or bad options; RangeError for sizes that do not fit.
   */
  constructor(inChannels: number, outChannels: number, kernelSize: SizeArg, options?: ConvLayerOptions) {
    super("Conv1d", 1, inChannels, outChannels, kernelSize, options);
  }

  /**
   * @param x `[N, inChannels, L]` or `[inChannels, L]`
   * @returns `[N, outChannels, OL]` (unbatched: `[outChannels, OL]`)
   */
  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias, this.convOptions());
  }
}
