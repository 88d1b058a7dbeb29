/**
 * Dense matrix multiplication on row-major buffers, each operand possibly stored transposed: the
 * hot path of training. Kept apart from the op layer with a plain-array signature. float32 and
 * float64 products run in the WebAssembly SIMD kernels (`wasm/gemm.wat`) when the kernel backend
 * is "wasm" (see `setKernelBackend`); int32 and mixed-type products, and every product when the
 * backend is "js", run in the TypeScript kernel below.
 * @module
 */
import type { TypedArray } from "../dtype.js";
import { getKernelBackend } from "./backend.js";
import { gemmBatchedWasm, gemmWasm } from "./wasm/gemm-runtime.js";
import type { FloatBuffer } from "./wasm/placer.js";

/** Rows of B (the K dimension) per block: a BLOCK_K x BLOCK_N panel of B stays in cache across rows. */
const BLOCK_K = 64;
/** Columns per block: the output row segments being accumulated stay in L1. */
const BLOCK_N = 512;
/** Below this many output columns the i-k-j loop has too short an inner loop; use dot products instead. */
const NARROW_N = 8;

/**
 * `out[outOffset + i*N + j] = bias[biasOffset + j] + sum_k opA[i][k] * opB[k][j]` for an M x K by
 * K x N product. `opA` is the M x K matrix stored row-major from `a[aOffset]`, or, when `transA`,
 * the transpose of the K x M matrix stored there (so `A^T` is read in place, never copied by the
 * caller); likewise `opB`.
 *
 * Operands and output all float32, or all float64, use the WebAssembly SIMD kernel when the
 * backend is "wasm": sums in the element type, in k order (float32 sums are within float32
 * rounding of the exact product). Otherwise the TypeScript
 * kernel copies non-float64 (or transposed) operands into Float64Arrays, so its inner loops are
 * monomorphic, accumulates in double and rounds once when storing: int32 results wrap modulo
 * 2^32 as typed-array stores do.
 *
 * @param a left matrix data (M*K values from `aOffset`)
 * @param transA whether `a` holds opA transposed (K x M)
 * @param b right matrix data (K*N values from `bOffset`)
 * @param transB whether `b` holds opB transposed (N x K)
 * @param out destination (M*N values from `outOffset`), overwritten
 * @param bias optional N values added to every row
 */
export function matmulKernel(
  a: TypedArray,
  aOffset: number,
  transA: boolean,
  b: TypedArray,
  bOffset: number,
  transB: boolean,
  out: TypedArray,
  outOffset: number,
  M: number,
  K: number,
  N: number,
  bias: TypedArray | null = null,
  biasOffset = 0,
): void {
  if (M === 0 || N === 0) return;
  if (
    sameFloatType(out, a, b, bias) && getKernelBackend() === "wasm" &&
    gemmWasm(a as FloatBuffer, aOffset, transA, b as FloatBuffer, bOffset, transB, out as FloatBuffer, outOffset, M, K, N, bias as FloatBuffer | null, biasOffset)
  ) {
    return;
  }
  jsMatmulKernel(a, aOffset, transA, b, bOffset, transB, out, outOffset, M, K, N, bias, biasOffset);
}

/**
 * {@link matmulKernel} always in the TypeScript kernel (sums in double, rounded once): the
 * reference of the wasm kernel, and the kernel of `dot`.
 */
export function jsMatmulKernel(
  a: TypedArray,
  aOffset: number,
  transA: boolean,
  b: TypedArray,
  bOffset: number,
  transB: boolean,
  out: TypedArray,
  outOffset: number,
  M: number,
  K: number,
  N: number,
  bias: TypedArray | null = null,
  biasOffset = 0,
): void {
  if (M === 0 || N === 0) return;
  const [a64, aOff] = asDouble(a, aOffset, 1, M, K, transA, 0);
  const [b64, bOff] = asDouble(b, bOffset, 1, K, N, transB, 1);
  const acc = out instanceof Float64Array ? out : scratch(2, M * N);
  const accOff = acc === out ? outOffset : 0;
  product(a64, aOff, b64, bOff, acc, accOff, M, K, N);
  if (bias !== null) addBias(acc, accOff, M, N, bias, biasOffset);
  if (acc !== out) out.set(M * N === acc.length ? acc : acc.subarray(0, M * N), outOffset);
}

