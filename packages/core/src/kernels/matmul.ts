/**
 * Dense matrix multiplication on contiguous row-major buffers: the hot path of training.
 * Kept apart from the op layer with a plain-array signature so that a SIMD or worker version can
 * replace it without touching autograd.
 * @module
 */
import type { TypedArray } from "../dtype.js";

/** Rows of B (the K dimension) processed per block: a BLOCK_K x BLOCK_N panel of B stays in cache. */
const BLOCK_K = 64;
/** Columns processed per block: the accumulator row segment stays in L1. */
const BLOCK_N = 512;

/**
 * `out[outOffset + i*N + j] = sum_k a[aOffset + i*K + k] * b[bOffset + k*N + j]` for an M x K by
 * K x N product of contiguous row-major matrices.
 *
 * Loop order i-k-j with the inner loop over contiguous columns of B and of the output row, blocked
 * over K and N so the panel of B being streamed stays in cache across rows; k is unrolled by four.
 * Sums are accumulated in double precision and rounded once when stored, so a float32 product
 * is as accurate as the float32 format allows; int32 results wrap modulo 2^32 as typed-array
 * stores do.
 *
 * @param a left matrix data (M*K values from `aOffset`)
 * @param b right matrix data (K*N values from `bOffset`)
 * @param out destination (M*N values from `outOffset`), overwritten
 */
export function matmulKernel(
  a: TypedArray,
  aOffset: number,
  b: TypedArray,
  bOffset: number,
  out: TypedArray,
  outOffset: number,
  M: number,
  K: number,
  N: number,
): void {
  if (M === 0 || N === 0) return;
  // Accumulate straight into a Float64Array output; anything else goes through a double buffer.
  const direct = out instanceof Float64Array;
  const acc = direct ? out : new Float64Array(M * N);
  const accOffset = direct ? outOffset : 0;
  acc.fill(0, accOffset, accOffset + M * N);
  for (let j0 = 0; j0 < N; j0 += BLOCK_N) {
    const j1 = Math.min(j0 + BLOCK_N, N);
    for (let k0 = 0; k0 < K; k0 += BLOCK_K) {
      const k1 = Math.min(k0 + BLOCK_K, K);
      for (let i = 0; i < M; i++) {
        const aRow = aOffset + i * K;
        const cRow = accOffset + i * N;
        let k = k0;
        for (; k + 3 < k1; k += 4) {
          const a0 = a[aRow + k]!;
          const a1 = a[aRow + k + 1]!;
          const a2 = a[aRow + k + 2]!;
          const a3 = a[aRow + k + 3]!;
          const b0 = bOffset + k * N;
          const b1 = b0 + N;
          const b2 = b1 + N;
          const b3 = b2 + N;
          for (let j = j0; j < j1; j++) {
            acc[cRow + j] += a0 * b[b0 + j]! + a1 * b[b1 + j]! + a2 * b[b2 + j]! + a3 * b[b3 + j]!;
          }
        }
        for (; k < k1; k++) {
          const av = a[aRow + k]!;
          const bRow = bOffset + k * N;
          for (let j = j0; j < j1; j++) acc[cRow + j] += av * b[bRow + j]!;
        }
      }
    }
  }
  if (!direct) {
    for (let i = 0; i < M * N; i++) out[outOffset + i] = acc[i]!;
  }
}

/**
 * A batch of products: for each `t < batch`, the M x K matrix at `aIndex[t] * M * K` times the
 * K x N matrix at `bIndex[t] * K * N`, stored at `t * M * N` (the index arrays implement
 * broadcasting of batch dims).
 */
export function batchedMatmulKernel(
  a: TypedArray,
  aIndex: ArrayLike<number>,
  b: TypedArray,
  bIndex: ArrayLike<number>,
  out: TypedArray,
  batch: number,
  M: number,
  K: number,
  N: number,
): void {
  for (let t = 0; t < batch; t++) {
    matmulKernel(a, aIndex[t]! * M * K, b, bIndex[t]! * K * N, out, t * M * N, M, K, N);
  }
}
