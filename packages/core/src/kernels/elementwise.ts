/**
 * Elementwise kernels over strided, broadcast inputs. Values are computed in double precision and
 * rounded once when stored into the output array (float32, int32 or 0/1 for bool).
 * @module
 */
import type { TypedArray } from "../dtype.js";
import { type Strided, broadcastPattern, broadcastPositions, gatherStrided, isDense } from "./strided.js";

/** out[i] = f(x[i]) over the elements of `x` in row-major order. */
export function mapUnary(x: Strided, out: TypedArray, f: (v: number) => number): void {
  const n = out.length;
  if (isDense(x)) {
    const src = x.data;
    for (let i = 0; i < n; i++) out[i] = f(src[i]!);
  } else {
    // Gather first (no position table; float64 holds every dtype's values exactly), then map.
    const values = new Float64Array(n);
    gatherStrided(x, values);
    for (let i = 0; i < n; i++) out[i] = f(values[i]!);
  }
}

/**
 * out[i] = f(a[i], b[i]) with `a` and `b` broadcast to `outShape`. Contiguous operands (same shape,
 * scalars, rows or columns broadcast) are read through counters; only other layouts build
 * position tables.
 */
export function mapBinary(a: Strided, b: Strided, outShape: readonly number[], out: TypedArray, f: (x: number, y: number) => number): void {
  const n = out.length;
  const ad = a.data;
  const bd = b.data;
  if (ad.length === n && bd.length === n && isDense(a) && isDense(b)) {
    for (let i = 0; i < n; i++) out[i] = f(ad[i]!, bd[i]!);
    return;
  }
  const pa = broadcastPattern(a, outShape);
  const pb = broadcastPattern(b, outShape);
  if (pa !== null && pb !== null) {
    const aOff = pa.offset;
    const aPer = pa.period;
    const aRep = pa.repeat;
    const bOff = pb.offset;
    const bPer = pb.period;
    const bRep = pb.repeat;
    let ia = 0;
    let ra = 0;
    let ib = 0;
    let rb = 0;
    for (let i = 0; i < n; i++) {
      out[i] = f(ad[aOff + ia]!, bd[bOff + ib]!);
      if (++ra === aRep) {
        ra = 0;
        if (++ia === aPer) ia = 0;
      }
      if (++rb === bRep) {
        rb = 0;
        if (++ib === bPer) ib = 0;
      }
    }
    return;
  }
  const qa = broadcastPositions(a, outShape);
  const qb = broadcastPositions(b, outShape);
  for (let i = 0; i < n; i++) out[i] = f(ad[qa[i]!]!, bd[qb[i]!]!);
}

/** out[i] = f(a[i], b[i], c[i]) with all three broadcast to `outShape`. */
export function mapTernary(
  a: Strided,
  b: Strided,
  c: Strided,
  outShape: readonly number[],
  out: TypedArray,
  f: (x: number, y: number, z: number) => number,
): void {
  const n = out.length;
  const ad = a.data;
  const bd = b.data;
  const cd = c.data;
  const pa = broadcastPattern(a, outShape);
  const pb = broadcastPattern(b, outShape);
  const pc = broadcastPattern(c, outShape);
  if (pa !== null && pb !== null && pc !== null) {
    let ia = 0;
    let ra = 0;
    let ib = 0;
    let rb = 0;
    let ic = 0;
    let rc = 0;
    for (let i = 0; i < n; i++) {
      out[i] = f(ad[pa.offset + ia]!, bd[pb.offset + ib]!, cd[pc.offset + ic]!);
      if (++ra === pa.repeat) {
        ra = 0;
        if (++ia === pa.period) ia = 0;
      }
      if (++rb === pb.repeat) {
        rb = 0;
        if (++ib === pb.period) ib = 0;
      }
      if (++rc === pc.repeat) {
        rc = 0;
        if (++ic === pc.period) ic = 0;
      }
    }
    return;
  }
  const qa = broadcastPositions(a, outShape);
  const qb = broadcastPositions(b, outShape);
  const qc = broadcastPositions(c, outShape);
  for (let i = 0; i < n; i++) out[i] = f(ad[qa[i]!]!, bd[qb[i]!]!, cd[qc[i]!]!);
}

/** Write `values` (row-major) into the elements of the strided view `dst`. */
export function scatterInto(dst: Strided, values: TypedArray): void {
  const data = dst.data;
  if (isDense(dst)) {
    data.set(values);
    return;
  }
  const pos = broadcastPositions(dst, dst.shape);
  for (let i = 0; i < pos.length; i++) data[pos[i]!] = values[i]!;
}

/** Read the elements of the strided view `src` into a new row-major array made by `alloc`. */
export function gather(src: Strided, out: TypedArray): TypedArray {
  gatherStrided(src, out);
  return out;
}
