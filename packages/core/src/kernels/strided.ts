/**
 * Strided iteration: the positions in a storage of the elements of a strided view, in row-major
 * order. Kernels use it as the general (non-contiguous, broadcast) path.
 * @module
 */
import type { TypedArray } from "../dtype.js";

/** A strided view of a flat buffer: what kernels see of a tensor. */
export interface Strided {
  readonly data: TypedArray;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

/** The element count of `v` when its elements are consecutive in row-major order from `offset`, else -1. */
function rowMajorCount(v: Strided): number {
  let expected = 1;
  for (let i = v.shape.length - 1; i >= 0; i--) {
    const d = v.shape[i]!;
    if (d !== 1 && v.strides[i] !== expected) return -1;
    expected *= d;
  }
  return expected;
}

/** Whether `v` covers its buffer in row-major order from the start, so `data[i]` is element i. */
export function isDense(v: Strided): boolean {
  return v.offset === 0 && rowMajorCount(v) === v.data.length;
}

/**
 * Storage positions of the elements of `v` broadcast to `outShape` (trailing-aligned; size-1 or
 * missing dims repeat), in row-major order of `outShape`.
 */
export function broadcastPositions(v: Strided, outShape: readonly number[]): Int32Array {
  const nd = outShape.length;
  const lead = nd - v.shape.length;
  const strides = new Array<number>(nd);
  for (let i = 0; i < nd; i++) {
    const j = i - lead;
    strides[i] = j < 0 || v.shape[j] === 1 ? 0 : v.strides[j]!;
  }
  let n = 1;
  for (const d of outShape) n *= d;
  const out = new Int32Array(n);
  if (n === 0) return out;
  if (nd === 0) {
    out[0] = v.offset;
    return out;
  }
  const inner = outShape[nd - 1]!;
  const innerStride = strides[nd - 1]!;
  const counter = new Array<number>(nd).fill(0);
  let base = v.offset;
  for (let k = 0; k < n; k += inner) {
    for (let i = 0, p = base; i < inner; i++, p += innerStride) out[k + i] = p;
    // Advance the multi-index over all dims but the last.
    for (let d = nd - 2; d >= 0; d--) {
      counter[d]++;
      base += strides[d]!;
      if (counter[d]! < outShape[d]!) break;
      base -= strides[d]! * outShape[d]!;
      counter[d] = 0;
    }
  }
  return out;
}

/**
 * How the elements of a contiguous view broadcast to a shape can be read without a position table:
 * output element i is `data[offset + (floor(i / repeat) mod period)]`. Covers same-shape dense
 * views (repeat 1, period n), scalars (period 1), rows broadcast over leading dims (`[N]` to
 * `[B, N]`: repeat 1, period N) and columns over trailing dims (`[B, 1]` to `[B, C]`: repeat C,
 * period B).
 */
export interface BroadcastPattern {
  offset: number;
  period: number;
  repeat: number;
}

/**
 * The {@link BroadcastPattern} of `v` broadcast to `outShape`, or null when `v` is not contiguous
 * or its non-broadcast dims do not form one contiguous band of `outShape`.
 */
export function broadcastPattern(v: Strided, outShape: readonly number[]): BroadcastPattern | null {
  const nd = outShape.length;
  const lead = nd - v.shape.length;
  let expected = 1;
  for (let i = v.shape.length - 1; i >= 0; i--) {
    const d = v.shape[i]!;
    if (d !== 1 && v.strides[i] !== expected) return null;
    expected *= d;
  }
  // Walk from the last dim: trailing broadcast dims (repeat), then the band (period), then only broadcast dims.
  let repeat = 1;
  let period = 1;
  let state = 0; // 0: before the band, 1: in the band, 2: after it
  for (let i = nd - 1; i >= 0; i--) {
    const out = outShape[i]!;
    if (out === 1) continue;
    const j = i - lead;
    const own = j < 0 ? 1 : v.shape[j]!;
    if (own === 1) {
      if (state === 0) repeat *= out;
      else state = 2;
    } else {
      if (state === 2) return null;
      state = 1;
      period *= out;
    }
  }
  return { offset: v.offset, period, repeat };
}

/** Copy the elements of the strided view `v` into `out` in row-major order, without a position table. */
export function gatherStrided(v: Strided, out: TypedArray): void {
  const data = v.data;
  const nd = v.shape.length;
  const n = out.length;
  if (n === 0) return;
  if (nd === 0) {
    out[0] = data[v.offset]!;
    return;
  }
  // Consecutive elements: one native copy (TypedArray.set converts like an element assignment).
  if (rowMajorCount(v) === n) {
    out.set(data.subarray(v.offset, v.offset + n));
    return;
  }
  const shape = v.shape;
  const strides = v.strides;
  const inner = shape[nd - 1]!;
  const step = strides[nd - 1]!;
  const counter = new Array<number>(nd).fill(0);
  // Long contiguous rows are copied natively too; short or strided ones element by element.
  const rowCopy = step === 1 && inner >= 32;
  let base = v.offset;
  for (let k = 0; k < n; k += inner) {
    if (rowCopy) out.set(data.subarray(base, base + inner), k);
    else for (let i = 0, p = base; i < inner; i++, p += step) out[k + i] = data[p]!;
    for (let d = nd - 2; d >= 0; d--) {
      counter[d]++;
      base += strides[d]!;
      if (counter[d]! < shape[d]!) break;
      base -= strides[d]! * shape[d]!;
      counter[d] = 0;
    }
  }
}
