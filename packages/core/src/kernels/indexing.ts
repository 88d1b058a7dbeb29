/**
 * Indexing kernels: gather/scatter-add along a dim with an index tensor, and row selection /
 * accumulation (`indexSelect` / `indexAdd`) on contiguous [outer, size, inner] blocks.
 * Index values are assumed in range; the op layer checks them first.
 * @module
 */
import type { TypedArray } from "../dtype.js";

/**
 * `out[i] = src[base[i] + index[i] * dimStride]`, where `base[i]` is the storage position of
 * element i of the index tensor's shape with the indexed dim at 0.
 */
export function gatherKernel(src: TypedArray, base: Int32Array, index: TypedArray, dimStride: number, out: TypedArray): void {
  for (let i = 0; i < out.length; i++) out[i] = src[base[i]! + index[i]! * dimStride]!;
}

/** `out[base[i] + index[i] * dimStride] += src[srcPos[i]]` for every element i of the index tensor. */
export function scatterAddKernel(
  out: TypedArray,
  base: Int32Array,
  index: TypedArray,
  dimStride: number,
  src: TypedArray,
  srcPos: Int32Array,
): void {
  for (let i = 0; i < index.length; i++) out[base[i]! + index[i]! * dimStride] += src[srcPos[i]!]!;
}

/** Copy whole rows: `out[o, i, :] = x[o, index[i], :]` for x of shape [outer, size, inner]. */
export function indexSelectKernel(x: TypedArray, outer: number, size: number, inner: number, index: TypedArray, out: TypedArray): void {
  const L = index.length;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < L; i++) {
      const from = (o * size + index[i]!) * inner;
      const to = (o * L + i) * inner;
      if (inner >= 16) out.set(x.subarray(from, from + inner), to);
      else for (let k = 0; k < inner; k++) out[to + k] = x[from + k]!;
    }
  }
}

/** Accumulate rows: `out[o, index[i], :] += alpha * src[o, i, :]` for out of shape [outer, size, inner]. */
export function indexAddKernel(
  out: TypedArray,
  outer: number,
  size: number,
  inner: number,
  index: TypedArray,
  src: TypedArray,
  alpha: number,
): void {
  const L = index.length;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < L; i++) {
      const to = (o * size + index[i]!) * inner;
      const from = (o * L + i) * inner;
      if (alpha === 1) for (let k = 0; k < inner; k++) out[to + k] += src[from + k]!;
      else for (let k = 0; k < inner; k++) out[to + k] += alpha * src[from + k]!;
    }
  }
}

/** Copy each input's rows into the concatenation along the middle axis of [outer, total, inner]. */
export function catKernel(parts: ReadonlyArray<{ data: TypedArray; size: number }>, outer: number, inner: number, out: TypedArray): void {
  let total = 0;
  for (const p of parts) total += p.size;
  let offset = 0;
  for (const { data, size } of parts) {
    const chunk = size * inner;
    if (chunk > 0) {
      for (let o = 0; o < outer; o++) out.set(data.subarray(o * chunk, (o + 1) * chunk), (o * total + offset) * inner);
    }
    offset += size;
  }
}
