/**
 * The host side of the WebAssembly SIMD matrix products (`gemm.wat`, float32 and float64): one
 * lazily instantiated module on core's kernel memory. Pinned operands (see `pinStorage`) are read in place;
 * others are copied into a scratch block with `TypedArray.set` (a memmove), and the result is
 * copied out. Large products cut the rows or the columns of C into shares that the kernel threads claim.
 * @module
 */
import { kernelSplitThreads, runParallel } from "../threads/kernel-threads.js";
import { gemmWasmBase64, gemmWasmUnsharedBase64 } from "./gemm.generated.js";
import { type KernelModule, instantiateKernel } from "./instantiate.js";
import { ScratchBlock, kernelHeapF32 } from "./kernel-memory.js";
import { type FloatBuffer, Placer, align } from "./placer.js";

/** One kernel call: transA, transB, M, N, K, a, lda, b, ldb, c, ldc, bias, acc (1: add onto C), work. */
type GemmCall = (
  transA: number, transB: number, M: number, N: number, K: number,
  a: number, lda: number, b: number, ldb: number, c: number, ldc: number, bias: number, acc: number, work: number,
) => void;

/** The exports of `gemm.wat`. */
interface GemmExports {
  sgemmWorkBytes(): number;
  dgemmWorkBytes(): number;
  sgemm: GemmCall;
  dgemm: GemmCall;
}


/** The element width of a product: its export, work size and element size. */
interface Width {
  name: "sgemm" | "dgemm";
  call: GemmCall;
  workBytes: number;
  /** Bytes per element. */
  es: number;
}

/** The instantiated module and its two widths; undefined until first needed, null when it cannot be used here. */
let gemm: { kernel: KernelModule<GemmExports>; f32: Width; f64: Width } | null | undefined;
/** Operands, result and per-thread work areas. */
const scratch = new ScratchBlock();
/** A float64 view of kernel memory, remade with the float32 one. */
let heapF64: Float64Array = new Float64Array(0);
/** Scratch is never grown past this (bytes): larger products use the TypeScript kernel. */
const MAX_BYTES = 1 << 30;
/** Products with fewer multiply-adds than this run on one thread. */
const MIN_THREADED_MACS = 1 << 20;
/**
 * Products with fewer multiply-adds than this are not worth waking a sleeping helper for (tens of
 * microseconds on the caller); smaller split products go to helpers that are awake (spinning after
 * a recent job, as through a training step) and otherwise run all on the caller.
 */
const MIN_WAKE_MACS = 1 << 22;
/** Split products are not cut into shares of fewer multiply-adds than this. */
const MIN_SHARE_MACS = 1 << 19;

/** The compiled and instantiated module, or null when WebAssembly SIMD or memory is unavailable. */
function module(): { kernel: KernelModule<GemmExports>; f32: Width; f64: Width } | null {
  if (gemm === undefined) {
    const kernel = instantiateKernel<GemmExports>(gemmWasmBase64, gemmWasmUnsharedBase64);
    const ex = kernel?.exports;
    gemm = ex === undefined ? null : {
      kernel: kernel!,
      f32: { name: "sgemm", call: ex.sgemm, workBytes: align(ex.sgemmWorkBytes()), es: 4 },
      f64: { name: "dgemm", call: ex.dgemm, workBytes: align(ex.dgemmWorkBytes()), es: 8 },
    };
  }
  return gemm;
}

/** Whether the wasm matrix product can run in this runtime. */
export function wasmGemmAvailable(): boolean {
  return module() !== null;
}


/** The scratch block of at least `bytes`, and a view of kernel memory of `like`'s type; null when too large. */
function reserve(bytes: number, like: FloatBuffer): { at: number; h: FloatBuffer } | null {
  const at = bytes > MAX_BYTES ? null : scratch.reserve(bytes);
  if (at === null) return null;
  const f32 = kernelHeapF32();
  if (like instanceof Float32Array) return { at, h: f32 };
  if (heapF64.buffer !== f32.buffer) heapF64 = new Float64Array(f32.buffer);
  return { at, h: heapF64 };
}

