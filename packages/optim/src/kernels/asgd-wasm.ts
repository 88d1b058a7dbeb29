/**
 * The host side of the WebAssembly SIMD ASGD update (`wasm/asgd.wat`). The module runs on core's
 * shared kernel memory, so pinned operands (see `pinStorage`; ASGD pins its parameters and
 * averages) are updated in place. Unpinned operands go through a scratch area one chunk at a time:
 * a chunk stays in L2 between its copy in, the update and its copy out, and chunks are large
 * because each `TypedArray.set` has a fixed cost (measured on Zen 4: 8192-element chunks were 5 to
 * 10% slower per step than 32768).
 * @module
 */
import { type Tensor, allocateKernelBytes, getKernelBackend, kernelAddress, kernelMemory, pinStorage } from "@tapegrad/core";
import { asgdWasmBase64 } from "./wasm/asgd.generated.js";

interface AsgdExports {
  asgdF32(p: number, g: number, ax: number, n: number, c: number, step: number, negEta: number, wd: number, mu: number, mode: number): void;
  asgdForeachF32(p: number, g: number, ax: number, n: number, lambd: number, wd: number, eta: number, mu: number, mode: number): void;
}

/** Below this many elements the TypeScript loop is as fast as a call into wasm. */
export const WASM_MIN_ELEMENTS = 256;
/** Elements per scratch chunk (a multiple of 8): 3 x 128 KiB of operands. */
const CHUNK = 32768;

/** Undefined until first needed; null when WebAssembly SIMD or shared memory is unavailable. */
let asgd: AsgdExports | null | undefined;
/** Byte addresses of the scratch chunks for unpinned p, g and ax. */
let scratchP = 0;
let scratchG = 0;
let scratchAx = 0;
/** A float32 view of all of kernel memory, remade when the memory has grown. */
let heap = new Float32Array(0);

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

function module(): AsgdExports | null {
  if (asgd === undefined) {
    asgd = null;
    const memory = kernelMemory();
    const scratch = memory === null ? null : allocateKernelBytes(3 * 4 * CHUNK);
    if (scratch === null) return null;
    try {
      const imports = { env: { memory: memory! } };
      asgd = new WebAssembly.Instance(new WebAssembly.Module(decodeBase64(asgdWasmBase64)), imports).exports as unknown as AsgdExports;
      scratchP = scratch;
      scratchG = scratch + 4 * CHUNK;
      scratchAx = scratch + 8 * CHUNK;
    } catch {
      // No WebAssembly SIMD here: the TypeScript loops do all the work.
    }
  }
  return asgd;
}

function currentHeap(): Float32Array {
  const buffer = kernelMemory()!.buffer;
  if (heap.byteLength !== buffer.byteLength) heap = new Float32Array(buffer);
  return heap;
}

/**
 * Pin the storage of each float32 tensor with at least {@link WASM_MIN_ELEMENTS} elements when the
 * kernel backend is "wasm", so the kernels below update it in place. Call before reading
 * `storage.data`: pinning replaces the storage's array.
 */
export function pinForAsgdKernel(...tensors: Tensor[]): void {
  if (getKernelBackend() !== "wasm") return;
  for (const t of tensors) if (t.dtype === "float32" && t.numel() >= WASM_MIN_ELEMENTS) pinStorage(t);
}

/** Float32 constants of one update (see `asgdSingleF32`); mode bits: 1 decay, 2 average, 4 maximize. */
export interface AsgdWasmScalars {
  c: number;
  step: number;
  negEta: number;
  wd: number;
  mu: number;
  mode: number;
}

/**
 * Run the wasm single-tensor update (`asgdF32`) on the first `n - n % 8` elements when the kernel
 * backend is "wasm"; returns how many elements it updated (0 when it did not run). Bit for bit
 * the same as the TypeScript loops of `asgdSingleF32`, which update the rest.
 */
export function asgdSingleF32Wasm(
  p: Float32Array, po: number, g: Float32Array, go: number, ax: Float32Array, axo: number, n: number, s: AsgdWasmScalars,
): number {
  const m = usable(p, po, g, go, ax, axo, n, s.mu);
  if (m === null) return 0;
  return chunked(p, po, g, go, ax, axo, n, (s.mode & 2) !== 0, (pa, ga, axa, len) => m.asgdF32(pa, ga, axa, len, s.c, s.step, s.negEta, s.wd, s.mu, s.mode));
}

