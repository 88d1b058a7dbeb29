/**
 * The host side of the WebAssembly SIMD matrix product (`gemm.wat`): one lazily instantiated
 * module on core's shared kernel memory. Pinned operands (see `pinStorage`) are read in place;
 * others are copied into a scratch block with `TypedArray.set` (a memmove), and the result is
 * copied out. Large products split their rows of C between the kernel threads.
 * @module
 */
import { kernelAddress } from "../../pin.js";
import { getKernelThreads, runParallel } from "../threads/kernel-threads.js";
import { gemmWasmBase64, gemmWasmUnsharedBase64 } from "./gemm.generated.js";
import { type KernelModule, instantiateKernel } from "./instantiate.js";
import { ScratchBlock, kernelHeapF32 } from "./kernel-memory.js";

/** The exports of `gemm.wat`. */
interface GemmExports {
  sgemmWorkBytes(): number;
  sgemm(
    transA: number, transB: number, M: number, N: number, K: number,
    a: number, lda: number, b: number, ldb: number, c: number, ldc: number, bias: number, work: number,
  ): void;
}

/** Undefined until first needed; null when the module cannot be used here. */
let gemm: KernelModule<GemmExports> | null | undefined;
/** Operands, result and per-thread work areas. */
const scratch = new ScratchBlock();
/** Scratch is never grown past this (bytes): larger products use the TypeScript kernel. */
const MAX_BYTES = 1 << 30;
/** Products with fewer multiply-adds than this run on one thread (waking a helper costs ~10 µs). */
const MIN_THREADED_MACS = 1 << 22;

/** The compiled and instantiated module, or null when WebAssembly SIMD or memory is unavailable. */
function module(): KernelModule<GemmExports> | null {
  if (gemm === undefined) gemm = instantiateKernel<GemmExports>(gemmWasmBase64, gemmWasmUnsharedBase64);
  return gemm;
}

/** Whether the wasm matrix product can run in this runtime. */
export function wasmGemmAvailable(): boolean {
  return module() !== null;
}

/** Round a byte count up to 64 (v128 alignment keeps loads fast; 64 keeps work areas on their own cache lines). */
const align = (n: number): number => (n + 63) & ~63;

/** The scratch block of at least `bytes`, and a float32 view of kernel memory; null when too large. */
function reserve(bytes: number): { at: number; h: Float32Array } | null {
  const at = bytes > MAX_BYTES ? null : scratch.reserve(bytes);
  return at === null ? null : { at, h: kernelHeapF32() };
}

/** Lays out operands in the scratch block: pinned ones stay where they are, the others get the next slot. */
class Placer {
  private next: number;
  constructor(private readonly h: Float32Array, start: number) {
    this.next = start;
  }

  /** Bytes of scratch that `length` floats take (with 32 readable bytes after them), 0 when read in place. */
  static bytes(src: Float32Array, length: number, inPlace = true): number {
    return inPlace && kernelAddress(src) !== null ? 0 : align(4 * length + 32);
  }

  /**
   * The byte address of `length` values of `src` from `offset`: in place when pinned and `inPlace`,
   * else copied in (the bias is always copied: the kernel reads 32 bytes past its end).
   */
  place(src: Float32Array, offset: number, length: number, inPlace = true): number {
    const pinned = inPlace ? kernelAddress(src) : null;
    if (pinned !== null) return pinned + 4 * offset;
    const at = this.next;
    this.h.set(offset === 0 && length === src.length ? src : src.subarray(offset, offset + length), at >>> 2);
    this.next = at + align(4 * length + 32);
    return at;
  }

  /** A slot of `length` floats for a result. */
  slot(length: number): number {
    const at = this.next;
    this.next = at + align(4 * length + 32);
    return at;
  }
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
  const threads = M >= 8 && M * N * K >= MIN_THREADED_MACS ? Math.min(getKernelThreads(), Math.ceil(M / 4)) : 1;
  const workBytes = align(g.exports.sgemmWorkBytes());
  const operandBytes = Placer.bytes(a, M * K) + Placer.bytes(b, K * N) + (bias === null ? 0 : Placer.bytes(bias, N, false)) + align(4 * M * N + 32);
  const space = reserve(operandBytes + threads * workBytes);
  if (space === null) return false;
  const { at, h } = space;
  const placer = new Placer(h, at + threads * workBytes);
  const aPtr = placer.place(a, aOffset, M * K);
  const bPtr = placer.place(b, bOffset, K * N);
  const biasPtr = bias === null ? 0 : placer.place(bias, biasOffset, N, false);
  const cPtr = placer.slot(M * N);
  const lda = transA ? M : K;
  const ldb = transB ? K : N;
  if (threads === 1) {
    g.exports.sgemm(+transA, +transB, M, N, K, aPtr, lda, bPtr, ldb, cPtr, N, biasPtr, at);
  } else {
    // Blocks of whole 4-row micro-tiles: every element of C is computed exactly as by one thread.
    const rows = Math.ceil(M / threads / 4) * 4;
    const calls: number[][] = [];
    for (let i0 = 0, t = 0; i0 < M; i0 += rows, t++) {
      const m = Math.min(rows, M - i0);
      const aRow = aPtr + 4 * (transA ? i0 : i0 * lda);
      calls.push([+transA, +transB, m, N, K, aRow, lda, bPtr, ldb, cPtr + 4 * i0 * N, N, biasPtr, at + t * workBytes]);
    }
    runParallel(g.module, "sgemm", calls, (args) => g.exports.sgemm(...(args as Parameters<GemmExports["sgemm"]>)));
  }
  out.set(h.subarray(cPtr >>> 2, (cPtr >>> 2) + M * N), outOffset);
  return true;
}

/**
 * A batch of float32 products through the wasm module: for each `t < batch`, the matrix at
 * `aIndex[t] * M * K` of `a` times the one at `bIndex[t] * K * N` of `b` (each possibly stored
 * transposed), into `out` at `t * M * N`. Both operands are copied in once (unless pinned).
 * Returns false when the module is unavailable or the operands do not fit.
 */
export function sgemmBatchedWasm(
  a: Float32Array, aIndex: ArrayLike<number>, transA: boolean,
  b: Float32Array, bIndex: ArrayLike<number>, transB: boolean,
  out: Float32Array, batch: number, M: number, K: number, N: number,
): boolean {
  const g = module();
  if (g === null) return false;
  const workBytes = align(g.exports.sgemmWorkBytes());
  const space = reserve(workBytes + Placer.bytes(a, a.length) + Placer.bytes(b, b.length) + align(4 * batch * M * N + 32));
  if (space === null) return false;
  const { at, h } = space;
  const placer = new Placer(h, at + workBytes);
  const aPtr = placer.place(a, 0, a.length);
  const bPtr = placer.place(b, 0, b.length);
  const cPtr = placer.slot(batch * M * N);
  for (let t = 0; t < batch; t++) {
    g.exports.sgemm(
      +transA, +transB, M, N, K,
      aPtr + 4 * aIndex[t]! * M * K, transA ? M : K, bPtr + 4 * bIndex[t]! * K * N, transB ? K : N,
      cPtr + 4 * t * M * N, N, 0, at,
    );
  }
  out.set(h.subarray(cPtr >>> 2, (cPtr >>> 2) + batch * M * N));
  return true;
}
