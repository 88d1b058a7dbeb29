/**
 * Creating tensors: from JS data, constant fills, ranges, identity, and seeded random values.
 * @module
 */
import { type DType, type TypedArray, allocate, checkDtype, getDefaultDtype, isFloatingDtype } from "../dtype.js";
import { describe } from "../describe.js";
import { Generator, defaultGenerator } from "../random.js";
import { type Shape, checkNumel, checkShape, formatShape, numelOf } from "../shape.js";
import { Tensor, type NestedArray } from "../tensor.js";

/** Options shared by the creation functions. */
export interface CreationOptions {
  /** Element type; float32 (the default dtype) unless stated. */
  dtype?: DType;
  /** Make the result a leaf that requires grad (floating dtypes only). */
  requiresGrad?: boolean;
}

/** Options of the random creation functions. */
export interface RandomOptions extends CreationOptions {
  /** The generator to draw from (the seeded default generator if omitted). */
  generator?: Generator;
}

function finish(t: Tensor, options: CreationOptions | undefined, where: string): Tensor {
  if (options?.requiresGrad !== undefined && typeof options.requiresGrad !== "boolean") {
    throw new TypeError(`${where}: requiresGrad must be a boolean, got ${describe(options.requiresGrad)}`);
  }
  if (options?.requiresGrad) {
    if (!t.isFloatingPoint()) throw new TypeError(`${where}: only floating point tensors can require gradients, but dtype is ${t.dtype}`);
    t.requiresGrad_(true);
  }
  return t;
}

const CREATION_KEYS: readonly string[] = ["dtype", "requiresGrad"];
const RANDOM_KEYS: readonly string[] = ["dtype", "requiresGrad", "generator"];

function dtypeOption(options: CreationOptions | undefined, fallback: DType, where: string, allowed: readonly string[] = CREATION_KEYS): DType {
  if (options === undefined || options === null) return fallback;
  if (typeof options !== "object") throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) throw new TypeError(`${where}: unknown option ${JSON.stringify(key)} (expected ${allowed.join(", ")})`);
  }
  return options.dtype === undefined ? fallback : checkDtype(options.dtype, where);
}

/** The most dimensions nested data may have (PyTorch's limit on a tensor's dimensions). */
const MAX_NESTING = 64;

function isTypedArray(x: unknown): x is TypedArray | Int8Array | Int16Array | Uint16Array | Uint32Array | Uint8ClampedArray {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

/** Shape of nested JS data, with a check that it is rectangular and holds only numbers or booleans. */
function nestedShape(data: unknown, where: string): { shape: number[]; sawBoolean: boolean; sawNumber: boolean } {
  const shape: number[] = [];
  const path = new Set<unknown>();
  let level: unknown = data;
  while (Array.isArray(level) || isTypedArray(level)) {
    // The shape follows the first elements; below them `check` recurses at most shape.length deep,
    // so a cycle or an absurd depth anywhere else is reported as a ragged array.
    if (path.has(level)) throw new RangeError(`${where}: the nested array contains itself (cycle detected at depth ${shape.length})`);
    if (shape.length === MAX_NESTING) {
      throw new RangeError(`${where}: nested array is deeper than ${MAX_NESTING} levels (a tensor has at most ${MAX_NESTING} dimensions)`);
    }
    path.add(level);
    shape.push((level as ArrayLike<unknown>).length);
    if ((level as ArrayLike<unknown>).length === 0) break;
    level = (level as ArrayLike<unknown>)[0];
  }
  let sawBoolean = false;
  let sawNumber = false;
  const check = (x: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof x === "number") sawNumber = true;
      else if (typeof x === "boolean") sawBoolean = true;
      else if (isTypedArray(x) || Array.isArray(x)) {
        throw new RangeError(`${where}: ragged nested array: element ${path} has more dimensions than element ${path.replace(/\[\d+\]$/, "[0]")}`);
      } else throw new TypeError(`${where}: element ${path || "value"} must be a number or boolean, got ${describe(x)}`);
      return;
    }
    if (!Array.isArray(x) && !isTypedArray(x)) {
      throw new RangeError(`${where}: ragged nested array: element ${path} is ${describe(x)} where an array of length ${shape[depth]} was expected`);
    }
    const arr = x as ArrayLike<unknown>;
    if (arr.length !== shape[depth]) {
      throw new RangeError(`${where}: ragged nested array: element ${path || "at the top"} has length ${arr.length}, expected ${shape[depth]}`);
    }
    if (isTypedArray(x) && depth === shape.length - 1) {
      sawNumber = true;
      return;
    }
    for (let i = 0; i < arr.length; i++) check(arr[i], depth + 1, `${path}[${i}]`);
  };
  check(data, 0, "");
  return { shape, sawBoolean, sawNumber };
}

