/**
 * defaultCollate: merge a list of samples into one batch, like PyTorch's `default_collate`.
 * @module
 */
import { Tensor, type TypedArray, describe, formatShape, getDefaultDtype, stack, tensor } from "@tapegrad/core";

/** Typed arrays a sample may hold; {@link defaultCollate} stacks them like tensors. */
export type NumericArray = Float32Array | Float64Array | Int32Array | Uint8Array | Int8Array | Int16Array | Uint16Array | Uint32Array;

/**
 * The type {@link defaultCollate} makes of a batch of samples of type `T`: tensors, numbers,
 * booleans and typed arrays become one Tensor; strings a string[]; arrays and plain objects keep
 * their structure with each position or key collated.
 * @typeParam T - the type of one sample
 */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | boolean | NumericArray
    ? Tensor
    : T extends string
      ? string[]
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: Collated<T[K]> }
        : T extends object
          ? { -readonly [K in keyof T]: Collated<T[K]> }
          : never;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function isNumericArray(x: unknown): x is NumericArray {
  return ArrayBuffer.isView(x) && !(x instanceof DataView) && !(x instanceof BigInt64Array) && !(x instanceof BigUint64Array);
}

/** The kind of one element, as the collate rules see it. */
function kindOf(x: unknown): string {
  if (x instanceof Tensor) return "a Tensor";
  if (typeof x === "number") return "a number";
  if (typeof x === "boolean") return "a boolean";
  if (typeof x === "string") return "a string";
  if (isNumericArray(x)) return `a ${x.constructor.name}`;
  if (Array.isArray(x)) return "an array";
  if (isPlainObject(x)) return "an object";
  return describe(x);
}

function at(path: string): string {
  return path === "" ? "" : ` at ${path}`;
}

/**
 * `stack(tensors, 0)`. When no tensor needs a gradient and all share a dtype, the values are copied
 * straight into one buffer: the same result as `stack` (its cat-of-unsqueezed-views path is several
 * times slower on the batches of small rows a DataLoader makes).
 */
function stackTensors(tensors: readonly Tensor[]): Tensor {
  const first = tensors[0]!;
  if (tensors.some((t) => t.requiresGrad || t.dtype !== first.dtype)) return stack(tensors, 0);
  const n = first.numel();
  const Ctor = first.storage.data.constructor as new (length: number) => TypedArray;
  const out = new Ctor(n * tensors.length);
  tensors.forEach((t, i) => {
    // A contiguous view (a TensorDataset row) is one block of its storage: copy it directly.
    out.set(t.isContiguous() ? t.storage.data.subarray(t.offset, t.offset + n) : t.dataSync(), i * n);
  });
  return Tensor.fromData(out, [tensors.length, ...first.shape], first.dtype);
}

function collate(batch: readonly unknown[], path: string): unknown {
  const first = batch[0];
  const kind = kindOf(first);
  batch.forEach((x, i) => {
    const k = kindOf(x);
    if (k !== kind) throw new TypeError(`defaultCollate: sample ${i} has ${k}${at(path)} where sample 0 has ${kind}`);
  });
  if (first instanceof Tensor) {
    const tensors = batch as readonly Tensor[];
    tensors.forEach((t, i) => {
      if (t.shape.length !== first.shape.length || t.shape.some((s, d) => s !== first.shape[d])) {
        throw new RangeError(`defaultCollate: tensors of different shapes cannot be stacked: sample 0 has ${formatShape(first.shape)}${at(path)}, sample ${i} has ${formatShape(t.shape)}`);
      }
    });
    return stackTensors(tensors);
  }
  if (typeof first === "number") {
    const values = batch as readonly number[];
    const allInt = values.every((v) => Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX);
    return tensor(values as number[], { dtype: allInt ? "int32" : getDefaultDtype() });
  }
  if (typeof first === "boolean") return tensor(batch as boolean[]);
  if (typeof first === "string") return batch.slice();
  if (isNumericArray(first)) {
    return collate(batch.map((a, i) => {
      const arr = a as NumericArray;
      if (arr.length !== first.length) {
        throw new RangeError(`defaultCollate: typed arrays of different lengths cannot be stacked: sample 0 has ${first.length}${at(path)}, sample ${i} has ${arr.length}`);
      }
      return tensor(arr as Float32Array);
    }), path);
  }
  if (Array.isArray(first)) {
    batch.forEach((x, i) => {
      if ((x as unknown[]).length !== first.length) {
        throw new RangeError(`defaultCollate: each array in the batch should be of equal size: sample 0 has length ${first.length}${at(path)}, sample ${i} has length ${(x as unknown[]).length}`);
      }
    });
    return first.map((_, k) => collate(batch.map((x) => (x as unknown[])[k]), `${path}[${k}]`));
  }
  if (isPlainObject(first)) {
    const keys = Object.keys(first);
    batch.forEach((x, i) => {
      const other = Object.keys(x as object);
      const missing = keys.find((k) => !Object.prototype.hasOwnProperty.call(x, k));
      if (missing !== undefined || other.length !== keys.length) {
        const extra = other.find((k) => !keys.includes(k));
        throw new TypeError(
          `defaultCollate: sample ${i}${at(path)} ${missing !== undefined ? `lacks key "${missing}"` : `has the extra key "${extra}"`} (sample 0 has keys ${JSON.stringify(keys)})`,
        );
      }
    });
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = collate(batch.map((x) => (x as Record<string, unknown>)[k]), `${path}.${k}`);
    return out;
  }
  throw new TypeError(
    `defaultCollate: a batch must contain tensors, numbers, booleans, strings, typed arrays, arrays or plain objects; found ${kind}${at(path)}`,
  );
}

/**
 * Merge samples into a batch the way PyTorch's `default_collate` does, recursively:
 * - Tensors (all the same shape) are stacked along a new first dimension: [B, ...shape].
 * - Numbers become a 1-D tensor of length B: int32 when every value is an integer in int32 range
 *   (PyTorch makes int64 from Python ints; JavaScript cannot tell `3` from `3.0`, so the values
 *   decide), else the default float dtype (float32; PyTorch uses float64 for Python floats).
 *   A batch of regression targets that happen to be whole numbers therefore comes out int32: return
 *   them as tensors (or pass a `collate`) to fix the dtype.
 * - Booleans become a bool tensor; typed arrays (same length) a [B, length] tensor of their dtype
 *   (Float64Array float64, Int32Array int32, the others the default float dtype, as `tensor()` does).
 * - Strings are kept as a string[] of length B.
 * - Arrays (all the same length) give an array whose element k collates element k of every sample;
 *   plain objects (all with the same keys) give an object whose key k collates key k of every sample.
 * @param batch - the samples, at least one
 * @returns the batch, of type {@link Collated}<T>
 * @throws TypeError for an empty batch, mismatched kinds or keys, or unsupported values (null,
 *   class instances); RangeError for tensors or arrays of different sizes. Messages name the sample
 *   and the path inside it (e.g. `.image[1]`).
 * @example
 * defaultCollate([{ x: tensor([1, 2]), y: 0 }, { x: tensor([3, 4]), y: 1 }]);
 * // { x: Tensor [2, 2] float32, y: Tensor [2] int32 }
 */
export function defaultCollate<T>(batch: readonly T[]): Collated<T> {
  if (!Array.isArray(batch)) throw new TypeError(`defaultCollate: batch must be an array of samples, got ${describe(batch)}`);
  if (batch.length === 0) throw new TypeError("defaultCollate: the batch is empty");
  return collate(batch, "") as Collated<T>;
}