/**
 * A batch of products: for each `t < batch`, the M x K matrix at `aIndex[t] * M * K` times the
 * K x N matrix at `bIndex[t] * K * N` (each stored transposed when its flag is set), stored at
 * `t * M * N` (the index arrays implement broadcasting of batch dims).
 */
export function batchedMatmulKernel(
  a: TypedArray,
  aIndex: ArrayLike<number>,
  transA: boolean,
  b: TypedArray,
  bIndex: ArrayLike<number>,
  transB: boolean,
  out: TypedArray,
  batch: number,
  M: number,
  K: number,
  N: number,
): void {
  if (batch === 0 || M === 0 || N === 0) return;
  if (
    sameFloatType(out, a, b, null) && getKernelBackend() === "wasm" &&
    gemmBatchedWasm(a as FloatBuffer, aIndex, transA, b as FloatBuffer, bIndex, transB, out as FloatBuffer, batch, M, K, N)
  ) {
    return;
  }
  const [a64] = asDouble(a, 0, M * K === 0 ? 0 : a.length / (M * K), M, K, transA, 0);
  const [b64] = asDouble(b, 0, K * N === 0 ? 0 : b.length / (K * N), K, N, transB, 1);
  const size = batch * M * N;
  const acc = out instanceof Float64Array ? out : scratch(2, size);
  for (let t = 0; t < batch; t++) product(a64, aIndex[t]! * M * K, b64, bIndex[t]! * K * N, acc, t * M * N, M, K, N);
  if (acc !== out) out.set(size === acc.length ? acc : acc.subarray(0, size));
}

/** Whether `out`, `a`, `b` (and `bias` when given) are all Float32Arrays or all Float64Arrays: the wasm kernels' operands. */
function sameFloatType(out: TypedArray, a: TypedArray, b: TypedArray, bias: TypedArray | null): boolean {
  const type = out instanceof Float32Array ? Float32Array : out instanceof Float64Array ? Float64Array : null;
  return type !== null && a instanceof type && b instanceof type && (bias === null || bias instanceof type);
}

/** `acc[accOff + i*N + j] += bias[biasOffset + j]` for every row i < M. */
function addBias(acc: Float64Array, accOff: number, M: number, N: number, bias: TypedArray, biasOffset: number): void {
  for (let i = 0; i < M; i++) {
    const row = accOff + i * N;
    for (let j = 0; j < N; j++) acc[row + j]! += bias[biasOffset + j]!;
  }
}

/** Largest scratch buffer kept between calls (elements); larger products allocate and drop theirs. */
const SCRATCH_LIMIT = 1 << 21;
/** Reused float64 buffers (left operand, right operand, accumulator): no garbage per product in a training loop. */
const scratchBuffers: Float64Array[] = [new Float64Array(0), new Float64Array(0), new Float64Array(0)];

/**
 * A float64 buffer of at least `length` elements for use `slot`, valid until the next kernel call
 * (kernels are synchronous and not re-entrant). Only its first `length` elements are meaningful.
 */
function scratch(slot: number, length: number): Float64Array {
  if (length > SCRATCH_LIMIT) return new Float64Array(length);
  let buf = scratchBuffers[slot]!;
  if (buf.length < length) {
    buf = new Float64Array(Math.max(length, 2 * buf.length, 1024));
    scratchBuffers[slot] = buf;
  }
  return buf;
}

/**
 * `count` consecutive rows x cols matrices from `data[offset]` as row-major float64: `data` itself
 * when already float64 and not transposed, else a copy in scratch `slot` (at offset 0), transposing
 * each matrix when `trans` (then `data` holds cols x rows matrices).
 */
function asDouble(data: TypedArray, offset: number, count: number, rows: number, cols: number, trans: boolean, slot: number): [Float64Array, number] {
  const length = count * rows * cols;
  if (data instanceof Float64Array && !trans) return [data, offset];
  const buf = scratch(slot, length);
  if (!trans || rows === 1 || cols === 1) {
    // A 1 x n or n x 1 matrix has the same layout as its transpose.
    buf.set(offset === 0 && length === data.length ? data : data.subarray(offset, offset + length));
    return [buf, 0];
  }
  const size = rows * cols;
  for (let m = 0; m < count; m++) {
    const src = offset + m * size;
    const dst = m * size;
    for (let r = 0; r < cols; r++) {
      const from = src + r * rows;
      for (let c = 0; c < rows; c++) buf[dst + c * cols + r] = data[from + c]!;
    }
  }
  return [buf, 0];
}

