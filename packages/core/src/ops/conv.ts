/**
 * Convolutions with PyTorch's signatures: `conv2d` and `conv1d` (stride, padding including
 * "same" and "valid", dilation, groups, bias), batched or unbatched.
 * @module
 */
import { describe } from "../describe.js";
import type { ConvGeometry } from "../kernels/conv.js";
import { formatShape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { convolution } from "./conv-primitives.js";
import { squeeze, unsqueeze } from "./movement.js";
import { checkTensor } from "./operands.js";
import { type SizeArg, checkOptionsObject, sizeTuple } from "./size-args.js";

export type { SizeArg };

/** Options of {@link conv2d} and {@link conv1d} (PyTorch's keyword arguments). */
export interface ConvOptions {
  /** Step of the sliding window (default 1). */
  stride?: SizeArg;
  /**
   * Zeros added on both sides of each spatial dim (default 0), or `"valid"` (none) or `"same"`
   * (the output has the input's size; stride must be 1; when the total padding `dilation * (kernel - 1)`
   * is odd the extra zero goes at the end, as PyTorch does).
   */
  padding?: SizeArg | "same" | "valid";
  /** Spacing between kernel elements (default 1). */
  dilation?: SizeArg;
  /** Split the channels into this many independent groups (default 1). */
  groups?: number;
}

/** Output length of one spatial dim: `floor((size + padBegin + padEnd - dilation*(kernel-1) - 1) / stride) + 1`. */
function outSize(size: number, padTotal: number, dilation: number, kernel: number, stride: number): number {
  return Math.floor((size + padTotal - dilation * (kernel - 1) - 1) / stride) + 1;
}

/** Validate and build the geometry of a 4-D convolution (names in messages use the user's dims). */
function geometry(op: string, x: Tensor, w: Tensor, b: Tensor | null, o: Partial<ConvOptions>, dims: number): ConvGeometry {
  if (!x.isFloatingPoint()) throw new TypeError(`${op}: input must be a float32 or float64 tensor, got dtype ${x.dtype}`);
  if (w.dtype !== x.dtype) throw new TypeError(`${op}: input dtype ${x.dtype} and weight dtype ${w.dtype} differ`);
  if (b !== null && b.dtype !== x.dtype) throw new TypeError(`${op}: input dtype ${x.dtype} and bias dtype ${b.dtype} differ`);
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [OC, Cg, KH, KW] = w.shape as [number, number, number, number];
  const groups = o.groups ?? 1;
  if (typeof groups !== "number" || !Number.isInteger(groups) || groups < 1) {
    throw new RangeError(`${op}: groups must be a positive integer, got ${describe(groups)}`);
  }
  const stride = sizeTuple(o.stride ?? 1, 2, op, "stride", 1);
  const dilation = sizeTuple(o.dilation ?? 1, 2, op, "dilation", 1);
  const kernel = [KH, KW];
  let padBegin: number[];
  let padTotal: number[];
  const padding = o.padding ?? 0;
  if (padding === "valid") {
    padBegin = [0, 0];
    padTotal = [0, 0];
  } else if (padding === "same") {
    if (stride.some((s) => s !== 1)) throw new RangeError(`${op}: padding="same" is not supported for strided convolutions (stride ${describe(o.stride)})`);
    padTotal = kernel.map((k, i) => dilation[i]! * (k - 1));
    padBegin = padTotal.map((t) => Math.floor(t / 2));
  } else if (typeof padding === "string") {
    throw new RangeError(`${op}: invalid padding string ${describe(padding)}, expected "same" or "valid"`);
  } else {
    padBegin = sizeTuple(padding, 2, op, "padding", 0);
    padTotal = padBegin.map((p) => 2 * p);
  }
  const userShape = (s: readonly number[]): string => formatShape(dims === 1 ? [...s.slice(0, 2), ...s.slice(3)] : s);
  if (OC % groups !== 0) {
    throw new RangeError(`${op}: given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of size ${userShape(w.shape)} instead`);
  }
  if (Cg * groups !== C) {
    throw new RangeError(
      `${op}: given groups=${groups}, weight of size ${userShape(w.shape)}, expected input${userShape(x.shape)} to have ${Cg * groups} channels, but got ${C} channels instead`,
    );
  }
  if (b !== null && (b.ndim !== 1 || b.shape[0] !== OC)) {
    throw new RangeError(`${op}: given weight of size ${userShape(w.shape)}, expected bias to be 1-dimensional with ${OC} elements, but got bias of size ${formatShape(b.shape)} instead`);
  }
  const sizes = [H, W];
  const padded = sizes.map((s, i) => s + padTotal[i]!);
  const span = kernel.map((k, i) => dilation[i]! * (k - 1) + 1);
  if (padded.some((p, i) => p < span[i]!)) {
    const pick = (v: number[]): string => (dims === 1 ? `${v[1]}` : `${v[0]} x ${v[1]}`);
    throw new RangeError(
      `${op}: calculated padded input size per channel: (${pick(padded)}). Kernel size: (${pick(span)}). Kernel size can't be greater than actual input size`,
    );
  }
  return {
    N, C, H, W, OC, KH, KW,
    OH: outSize(H, padTotal[0]!, dilation[0]!, KH, stride[0]!),
    OW: outSize(W, padTotal[1]!, dilation[1]!, KW, stride[1]!),
    sH: stride[0]!, sW: stride[1]!, pH: padBegin[0]!, pW: padBegin[1]!, dH: dilation[0]!, dW: dilation[1]!, groups,
  };
}

/** Shared argument checks of conv1d and conv2d; returns the bias (or null). */
function checkOperands(op: string, x: unknown, weight: unknown, bias: unknown, dims: number): Tensor | null {
  const t = checkTensor(x, op, "input");
  const w = checkTensor(weight, op, "weight");
  const b = bias === undefined || bias === null ? null : checkTensor(bias, op, "bias");
  if (t.ndim !== dims + 1 && t.ndim !== dims + 2) {
    throw new RangeError(`${op}: expected ${dims + 1}D (unbatched) or ${dims + 2}D (batched) input, but got input of size ${formatShape(t.shape)}`);
  }
  if (w.ndim !== dims + 2) {
    const names = dims === 1 ? "[outChannels, inChannels/groups, kW]" : "[outChannels, inChannels/groups, kH, kW]";
    throw new RangeError(`${op}: expected weight to be ${dims + 2}-D ${names}, got weight of size ${formatShape(w.shape)}`);
  }
  return b;
}

/**
 * 2-D convolution (cross-correlation, as in PyTorch) of an input `[N, C, H, W]` (or unbatched
 * `[C, H, W]`) with a weight `[outChannels, C / groups, kH, kW]`, plus an optional bias `[outChannels]`:
 * `out[n, o, i, j] = bias[o] + sum_{c, p, q} x[n, g*C/groups + c, i*sH - padH + p*dH, j*sW - padW + q*dW] * w[o, c, p, q]`
 * with `g` the group of `o` and zeros read outside the input. Output size per dim:
 * `floor((size + 2*padding - dilation*(kernel - 1) - 1) / stride) + 1`.
 *
 * Runs as im2col plus one matrix product per group (the WebAssembly GEMM). Differentiable in the
 * input, weight and bias to any order (its gradients are convolutions themselves).
 * @param input `[N, C, H, W]` or `[C, H, W]`, float32 or float64.
 * @param weight `[outChannels, C / groups, kH, kW]`, same dtype.
 * @param bias optional `[outChannels]`.
 * @param options stride, padding (number, pair, "same" or "valid"), dilation, groups.
 * @returns `[N, outChannels, OH, OW]` (`[outChannels, OH, OW]` for an unbatched input).
 * @throws TypeError for non-float or mixed dtypes and malformed options; RangeError naming the
 * shapes when channels, groups or sizes do not fit.
 * @example conv2d(randn([1, 3, 8, 8]), randn([4, 3, 3, 3]), null, { padding: 1 }).shape // [1, 4, 8, 8]
 */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: ConvOptions): Tensor {
  const op = "conv2d";
  const b = checkOperands(op, input, weight, bias, 2);
  const o = checkOptionsObject(options, op, ["stride", "padding", "dilation", "groups"]);
  const batched = input.ndim === 4;
  const x = batched ? input : unsqueeze(input, 0);
  const y = convolution(x, weight, b, geometry(op, x, weight, b, o, 2));
  return batched ? y : squeeze(y, 0);
}

