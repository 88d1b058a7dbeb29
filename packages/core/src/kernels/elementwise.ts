/**
 * Elementwise kernels over strided, broadcast inputs. Values are computed in double precision and
 * rounded once when stored into the output array (float32, int32 or 0/1 for bool).
 * @module
 */
import type { TypedArray } from "../dtype.js";
import { type Strided, broadcastPositions, isDense } from "./strided.js";

/** out[i] = f(x[i]) over the elements of `x` in row-major order. */
export function mapUnary(x: Strided, out: TypedArray, f: (v: number) => number): void {
  const src = x.data;
  const n = out.length;
  if (isDense(x)) {
    for (let i = 0; i < n; i++) out[i] = f(src[i]!);
  } else {
    const pos = broadcastPositions(x, x.shape);
    for (let i = 0; i < n; i++) out[i] = f(src[pos[i]!]!);
  }
}

/** out[i] = f(a[i], b[i]) with `a` and `b` broadcast to `outShape`. */
export function mapBinary(a: Strided, b: Strided, outShape: readonly number[], out: TypedArray, f: (x: number, y: number) => number): void {
  const n = out.length;
  const ad = a.data;
  const bd = b.data;
  const aDense = a.data.length === n && isDense(a);
  const bDense = b.data.length === n && isDense(b);
  const aScalar = a.shape.every((d) => d === 1);
  const bScalar = b.shape.every((d) => d === 1);
  if (aDense && bDense) {
    for (let i = 0; i < n; i++) out[i] = f(ad[i]!, bd[i]!);
  } else if (aDense && bScalar) {
    const y = bd[b.offset]!;
    for (let i = 0; i < n; i++) out[i] = f(ad[i]!, y);
  } else if (aScalar && bDense) {
    const x = ad[a.offset]!;
    for (let i = 0; i < n; i++) out[i] = f(x, bd[i]!);
  } else {
    const pa = broadcastPositions(a, outShape);
    const pb = broadcastPositions(b, outShape);
    for (let i = 0; i < n; i++) out[i] = f(ad[pa[i]!]!, bd[pb[i]!]!);
  }
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
  const pa = broadcastPositions(a, outShape);
  const pb = broadcastPositions(b, outShape);
  const pc = broadcastPositions(c, outShape);
  const ad = a.data;
  const bd = b.data;
  const cd = c.data;
  for (let i = 0; i < out.length; i++) out[i] = f(ad[pa[i]!]!, bd[pb[i]!]!, cd[pc[i]!]!);
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
  const pos = broadcastPositions(src, src.shape);
  const data = src.data;
  for (let i = 0; i < pos.length; i++) out[i] = data[pos[i]!]!;
  return out;
}