/** The float64 product into `c` (overwritten): dot products for narrow outputs, blocked i-k-j otherwise. */
function product(a: Float64Array, aOff: number, b: Float64Array, bOff: number, c: Float64Array, cOff: number, M: number, K: number, N: number): void {
  if (N < NARROW_N) narrowProduct(a, aOff, b, bOff, c, cOff, M, K, N);
  else blockedProduct(a, aOff, b, bOff, c, cOff, M, K, N);
}

/** One dot product per output element (for N < NARROW_N, e.g. matrix-vector products). */
function narrowProduct(a: Float64Array, aOff: number, b: Float64Array, bOff: number, c: Float64Array, cOff: number, M: number, K: number, N: number): void {
  for (let i = 0; i < M; i++) {
    const row = aOff + i * K;
    for (let j = 0; j < N; j++) {
      let s0 = 0;
      let s1 = 0;
      let k = 0;
      let p = bOff + j;
      for (; k + 1 < K; k += 2, p += 2 * N) {
        s0 += a[row + k]! * b[p]!;
        s1 += a[row + k + 1]! * b[p + N]!;
      }
      if (k < K) s0 += a[row + k]! * b[p]!;
      c[cOff + i * N + j] = s0 + s1;
    }
  }
}

/**
 * i-k-j loop with the inner loop over contiguous columns of B and of the output rows, blocked over
 * K and N, and register-blocked two rows by four k at a time (each loaded value of B feeds two
 * output rows).
 */
function blockedProduct(a: Float64Array, aOff: number, b: Float64Array, bOff: number, c: Float64Array, cOff: number, M: number, K: number, N: number): void {
  c.fill(0, cOff, cOff + M * N);
  for (let j0 = 0; j0 < N; j0 += BLOCK_N) {
    const j1 = Math.min(j0 + BLOCK_N, N);
    for (let k0 = 0; k0 < K; k0 += BLOCK_K) {
      const k1 = Math.min(k0 + BLOCK_K, K);
      let i = 0;
      for (; i + 1 < M; i += 2) {
        const r0 = aOff + i * K;
        const r1 = r0 + K;
        const c0 = cOff + i * N;
        const c1 = c0 + N;
        let k = k0;
        for (; k + 3 < k1; k += 4) {
          const x0 = a[r0 + k]!;
          const x1 = a[r0 + k + 1]!;
          const x2 = a[r0 + k + 2]!;
          const x3 = a[r0 + k + 3]!;
          const y0 = a[r1 + k]!;
          const y1 = a[r1 + k + 1]!;
          const y2 = a[r1 + k + 2]!;
          const y3 = a[r1 + k + 3]!;
          const b0 = bOff + k * N;
          const b1 = b0 + N;
          const b2 = b1 + N;
          const b3 = b2 + N;
          for (let j = j0; j < j1; j++) {
            const p = b[b0 + j]!;
            const q = b[b1 + j]!;
            const r = b[b2 + j]!;
            const s = b[b3 + j]!;
            c[c0 + j] += x0 * p + x1 * q + x2 * r + x3 * s;
            c[c1 + j] += y0 * p + y1 * q + y2 * r + y3 * s;
          }
        }
        for (; k < k1; k++) {
          const x = a[r0 + k]!;
          const y = a[r1 + k]!;
          const br = bOff + k * N;
          for (let j = j0; j < j1; j++) {
            const p = b[br + j]!;
            c[c0 + j] += x * p;
            c[c1 + j] += y * p;
          }
        }
      }
      for (; i < M; i++) {
        const r0 = aOff + i * K;
        const c0 = cOff + i * N;
        let k = k0;
        for (; k + 3 < k1; k += 4) {
          const x0 = a[r0 + k]!;
          const x1 = a[r0 + k + 1]!;
          const x2 = a[r0 + k + 2]!;
          const x3 = a[r0 + k + 3]!;
          const b0 = bOff + k * N;
          const b1 = b0 + N;
          const b2 = b1 + N;
          const b3 = b2 + N;
          for (let j = j0; j < j1; j++) c[c0 + j] += x0 * b[b0 + j]! + x1 * b[b1 + j]! + x2 * b[b2 + j]! + x3 * b[b3 + j]!;
        }
        for (; k < k1; k++) {
          const x = a[r0 + k]!;
          const br = bOff + k * N;
          for (let j = j0; j < j1; j++) c[c0 + j] += x * b[br + j]!;
        }
      }
    }
  }
}
