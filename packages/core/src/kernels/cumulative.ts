/**
 * The running-sum kernel behind `cumsum`: contiguous `[outer, size, inner]` input, sums along the
 * middle axis, forwards or backwards.
 * @module
 */
import type { TypedArray } from "../dtype.js";

/**
 * `out[o, i, n] = sum_{j <= i} x[o, j, n]` (or `j >= i` when `reverse`). The running sum is kept in a
 * double and rounded into `out` at each step, as PyTorch's CPU kernel accumulates float32 in double.
 */
export function cumsumKernel(x: TypedArray, outer: number, size: number, inner: number, reverse: boolean, out: TypedArray): void {
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    for (let n = 0; n < inner; n++) {
      let acc = 0;
      for (let k = 0; k < size; k++) {
        const i = reverse ? size - 1 - k : k;
        const p = base + i * inner + n;
        acc += x[p]!;
        out[p] = acc;
      }
    }
  }
}
