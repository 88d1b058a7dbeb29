/**
 * Sum kernels: over the last axis of an [outer, inner] row-major block, and over the middle axis
 * of an [outer, size, inner] block read in place (no transposed copy), both with the same
 * pairwise summation, so a sum's bits do not depend on which kernel computed it.
 * @module
 */
import type { TypedArray } from "../dtype.js";
import { BLOCK, splitPoint } from "./pairwise-order.js";
import type { FloatBuffer } from "./wasm/placer.js";
import { sumMiddleAxisWasm } from "./wasm/reduce-runtime.js";

/** Columns summed together by {@link sumMiddleAxis}: their float64 accumulators stay in L1. */
const COLUMNS = 512;

/**
 * Sum of `data[start .. start + n)`: a plain loop on blocks of 128 elements combined pairwise, so
 * the rounding error grows like O(log n) rather than O(n) (the scheme NumPy and PyTorch use).
 */
export function pairwiseSum(data: ArrayLike<number>, start: number, n: number): number {
  if (n <= BLOCK) {
    let s = 0;
    for (let i = start, end = start + n; i < end; i++) s += data[i]!;
    return s;
  }
  const half = splitPoint(n);
  return pairwiseSum(data, start, half) + pairwiseSum(data, start + half, n - half);
}

/** out[o] = sum of row o of the [outer, inner] block `data`. */
export function sumLastAxis(data: TypedArray, outer: number, inner: number, out: TypedArray): void {
  for (let o = 0; o < outer; o++) out[o] = pairwiseSum(data, o * inner, inner);
}

/**
 * `acc[j] = sum over rows r < n of data[start + r * stride + j]` for the `width` columns j, each
 * column summed in exactly the order {@link pairwiseSum} sums a row (same blocks, same splits, in
 * float64), so the results are bit-identical to summing a transposed copy. `scratch` holds one
 * float64 row per recursion level below this one.
 */
function pairwiseColumns(data: TypedArray, start: number, n: number, stride: number, width: number, acc: Float64Array, scratch: Float64Array[], level: number): void {
  if (n <= BLOCK) {
    // Four columns at a time in registers: four independent chains of additions hide the adds'
    // latency, and each chain adds its column's values in row order, as pairwiseSum does.
    let j = 0;
    for (; j + 4 <= width; j += 4) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let r = 0, p = start + j; r < n; r++, p += stride) {
        s0 += data[p]!;
        s1 += data[p + 1]!;
        s2 += data[p + 2]!;
        s3 += data[p + 3]!;
      }
      acc[j] = s0;
      acc[j + 1] = s1;
      acc[j + 2] = s2;
      acc[j + 3] = s3;
    }
    for (; j < width; j++) {
      let s = 0;
      for (let r = 0, p = start + j; r < n; r++, p += stride) s += data[p]!;
      acc[j] = s;
    }
    return;
  }
  const half = splitPoint(n);
  const right = (scratch[level] ??= new Float64Array(COLUMNS));
  pairwiseColumns(data, start, half, stride, width, acc, scratch, level + 1);
  pairwiseColumns(data, start + half * stride, n - half, stride, width, right, scratch, level + 1);
  for (let j = 0; j < width; j++) acc[j]! += right[j]!;
}

/**
 * out[o * inner + i] = sum over k < size of data[offset + (o * size + k) * inner + i]: the middle
 * axis of a contiguous [outer, size, inner] block summed in place, as the bias gradient's sum over
 * the batch dim of a [B, N] gradient is (no transposed copy). Same bits as {@link sumLastAxis} on
 * the transposed block. Float blocks with several columns go to the WebAssembly SIMD kernel (the
 * same sums in the same order) when it is available.
 */
export function sumMiddleAxis(data: TypedArray, offset: number, outer: number, size: number, inner: number, out: TypedArray): void {
  if (inner > 1 && (data instanceof Float32Array || data instanceof Float64Array)) {
    if (sumMiddleAxisWasm(data, offset, outer, size, inner, out as FloatBuffer)) return;
  }
  if (inner === 1) {
    for (let o = 0; o < outer; o++) out[o] = pairwiseSum(data, offset + o * size, size);
    return;
  }
  const acc = new Float64Array(Math.min(COLUMNS, inner));
  const scratch: Float64Array[] = [];
  for (let o = 0; o < outer; o++) {
    for (let j0 = 0; j0 < inner; j0 += COLUMNS) {
      const width = Math.min(COLUMNS, inner - j0);
      pairwiseColumns(data, offset + o * size * inner + j0, size, inner, width, acc, scratch, 0);
      const base = o * inner + j0;
      for (let j = 0; j < width; j++) out[base + j] = acc[j]!;
    }
  }
}