/**
 * `out[outOffset ..] = op(A) op(B) (+ bias)` through the wasm module, in float32 or float64 (all
 * buffers of one type), where op(A) is the M x K matrix stored row-major at `a[aOffset ..]` (or,
 * when `transA`, its K x M transpose is), and likewise op(B) K x N. Returns false (and writes
 * nothing) when the module is unavailable or the operands do not fit its memory; the caller then
 * uses the TypeScript kernel.
 */
export function gemmWasm<T extends FloatBuffer>(
  a: T, aOffset: number, transA: boolean,
  b: T, bOffset: number, transB: boolean,
  out: T, outOffset: number, M: number, K: number, N: number,
  bias: T | null, biasOffset: number,
): boolean {
  const g = module();
  if (g === null) return false;
  const w = out instanceof Float32Array ? g.f32 : g.f64;
  const transposed = transposeWins(M, N, 32 / w.es);
  const shares = transposed ? sharesFor(N, K, M) : sharesFor(M, K, N);
  const operandBytes = Placer.bytes(a, M * K) + Placer.bytes(b, K * N) + (bias === null ? 0 : Placer.bytes(bias, N, false)) +
    (transposed ? Placer.bytes(out, M * N, false) : Placer.resultBytes(out, M * N));
  const space = reserve(operandBytes + shares * w.workBytes, out);
  if (space === null) return false;
  const { at, h } = space;
  const placer = new Placer(h, at + shares * w.workBytes);
  const aPtr = placer.place(a, aOffset, M * K);
  const bPtr = placer.place(b, bOffset, K * N);
  if (transposed) {
    // C^T = op(B)^T op(A)^T: the same products summed in the same order, so the same bits. The
    // bias becomes the rows' starting values.
    const ct = placer.slot(M * N);
    const base = ct / w.es;
    if (bias !== null) for (let j = 0; j < N; j++) h.fill(bias[biasOffset + j]!, base + j * M, base + (j + 1) * M);
    product(g.kernel, w, shares, at, !transB, !transA, N, M, K, bPtr, aPtr, ct, 0, bias !== null);
    for (let j = 0; j < N; j++) for (let i = 0, o = outOffset + j; i < M; i++, o += N) out[o] = h[base + j * M + i]!;
    return true;
  }
  const biasPtr = bias === null ? 0 : placer.place(bias, biasOffset, N, false);
  const cPtr = placer.result(out, outOffset, M * N);
  product(g.kernel, w, shares, at, transA, transB, M, N, K, aPtr, bPtr, cPtr, biasPtr, false);
  placer.copyOut(cPtr, M * N, out, outOffset);
  return true;
}

/**
 * Whether C = op(A) op(B) is better computed as its transpose: when C is so narrow that most of
 * the micro-kernel's 8 (float32) or 4 (float64) columns would be padding, while the transpose
 * fills the 4-row side better (C is 256 x 10 behind a 10-class linear layer: 12 x 256 computed
 * transposed against 256 x 16 as it is).
 */
function transposeWins(M: number, N: number, panel: number): boolean {
  const cost = (rows: number, cols: number): number => Math.ceil(rows / 4) * 4 * Math.ceil(cols / panel) * panel;
  return cost(N, M) < 0.8 * cost(M, N);
}

/**
 * How many shares a product of these sizes is cut into (1 below the threshold, on one thread, or
 * when too narrow to split): a few per thread, so that a helper that wakes late leaves the caller
 * only whole shares to take over.
 */
function sharesFor(M: number, K: number, N: number): number {
  const threads = kernelSplitThreads();
  if (M * N * K < MIN_THREADED_MACS || threads === 1) return 1;
  const [extent, unit] = M >= N ? [M, ROW_UNIT] : [N, COLUMN_UNIT];
  return Math.min(threads * SHARES_PER_THREAD, Math.ceil(extent / unit), Math.max(threads, Math.floor((M * N * K) / MIN_SHARE_MACS)));
}

/** Shares per thread of a split product. */
const SHARES_PER_THREAD = 4;

/** Rows of C per share are a multiple of this: the micro-kernel's 4 rows. */
const ROW_UNIT = 4;
/** Columns of C per share are a multiple of this: whole micro-kernel panels, and whole cache lines of C per share. */
const COLUMN_UNIT = 16;