/**
 * 1-D convolution of an input `[N, C, L]` (or unbatched `[C, L]`) with a weight
 * `[outChannels, C / groups, kW]` plus an optional bias: {@link conv2d} over a height of 1
 * (the same kernels and gradients). Options as for conv2d with one value per size argument.
 * @param input `[N, C, L]` or `[C, L]`, float32 or float64.
 * @param weight `[outChannels, C / groups, kW]`.
 * @param bias optional `[outChannels]`.
 * @param options stride, padding (number, [p], "same" or "valid"), dilation, groups.
 * @returns `[N, outChannels, OL]` (`[outChannels, OL]` unbatched), `OL = floor((L + 2*padding - dilation*(kW-1) - 1) / stride) + 1`.
 * @throws TypeError / RangeError as conv2d, naming conv1d.
 * @example conv1d(randn([2, 3, 10]), randn([5, 3, 3]), null, { padding: "same" }).shape // [2, 5, 10]
 */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: ConvOptions): Tensor {
  const op = "conv1d";
  const b = checkOperands(op, input, weight, bias, 1);
  const o = checkOptionsObject(options, op, ["stride", "padding", "dilation", "groups"]);
  const lift = (v: unknown, name: string, min: number): number[] => [min === 0 ? 0 : 1, sizeTuple(v, 1, op, name, min)[0]!];
  const padding = o.padding === "same" || o.padding === "valid" || typeof o.padding === "string" ? o.padding : lift(o.padding ?? 0, "padding", 0);
  const o2: ConvOptions = { stride: lift(o.stride ?? 1, "stride", 1), dilation: lift(o.dilation ?? 1, "dilation", 1), padding, groups: o.groups };
  const batched = input.ndim === 3;
  const x = unsqueeze(batched ? input : unsqueeze(input, 0), 2);
  const w = unsqueeze(weight, 2);
  const y = squeeze(convolution(x, w, b, geometry(op, x, w, b, o2, 1)), 2);
  return batched ? y : squeeze(y, 0);
}
