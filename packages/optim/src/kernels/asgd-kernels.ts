/**
 * Fused typed-array kernels for ASGD: one pass over a parameter, its gradient and its average `ax`,
 * with PyTorch's float32 rounding emulated by computing in double and rounding (`Math.fround`)
 * exactly where torch's CPU kernels round. No Tensor, no autograd: callers validate, pass dense
 * arrays with offsets, and bump version counters.
 * @module
 */
import { WASM_MIN_ELEMENTS, asgdForeachF32Wasm, asgdSingleF32Wasm } from "./asgd-wasm.js";

/** A dense float buffer a kernel reads or writes, starting at `offset`. */
export type FloatArray = Float32Array | Float64Array;

/** Scalars of one single-tensor ASGD update (PyTorch 2.8 `_single_tensor_asgd`, non-capturable). */
export interface AsgdSingleScalars {
  /** The stored eta of the previous step, as a double (already rounded to the scalar dtype). */
  eta: number;
  /** The stored mu of the previous step; `mu === 1` selects the exact-copy branch for `ax`. */
  mu: number;
  /** `lambd` as a double. */
  lambd: number;
  /** `weightDecay` as a double; 0 skips the decay term. */
  weightDecay: number;
  /** Negate the gradient first. */
  maximize: boolean;
}

/**
 * One single-tensor ASGD update of `n` contiguous float32 elements, in place on `p` and `ax`
 * (through the WebAssembly SIMD kernel when the kernel backend is "wasm", with identical bits):
 *
 *     g1  = wd != 0 ? f32(g + f32(wd) * p) : g          (g negated first when maximize)
 *     p1  = f32(p * f32(1 - lambd * eta))
 *     p2  = f32(p1 + (-eta) * g1)
 *     ax  = mu != 1 ? f32(ax + f32(f32(p2 - ax) * mu)) : p2
 *
 * @param p parameter values (written), starting at `po`
 * @param g gradient values (read only), starting at `go`
 * @param ax running average (written), starting at `axo`
 */
export function asgdSingleF32(
  p: Float32Array, po: number, g: Float32Array, go: number, ax: Float32Array, axo: number, n: number, s: AsgdSingleScalars,
): void {
  const fr = Math.fround;
  const c = fr(1 - s.lambd * s.eta);
  const negEta = fr(-s.eta);
  const wd = fr(s.weightDecay);
  const sign = s.maximize ? -1 : 1;
  const mu = s.mu;
  // Without decay the sign folds exactly into the step: (-eta) * (-g) == (eta) * g.
  const step = sign * negEta;
  const decay = s.weightDecay !== 0;
  // The WebAssembly SIMD kernel (same bits, see wasm/asgd.wat) takes a multiple of 8 elements; the loops below finish.
  const start = n < WASM_MIN_ELEMENTS ? 0 : asgdSingleF32Wasm(p, po, g, go, ax, axo, n, {
    c, step, negEta, wd, mu, mode: (decay ? 1 : 0) | (mu !== 1 ? 2 : 0) | (s.maximize ? 4 : 0),
  });
  // One loop per (decay, average) combination: loop-invariant branches cost V8 a factor ~2 here.
  if (!decay) {
    if (mu !== 1) {
      for (let i = start; i < n; i++) {
        const p2 = fr(fr(p[po + i]! * c) + step * g[go + i]!);
        p[po + i] = p2;
        const a = ax[axo + i]!;
        ax[axo + i] = a + fr(fr(p2 - a) * mu);
      }
    } else {
      for (let i = start; i < n; i++) {
        const p2 = fr(fr(p[po + i]! * c) + step * g[go + i]!);
        p[po + i] = p2;
        ax[axo + i] = p2;
      }
    }
    return;
  }
  if (mu !== 1) {
    for (let i = start; i < n; i++) {
      const pi = p[po + i]!;
      const p2 = fr(fr(pi * c) + negEta * fr(sign * g[go + i]! + wd * pi));
      p[po + i] = p2;
      const a = ax[axo + i]!;
      ax[axo + i] = a + fr(fr(p2 - a) * mu);
    }
  } else {
    for (let i = start; i < n; i++) {
      const pi = p[po + i]!;
      const p2 = fr(fr(pi * c) + negEta * fr(sign * g[go + i]! + wd * pi));
      p[po + i] = p2;
      ax[axo + i] = p2;
    }
  }
}

