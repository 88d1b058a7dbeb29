/**
 * The host side of the WebAssembly SIMD elementwise kernels (`elementwise.wat`): relu, neg, sqrt
 * and add / sub / mul / div / the relu mask / a scaled add over dense float32 or float64 buffers.
 *
 * Operands in kernel memory (pinned storage: parameters, optimizer state) are read and written in
 * place. The others go through fixed scratch chunks: copied in with `TypedArray.set` (a memmove),
 * computed, and copied out. A memmove is far cheaper than a scalar TypeScript loop (which converts
 * every float32 to double and back and, for relu, branches on the sign), so the copies still win,
 * and the fixed chunk keeps scratch small and in cache whatever the tensor size.
 *
 * The kernels compute whole 16-byte vectors: each function returns how many leading elements it
 * wrote, and the caller computes the rest with its own loop (the same expressions, the same bits).
 * @module
 */
import type { TypedArray } from "../../dtype.js";
import { getKernelBackend } from "../backend.js";
import { kernelAddress } from "../../pin.js";
import { elementwiseWasmBase64, elementwiseWasmUnsharedBase64 } from "./elementwise.generated.js";
import { instantiateKernel } from "./instantiate.js";
import { ScratchBlock, kernelHeapF32 } from "./kernel-memory.js";
import type { FloatBuffer } from "./placer.js";

/** The unary ops with a SIMD kernel. */
export type SimdUnaryOp = "relu" | "neg" | "sqrt";
/** The binary ops with a SIMD kernel (as `DenseOp` of `dense-binary.ts`). */
export type SimdBinaryOp = "add" | "sub" | "mul" | "div" | "reluMask";

/** `dst[i] = op(src[i])` over `vectors` 16-byte vectors at byte addresses. */
type UnaryCall = (src: number, dst: number, vectors: number) => void;
/** `dst[i] = op(a[i], b[i])`; a step of 0 reads one vector (a value in every lane) throughout. */
type BinaryCall = (a: number, aStep: number, b: number, bStep: number, dst: number, vectors: number, alpha: number) => void;

/** The kernels of one element width. */
interface Width {
  relu: UnaryCall;
  neg: UnaryCall;
  sqrt: UnaryCall;
  add: BinaryCall;
  sub: BinaryCall;
  mul: BinaryCall;
  reluMask: BinaryCall;
  div: BinaryCall;
  /** `a + alpha * b` (computed in double for float32, as the TypeScript loop does). */
  axpy: BinaryCall;
  /** Elements per vector, and bytes per element. */
  lanes: number;
  es: number;
}

type Exports = Record<`${SimdUnaryOp}F${32 | 64}`, UnaryCall> & Record<`${"add" | "sub" | "mul" | "div" | "mask" | "axpy"}F${32 | 64}`, BinaryCall>;

/** Undefined until first needed; null when WebAssembly SIMD or kernel memory is unavailable here. */
let kernels: { f32: Width; f64: Width } | null | undefined;

function load(): { f32: Width; f64: Width } | null {
  if (kernels === undefined) {
    const ex = instantiateKernel<Exports>(elementwiseWasmBase64, elementwiseWasmUnsharedBase64)?.exports;
    const width = (w: 32 | 64): Width => ({
      relu: ex![`reluF${w}`], neg: ex![`negF${w}`], sqrt: ex![`sqrtF${w}`], add: ex![`addF${w}`], sub: ex![`subF${w}`], mul: ex![`mulF${w}`],
      div: ex![`divF${w}`], reluMask: ex![`maskF${w}`], axpy: ex![`axpyF${w}`], lanes: w === 32 ? 4 : 2, es: w / 8,
    });
    kernels = ex === undefined ? null : { f32: width(32), f64: width(64) };
  }
  return kernels;
}

