/**
 * Pooling with PyTorch's signatures: `maxPool2d`, `avgPool2d`, `adaptiveAvgPool2d`, and the 1-D
 * `maxPool1d` and `avgPool1d` (the 2-D ops over a height of 1). Batched or unbatched inputs.
 * @module
 */
import { describe } from "../describe.js";
import type { AxisWindows, MaxPoolGeometry, WindowGeometry } from "../kernels/pool.js";
import { formatShape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { squeeze, unsqueeze } from "./movement.js";
import { checkTensor } from "./operands.js";
import { maxPoolWithIndices, windowAverage } from "./pool-primitives.js";
import { type SizeArg, checkOptionsObject, sizeTuple } from "./size-args.js";

/** Options of {@link maxPool2d} and {@link maxPool1d} (PyTorch's keyword arguments). */
export interface MaxPoolOptions {
  /** Step of the window (default: the kernel size). */
  stride?: SizeArg | null;
  /** Implicit -infinity padding on both sides (default 0; at most half the kernel size). */
  padding?: SizeArg;
  /** Spacing between window elements (default 1). */
  dilation?: SizeArg;
  /** Round the output size up instead of down (a last window may start in the right padding but not past it). */
  ceilMode?: boolean;
}

/** Options of {@link avgPool2d} and {@link avgPool1d} (PyTorch's keyword arguments). */
export interface AvgPoolOptions {
  /** Step of the window (default: the kernel size). */
  stride?: SizeArg | null;
  /** Implicit zero padding on both sides (default 0; at most half the kernel size). */
  padding?: SizeArg;
  /** Round the output size up instead of down. */
  ceilMode?: boolean;
  /** Count the padding zeros in the divisor (default true). */
  countIncludePad?: boolean;
  /** Divide every window sum by this instead (2-D only, as in PyTorch). */
  divisorOverride?: number | null;
}

/** The parsed window arguments of a 2-D pooling. */
interface Windows {
  kernel: number[];
  stride: number[];
  padding: number[];
  dilation: number[];
  ceilMode: boolean;
}

/** Lift `x` to 4-D `[N, C, H, W]`: unbatched inputs get N = 1, 1-D ones H = 1. */
function lift(op: string, input: unknown, dims: number): { x: Tensor; drop: (y: Tensor) => Tensor } {
  const t = checkTensor(input, op, "input");
  if (t.ndim !== dims + 1 && t.ndim !== dims + 2) {
    throw new RangeError(`${op}: expected ${dims + 1}D (unbatched) or ${dims + 2}D (batched) input, but got input of size ${formatShape(t.shape)}`);
  }
  if (!t.isFloatingPoint()) throw new TypeError(`${op}: input must be a float32 or float64 tensor, got dtype ${t.dtype}`);
  const batched = t.ndim === dims + 2;
  let x = batched ? t : unsqueeze(t, 0);
  if (dims === 1) x = unsqueeze(x, 2);
  const drop = (y: Tensor): Tensor => {
    let r = dims === 1 ? squeeze(y, 2) : y;
    if (!batched) r = squeeze(r, 0);
    return r;
  };
  return { x, drop };
}

/** PyTorch's `pooling_output_shape`: floor or ceil of the window count, a last window never starting in the right padding. */
function pooledSize(size: number, k: number, pad: number, stride: number, dilation: number, ceil: boolean): number {
  const span = size + 2 * pad - dilation * (k - 1) - 1 + (ceil ? stride - 1 : 0);
  let out = Math.floor(span / stride) + 1;
  if (ceil && (out - 1) * stride >= size + pad) out--;
  return out;
}

/** Parse and check kernel, stride, padding, dilation of a 2-D (or lifted 1-D) pooling. */
function windows(op: string, dims: number, kernelSize: unknown, o: Partial<MaxPoolOptions>): Windows {
  const pairs = (v: unknown, name: string, min: number): number[] => {
    const t = sizeTuple(v, dims, op, name, min);
    return dims === 1 ? [name === "kernelSize" || name === "stride" || name === "dilation" ? 1 : 0, t[0]!] : t;
  };
  const kernel = pairs(kernelSize, "kernelSize", 1);
  const noStride = o.stride === undefined || o.stride === null || (Array.isArray(o.stride) && o.stride.length === 0);
  const stride = noStride ? kernel.slice() : pairs(o.stride, "stride", 1);
  const padding = pairs(o.padding ?? 0, "padding", 0);
  const dilation = pairs(o.dilation ?? 1, "dilation", 1);
  const ceilMode = o.ceilMode ?? false;
  if (typeof ceilMode !== "boolean") throw new TypeError(`${op}: ceilMode must be a boolean, got ${describe(ceilMode)}`);
  if (padding.some((p, i) => p > Math.floor(kernel[i]! / 2))) {
    const show = (v: number[]): string => (dims === 1 ? `${v[1]}` : `[${v.join(", ")}]`);
    throw new RangeError(`${op}: pad should be at most half of kernel size, but got padding=${show(padding)} and kernelSize=${show(kernel)}`);
  }
  return { kernel, stride, padding, dilation, ceilMode };
}

/** The output sizes, after checking they are positive (PyTorch's message). */
function outputSizes(op: string, x: Tensor, w: Windows, dims: number): [number, number] {
  const [, C, H, W] = x.shape as [number, number, number, number];
  const out = [0, 1].map((i) => pooledSize(i === 0 ? H : W, w.kernel[i]!, w.padding[i]!, w.stride[i]!, w.dilation[i]!, w.ceilMode)) as [number, number];
  if (out[0] < 1 || out[1] < 1) {
    const [inS, outS] = dims === 1 ? [`${C}x${W}`, `${C}x${out[1]}`] : [`${C}x${H}x${W}`, `${C}x${out[0]}x${out[1]}`];
    throw new RangeError(`${op}: given input size: (${inS}). Calculated output size: (${outS}). Output size is too small`);
  }
  return out;
}

function maxPool(op: string, dims: number, input: Tensor, kernelSize: SizeArg, options: MaxPoolOptions | undefined): Tensor {
  const { x, drop } = lift(op, input, dims);
  const w = windows(op, dims, kernelSize, checkOptionsObject(options, op, ["stride", "padding", "dilation", "ceilMode"]));
  const [OH, OW] = outputSizes(op, x, w, dims);
  const geo: MaxPoolGeometry = {
    planes: x.shape[0]! * x.shape[1]!, H: x.shape[2]!, W: x.shape[3]!, OH, OW,
    kH: w.kernel[0]!, kW: w.kernel[1]!, sH: w.stride[0]!, sW: w.stride[1]!, pH: w.padding[0]!, pW: w.padding[1]!, dH: w.dilation[0]!, dW: w.dilation[1]!,
  };
  return drop(maxPoolWithIndices(x, geo)[0]);
}

/**
 * 2-D max pooling (PyTorch's `F.max_pool2d`) of `[N, C, H, W]` or `[C, H, W]`: the maximum of
 * every `kH x kW` window (dilated by `dilation`, stepping by `stride`, over an input padded with
 * -infinity). Output size per dim: `floor((size + 2*padding - dilation*(kernel-1) - 1) / stride) + 1`
 * (ceil with `ceilMode`, a last window never starting in the right padding).
 *
 * The gradient goes to the arg-max of each window; of tied maxima, the first in row-major order
 * (as PyTorch); NaN counts as the maximum.
 * @param kernelSize a number or `[kH, kW]`.
 * @param options stride (default: kernelSize), padding, dilation, ceilMode.
 * @returns `[N, C, OH, OW]` (or `[C, OH, OW]`).
 * @throws TypeError for non-float inputs or malformed options; RangeError for bad sizes, a padding
 * above half the kernel, or an empty output.
 * @example maxPool2d(tensor([[[[1, 2], [3, 4]]]]), 2).tolist() // [[[[4]]]]
 */
export function maxPool2d(input: Tensor, kernelSize: SizeArg, options?: MaxPoolOptions): Tensor {
  return maxPool("maxPool2d", 2, input, kernelSize, options);
}

/**
 * 1-D max pooling of `[N, C, L]` or `[C, L]`: {@link maxPool2d} over a height of 1.
 * @param kernelSize a number or `[k]`.
 * @param options stride (default: kernelSize), padding, dilation, ceilMode.
 * @returns `[N, C, OL]` (or `[C, OL]`).
 * @throws as maxPool2d, naming maxPool1d.
 * @example maxPool1d(tensor([[[1, 3, 2, 5]]]), 2).tolist() // [[[3, 5]]]
 */
export function maxPool1d(input: Tensor, kernelSize: SizeArg, options?: MaxPoolOptions): Tensor {
  return maxPool("maxPool1d", 1, input, kernelSize, options);
}

/** Average-pooling windows along one axis (PyTorch's CPU kernel: divisor from the padded, clipped window). */
function poolAxis(size: number, out: number, k: number, stride: number, pad: number, includePad: boolean): AxisWindows {
  const start = new Int32Array(out);
  const end = new Int32Array(out);
  const factor = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    const s = o * stride - pad;
    const e = Math.min(s + k, size + pad);
    const padded = e - s;
    start[o] = Math.max(s, 0);
    end[o] = Math.min(e, size);
    factor[o] = includePad ? padded : end[o]! - start[o]!;
  }
  return { start, end, factor };
}

