/**
 * The host side of the WebAssembly SIMD column sums (`reduce.wat`): the middle axis of a float32
 * or float64 [outer, size, inner] block summed in place, as the bias gradient's sum over the batch
 * of a [B, N] gradient is. The host walks the pairwise tree of `pairwise-order.ts` (blocks of 128
 * rows summed by one kernel call, pairs of blocks added), so each column gets exactly the sums of
 * the TypeScript kernel, in the same order: the same bits.
 *
 * Input in kernel memory (pinned storage, kernel scratch arrays) is read in place; other input is
 * copied into a small chunk a few rows at a time (a memmove per few rows, or per row of a column
 * strip when one row would not fit the chunk), so scratch stays small whatever the size.
 * @module
 */
import { getKernelBackend } from "../backend.js";
import { BLOCK, pairwiseDepth, splitPoint } from "../pairwise-order.js";
import { instantiateKernel } from "./instantiate.js";
import { ScratchBlock, kernelHeapF32, kernelHeapF64 } from "./kernel-memory.js";
import { type FloatBuffer, Placer, align, inKernelMemory } from "./placer.js";
import { reduceWasmBase64, reduceWasmUnsharedBase64 } from "./reduce.generated.js";

/**
 * `dst[j] = sum over r < rows of src[r * stride + j]` in float64, for j < width (byte addresses and
 * stride); `more` 1 continues the sums already in `dst`.
 */
type ColumnSum = (src: number, stride: number, rows: number, width: number, dst: number, more: number) => void;

interface Exports {
  colSumF32: ColumnSum;
  colSumF64: ColumnSum;
  addF64(dst: number, src: number, n: number): void;
  demoteF32(src: number, dst: number, n: number): void;
}

/** Undefined until first needed; null when WebAssembly SIMD or kernel memory is unavailable here. */
let kernels: Exports | null | undefined;
const scratch = new ScratchBlock();

/** Below this many elements the TypeScript loop is as fast as a call with its copies. */
const MIN_ELEMENTS = 512;
/** Bytes of the chunk input rows are copied into (unless in kernel memory), a few rows at a time: it stays in L1. */
const CHUNK_BYTES = 32768;

/** One sum's layout in kernel memory. */
interface Layout {
  k: Exports;
  colSum: ColumnSum;
  h: FloatBuffer;
  data: FloatBuffer;
  /** Bytes per element. */
  es: number;
  /** Elements per input row. */
  inner: number;
  /** Columns of the strip being summed. */
  width: number;
  /** Byte address of the input's element 0 when it is in kernel memory, else null. */
  pinned: number | null;
  /** Rows of the strip copied into the chunk at a time (when not pinned), and the chunk's byte address. */
  chunkRows: number;
  chunk: number;
  /** Byte address of the float64 accumulators of the tree levels, and the bytes of each. */
  levels: number;
  levelBytes: number;
}

/**
 * `out[o * inner + i] = sum over k < size of data[offset + (o * size + k) * inner + i]` with
 * WebAssembly SIMD, the bits of `sumMiddleAxis`'s TypeScript loops. Returns false (having written
 * nothing) when the kernels are unavailable, the arrays are not float buffers of one type, or the
 * block is too small to be worth a call; the caller then sums in TypeScript.
 */
export function sumMiddleAxisWasm(data: FloatBuffer, offset: number, outer: number, size: number, inner: number, out: FloatBuffer): boolean {
  if (size === 0 || inner === 0 || outer * size * inner < MIN_ELEMENTS || getKernelBackend() !== "wasm") return false;
  if (data.constructor !== out.constructor) return false;
  kernels ??= instantiateKernel<Exports>(reduceWasmBase64, reduceWasmUnsharedBase64)?.exports ?? null;
  if (kernels === null) return false;
  const es = data.BYTES_PER_ELEMENT;
  const pinned = inKernelMemory(data);
  // Whole rows unless one row would not fit the chunk (then strips of a multiple of 16 columns).
  const width = pinned !== null || inner * es <= CHUNK_BYTES ? inner : Math.floor(CHUNK_BYTES / es / 16) * 16;
  const chunkBytes = pinned === null ? CHUNK_BYTES : 0;
  const levels = pairwiseDepth(size) + 1;
  const levelBytes = align(width * 8);
  const resultBytes = Placer.resultBytes(out, width);
  const at = scratch.reserve(chunkBytes + levels * levelBytes + resultBytes);
  if (at === null) return false;
  // Take the views after reserving: it may have grown the memory.
  const h = es === 4 ? kernelHeapF32() : kernelHeapF64();
  const layout: Layout = {
    k: kernels, colSum: es === 4 ? kernels.colSumF32 : kernels.colSumF64, h, data, es, inner, width, pinned,
    chunkRows: Math.floor(CHUNK_BYTES / (width * es)), chunk: at, levels: at + chunkBytes, levelBytes,
  };
  const resultAt = at + chunkBytes + levels * levelBytes;
  for (let o = 0; o < outer; o++) {
    const block = offset + o * size * inner;
    for (let j0 = 0; j0 < inner; j0 += width) {
      layout.width = Math.min(width, inner - j0);
      const placer = new Placer(h, resultAt);
      const dst = placer.result(out, o * inner + j0, layout.width);
      // Level 0 accumulates the whole column sums: straight into the result for float64.
      const acc = es === 8 ? dst : layout.levels;
      columns(layout, block + j0, size, acc, 1);
      if (es === 4) kernels.demoteF32(acc, dst, layout.width);
      placer.copyOut(dst, layout.width, out, o * inner + j0);
    }
  }
  return true;
}

/**
 * Float64 column sums of rows `start, start + inner, ...` (`n` rows of `layout.width` elements,
 * element indices into `layout.data`) into the accumulator at byte address `acc`, walking the
 * pairwise tree: one block of up to 128 rows summed by one chain per column, the right half
 * summed into the accumulator of `level` and added to the left's.
 */
function columns(layout: Layout, start: number, n: number, acc: number, level: number): void {
  if (n <= BLOCK) {
    block(layout, start, n, acc);
    return;
  }
  const half = splitPoint(n);
  const right = layout.levels + level * layout.levelBytes;
  columns(layout, start, half, acc, level + 1);
  columns(layout, start + half * layout.inner, n - half, right, level + 1);
  layout.k.addF64(acc, right, layout.width);
}

/**
 * The column sums of one block of `n` rows into `acc`: read in place when in kernel memory, else
 * copied into the chunk a few rows at a time, each call continuing the previous one's sums (the
 * chunk stays in L1, where a copy of the whole block would evict its source from L2).
 */
function block(layout: Layout, start: number, n: number, acc: number): void {
  const { h, data, es, inner, width, chunkRows, chunk } = layout;
  if (layout.pinned !== null) {
    layout.colSum(layout.pinned + start * es, inner * es, n, width, acc, 0);
    return;
  }
  const at = chunk / es;
  for (let r0 = 0; r0 < n; r0 += chunkRows) {
    const rows = Math.min(chunkRows, n - r0);
    const from = start + r0 * inner;
    if (width === inner) {
      h.set(data.subarray(from, from + rows * inner), at);
    } else {
      for (let r = 0; r < rows; r++) h.set(data.subarray(from + r * inner, from + r * inner + width), at + r * width);
    }
    layout.colSum(chunk, width * es, rows, width, acc, r0 > 0 ? 1 : 0);
  }
}
