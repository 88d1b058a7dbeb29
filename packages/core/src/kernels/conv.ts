/**
 * 2-D convolution kernels on contiguous NCHW buffers: im2col into a column matrix, one matrix
 * product per group and batch chunk through {@link matmulKernel} (the WebAssembly GEMM for float32
 * and float64), col2im for the input gradient. Plain typed arrays in and out: no tensors, no tape.
 * @module
 */
import type { TypedArray } from "../dtype.js";
import { getKernelBackend } from "./backend.js";
import { matmulKernel } from "./matmul.js";
import { kernelScratchArray, releaseKernelScratchArray } from "./wasm/kernel-memory.js";

/**
 * Everything a convolution kernel needs to know of the shapes: input `[N, C, H, W]`, weight
 * `[OC, C / groups, KH, KW]`, output `[N, OC, OH, OW]`, strides, leading paddings (the trailing
 * padding is implied by OH and OW) and dilations.
 */
export interface ConvGeometry {
  N: number; C: number; H: number; W: number;
  OC: number; KH: number; KW: number;
  OH: number; OW: number;
  sH: number; sW: number;
  pH: number; pW: number;
  dH: number; dW: number;
  groups: number;
}

/** Column matrices are kept below about this many elements: larger batches are done in chunks. */
const COLS_BUDGET = 1 << 21;

/** Images per chunk so that one group's column matrix stays within the budget (at least 1). */
function chunkOf(geo: ConvGeometry): number {
  const rows = (geo.C / geo.groups) * geo.KH * geo.KW;
  return Math.max(1, Math.min(geo.N, Math.floor(COLS_BUDGET / Math.max(1, rows * geo.OH * geo.OW))));
}

/** The output positions `o` along one axis whose input position `o*s - p + k*d` lies in `[0, size)`: `[lo, hi)`. */
function validRange(k: number, size: number, s: number, p: number, d: number, outSize: number): [number, number] {
  const start = k * d - p;
  const lo = start >= 0 ? 0 : Math.ceil(-start / s);
  const hi = size - start <= 0 ? 0 : Math.ceil((size - start) / s);
  return [Math.min(lo, outSize), Math.min(Math.max(hi, 0), outSize)];
}

/**
 * Unfold images `n0 .. n0+nb` and channels `c0 .. c0+cg` of `x` (contiguous NCHW from `xOff`) into
 * `cols`: row `(c, kh, kw)`, column `(n, oh, ow)`, zero where the window reads padding.
 */
export function im2col(x: TypedArray, xOff: number, geo: ConvGeometry, n0: number, nb: number, c0: number, cg: number, cols: TypedArray): void {
  unfold(x, xOff, geo, n0, nb, c0, cg, cols, false);
}

/** The adjoint of {@link im2col}: add every column entry back onto the input position it was read from (`dx` contiguous NCHW). */
export function col2imAdd(cols: TypedArray, geo: ConvGeometry, n0: number, nb: number, c0: number, cg: number, dx: TypedArray): void {
  unfold(dx, 0, geo, n0, nb, c0, cg, cols, true);
}

/** im2col (`back` false: copy `x` into `cols`, zeros for padding) or col2im (`back`: add `cols` onto `x`), one walk for both. */
function unfold(x: TypedArray, xOff: number, geo: ConvGeometry, n0: number, nb: number, c0: number, cg: number, cols: TypedArray, back: boolean): void {
  const { C, H, W, KH, KW, OH, OW, sH, sW, pH, pW, dH, dW } = geo;
  const P = OH * OW;
  const width = nb * P;
  for (let c = 0; c < cg; c++) {
    for (let kh = 0; kh < KH; kh++) {
      const [hLo, hHi] = validRange(kh, H, sH, pH, dH, OH);
      for (let kw = 0; kw < KW; kw++) {
        const [wLo, wHi] = validRange(kw, W, sW, pW, dW, OW);
        const row = ((c * KH + kh) * KW + kw) * width;
        const iwStart = kw * dW - pW;
        // Rows of the window as long as the input's (stride 1, "same" width): its valid part is one
        // run of the input, copied at once; the padding columns are zeroed after it.
        const flat = !back && sH === 1 && sW === 1 && OW === W && hLo < hHi && wLo < wHi;
        for (let n = 0; n < nb; n++) {
          const plane = xOff + ((n0 + n) * C + c0 + c) * H * W;
          const dst0 = row + n * P;
          if (!back && hLo > 0) cols.fill(0, dst0, dst0 + hLo * OW);
          if (!back && hHi < OH) cols.fill(0, dst0 + hHi * OW, dst0 + P);
          if (flat) {
            const start = plane + (hLo - pH + kh * dH) * W + iwStart + wLo;
            cols.set(x.subarray(start, start + (hHi - hLo - 1) * W + wHi - wLo), dst0 + hLo * OW + wLo);
            for (let dst = dst0 + hLo * OW, end = dst0 + hHi * OW; dst < end; dst += OW) {
              for (let ow = 0; ow < wLo; ow++) cols[dst + ow] = 0;
              for (let ow = wHi; ow < OW; ow++) cols[dst + ow] = 0;
            }
            continue;
          }
          for (let oh = hLo; oh < hHi; oh++) {
            const src = plane + (oh * sH - pH + kh * dH) * W + iwStart;
            const dst = dst0 + oh * OW;
            if (back) {
              for (let ow = wLo; ow < wHi; ow++) x[src + ow * sW]! += cols[dst + ow]!;
              continue;
            }
            for (let ow = 0; ow < wLo; ow++) cols[dst + ow] = 0;
            for (let ow = wHi; ow < OW; ow++) cols[dst + ow] = 0;
            // A subarray per row costs an allocation: only long rows are copied with set().
            if (sW === 1 && wHi - wLo >= 64) cols.set(x.subarray(src + wLo, src + wHi), dst + wLo);
            else for (let ow = wLo; ow < wHi; ow++) cols[dst + ow] = x[src + ow * sW]!;
          }
        }
      }
    }
  }
}

