/**
 * The host side of the WebAssembly SIMD softmax rows (`softmax.wat`): for each row of C logits,
 * the max, the sum of exp(x - max) and the softmax, with the bits of the TypeScript slices of
 * `softmax.ts` on V8 (the module's exp is fdlibm's, which is V8's Math.exp). Rows go through the
 * kernel's scratch block in chunks (copied in unless in kernel memory, the softmax copied out), so
 * scratch stays small whatever the batch.
 * @module
 */
import { getKernelBackend } from "../backend.js";
import { instantiateKernel } from "./instantiate.js";
import { ScratchBlock, kernelHeapF32, kernelHeapF64 } from "./kernel-memory.js";
import { type FloatBuffer, Placer, align } from "./placer.js";
import { softmaxWasmBase64, softmaxWasmUnsharedBase64 } from "./softmax.generated.js";

/**
 * `rows` rows of C logits at byte address x: (max, sum) pairs at stats, the softmax at probs unless
 * 0; work: {@link CONSTANT_BYTES} + 8 C bytes of work space.
 */
type SoftmaxRows = (x: number, rows: number, C: number, probs: number, stats: number, work: number) => void;

interface Exports {
  softmaxRowsF32: SoftmaxRows;
  softmaxRowsF64: SoftmaxRows;
  expF64(src: number, dst: number, n: number, work: number): void;
}

/** Undefined until first needed; null when WebAssembly SIMD or kernel memory is unavailable here. */
let kernels: Exports | null | undefined;
const scratch = new ScratchBlock();

/** Bytes of work space the module's exp keeps its constants in. */
const CONSTANT_BYTES = 448;
/** Below this many logits the TypeScript loop is as fast as a call with its copies. */
const MIN_ELEMENTS = 64;
/** Bytes of logits (and of softmax) per chunk of rows: both stay in L2. */
const CHUNK_BYTES = 65536;

/** The module's exports, or null when it cannot run here (or the js backend is forced). */
function load(): Exports | null {
  if (getKernelBackend() !== "wasm") return null;
  kernels ??= instantiateKernel<Exports>(softmaxWasmBase64, softmaxWasmUnsharedBase64)?.exports ?? null;
  return kernels;
}

/**
 * For each of `rows` rows of C logits at `x[offset ..]` (contiguous, row-major): `stats[2 r]` =
 * the row's max (the first NaN, else the largest value) and `stats[2 r + 1]` = the sum of
 * exp(x - max) in order, in double; and unless `probs` is null, the softmax `exp(x - max) / sum`
 * rounded to its type, in the rows' layout. The bits of `sliceMax` / `sliceExpSum` and their
 * division. Returns false (having written nothing) when the kernels are unavailable, the arrays
 * are not float buffers of one type, or there are too few logits to be worth a call.
 */
export function softmaxRowsWasm(x: FloatBuffer, offset: number, rows: number, C: number, probs: FloatBuffer | null, stats: Float64Array): boolean {
  if (rows * C < MIN_ELEMENTS || C === 0 || (probs !== null && probs.constructor !== x.constructor)) return false;
  const k = load();
  if (k === null) return false;
  const es = x.BYTES_PER_ELEMENT;
  const chunkRows = Math.max(1, Math.floor(CHUNK_BYTES / (C * es)));
  const most = Math.min(rows, chunkRows);
  const work = CONSTANT_BYTES + align(C * 8) + align(most * 16);
  const at = scratch.reserve(work + Placer.bytes(x, most * C) + (probs === null ? 0 : Placer.resultBytes(probs, most * C)));
  if (at === null) return false;
  const f64 = kernelHeapF64();
  const h: FloatBuffer = es === 4 ? kernelHeapF32() : f64;
  const call = es === 4 ? k.softmaxRowsF32 : k.softmaxRowsF64;
  const statsAt = at + CONSTANT_BYTES + align(C * 8);
  for (let r0 = 0; r0 < rows; r0 += chunkRows) {
    const n = Math.min(chunkRows, rows - r0);
    const placer = new Placer(h, at + work);
    const xAt = placer.place(x, offset + r0 * C, n * C);
    const pAt = probs === null ? 0 : placer.result(probs, r0 * C, n * C);
    call(xAt, n, C, pAt, statsAt, at);
    stats.set(f64.subarray(statsAt / 8, statsAt / 8 + 2 * n), 2 * r0);
    if (probs !== null) placer.copyOut(pAt, n * C, probs, r0 * C);
  }
  return true;
}

/**
 * `dst[i] = exp(src[i])` through the module's exp (for its tests: the bits of V8's Math.exp).
 * Returns false when the kernels are unavailable.
 */
export function expWasm(src: Float64Array, dst: Float64Array): boolean {
  const k = load();
  if (k === null) return false;
  if (src.length === 0) return true;
  const bytes = align(src.length * 8);
  const at = scratch.reserve(2 * bytes + CONSTANT_BYTES);
  if (at === null) return false;
  const f64 = kernelHeapF64();
  f64.set(src, at / 8);
  k.expF64(at, at + bytes, src.length, at + 2 * bytes);
  dst.set(f64.subarray((at + bytes) / 8, (at + bytes) / 8 + src.length));
  return true;
}