/** Below this many elements the caller's loop is as fast as a kernel call with its copies (measured crossover: 128 to 512). */
const MIN_ELEMENTS = 256;
/** Bytes of one operand's scratch chunk: three chunks (two operands and the result) stay in L2. */
const CHUNK_BYTES = 32768;
/** Scratch layout: two 16-byte splats (single-value operands), then the chunks of a, b and the result. */
const SPLAT_A = 0;
const SPLAT_B = 16;
const CHUNK_A = 64;
const CHUNK_B = CHUNK_A + CHUNK_BYTES;
const CHUNK_OUT = CHUNK_B + CHUNK_BYTES;
const SCRATCH_BYTES = CHUNK_OUT + CHUNK_BYTES;

const scratch = new ScratchBlock();
/** A float64 view of kernel memory, remade with the float32 one when the memory grows. */
let heapF64: Float64Array = new Float64Array(0);

/** The kernels of `out`'s width, when `out` is a float buffer long enough to be worth a call. */
function widthFor(out: TypedArray): Width | null {
  if (out.length < MIN_ELEMENTS || getKernelBackend() !== "wasm") return null;
  const k = load();
  if (k === null) return null;
  return out instanceof Float32Array ? k.f32 : out instanceof Float64Array ? k.f64 : null;
}

/** Where an operand is read from: an array (pinned or copied in by chunks) or one value in every lane. */
interface Source {
  /** The array, or null for a single value (already stored in its splat). */
  data: FloatBuffer | null;
  /** Byte address of element 0 when pinned, else null. */
  pinned: number | null;
  /** Scratch offset of its splat or chunk. */
  slot: number;
  /** Whether the array is one row repeated over the result (its length divides the result's). */
  row: boolean;
}

/**
 * Run `call` over the first `n - n % lanes` elements of `out`, chunk by chunk; returns how many
 * elements it wrote (0 when kernel memory cannot hold the scratch). An operand shorter than `out`
 * is a row of `rowLength` elements (a multiple of lanes, at most a chunk) repeated: it is placed
 * once, chunks hold whole rows, and the kernel runs once per row.
 */
function run(
  w: Width, call: BinaryCall | UnaryCall, a: FloatBuffer | number, b: FloatBuffer | number | null, out: FloatBuffer, alpha: number, rowLength: number,
): number {
  const n = out.length;
  const done = n - (n % w.lanes);
  const base = scratch.reserve(SCRATCH_BYTES);
  if (base === null) return 0;
  // Take the views after reserving: it may have grown the memory.
  const f32 = kernelHeapF32();
  if (heapF64.buffer !== f32.buffer) heapF64 = new Float64Array(f32.buffer);
  const h: FloatBuffer = w.es === 4 ? f32 : heapF64;
  const sh = w.es === 4 ? 2 : 3;
  const sa = source(h, base, a, n, SPLAT_A, CHUNK_A, w.lanes, sh);
  const sb = b === null ? sa : source(h, base, b, n, SPLAT_B, CHUNK_B, w.lanes, sh);
  const outPinned = kernelAddress(out);
  const chunk = rowLength === n ? CHUNK_BYTES >>> sh : Math.floor((CHUNK_BYTES >>> sh) / rowLength) * rowLength;
  const vectors = rowLength / w.lanes;
  const aStep = sa.data === null || sa.row ? 0 : rowLength << sh;
  const bStep = sb.data === null || sb.row ? 0 : rowLength << sh;
  for (let start = 0; start < done; start += chunk) {
    const len = Math.min(chunk, done - start);
    let pa = place(h, sa, base, start, len, sh);
    let pb = b === null ? 0 : place(h, sb, base, start, len, sh);
    const dst0 = outPinned === null ? base + CHUNK_OUT : outPinned + (start << sh);
    if (rowLength === n) {
      if (b === null) (call as UnaryCall)(pa, dst0, len / w.lanes);
      else (call as BinaryCall)(pa, sa.data === null ? 0 : 16, pb, sb.data === null ? 0 : 16, dst0, len / w.lanes, alpha);
    } else {
      for (let dst = dst0, end = dst0 + (len << sh); dst < end; dst += rowLength << sh, pa += aStep, pb += bStep) {
        (call as BinaryCall)(pa, sa.data === null ? 0 : 16, pb, sb.data === null ? 0 : 16, dst, vectors, alpha);
      }
    }
    if (outPinned === null) {
      const at = (base + CHUNK_OUT) >>> sh;
      out.set(h.subarray(at, at + len), start);
    }
  }
  return done;
}

