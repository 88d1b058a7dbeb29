/**
 * The host side of the WebAssembly SIMD matrix product (`gemm.wat`): one lazily instantiated
 * module with one growable memory, reused by every call. Operands are copied in with
 * `TypedArray.set` (a memmove) and the result copied out; packing and transposition happen
 * inside the module.
 * @module
 */
import { wasmSimdSupported } from "../backend.js";
import { gemmWasmBase64 } from "./gemm.generated.js";

/** The exports of `gemm.wat`. */
interface GemmExports {
  memory: WebAssembly.Memory;
  sgemmWorkBytes(): number;
  sgemm(
    transA: number, transB: number, M: number, N: number, K: number,
    a: number, lda: number, b: number, ldb: number, c: number, ldc: number, bias: number, work: number,
  ): void;
}

/** Undefined until first needed; null when the module cannot be used here. */
let gemm: GemmExports | null | undefined;
/** A float32 view of the module's memory, rebuilt after the memory grows. */
let heap = new Float32Array(0);
/** The memory is never grown past this (bytes): larger products use the TypeScript kernel. */
const MAX_BYTES = 1 << 30;
const PAGE = 65536;

/** Decode base64 without Node's Buffer (browsers have atob too). */
function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** The instantiated module, or null when WebAssembly SIMD is unavailable (synchronous; compiled once). */
function module(): GemmExports | null {
  if (gemm === undefined) {
    gemm = null;
    if (wasmSimdSupported()) {
      try {
        const instance = new WebAssembly.Instance(new WebAssembly.Module(decodeBase64(gemmWasmBase64)), {});
        gemm = instance.exports as unknown as GemmExports;
      } catch {
        // A runtime that validates SIMD but refuses the module (e.g. a size limit): keep the fallback.
      }
    }
  }
  return gemm;
}

/** Whether the wasm matrix product can run in this runtime. */
export function wasmGemmAvailable(): boolean {
  return module() !== null;
}

/** Round a byte address up to 16 (v128 alignment keeps loads fast). */
const align = (n: number): number => (n + 15) & ~15;

/** Make the memory at least `bytes` long and return the float32 view of it, or null when too large. */
function reserve(g: GemmExports, bytes: number): Float32Array | null {
  if (bytes > MAX_BYTES) return null;
  const have = g.memory.buffer.byteLength;
  if (bytes > have) g.memory.grow(Math.ceil((bytes - have) / PAGE));
  if (heap.buffer !== g.memory.buffer) heap = new Float32Array(g.memory.buffer);
  return heap;
}

/** Copy `length` values of `src` from `offset` into the heap at byte address `ptr`. */
function copyIn(h: Float32Array, ptr: number, src: Float32Array, offset: number, length: number): void {
  h.set(offset === 0 && length === src.length ? src : src.subarray(offset, offset + length), ptr >>> 2);
}

/**
 * `out[outOffset ..] = op(A) op(B) (+ bias)` in float32 through the wasm module, where op(A) is the
 * M x K matrix stored row-major at `a[aOffset ..]` (or, when `transA`, its K x M transpose is), and
 * likewise op(B) K x N. Returns false (and writes nothing) when the module is unavailable or the
 * operands do not fit its memory; the caller then uses the TypeScript kernel.
 */
export function sgemmWasm(
  a: Float32Array, aOffset: number, transA: boolean,
  b: Float32Array, bOffset: number, transB: boolean,
  out: Float32Array, outOffset: number, M: number, K: number, N: number,
  bias: Float32Array | null, biasOffset: number,
): boolean {
  const g = module();
  if (g === null) return false;
  const aPtr = 64;
  const bPtr = align(aPtr + 4 * M * K);
  const biasPtr = bias === null ? 0 : align(bPtr + 4 * K * N);
  const cPtr = align((bias === null ? bPtr + 4 * K * N : biasPtr + 4 * N) + 32);
  const work = align(cPtr + 4 * M * N);
  const h = reserve(g, work + g.sgemmWorkBytes());
  if (h === null) return false;
  copyIn(h, aPtr, a, aOffset, M * K);
  copyIn(h, bPtr, b, bOffset, K * N);
  if (bias !== null) copyIn(h, biasPtr, bias, biasOffset, N);
  g.sgemm(+transA, +transB, M, N, K, aPtr, transA ? M : K, bPtr, transB ? K : N, cPtr, N, biasPtr, work);
  out.set(h.subarray(cPtr >>> 2, (cPtr >>> 2) + M * N), outOffset);
  return true;
}

/**
 * A batch of float32 products through the wasm module: for each `t < batch`, the matrix at
 * `aIndex[t] * M * K` of `a` times the one at `bIndex[t] * K * N` of `b` (each possibly stored
 * transposed), into `out` at `t * M * N`. Both operands are copied in once. Returns false when the
 * module is unavailable or the operands do not fit.
 */
export function sgemmBatchedWasm(
  a: Float32Array, aIndex: ArrayLike<number>, transA: boolean,
  b: Float32Array, bIndex: ArrayLike<number>, transB: boolean,
  out: Float32Array, batch: number, M: number, K: number, N: number,
): boolean {
  const g = module();
  if (g === null) return false;
  const aPtr = 64;
  const bPtr = align(aPtr + 4 * a.length);
  const cPtr = align(bPtr + 4 * b.length);
  const work = align(cPtr + 4 * batch * M * N);
  const h = reserve(g, work + g.sgemmWorkBytes());
  if (h === null) return false;
  copyIn(h, aPtr, a, 0, a.length);
  copyIn(h, bPtr, b, 0, b.length);
  for (let t = 0; t < batch; t++) {
    g.sgemm(
      +transA, +transB, M, N, K,
      aPtr + 4 * aIndex[t]! * M * K, transA ? M : K, bPtr + 4 * bIndex[t]! * K * N, transB ? K : N,
      cPtr + 4 * t * M * N, N, 0, work,
    );
  }
  out.set(h.subarray(cPtr >>> 2, (cPtr >>> 2) + batch * M * N));
  return true;
}