/** Reused work buffers by element type and slot (columns, gathered gradient, partial weight gradient). */
const scratchBuffers = { f32: [] as Float32Array[], f64: [] as Float64Array[] };
/** Buffers larger than this many elements are not kept between calls. */
const KEEP_LIMIT = 1 << 23;

/**
 * A work buffer of the element type of `like` with at least `length` elements, reused between
 * calls (fresh memory costs page faults on first touch, and garbage): valid until the next call of
 * the same slot; kernels are synchronous and do not nest. Its contents are arbitrary. Kept buffers
 * live in kernel memory where it is shared, so the matrix products read and write them in place
 * instead of copying them in and out at every call.
 */
function scratch(like: TypedArray, length: number, slot: number): TypedArray {
  const f64 = like instanceof Float64Array;
  const list: TypedArray[] = f64 ? scratchBuffers.f64 : scratchBuffers.f32;
  let buf = list[slot];
  if (buf === undefined || buf.length < length) {
    const type = f64 ? Float64Array : Float32Array;
    if (length > KEEP_LIMIT) return new type(length);
    if (buf !== undefined) releaseKernelScratchArray(buf as Float32Array | Float64Array);
    buf = (getKernelBackend() === "wasm" ? kernelScratchArray(type, length) : null) ?? new type(length);
    list[slot] = buf;
  }
  return buf;
}

/**
 * Copy between a `[nb, OC, P]` block of an NCHW tensor (images `n0 ..`, channels `oc0 .. oc0+ocg`)
 * and a `[ocg, nb * P]` matrix, in the direction `toMatrix` says.
 */
function shuffle(t: TypedArray, geo: ConvGeometry, n0: number, nb: number, oc0: number, ocg: number, m: TypedArray, toMatrix: boolean): void {
  const P = geo.OH * geo.OW;
  for (let oc = 0; oc < ocg; oc++) {
    for (let n = 0; n < nb; n++) {
      const at = ((n0 + n) * geo.OC + oc0 + oc) * P;
      const mAt = oc * nb * P + n * P;
      if (toMatrix) m.set(t.subarray(at, at + P), mAt);
      else t.set(m.subarray(mAt, mAt + P), at);
    }
  }
}

/**
 * `out = conv2d(x, w) (+ bias)`: `x` contiguous NCHW from `xOff`, `w` contiguous
 * `[OC, C/groups, KH, KW]` from `wOff`, `out` `[N, OC, OH, OW]` (overwritten), bias `[OC]` or null.
 */
