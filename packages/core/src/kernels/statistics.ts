/**
 * Row statistics over the last axis of an [outer, inner] row-major block, computed in double
 * precision and rounded once when stored: variance, log-sum-exp and vector norms.
 * @module
 */
import type { TypedArray } from "../dtype.js";
import { pairwiseSum } from "./reduce.js";

/**
 * `out[o]` = sum((x - mean)^2) / divisor over row o (two passes: the mean, then the squared
 * deviations, both summed pairwise). An empty row gives NaN.
 */
export function varianceLastAxis(data: TypedArray, outer: number, inner: number, divisor: number, out: TypedArray): void {
  const dev = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const start = o * inner;
    const mean = pairwiseSum(data, start, inner) / inner;
    for (let i = 0; i < inner; i++) {
      const d = data[start + i]! - mean;
      dev[i] = d * d;
    }
    out[o] = pairwiseSum(dev, 0, inner) / divisor;
  }
}

/**
 * `out[o]` = log(sum(exp(x))) over row o, evaluated as `m + log(sum(exp(x - m)))` with m the row
 * maximum (taken as 0 when it is infinite, as PyTorch does, so rows of -inf give -inf and rows
 * containing +inf give +inf). An empty row gives -inf.
 */
export function logsumexpLastAxis(data: TypedArray, outer: number, inner: number, out: TypedArray): void {
  const e = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const start = o * inner;
    let m = -Infinity;
    for (let i = 0; i < inner; i++) {
      const v = data[start + i]!;
      if (v > m || v !== v) m = v;
      if (m !== m) break;
    }
    if (m === Infinity || m === -Infinity) m = 0;
    for (let i = 0; i < inner; i++) e[i] = Math.exp(data[start + i]! - m);
    out[o] = m + Math.log(pairwiseSum(e, 0, inner));
  }
}

/**
 * `out[o]` = the p-norm of row o: `(sum |x|^p)^(1/p)`; p = 0 counts non-zeros, p = Infinity takes
 * the largest |x| (NaN propagates). An empty row gives 0 (the caller rejects p = Infinity there).
 */
export function normLastAxis(data: TypedArray, outer: number, inner: number, p: number, out: TypedArray): void {
  const terms = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const start = o * inner;
    if (p === Infinity) {
      let m = 0;
      for (let i = 0; i < inner; i++) {
        const a = Math.abs(data[start + i]!);
        if (a > m || a !== a) m = a;
        if (m !== m) break;
      }
      out[o] = m;
      continue;
    }
    for (let i = 0; i < inner; i++) {
      const a = Math.abs(data[start + i]!);
      terms[i] = p === 0 ? (a !== 0 ? 1 : 0) : p === 1 ? a : p === 2 ? a * a : Math.pow(a, p);
    }
    const s = pairwiseSum(terms, 0, inner);
    out[o] = p === 0 || p === 1 ? s : p === 2 ? Math.sqrt(s) : Math.pow(s, 1 / p);
  }
}
