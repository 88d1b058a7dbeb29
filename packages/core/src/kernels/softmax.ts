/**
 * Softmax and log-softmax along one axis of a contiguous row-major block seen as
 * [outer, size, inner] (the reduced axis in the middle, so no transpose is needed).
 * @module
 */
import type { TypedArray } from "../dtype.js";
import type { FloatBuffer } from "./wasm/placer.js";
import { softmaxRowsWasm } from "./wasm/softmax-runtime.js";

/**
 * The maximum of the `size` values `x[start], x[start + stride], ...`; NaN if any is NaN (so a
 * slice containing NaN gives NaN everywhere, as in PyTorch).
 */
export function sliceMax(x: TypedArray, start: number, size: number, stride: number): number {
  let max = -Infinity;
  for (let k = 0, p = start; k < size; k++, p += stride) {
    const v = x[p]!;
    if (v > max || v !== v) max = v;
    if (max !== max) break;
  }
  return max;
}

/** `e[k] = exp(x[start + k * stride] - max)` in double precision; returns their sum. */
export function sliceExpSum(x: TypedArray, start: number, size: number, stride: number, max: number, e: Float64Array): number {
  let sum = 0;
  for (let k = 0, p = start; k < size; k++, p += stride) {
    const v = Math.exp(x[p]! - max);
    e[k] = v;
    sum += v;
  }
  return sum;
}

/**
 * Softmax (or log-softmax when `log`) of `x` along the middle axis, into `out`. Numerically stable:
 * the maximum of each slice is subtracted before exponentiating, and everything is computed in
 * double precision and rounded once when stored. Rows (`inner` 1) of float logits go through the
 * WebAssembly kernel when it is available (the same bits).
 */
export function softmaxKernel(x: TypedArray, out: TypedArray, outer: number, size: number, inner: number, log: boolean): void {
  if (inner === 1 && (x instanceof Float32Array || x instanceof Float64Array) && out.constructor === x.constructor) {
    const stats = new Float64Array(2 * outer);
    if (softmaxRowsWasm(x, 0, outer, size, log ? null : (out as FloatBuffer), stats)) {
      if (log) {
        for (let o = 0; o < outer; o++) {
          const max = stats[2 * o]!;
          const logSum = Math.log(stats[2 * o + 1]!);
          for (let p = o * size, end = p + size; p < end; p++) out[p] = x[p]! - max - logSum;
        }
      }
      return;
    }
  }
  const e = new Float64Array(size);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const start = o * size * inner + i;
      const max = sliceMax(x, start, size, inner);
      const sum = sliceExpSum(x, start, size, inner, max, e);
      if (log) {
        const logSum = Math.log(sum);
        for (let k = 0, p = start; k < size; k++, p += inner) out[p] = x[p]! - max - logSum;
      } else {
        for (let k = 0, p = start; k < size; k++, p += inner) out[p] = e[k]! / sum;
      }
    }
  }
}
