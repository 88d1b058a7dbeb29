/**
 * Max/min reduction over the last axis of an [outer, inner] row-major block.
 * @module
 */
import type { TypedArray } from "../dtype.js";

/**
 * `out[o]` = the largest (or smallest, when `!greater`) value of row o, and `indices[o]` (if given)
 * its position in the row. Ties keep the first occurrence; a NaN wins over every number (the first
 * NaN of the row is reported), as in PyTorch. The caller rejects empty rows (max has no identity);
 * an `inner` of 0 leaves `out` untouched.
 */
export function extremumLastAxis(data: TypedArray, outer: number, inner: number, greater: boolean, out: TypedArray, indices: Int32Array | null): void {
  if (inner === 0) return;
  for (let o = 0; o < outer; o++) {
    const start = o * inner;
    let best = data[start]!;
    let at = 0;
    if (best === best) {
      for (let i = 1; i < inner; i++) {
        const v = data[start + i]!;
        if (v !== v) {
          best = v;
          at = i;
          break;
        }
        if (greater ? v > best : v < best) {
          best = v;
          at = i;
        }
      }
    }
    out[o] = best;
    if (indices !== null) indices[o] = at;
  }
}
