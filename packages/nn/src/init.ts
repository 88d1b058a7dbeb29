/**
 * Parameter initialisation (PyTorch's `torch.nn.init`). Every function fills its tensor in place
 * without recording on the tape, draws from the seeded default generator unless a `generator` is
 * given, and returns the tensor.
 * @module
 */
import { Generator, Tensor, defaultGenerator, noGrad } from "@tapegrad/core";
import { checkFinite, checkOptions, checkTensor, describe, formatShape } from "./util.js";

/** The nonlinearities {@link calculateGain} knows. */
export type Nonlinearity =
  | "linear"
  | "conv1d"
  | "conv2d"
  | "conv3d"
  | "conv_transpose1d"
  | "conv_transpose2d"
  | "conv_transpose3d"
  | "sigmoid"
  | "tanh"
  | "relu"
  | "leaky_relu"
  | "selu";

/** Which fan the Kaiming initialisers scale by. */
export type FanMode = "fan_in" | "fan_out";

/** The optional random generator of the random initialisers. */
export interface GeneratorOption {
  /** The generator to draw from (the seeded default generator if omitted). */
  generator?: Generator;
}

const KAIMING_KEYS = ["a", "mode", "nonlinearity", "generator"] as const;

/** Options of {@link kaimingUniform_} and {@link kaimingNormal_}. */
export interface KaimingOptions extends GeneratorOption {
  /** Negative slope of the leaky ReLU that follows (used only with `leaky_relu`; default 0). */
  a?: number;
  /** `fan_in` (default) preserves the variance of the forward pass, `fan_out` that of the backward pass. */
  mode?: FanMode;
  /** The nonlinearity that follows (default `leaky_relu`, as PyTorch). */
  nonlinearity?: Nonlinearity;
}

const LINEAR_GAIN_ONE = new Set<string>(["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid"]);

/**
 * The recommended gain for a nonlinearity (PyTorch's `calculate_gain`):
 * linear/conv/sigmoid 1, tanh 5/3, relu sqrt(2), leaky_relu sqrt(2 / (1 + slope^2)) with slope `param`
 * (default 0.01), selu 3/4.
 * @throws RangeError for an unknown nonlinearity; TypeError for a non-numeric leaky_relu slope.
 * @example calculateGain("leaky_relu", Math.sqrt(5)); // 0.5773502691896257
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  if (LINEAR_GAIN_ONE.has(nonlinearity)) return 1;
  switch (nonlinearity) {
    case "tanh":
      return 5.0 / 3;
    case "relu":
      return Math.sqrt(2.0);
    case "leaky_relu": {
      if (param === undefined) param = 0.01;
      else if (typeof param !== "number" || Number.isNaN(param)) {
        throw new TypeError(`calculateGain: negative slope ${describe(param)} is not a valid number`);
      }
      // Same expression and order as PyTorch, so the bound matches it to the last bit.
      return Math.sqrt(2.0 / (1 + param ** 2));
    }
    case "selu":
      return 3.0 / 4;
    default:
      throw new RangeError(`calculateGain: unsupported nonlinearity ${describe(nonlinearity)}`);
  }
}

/**
 * `[fanIn, fanOut]` of a weight tensor (PyTorch's `_calculate_fan_in_and_fan_out`): for shape
 * `[out, in, ...kernel]`, fanIn = in * prod(kernel) and fanOut = out * prod(kernel).
 * @throws RangeError for tensors with fewer than 2 dimensions.
 */
export function calculateFanInAndFanOut(tensor: Tensor): [number, number] {
  checkTensor(tensor, "calculateFanInAndFanOut", "tensor");
  if (tensor.ndim < 2) {
    throw new RangeError(
      `calculateFanInAndFanOut: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape ${formatShape(tensor.shape)})`,
    );
  }
  let receptive = 1;
  for (const d of tensor.shape.slice(2)) receptive *= d;
  return [tensor.shape[1]! * receptive, tensor.shape[0]! * receptive];
}

function checkFloatTarget(tensor: unknown, where: string): Tensor {
  const t = checkTensor(tensor, where, "tensor");
  if (t.dtype !== "float32" && t.dtype !== "float64") throw new TypeError(`${where}: tensor must be float32 or float64, got dtype ${t.dtype}`);
  return t;
}

function generatorOf(options: GeneratorOption, where: string): Generator {
  const g = options.generator ?? defaultGenerator;
  if (!(g instanceof Generator)) throw new TypeError(`${where}: generator must be a Generator, got ${describe(g)}`);
  return g;
}

/** Fill `tensor` with `draw()` values (in row-major order) without recording. */
function fillWith(tensor: Tensor, draw: () => number): Tensor {
  const n = tensor.numel();
  const data = tensor.dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = draw();
  const src = Tensor.fromData(data, tensor.shape, tensor.dtype);
  noGrad(() => tensor.copy_(src));
  return tensor;
}

/** Uniform samples in [low, high] that stay inside the bounds after rounding to `dtype`. */
function uniformDraw(tensor: Tensor, low: number, high: number, g: Generator): () => number {
  const round = tensor.dtype === "float32" ? Math.fround : (v: number) => v;
  return () => {
    for (;;) {
      const u = tensor.dtype === "float32" ? g.nextFloat32() : g.nextFloat64();
      const v = round(low + (high - low) * u);
      // Rounding to float32 can push a value just past a bound; redraw (probability ~1e-7).
      if (v >= low && v <= high) return v;
    }
  };
}

function fanOf(tensor: Tensor, mode: unknown, where: string): number {
  if (mode !== "fan_in" && mode !== "fan_out") throw new RangeError(`${where}: mode must be "fan_in" or "fan_out", got ${describe(mode)}`);
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  return mode === "fan_in" ? fanIn : fanOut;
}