function avgPool(op: string, dims: number, input: Tensor, kernelSize: SizeArg, options: AvgPoolOptions | undefined): Tensor {
  const { x, drop } = lift(op, input, dims);
  const o = checkOptionsObject(options, op, ["stride", "padding", "ceilMode", "countIncludePad", "divisorOverride"]);
  const w = windows(op, dims, kernelSize, { stride: o.stride, padding: o.padding, ceilMode: o.ceilMode });
  const includePad = o.countIncludePad ?? true;
  if (typeof includePad !== "boolean") throw new TypeError(`${op}: countIncludePad must be a boolean, got ${describe(includePad)}`);
  const divisor = o.divisorOverride ?? null;
  if (divisor !== null && (typeof divisor !== "number" || !Number.isInteger(divisor) || divisor === 0)) {
    throw new RangeError(`${op}: divisorOverride must be a non-zero integer, got ${describe(divisor)}`);
  }
  const [OH, OW] = outputSizes(op, x, w, dims);
  const geo: WindowGeometry = {
    planes: x.shape[0]! * x.shape[1]!, H: x.shape[2]!, W: x.shape[3]!,
    rows: poolAxis(x.shape[2]!, OH, w.kernel[0]!, w.stride[0]!, w.padding[0]!, includePad),
    cols: poolAxis(x.shape[3]!, OW, w.kernel[1]!, w.stride[1]!, w.padding[1]!, includePad),
    divisor,
  };
  return drop(windowAverage(x, geo));
}