function fillFlat(data: unknown, out: TypedArray, isBool: boolean): void {
  // A flat typed array converts in one call (element assignment and `set` convert alike).
  if (isTypedArray(data) && !isBool) {
    out.set(data as ArrayLike<number>);
    return;
  }
  let k = 0;
  const walk = (x: unknown): void => {
    if (Array.isArray(x) || isTypedArray(x)) {
      const arr = x as ArrayLike<unknown>;
      for (let i = 0; i < arr.length; i++) walk(arr[i]);
    } else {
      const v = typeof x === "boolean" ? (x ? 1 : 0) : (x as number);
      out[k++] = isBool ? (v !== 0 ? 1 : 0) : v;
    }
  };
  walk(data);
}

/**
 * Create a tensor from a number, a boolean, nested arrays or a typed array (copied).
 * The dtype defaults to float32 for numbers (float64 for a Float64Array, int32 for an Int32Array)
 * and bool for booleans.
 * @throws RangeError for ragged arrays; TypeError for values that are not numbers or booleans.
 * @example tensor([[1, 2], [3, 4]], { requiresGrad: true })
 */
export function tensor(data: NestedArray | TypedArray | readonly NestedArray[], options?: CreationOptions): Tensor {
  const where = "tensor";
  const { shape, sawBoolean, sawNumber } = nestedShape(data, where);
  let fallback: DType = sawBoolean && !sawNumber ? "bool" : getDefaultDtype();
  if (data instanceof Float64Array) fallback = "float64";
  else if (data instanceof Int32Array) fallback = "int32";
  const dtype = dtypeOption(options, fallback, where);
  const values = allocate(dtype, checkNumel(numelOf(shape), where, `data of shape ${formatShape(shape)}`));
  fillFlat(data, values, dtype === "bool");
  return finish(Tensor.fromData(values, shape, dtype), options, where);
}

/** `full` with the name of the public function to use in error messages. */
function filled(shape: Shape, value: number | boolean, options: CreationOptions | undefined, where: string): Tensor {
  const s = checkShape(shape, where);
  if (typeof value !== "number" && typeof value !== "boolean") throw new TypeError(`${where}: value must be a number or boolean, got ${describe(value)}`);
  const fallback: DType = typeof value === "boolean" ? "bool" : getDefaultDtype();
  const dtype = dtypeOption(options, fallback, where);
  const data = allocate(dtype, numelOf(s));
  data.fill(dtype === "bool" ? (value ? 1 : 0) : Number(value));
  return finish(Tensor.fromData(data, s, dtype), options, where);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: Shape, value: number | boolean, options?: CreationOptions): Tensor {
  return filled(shape, value, options, "full");
}

/** A tensor of zeros. */
export function zeros(shape: Shape, options?: CreationOptions): Tensor {
  return filled(shape, 0, options, "zeros");
}

/** A tensor of ones. */
export function ones(shape: Shape, options?: CreationOptions): Tensor {
  return filled(shape, 1, options, "ones");
}

function likeOptions(t: Tensor, options: CreationOptions | undefined, where: string, allowed: readonly string[] = CREATION_KEYS): CreationOptions {
  if (!(t instanceof Tensor)) throw new TypeError(`${where}: expected a Tensor, got ${describe(t)}`);
  dtypeOption(options, t.dtype, where, allowed);
  return { dtype: options?.dtype ?? t.dtype, requiresGrad: options?.requiresGrad ?? false };
}

/** Zeros with the shape (and, unless given, the dtype) of `t`. */
export function zerosLike(t: Tensor, options?: CreationOptions): Tensor {
  return full(t.shape, 0, likeOptions(t, options, "zerosLike"));
}

