/**
 * Pooling layers (PyTorch's `nn.MaxPool2d`, `nn.AvgPool2d`, `nn.AdaptiveAvgPool2d`, `nn.MaxPool1d`,
 * `nn.AvgPool1d`): no parameters, the options kept for the functional form (which checks them).
 * @module
 */
import { type AvgPoolOptions, type MaxPoolOptions, type SizeArg, type Tensor, adaptiveAvgPool2d, avgPool1d, avgPool2d, maxPool1d, maxPool2d } from "@tapegrad/core";
import { Module } from "./module.js";
import { checkOptions, describe } from "./util.js";

const show = (v: unknown): string => (Array.isArray(v) ? `[${v.join(", ")}]` : String(v));

/**
 * 2-D max pooling layer: see {@link maxPool2d}.
 * @example new MaxPool2d(2).forward(randn([1, 3, 8, 8])).shape // [1, 3, 4, 4]
 */
export class MaxPool2d extends Module {
  /** The options given to maxPool2d. */
  readonly options: MaxPoolOptions;
  /**
   * @param kernelSize a number or `[kH, kW]`.
   * @param options stride (default: kernelSize), padding, dilation, ceilMode.
   */
  constructor(readonly kernelSize: SizeArg, options?: MaxPoolOptions) {
    super();
    this.options = { ...checkOptions(options, "MaxPool2d", ["stride", "padding", "dilation", "ceilMode"]) };
    checkKernelSize(kernelSize, "MaxPool2d");
  }
  /** @param x `[N, C, H, W]` or `[C, H, W]` */
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.options);
  }
  override extraRepr(): string {
    const o = this.options;
    return `kernelSize=${show(this.kernelSize)}, stride=${show(o.stride ?? this.kernelSize)}, padding=${show(o.padding ?? 0)}, dilation=${show(o.dilation ?? 1)}, ceilMode=${o.ceilMode ?? false}`;
  }
}

/**
 * 1-D max pooling layer: see {@link maxPool1d}.
 * @example new MaxPool1d(2).forward(randn([1, 3, 8])).shape // [1, 3, 4]
 */
export class MaxPool1d extends MaxPool2d {
  override forward(x: Tensor): Tensor {
    return maxPool1d(x, this.kernelSize, this.options);
  }
}

/**
 * 2-D average pooling layer: see {@link avgPool2d}.
 * @example new AvgPool2d(2).forward(randn([1, 3, 8, 8])).shape // [1, 3, 4, 4]
 */
export class AvgPool2d extends Module {
  /** The options given to avgPool2d. */
  readonly options: AvgPoolOptions;
  /**
   * @param kernelSize a number or `[kH, kW]`.
   * @param options stride (default: kernelSize), padding, ceilMode, countIncludePad, divisorOverride.
   */
  constructor(readonly kernelSize: SizeArg, options?: AvgPoolOptions) {
    super();
    this.options = { ...checkOptions(options, "AvgPool2d", ["stride", "padding", "ceilMode", "countIncludePad", "divisorOverride"]) };
    checkKernelSize(kernelSize, "AvgPool2d");
  }
  /** @param x `[N, C, H, W]` or `[C, H, W]` */
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.options);
  }
  override extraRepr(): string {
    const o = this.options;
    return `kernelSize=${show(this.kernelSize)}, stride=${show(o.stride ?? this.kernelSize)}, padding=${show(o.padding ?? 0)}`;
  }
}

/**
 * 1-D average pooling layer: see {@link avgPool1d}.
 * @example new AvgPool1d(2).forward(randn([1, 3, 8])).shape // [1, 3, 4]
 */
export class AvgPool1d extends AvgPool2d {
  override forward(x: Tensor): Tensor {
    return avgPool1d(x, this.kernelSize, this.options);
  }
}

/**
 * 2-D adaptive average pooling layer: see {@link adaptiveAvgPool2d}.
 * @example new AdaptiveAvgPool2d(1).forward(randn([2, 16, 5, 5])).shape // [2, 16, 1, 1]
 */
export class AdaptiveAvgPool2d extends Module {
  /**
   * @param outputSize a number, or `[OH, OW]` (null keeps that input size).
   * @throws TypeError for a malformed size.
   */
  constructor(readonly outputSize: number | readonly (number | null)[]) {
    super();
    const ok = (v: unknown): boolean => v === null || (typeof v === "number" && Number.isInteger(v) && v >= 1);
    if (!(typeof outputSize === "number" ? ok(outputSize) : Array.isArray(outputSize) && outputSize.length === 2 && outputSize.every(ok))) {
      throw new TypeError(`AdaptiveAvgPool2d: outputSize must be a positive integer or a list of 2 (positive integers or null), got ${describe(outputSize)}`);
    }
  }
  /** @param x `[N, C, H, W]` or `[C, H, W]` */
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
  override extraRepr(): string {
    return `outputSize=${show(this.outputSize)}`;
  }
}

/** Check a pooling layer's kernel size early (the functional form checks the rest on each call). */
function checkKernelSize(kernelSize: unknown, where: string): void {
  const ok = (v: unknown): boolean => typeof v === "number" && Number.isInteger(v) && v >= 1;
  if (!(ok(kernelSize) || (Array.isArray(kernelSize) && kernelSize.length > 0 && kernelSize.every(ok)))) {
    throw new TypeError(`${where}: kernelSize must be a positive integer or a list of them, got ${describe(kernelSize)}`);
  }
}