/**
 * 2-D average pooling (PyTorch's `F.avg_pool2d`) of `[N, C, H, W]` or `[C, H, W]`: the mean of
 * every `kH x kW` window over an input padded with zeros. The divisor is the window's size
 * clipped to the padded input (`countIncludePad`, the default), or only its part inside the
 * input, or `divisorOverride`. Output size as {@link maxPool2d} (no dilation).
 * @param kernelSize a number or `[kH, kW]`.
 * @param options stride (default: kernelSize), padding, ceilMode, countIncludePad, divisorOverride.
 * @returns `[N, C, OH, OW]` (or `[C, OH, OW]`).
 * @throws TypeError for non-float inputs or malformed options; RangeError for bad sizes.
 * @example avgPool2d(tensor([[[[1, 2], [3, 4]]]]), 2).tolist() // [[[[2.5]]]]
 */
export function avgPool2d(input: Tensor, kernelSize: SizeArg, options?: AvgPoolOptions): Tensor {
  return avgPool("avgPool2d", 2, input, kernelSize, options);
}

/**
 * 1-D average pooling of `[N, C, L]` or `[C, L]`: {@link avgPool2d} over a height of 1
 * (PyTorch's avg_pool1d has no divisorOverride; it is accepted here all the same).
 * @param kernelSize a number or `[k]`.
 * @param options stride (default: kernelSize), padding, ceilMode, countIncludePad.
 * @returns `[N, C, OL]` (or `[C, OL]`).
 * @throws as avgPool2d, naming avgPool1d.
 * @example avgPool1d(tensor([[[1, 3, 2, 6]]]), 2).tolist() // [[[2, 4]]]
 */
export function avgPool1d(input: Tensor, kernelSize: SizeArg, options?: AvgPoolOptions): Tensor {
  return avgPool("avgPool1d", 1, input, kernelSize, options);
}

/** Adaptive windows along one axis: output `o` averages `[floor(o*in/out), ceil((o+1)*in/out))`. */
function adaptiveAxis(size: number, out: number): AxisWindows {
  const start = new Int32Array(out);
  const end = new Int32Array(out);
  const factor = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    start[o] = Math.floor((o * size) / out);
    end[o] = Math.ceil(((o + 1) * size) / out);
    factor[o] = end[o]! - start[o]!;
  }
  return { start, end, factor };
}

/**
 * 2-D adaptive average pooling (PyTorch's `F.adaptive_avg_pool2d`): the output has the given
 * size whatever the input's; output `(i, j)` averages rows `floor(i*H/OH) .. ceil((i+1)*H/OH) - 1`
 * and the columns alike (windows overlap when the output is larger than the input).
 * @param outputSize a number, or `[OH, OW]` where null keeps that input size.
 * @returns `[N, C, OH, OW]` (or `[C, OH, OW]`).
 * @throws TypeError for non-float inputs or a malformed size; RangeError for a non-positive size
 * or an empty input dim.
 * @example adaptiveAvgPool2d(tensor([[[[1, 2], [3, 4]]]]), 1).tolist() // [[[[2.5]]]]
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  const op = "adaptiveAvgPool2d";
  const { x, drop } = lift(op, input, 2);
  const [, , H, W] = x.shape as [number, number, number, number];
  const given = typeof outputSize === "number" ? [outputSize, outputSize] : Array.isArray(outputSize) && outputSize.length === 2 ? outputSize : null;
  if (given === null || !given.every((v) => v === null || (typeof v === "number" && Number.isInteger(v)))) {
    throw new TypeError(`${op}: outputSize must be an integer or a list of 2 integers (or null), got ${describe(outputSize)}`);
  }
  const [OH, OW] = [given[0] ?? H, given[1] ?? W] as [number, number];
  if (OH < 1 || OW < 1) throw new RangeError(`${op}: outputSize must be positive, got ${describe(outputSize)}`);
  if (H === 0 || W === 0) throw new RangeError(`${op}: expected input with non-zero spatial sizes, got input of size ${formatShape(input.shape)}`);
  const geo: WindowGeometry = { planes: x.shape[0]! * x.shape[1]!, H, W, rows: adaptiveAxis(H, OH), cols: adaptiveAxis(W, OW), divisor: null };
  return drop(windowAverage(x, geo));
}