/** Ones with the shape (and, unless given, the dtype) of `t`. */
export function onesLike(t: Tensor, options?: CreationOptions): Tensor {
  return full(t.shape, 1, likeOptions(t, options, "onesLike"));
}

/** `value` everywhere, with the shape (and, unless given, the dtype) of `t`. */
export function fullLike(t: Tensor, value: number | boolean, options?: CreationOptions): Tensor {
  return full(t.shape, value, likeOptions(t, options, "fullLike"));
}

/** A scalar (0-dim) tensor. */
export function scalar(value: number | boolean, dtype: DType): Tensor {
  return full([], value, { dtype });
}

function checkFinite(x: unknown, name: string, where: string): number {
  if (typeof x !== "number" || !Number.isFinite(x)) throw new TypeError(`${where}: ${name} must be a finite number, got ${describe(x)}`);
  return x;
}

/**
 * Values from `start` (inclusive) to `end` (exclusive) spaced by `step`; `arange(n)` is 0..n-1.
 * The dtype is int32 when all arguments are integers, else the default float dtype.
 */
export function arange(startOrEnd: number, end?: number, step = 1, options?: CreationOptions): Tensor {
  const start = end === undefined ? 0 : checkFinite(startOrEnd, "start", "arange");
  const stop = end === undefined ? checkFinite(startOrEnd, "end", "arange") : checkFinite(end, "end", "arange");
  checkFinite(step, "step", "arange");
  if (step === 0) throw new RangeError("arange: step must be non-zero");
  if ((stop - start) / step < 0) throw new RangeError(`arange: upper bound ${stop} and lower bound ${start} inconsistent with step sign ${step}`);
  const n = checkNumel(Math.max(0, Math.ceil((stop - start) / step)), "arange", `the range from ${start} to ${stop} with step ${step}`);
  const allInt = [start, stop, step].every(Number.isInteger);
  const dtype = dtypeOption(options, allInt ? "int32" : getDefaultDtype(), "arange");
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return finish(Tensor.fromData(data, [n], dtype), options, "arange");
}

/** `steps` values evenly spaced from `start` to `end`, both included. */
export function linspace(start: number, end: number, steps: number, options?: CreationOptions): Tensor {
  checkFinite(start, "start", "linspace");
  checkFinite(end, "end", "linspace");
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`linspace: steps must be a non-negative integer, got ${describe(steps)}`);
  checkNumel(steps, "linspace", `steps = ${steps}`);
  const dtype = dtypeOption(options, getDefaultDtype(), "linspace");
  const data = allocate(dtype, steps);
  const delta = steps > 1 ? (end - start) / (steps - 1) : 0;
  // Symmetric evaluation from both ends, as PyTorch does, so that the last value is exactly `end`.
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) data[i] = i < half ? start + delta * i : end - delta * (steps - 1 - i);
  // One step is `start` (PyTorch fills it), not the `end` the symmetric formula gives.
  if (steps === 1) data[0] = start;
  return finish(Tensor.fromData(data, [steps], dtype), options, "linspace");
}

/** The `n` x `m` identity matrix (`m` defaults to `n`). */
export function eye(n: number, m: number = n, options?: CreationOptions): Tensor {
  const s = checkShape([n, m], "eye");
  const dtype = dtypeOption(options, getDefaultDtype(), "eye");
  const data = allocate(dtype, s[0]! * s[1]!);
  for (let i = 0; i < Math.min(s[0]!, s[1]!); i++) data[i * s[1]! + i] = 1;
  return finish(Tensor.fromData(data, s, dtype), options, "eye");
}

function randomFill(shape: Shape, options: RandomOptions | undefined, where: string, draw: (g: Generator, dtype: DType) => number, fallback?: DType): Tensor {
  const s = checkShape(shape, where);
  const dtype = dtypeOption(options, fallback ?? getDefaultDtype(), where, RANDOM_KEYS);
  const generator = options?.generator ?? defaultGenerator;
  if (!(generator instanceof Generator)) throw new TypeError(`${where}: generator must be a Generator, got ${describe(generator)}`);
  const data = allocate(dtype, numelOf(s));
  for (let i = 0; i < data.length; i++) data[i] = draw(generator, dtype);
  return finish(Tensor.fromData(data, s, dtype), options, where);
}

