/**
 * Reduction kernels over the last axis of an [outer, inner] row-major block.
 * @module
 */
import type { TypedArray } from "../dtype.js";

const BLOCK = 128;

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
  const half = Math.floor(n / 2 / BLOCK) * BLOCK || Math.floor(n / 2);
  return pairwiseSum(data, start, half) + pairwiseSum(data, start + half, n - half);
}

/** out[o] = sum of row o of the [outer, inner] block `data`. */
export function sumLastAxis(data: TypedArray, outer: number, inner: number, out: TypedArray): void {
  for (let o = 0; o < outer; o++) out[o] = pairwiseSum(data, o * inner, inner);
}