/**
 * One product on operands already in kernel memory, cut into `shares` calls (work areas of
 * `w.workBytes` from `work`). The longer side of C is cut: blocks of whole 4-row micro-tiles when
 * M >= N, else blocks of 16 columns (so each share packs only its own columns of op(B) instead of
 * all of it). Either way every element is computed exactly as by one thread: the same products,
 * summed in the same k order.
 */
function product(
  g: KernelModule<GemmExports>, w: Width, shares: number, work: number, transA: boolean, transB: boolean,
  M: number, N: number, K: number, aPtr: number, bPtr: number, cPtr: number, biasPtr: number, accumulate: boolean,
): void {
  const lda = transA ? M : K;
  const ldb = transB ? K : N;
  const acc = +accumulate;
  if (shares === 1) {
    w.call(+transA, +transB, M, N, K, aPtr, lda, bPtr, ldb, cPtr, N, biasPtr, acc, work);
    return;
  }
  const calls: number[][] = [];
  if (M >= N) {
    const rows = Math.ceil(M / shares / ROW_UNIT) * ROW_UNIT;
    for (let i0 = 0, t = 0; i0 < M; i0 += rows, t++) {
      const aRow = aPtr + (transA ? i0 : i0 * lda) * w.es;
      calls.push([+transA, +transB, Math.min(rows, M - i0), N, K, aRow, lda, bPtr, ldb, cPtr + i0 * N * w.es, N, biasPtr, acc, work + t * w.workBytes]);
    }
  } else {
    const cols = Math.ceil(N / shares / COLUMN_UNIT) * COLUMN_UNIT;
    for (let j0 = 0, t = 0; j0 < N; j0 += cols, t++) {
      const bCol = bPtr + (transB ? j0 * ldb : j0) * w.es;
      const biasCol = biasPtr === 0 ? 0 : biasPtr + j0 * w.es;
      calls.push([+transA, +transB, M, Math.min(cols, N - j0), K, aPtr, lda, bCol, ldb, cPtr + j0 * w.es, N, biasCol, acc, work + t * w.workBytes]);
    }
  }
  runParallel(g.module, w.name, calls, (args) => w.call(...(args as Parameters<GemmCall>)), M * N * K >= MIN_WAKE_MACS);
}

/**
 * A batch of products through the wasm module (float32 or float64): for each `t < batch`, the
 * matrix at `aIndex[t] * M * K` of `a` times the one at `bIndex[t] * K * N` of `b` (each possibly
 * stored transposed), into `out` at `t * M * N`. Both operands are copied in once (unless pinned);
 * large products split their rows or columns between threads. Returns false when the module is unavailable
 * or the operands do not fit.
 */
export function gemmBatchedWasm<T extends FloatBuffer>(
  a: T, aIndex: ArrayLike<number>, transA: boolean,
  b: T, bIndex: ArrayLike<number>, transB: boolean,
  out: T, batch: number, M: number, K: number, N: number,
): boolean {
  const g = module();
  if (g === null) return false;
  const w = out instanceof Float32Array ? g.f32 : g.f64;
  const shares = sharesFor(M, K, N);
  const space = reserve(shares * w.workBytes + Placer.bytes(a, a.length) + Placer.bytes(b, b.length) + Placer.resultBytes(out, batch * M * N), out);
  if (space === null) return false;
  const { at, h } = space;
  const placer = new Placer(h, at + shares * w.workBytes);
  const aPtr = placer.place(a, 0, a.length);
  const bPtr = placer.place(b, 0, b.length);
  const cPtr = placer.result(out, 0, batch * M * N);
  for (let t = 0; t < batch; t++) {
    const aAt = aPtr + aIndex[t]! * M * K * w.es;
    const bAt = bPtr + bIndex[t]! * K * N * w.es;
    product(g.kernel, w, shares, at, transA, transB, M, N, K, aAt, bAt, cPtr + t * M * N * w.es, 0, false);
  }
  placer.copyOut(cPtr, batch * M * N, out, 0);
  return true;
}