/** Describe an operand of a result of `n` elements; a single value is stored in every lane of its splat now. */
function source(h: FloatBuffer, base: number, x: FloatBuffer | number, n: number, splat: number, chunk: number, lanes: number, sh: number): Source {
  if (typeof x !== "number") return { data: x, pinned: kernelAddress(x), slot: chunk, row: x.length !== n };
  h.fill(x, (base + splat) >>> sh, ((base + splat) >>> sh) + lanes);
  return { data: null, pinned: null, slot: splat, row: false };
}

/**
 * The byte address of elements `start .. start + len` of an operand (copied into its chunk unless
 * pinned); a row is copied once, at the first chunk.
 */
function place(h: FloatBuffer, s: Source, base: number, start: number, len: number, sh: number): number {
  if (s.data === null) return base + s.slot;
  if (s.pinned !== null) return s.row ? s.pinned : s.pinned + (start << sh);
  if (s.row) {
    if (start === 0) h.set(s.data, (base + s.slot) >>> sh);
  } else {
    h.set(start === 0 && len === s.data.length ? s.data : s.data.subarray(start, start + len), (base + s.slot) >>> sh);
  }
  return base + s.slot;
}

/** Whether `v` is stored unchanged in a float32 lane (NaN counts: its lanes stay NaN). */
function isFloat32(v: number): boolean {
  return Math.fround(v) === v || v !== v;
}

/**
 * `out[i] = op(src[i])` with SIMD for the leading whole vectors; returns how many leading elements
 * it wrote (0 when `src` and `out` are not float buffers of one type, or too short to be worth it).
 */
export function unarySimd(op: SimdUnaryOp, src: TypedArray, out: TypedArray): number {
  const w = widthFor(out);
  if (w === null || src.constructor !== out.constructor) return 0;
  if (src.length !== out.length) return 0;
  return run(w, w[op], src as FloatBuffer, null, out as FloatBuffer, 0, out.length);
}

/**
 * `out[i] = op(a[i], b[i])` (with `alpha` scaling b for add and sub; a number is that value for
 * every i) with SIMD for the leading whole vectors; returns how many leading elements it wrote.
 * One operand may be a row repeated over `out` (`[N]` against `[B, N]`): an array of `rowLength`
 * elements, a multiple of the lanes (else this returns 0). Returns 0 too when the arrays are not
 * float buffers of `out`'s type, both operands are numbers, or a number is not exact in float32
 * for a float32 result (the TypeScript loop then computes in double).
 */
export function binarySimd(
  op: SimdBinaryOp, a: TypedArray | number, b: TypedArray | number, out: TypedArray, alpha: number, rowLength = out.length,
): number {
  const w = widthFor(out);
  if (w === null || (typeof a === "number" && typeof b === "number")) return 0;
  const n = out.length;
  if (typeof a !== "number" && (a.constructor !== out.constructor || (a.length !== n && a.length !== rowLength))) return 0;
  if (typeof b !== "number" && (b.constructor !== out.constructor || (b.length !== n && b.length !== rowLength))) return 0;
  if (rowLength !== n && (rowLength % w.lanes !== 0 || rowLength > CHUNK_BYTES / w.es || n % rowLength !== 0)) return 0;
  if (w.es === 4 && ((typeof a === "number" && !isFloat32(a)) || (typeof b === "number" && !isFloat32(b)))) return 0;
  const fa = a as FloatBuffer | number;
  const fb = b as FloatBuffer | number;
  const o = out as FloatBuffer;
  // a - alpha*b is a + (-alpha)*b exactly (IEEE subtraction adds the negation).
  if ((op === "add" || op === "sub") && alpha !== 1) return run(w, w.axpy, fa, fb, o, op === "add" ? alpha : -alpha, rowLength);
  return run(w, w[op], fa, fb, o, 0, rowLength);
}
