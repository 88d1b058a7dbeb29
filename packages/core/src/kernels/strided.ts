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

/** Whether `v` covers its buffer in row-major order from the start, so `data[i]` is element i. */
export function isDense(v: Strided): boolean {
  let expected = 1;
  let n = 1;
  for (let i = v.shape.length - 1; i >= 0; i--) {
    const d = v.shape[i]!;
    if (d !== 1 && v.strides[i] !== expected) return false;
    expected *= d;
    n *= d;
  }
  return v.offset === 0 && v.data.length === n;
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