function floatOnly(dtype: DType, where: string): void {
  if (!isFloatingDtype(dtype)) throw new TypeError(`${where}: dtype must be float32 or float64, got ${dtype}`);
}

/** Uniform samples in [0, 1) from the seeded generator (see {@link manualSeed}). */
export function rand(shape: Shape, options?: RandomOptions): Tensor {
  return randomFill(shape, options, "rand", (g, dtype) => {
    floatOnly(dtype, "rand");
    return dtype === "float32" ? g.nextFloat32() : g.nextFloat64();
  });
}

/** Standard normal samples from the seeded generator. */
export function randn(shape: Shape, options?: RandomOptions): Tensor {
  return randomFill(shape, options, "randn", (g, dtype) => {
    floatOnly(dtype, "randn");
    return g.nextNormal();
  });
}

/** Uniform integers in [low, high) (int32 unless another dtype is given). */
export function randint(low: number, high: number, shape: Shape, options?: RandomOptions): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high)) throw new TypeError(`randint: low and high must be integers, got ${describe(low)} and ${describe(high)}`);
  if (high <= low) throw new RangeError(`randint: high (${high}) must be greater than low (${low})`);
  return randomFill(shape, options, "randint", (g) => g.nextInt(low, high), "int32");
}

/** {@link rand} with the shape (and, unless given, the dtype) of `t`. */
export function randLike(t: Tensor, options?: RandomOptions): Tensor {
  return rand(t.shape, { ...options, ...likeOptions(t, options, "randLike", RANDOM_KEYS) });
}

/** {@link randn} with the shape (and, unless given, the dtype) of `t`. */
export function randnLike(t: Tensor, options?: RandomOptions): Tensor {
  return randn(t.shape, { ...options, ...likeOptions(t, options, "randnLike", RANDOM_KEYS) });
}

/** {@link randint} with the shape (and, unless given, the dtype) of `t`. */
export function randintLike(t: Tensor, low: number, high: number, options?: RandomOptions): Tensor {
  return randint(low, high, t.shape, { ...options, ...likeOptions(t, options, "randintLike", RANDOM_KEYS) });
}

/**
 * A random permutation of the integers 0..n-1 (`torch.randperm`), int32 unless another dtype is
 * given. Fisher–Yates shuffle driven by the generator: for i = n-1 down to 1, swap element i with a
 * uniform j in [0, i]. The same seed gives the same permutation on every platform (not PyTorch's).
 * @param n - the number of elements, a non-negative integer below 2^31
 * @param options - `generator` (default: the seeded default generator), `dtype` (int32, float32 or
 *   float64), `requiresGrad` (floating dtypes only)
 * @returns a 1-D tensor of length `n`
 * @throws RangeError when `n` is not a non-negative integer below 2^31; TypeError for a bool dtype.
 * @example randperm(5, { generator: new Generator(7) }).tolist(); // e.g. [3, 0, 4, 1, 2]
 */
export function randperm(n: number, options?: RandomOptions): Tensor {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
    throw new RangeError(`randperm: n must be a non-negative integer below 2^31, got ${describe(n)}`);
  }
  checkNumel(n, "randperm", `n = ${n}`);
  const dtype = dtypeOption(options, "int32", "randperm", RANDOM_KEYS);
  if (dtype === "bool") throw new TypeError("randperm: dtype must be int32, float32 or float64, got bool");
  if (dtype === "float32" && n > 16777217) throw new RangeError(`randperm: n=${n} is too large for float32 (integers above 2^24 are not all representable)`);
  const generator = options?.generator ?? defaultGenerator;
  if (!(generator instanceof Generator)) throw new TypeError(`randperm: generator must be a Generator, got ${describe(generator)}`);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = generator.nextInt(0, i + 1);
    const tmp = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = tmp;
  }
  const data = dtype === "int32" ? perm : allocate(dtype, n);
  if (data !== perm) data.set(perm);
  return finish(Tensor.fromData(data, [n], dtype), options, "randperm");
}