export function conv2dKernel(x: TypedArray, xOff: number, w: TypedArray, wOff: number, bias: TypedArray | null, biasOff: number, geo: ConvGeometry, out: TypedArray): void {
  const { N, C, OC, KH, KW, groups } = geo;
  const P = geo.OH * geo.OW;
  const cg = C / groups;
  const ocg = OC / groups;
  const K = cg * KH * KW;
  if (N * OC * P === 0) return;
  if (K === 0) {
    out.fill(0);
  } else {
    const nbMax = chunkOf(geo);
    const cols = scratch(x, K * nbMax * P, 0);
    const tmp = nbMax > 1 ? scratch(x, ocg * nbMax * P, 1) : null;
    for (let n0 = 0; n0 < N; n0 += nbMax) {
      const nb = Math.min(nbMax, N - n0);
      for (let g = 0; g < groups; g++) {
        im2col(x, xOff, geo, n0, nb, g * cg, cg, cols);
        if (nb === 1) {
          matmulKernel(w, wOff + g * ocg * K, false, cols, 0, false, out, (n0 * OC + g * ocg) * P, ocg, K, P);
        } else {
          matmulKernel(w, wOff + g * ocg * K, false, cols, 0, false, tmp!, 0, ocg, K, nb * P);
          shuffle(out, geo, n0, nb, g * ocg, ocg, tmp!, false);
        }
      }
    }
  }
  if (bias !== null) {
    for (let n = 0; n < N; n++) {
      for (let oc = 0; oc < OC; oc++) {
        const b = bias[biasOff + oc]!;
        const at = (n * OC + oc) * P;
        for (let p = 0; p < P; p++) out[at + p]! += b;
      }
    }
  }
}

/**
 * The input gradient of a convolution (its adjoint in `x`): `dx` `[N, C, H, W]` (overwritten) from
 * `g` `[N, OC, OH, OW]` and `w`, both contiguous: per group `cols = w_g^T @ g_g`, then col2im.
 */
export function conv2dInputGradKernel(g: TypedArray, gOff: number, w: TypedArray, wOff: number, geo: ConvGeometry, dx: TypedArray): void {
  const { N, C, OC, KH, KW, groups } = geo;
  const P = geo.OH * geo.OW;
  const cg = C / groups;
  const ocg = OC / groups;
  const K = cg * KH * KW;
  dx.fill(0);
  if (N * K * P === 0 || ocg === 0) return;
  const nbMax = chunkOf(geo);
  const cols = scratch(dx, K * nbMax * P, 0);
  const gm = nbMax > 1 ? scratch(dx, ocg * nbMax * P, 1) : null;
  const gc = gOff === 0 ? g : g.subarray(gOff);
  for (let n0 = 0; n0 < N; n0 += nbMax) {
    const nb = Math.min(nbMax, N - n0);
    for (let grp = 0; grp < groups; grp++) {
      if (nb === 1) {
        matmulKernel(w, wOff + grp * ocg * K, true, gc, (n0 * OC + grp * ocg) * P, false, cols, 0, K, ocg, P);
      } else {
        shuffle(gc, geo, n0, nb, grp * ocg, ocg, gm!, true);
        matmulKernel(w, wOff + grp * ocg * K, true, gm!, 0, false, cols, 0, K, ocg, nb * P);
      }
      col2imAdd(cols, geo, n0, nb, grp * cg, cg, dx);
    }
  }
}

/**
 * The weight gradient of a convolution: `dw` `[OC, C/groups, KH, KW]` (overwritten) from `x`
 * `[N, C, H, W]` and `g` `[N, OC, OH, OW]`, both contiguous: per group `g_g @ cols^T`, summed
 * over batch chunks.
 */
export function conv2dWeightGradKernel(x: TypedArray, xOff: number, g: TypedArray, gOff: number, geo: ConvGeometry, dw: TypedArray): void {
  const { N, C, OC, KH, KW, groups } = geo;
  const P = geo.OH * geo.OW;
  const cg = C / groups;
  const ocg = OC / groups;
  const K = cg * KH * KW;
  dw.fill(0);
  if (N * K * P === 0 || ocg === 0) return;
  const nbMax = chunkOf(geo);
  const cols = scratch(dw, K * nbMax * P, 0);
  const gm = nbMax > 1 ? scratch(dw, ocg * nbMax * P, 1) : null;
  const part = N > nbMax ? scratch(dw, ocg * K, 2) : null;
  const gc = gOff === 0 ? g : g.subarray(gOff);
  for (let n0 = 0; n0 < N; n0 += nbMax) {
    const nb = Math.min(nbMax, N - n0);
    for (let grp = 0; grp < groups; grp++) {
      im2col(x, xOff, geo, n0, nb, grp * cg, cg, cols);
      let a = gc;
      let aOff = (n0 * OC + grp * ocg) * P;
      if (nb > 1) {
        shuffle(gc, geo, n0, nb, grp * ocg, ocg, gm!, true);
        a = gm!;
        aOff = 0;
      }
      const at = grp * ocg * K;
      if (part === null) {
        matmulKernel(a, aOff, false, cols, 0, true, dw, at, ocg, nb * P, K);
      } else {
        matmulKernel(a, aOff, false, cols, 0, true, part, 0, ocg, nb * P, K);
        for (let i = 0; i < ocg * K; i++) dw[at + i]! += part[i]!;
      }
    }
  }
}
