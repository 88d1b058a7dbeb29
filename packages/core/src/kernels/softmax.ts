/**
 * Softmax and log-softmax along one axis of a contiguous row-major block seen as
 * [outer, size, inner] (the reduced axis in the middle, so no transpose is needed).
 * @module
 */
import type { TypedArray } from "../dtype.js";

/**
 * Softmax (or log-softmax when `log`) of `x` along the middle axis, into `out`. Numerically stable:
 * the maximum of each slice is subtracted before exponentiating, and everything is computed in
 * double precision and rounded once when stored.
 */
export function softmaxKernel(x: TypedArray, out: TypedArray, outer: number, size: number, inner: number, log: boolean): void {
  const e = new Float64Array(size);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const start = o * size * inner + i;
      let max = -Infinity;
      for (let k = 0, p = start; k < size; k++, p += inner) {
        const v = x[p]!;
        // NaN wins, so a slice containing NaN gives NaN everywhere (as in PyTorch).
        if (v > max || v !== v) max = v;
        if (max !== max) break;
      }
      let sum = 0;
      for (let k = 0, p = start; k < size; k++, p += inner) {
        const v = Math.exp(x[p]! - max);
        e[k] = v;
        sum += v;
      }
      if (log) {
        const logSum = Math.log(sum);
        for (let k = 0, p = start; k < size; k++, p += inner) out[p] = x[p]! - max - logSum;
      } else {
        for (let k = 0, p = start; k < size; k++, p += inner) out[p] = e[k]! / sum;
      }
    }
  }
}
