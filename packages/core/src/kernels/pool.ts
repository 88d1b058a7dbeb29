/**
 * Pooling kernels on contiguous `[planes, H, W]` buffers (a plane is one channel of one image):
 * max pooling with the arg-max of every window, and window averages (average and adaptive average
 * pooling) with their adjoint. Plain typed arrays, no tensors.
 * @module
 */
import type { TypedArray } from "../dtype.js";

/** The windows of a max pooling: planes of `H x W` pooled to `OH x OW`. */
export interface MaxPoolGeometry {
  planes: number; H: number; W: number; OH: number; OW: number;
  kH: number; kW: number; sH: number; sW: number; pH: number; pW: number; dH: number; dW: number;
}

/**
 * Max over every window, and where it is (`indices`, the flat position `h * W + w` in its plane).
 * Windows are scanned row by row; a later element replaces the maximum only when strictly greater
 * (or NaN), so ties go to the first, as in PyTorch. A window that holds only padding (possible
 * with dilation) gives -infinity and the index `H * W` (one past the plane).
 * @returns whether some window was empty.
 */
export function maxPool2dKernel(x: TypedArray, xOff: number, geo: MaxPoolGeometry, out: TypedArray, indices: Int32Array): boolean {
  const { planes, H, W, OH, OW, kH, kW, sH, sW, pH, pW, dH, dW } = geo;
  let empty = false;
  for (let p = 0; p < planes; p++) {
    const plane = xOff + p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      let h0 = oh * sH - pH;
      const h1 = Math.min(h0 + (kH - 1) * dH + 1, H);
      while (h0 < 0) h0 += dH;
      for (let ow = 0; ow < OW; ow++) {
        let w0 = ow * sW - pW;
        const w1 = Math.min(w0 + (kW - 1) * dW + 1, W);
        while (w0 < 0) w0 += dW;
        let best = -Infinity;
        let at = h0 * W + w0;
        if (h0 >= h1 || w0 >= w1) {
          at = H * W;
          empty = true;
        }
        for (let h = h0; h < h1; h += dH) {
          for (let w = w0; w < w1; w += dW) {
            const v = x[plane + h * W + w]!;
            if (v > best || Number.isNaN(v)) {
              best = v;
              at = h * W + w;
            }
          }
        }
        const o = (p * OH + oh) * OW + ow;
        out[o] = best;
        indices[o] = at;
      }
    }
  }
  return empty;
}

/**
 * The windows of an average pooling along one axis: output `o` averages input positions
 * `[start[o], end[o])` and contributes `factor[o]` to the divisor (the divisor of an output is the
 * product of its two axes' factors, unless overridden).
 */
export interface AxisWindows {
  start: Int32Array;
  end: Int32Array;
  factor: Float64Array;
}

/** The averaging windows of both axes of planes of `H x W` pooled to `OH x OW` (OH, OW = the windows' lengths). */
export interface WindowGeometry {
  planes: number; H: number; W: number;
  rows: AxisWindows; cols: AxisWindows;
  /** A fixed divisor instead of the factors' product (PyTorch's `divisor_override`), or null. */
  divisor: number | null;
}

/** The divisor of output (i, j); windows with nothing inside give 0 (and their output is 0). */
function divisorOf(geo: WindowGeometry, i: number, j: number): number {
  const { rows, cols } = geo;
  if (rows.end[i]! <= rows.start[i]! || cols.end[j]! <= cols.start[j]!) return 0;
  return geo.divisor ?? rows.factor[i]! * cols.factor[j]!;
}

/** `out[p, i, j] = sum of x[p, rows i, cols j] / divisor(i, j)` (0 for an empty window). */
export function windowAverageKernel(x: TypedArray, xOff: number, geo: WindowGeometry, out: TypedArray): void {
  const { planes, H, W, rows, cols } = geo;
  const OH = rows.start.length;
  const OW = cols.start.length;
  for (let p = 0; p < planes; p++) {
    const plane = xOff + p * H * W;
    for (let i = 0; i < OH; i++) {
      for (let j = 0; j < OW; j++) {
        const d = divisorOf(geo, i, j);
        let s = 0;
        if (d !== 0) {
          for (let h = rows.start[i]!; h < rows.end[i]!; h++) {
            for (let w = cols.start[j]!, r = plane + h * W; w < cols.end[j]!; w++) s += x[r + w]!;
          }
          s /= d;
        }
        out[(p * OH + i) * OW + j] = s;
      }
    }
  }
}

/** The adjoint of {@link windowAverageKernel}: `dx` (overwritten) gets `g[p, i, j] / divisor(i, j)` on every position of window (i, j). */
export function windowAverageAdjointKernel(g: TypedArray, gOff: number, geo: WindowGeometry, dx: TypedArray): void {
  const { planes, H, W, rows, cols } = geo;
  const OH = rows.start.length;
  const OW = cols.start.length;
  dx.fill(0);
  for (let p = 0; p < planes; p++) {
    const plane = p * H * W;
    for (let i = 0; i < OH; i++) {
      for (let j = 0; j < OW; j++) {
        const d = divisorOf(geo, i, j);
        if (d === 0) continue;
        const v = g[gOff + (p * OH + i) * OW + j]! / d;
        for (let h = rows.start[i]!; h < rows.end[i]!; h++) {
          for (let w = cols.start[j]!, r = plane + h * W; w < cols.end[j]!; w++) dx[r + w]! += v;
        }
      }
    }
  }
}