/** {@link asgdSingleF32} for float64 parameters: the same sequence with every rounding to double (none needed). */
export function asgdSingleF64(
  p: Float64Array, po: number, g: Float64Array, go: number, ax: Float64Array, axo: number, n: number, s: AsgdSingleScalars,
): void {
  const c = 1 - s.lambd * s.eta;
  const negEta = -s.eta;
  const wd = s.weightDecay;
  const sign = s.maximize ? -1 : 1;
  const mu = s.mu;
  const average = mu !== 1;
  if (wd === 0) {
    const step = sign * negEta;
    for (let i = 0; i < n; i++) {
      const p2 = p[po + i]! * c + step * g[go + i]!;
      p[po + i] = p2;
      ax[axo + i] = average ? ax[axo + i]! + (p2 - ax[axo + i]!) * mu : p2;
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const pi = p[po + i]!;
    const p2 = pi * c + negEta * (sign * g[go + i]! + wd * pi);
    p[po + i] = p2;
    ax[axo + i] = average ? ax[axo + i]! + (p2 - ax[axo + i]!) * mu : p2;
  }
}

/** One tensor of a foreach (multi-tensor) batch: dense buffers with offsets, and its own eta and mu. */
export interface AsgdForeachItem {
  p: FloatArray;
  po: number;
  g: FloatArray;
  go: number;
  ax: FloatArray;
  axo: number;
  n: number;
  eta: number;
  mu: number;
}

/** Scalars shared by a foreach batch. */
export interface AsgdForeachScalars {
  lambd: number;
  weightDecay: number;
  maximize: boolean;
}

/**
 * PyTorch 2.8's multi-tensor ASGD update (`_multi_tensor_asgd`) over a batch of same-dtype tensors,
 * in place on every `p` and `ax`. The decay and the gradient step are fused into one intermediate
 * and `ax` is always averaged (no exact-copy branch while `mu == 1`):
 *
 *     I  = wd != 0 ? R(R(g + R(wd) * p) + R(lambd) * p) : R(g + R(lambd) * p)
 *     p' = R(p - R(I * eta))
 *     ax = R(ax + R(R(p' - ax) * mu))
 *
 * where R rounds to the batch dtype (`Math.fround` for float32, nothing for float64). float32
 * tensors go through the WebAssembly SIMD kernel when the kernel backend is "wasm" (same bits).
 * @param float32 whether the batch holds float32 buffers
 */
export function asgdForeach(items: readonly AsgdForeachItem[], s: AsgdForeachScalars, float32: boolean): void {
  const sign = s.maximize ? -1 : 1;
  const decay = s.weightDecay !== 0;
  if (float32) {
    const fr = Math.fround;
    const wd = fr(s.weightDecay);
    const lambd = fr(s.lambd);
    for (const it of items) {
      const { p, po, g, go, ax, axo, n, eta, mu } = it;
      // The WebAssembly SIMD kernel (same bits) takes a multiple of 8 elements; the loops below finish.
      const start = n < WASM_MIN_ELEMENTS ? 0 : asgdForeachF32Wasm(
        p as Float32Array, po, g as Float32Array, go, ax as Float32Array, axo, n, lambd, wd, eta, mu, (decay ? 1 : 0) | (s.maximize ? 4 : 0),
      );
      if (decay) {
        for (let i = start; i < n; i++) {
          const pi = p[po + i]!;
          const inter = fr(fr(sign * g[go + i]! + wd * pi) + lambd * pi);
          const p2 = fr(pi - fr(inter * eta));
          p[po + i] = p2;
          const a = ax[axo + i]!;
          ax[axo + i] = a + fr(fr(p2 - a) * mu);
        }
      } else {
        for (let i = start; i < n; i++) {
          const pi = p[po + i]!;
          const p2 = fr(pi - fr(fr(sign * g[go + i]! + lambd * pi) * eta));
          p[po + i] = p2;
          const a = ax[axo + i]!;
          ax[axo + i] = a + fr(fr(p2 - a) * mu);
        }
      }
    }
    return;
  }
  const wd = s.weightDecay;
  const lambd = s.lambd;
  for (const it of items) {
    const { p, po, g, go, ax, axo, n, eta, mu } = it;
    for (let i = 0; i < n; i++) {
      const pi = p[po + i]!;
      const gi = sign * g[go + i]!;
      const inter = decay ? gi + wd * pi + lambd * pi : gi + lambd * pi;
      const p2 = pi - inter * eta;
      p[po + i] = p2;
      const a = ax[axo + i]!;
      ax[axo + i] = a + (p2 - a) * mu;
    }
  }
}

/** Rounding to a float dtype: `Math.fround` for float32, identity for float64. */
export function rounder(dtype: "float32" | "float64"): (x: number) => number {
  return dtype === "float32" ? Math.fround : (x: number) => x;
}

/**
 * The eta of PyTorch's single-tensor path for a number lr: `lr / (1 + lambd * lr * t) ** alpha`
 * evaluated left to right in double, rounded once to the scalar dtype by the caller.
 */
export function etaDouble(lr: number, lambd: number, alpha: number, t: number): number {
  return lr / Math.pow(1 + lambd * lr * t, alpha);
}

/** The mu of PyTorch's non-capturable paths: `1 / max(1, t - t0)` in double (rounded by the caller). */
export function muDouble(t: number, t0: number): number {
  return 1 / Math.max(1, t - t0);
}

/**
 * The eta of PyTorch's foreach path (B.6 "tensor form"): `lambd * lr` in double, then 0-dim tensor
 * ops in the step's dtype, division as `reciprocal(w) * lr`:
 *
 *     u = R(R(lambd * lr) * t); v = R(1 + u); w = R(pow(v, alpha)); eta = R(R(1 / w) * R(lr))
 */
export function etaForeach(lr: number, lambd: number, alpha: number, t: number, round: (x: number) => number): number {
  const u = round(round(lambd * lr) * t);
  const v = round(1 + u);
  const w = round(Math.pow(v, alpha));
  return round(round(1 / w) * round(lr));
}