/**
 * Run the wasm foreach update of one tensor (`asgdForeachF32`; float32 `lambd`, `wd`, `eta`, `mu`;
 * mode bits 1 decay, 4 maximize) on the first `n - n % 8` elements when the backend is "wasm";
 * returns how many elements it updated, like {@link asgdSingleF32Wasm}.
 */
export function asgdForeachF32Wasm(
  p: Float32Array, po: number, g: Float32Array, go: number, ax: Float32Array, axo: number, n: number,
  lambd: number, wd: number, eta: number, mu: number, mode: number,
): number {
  const fr = Math.fround;
  if (fr(lambd) !== lambd || fr(wd) !== wd || fr(eta) !== eta) return 0;
  const m = usable(p, po, g, go, ax, axo, n, mu);
  if (m === null) return 0;
  return chunked(p, po, g, go, ax, axo, n, true, (pa, ga, axa, len) => m.asgdForeachF32(pa, ga, axa, len, lambd, wd, eta, mu, mode));
}

/** The module when the backend is "wasm", the operands do not alias and mu is a float32 value; else null. */
function usable(p: Float32Array, po: number, g: Float32Array, go: number, ax: Float32Array, axo: number, n: number, mu: number): AsgdExports | null {
  // The kernel reads each element before writing it, in chunks: aliased operands keep the element-by-element order of the loops.
  if (getKernelBackend() !== "wasm" || mayAlias(p, po, g, go, n) || mayAlias(p, po, ax, axo, n) || mayAlias(g, go, ax, axo, n)) return null;
  // The module takes float32 scalars; a double mu (never passed by the optimizer) stays in the loops.
  if (Math.fround(mu) !== mu) return null;
  return module();
}

/**
 * Whether `n` elements of `a` from `ao` and of `b` from `bo` may share memory: overlapping address
 * ranges when both are pinned (all pinned arrays view the same memory), else the same buffer.
 */
function mayAlias(a: Float32Array, ao: number, b: Float32Array, bo: number, n: number): boolean {
  const aAt = kernelAddress(a);
  const bAt = kernelAddress(b);
  if (aAt !== null && bAt !== null) {
    const aStart = aAt + 4 * ao;
    const bStart = bAt + 4 * bo;
    return aStart < bStart + 4 * n && bStart < aStart + 4 * n;
  }
  return a.buffer === b.buffer;
}

/**
 * Run `kernel` over the first `n - n % 8` elements: pinned operands in place, unpinned ones copied
 * through the scratch chunks (p and ax copied back); returns the count done.
 */
function chunked(
  p: Float32Array, po: number, g: Float32Array, go: number, ax: Float32Array, axo: number, n: number, readAx: boolean,
  kernel: (p: number, g: number, ax: number, len: number) => void,
): number {
  const total = n - (n % 8);
  const pAt = kernelAddress(p);
  const gAt = kernelAddress(g);
  const axAt = kernelAddress(ax);
  if (pAt !== null && gAt !== null && axAt !== null) {
    kernel(pAt + 4 * po, gAt + 4 * go, axAt + 4 * axo, total);
    return total;
  }
  const h = currentHeap();
  for (let o = 0; o < total; o += CHUNK) {
    const len = Math.min(CHUNK, total - o);
    if (pAt === null) h.set(p.subarray(po + o, po + o + len), scratchP >>> 2);
    if (gAt === null) h.set(g.subarray(go + o, go + o + len), scratchG >>> 2);
    if (axAt === null && readAx) h.set(ax.subarray(axo + o, axo + o + len), scratchAx >>> 2);
    kernel(
      pAt === null ? scratchP : pAt + 4 * (po + o),
      gAt === null ? scratchG : gAt + 4 * (go + o),
      axAt === null ? scratchAx : axAt + 4 * (axo + o),
      len,
    );
    if (pAt === null) p.set(h.subarray(scratchP >>> 2, (scratchP >>> 2) + len), po + o);
    if (axAt === null) ax.set(h.subarray(scratchAx >>> 2, (scratchAx >>> 2) + len), axo + o);
  }
  return total;
}