/**
 * Fill with samples of U(a, b).
 * @example init.uniform_(w, { a: -0.1, b: 0.1 });
 */
export function uniform_(tensor: Tensor, options?: { a?: number; b?: number } & GeneratorOption): Tensor {
  const where = "uniform_";
  const t = checkFloatTarget(tensor, where);
  const o = checkOptions(options, where, ["a", "b", "generator"]);
  const a = checkFinite(o.a ?? 0, where, "a");
  const b = checkFinite(o.b ?? 1, where, "b");
  if (a > b) throw new RangeError(`${where}: expected a <= b, got a=${a} and b=${b}`);
  return fillWith(t, uniformDraw(t, a, b, generatorOf(o, where)));
}

/**
 * Fill with samples of N(mean, std^2).
 * @example init.normal_(w, { std: 0.02 });
 */
export function normal_(tensor: Tensor, options?: { mean?: number; std?: number } & GeneratorOption): Tensor {
  const where = "normal_";
  const t = checkFloatTarget(tensor, where);
  const o = checkOptions(options, where, ["mean", "std", "generator"]);
  const mean = checkFinite(o.mean ?? 0, where, "mean");
  const std = checkFinite(o.std ?? 1, where, "std");
  if (std < 0) throw new RangeError(`${where}: std must be >= 0, got ${std}`);
  const g = generatorOf(o, where);
  return fillWith(t, () => mean + std * g.nextNormal());
}

/** Fill with the constant `value`. */
export function constant_(tensor: Tensor, value: number): Tensor {
  const t = checkFloatTarget(tensor, "constant_");
  if (typeof value !== "number") throw new TypeError(`constant_: value must be a number, got ${describe(value)}`);
  noGrad(() => t.fill_(value));
  return t;
}

/** Fill with zeros. */
export function zeros_(tensor: Tensor): Tensor {
  return constant_(tensor, 0);
}

/** Fill with ones. */
export function ones_(tensor: Tensor): Tensor {
  return constant_(tensor, 1);
}

/**
 * Glorot/Xavier uniform: U(-bound, bound) with bound = gain * sqrt(6 / (fanIn + fanOut)).
 * @throws RangeError for tensors with fewer than 2 dimensions.
 */
export function xavierUniform_(tensor: Tensor, options?: { gain?: number } & GeneratorOption): Tensor {
  const where = "xavierUniform_";
  const t = checkFloatTarget(tensor, where);
  const o = checkOptions(options, where, ["gain", "generator"]);
  const gain = checkFinite(o.gain ?? 1, where, "gain");
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  const bound = Math.sqrt(3.0) * std;
  return fillWith(t, uniformDraw(t, -bound, bound, generatorOf(o, where)));
}

/**
 * Glorot/Xavier normal: N(0, std^2) with std = gain * sqrt(2 / (fanIn + fanOut)).
 * @throws RangeError for tensors with fewer than 2 dimensions.
 */
export function xavierNormal_(tensor: Tensor, options?: { gain?: number } & GeneratorOption): Tensor {
  const where = "xavierNormal_";
  const t = checkFloatTarget(tensor, where);
  const o = checkOptions(options, where, ["gain", "generator"]);
  const gain = checkFinite(o.gain ?? 1, where, "gain");
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  const g = generatorOf(o, where);
  return fillWith(t, () => std * g.nextNormal());
}

function kaimingStd(t: Tensor, o: Partial<KaimingOptions>, where: string): number {
  const a = checkFinite(o.a ?? 0, where, "a");
  const fan = fanOf(t, o.mode ?? "fan_in", where);
  const gain = calculateGain(o.nonlinearity ?? "leaky_relu", a);
  return gain / Math.sqrt(fan);
}

/**
 * He/Kaiming uniform: U(-bound, bound) with bound = gain * sqrt(3 / fan), gain =
 * `calculateGain(nonlinearity, a)` and fan chosen by `mode`. `Linear` uses it with `a = sqrt(5)`,
 * which gives bound = 1 / sqrt(fanIn). A tensor with no elements is left as is.
 * @throws RangeError for tensors with fewer than 2 dimensions, an unknown mode or nonlinearity.
 * @example init.kaimingUniform_(w, { a: Math.sqrt(5) });
 */
export function kaimingUniform_(tensor: Tensor, options?: KaimingOptions): Tensor {
  const where = "kaimingUniform_";
  const t = checkFloatTarget(tensor, where);
  const o = checkOptions(options, where, KAIMING_KEYS);
  const g = generatorOf(o, where);
  if (t.numel() === 0) return t;
  const std = kaimingStd(t, o, where);
  const bound = Math.sqrt(3.0) * std;
  return fillWith(t, uniformDraw(t, -bound, bound, g));
}

/**
 * He/Kaiming normal: N(0, std^2) with std = gain / sqrt(fan). A tensor with no elements is left as is.
 * @throws RangeError for tensors with fewer than 2 dimensions, an unknown mode or nonlinearity.
 * @example init.kaimingNormal_(w, { mode: "fan_out", nonlinearity: "relu" });
 */
export function kaimingNormal_(tensor: Tensor, options?: KaimingOptions): Tensor {
  const where = "kaimingNormal_";
  const t = checkFloatTarget(tensor, where);
  const o = checkOptions(options, where, KAIMING_KEYS);
  const g = generatorOf(o, where);
  if (t.numel() === 0) return t;
  const std = kaimingStd(t, o, where);
  return fillWith(t, () => std * g.nextNormal());
}
