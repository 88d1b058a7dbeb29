/**
 * The host side of the WebAssembly SIMD ASGD update (`wasm/asgd.wat`). The module runs on core's
 * kernel memory, so pinned operands (see `pinStorage`; ASGD pins its parameters, averages
 * and long-lived gradients) are updated in place, and large updates split their elements between
 * the kernel threads. On one thread, unpinned operands go through a scratch area one chunk at a
 * time: a chunk stays in L2 between its copy in, the update and its copy out, and chunks are large
 * because each `TypedArray.set` has a fixed cost (measured on Zen 4: 8192-element chunks were 5 to
 * 10% slower per step than 32768). With threads they are staged whole, then updated in parallel.
 * @module
 */
import { type Tensor, getKernelBackend, pinStorage } from "@tapegrad/core";
import {
  type KernelModule, Placer, ScratchBlock, instantiateKernel, kernelAddress, kernelHeapF32, kernelSplitThreads, runParallel,
} from "@tapegrad/core/internal";
import { asgdWasmBase64, asgdWasmUnsharedBase64 } from "./wasm/asgd.generated.js";

interface AsgdExports {
  asgdF32(p: number, g: number, ax: number, n: number, c: number, step: number, negEta: number, wd: number, mu: number, mode: number): void;
  asgdForeachF32(p: number, g: number, ax: number, n: number, lambd: number, wd: number, eta: number, mu: number, mode: number): void;
}

/** Below this many elements the TypeScript loop is as fast as a call into wasm. */
export const WASM_MIN_ELEMENTS = 256;
/** Elements per scratch chunk (a multiple of 8): 3 x 128 KiB of operands. */
const CHUNK = 32768;
/** Updates of fewer elements run on one thread (waking a helper costs more than they take). */
const MIN_THREADED_ELEMENTS = 1 << 17;

/** Undefined until first needed; null when WebAssembly SIMD or kernel memory is unavailable. */
let asgd: KernelModule<AsgdExports> | null | undefined;
/** Chunks (or whole staged copies) of unpinned p, g and ax. */
const scratch = new ScratchBlock();

function module(): KernelModule<AsgdExports> | null {
  if (asgd === undefined) asgd = instantiateKernel<AsgdExports>(asgdWasmBase64, asgdWasmUnsharedBase64);
  return asgd;
}

/**
 * Gradients already seen by a step under the wasm backend. A WeakSet, not WeakRefs: `deref()`
 * keeps its target alive until the current job ends, which in a synchronous training loop would
 * keep every step's gradient alive until the loop returns.
 */
const seenGrads = new WeakSet<Tensor>();

/**
 * Under the "wasm" kernel backend, pin what the kernels below will update in place: the float32
 * parameter `p` and its average `ax` (when they have at least {@link WASM_MIN_ELEMENTS} elements),
 * and the gradient `g` when a previous step already saw it. A gradient kept across steps (a fixed
 * one, or `zeroGrad(false)`) is long-lived like the parameter; fresh
 * gradients (the default) are never pinned: they would be copied in anyway, and pinned blocks
 * only return to kernel memory when garbage-collected. Call before reading `storage.data`:
 * pinning replaces the storage's array.
 */
export function pinForAsgdKernel(p: Tensor, g: Tensor, ax: Tensor): void {
  if (getKernelBackend() !== "wasm" || p.dtype !== "float32" || p.numel() < WASM_MIN_ELEMENTS) return;
  pinStorage(p);
  pinStorage(ax);
  if (seenGrads.has(g)) pinStorage(g);
  else seenGrads.add(g);
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
  return update(m, "asgdF32", [s.c, s.step, s.negEta, s.wd, s.mu, s.mode], p, po, g, go, ax, axo, n, (s.mode & 2) !== 0);
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
  return update(m, "asgdForeachF32", [lambd, wd, eta, mu, mode], p, po, g, go, ax, axo, n, true);
}

/** The module when the backend is "wasm", the operands do not alias and mu is a float32 value; else null. */
function usable(
  p: Float32Array, po: number, g: Float32Array, go: number, ax: Float32Array, axo: number, n: number, mu: number,
): KernelModule<AsgdExports> | null {
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
 * Run the export `name` (arguments: p, g, ax, n, then `scalars`) over the first `n - n % 8`
 * elements: pinned operands in place, unpinned ones copied in (p and ax copied back); on several
 * threads when the update is large. Returns the count done.
 */
function update(
  m: KernelModule<AsgdExports>, name: "asgdF32" | "asgdForeachF32", scalars: readonly number[],
  p: Float32Array, po: number, g: Float32Array, go: number, ax: Float32Array, axo: number, n: number, readAx: boolean,
): number {
  const total = n - (n % 8);
  const run = (args: readonly number[]): void => (m.exports[name] as (...a: number[]) => void)(...args);
  const threads = total >= MIN_THREADED_ELEMENTS ? kernelSplitThreads() : 1;
  const pinned = [kernelAddress(p), kernelAddress(g), kernelAddress(ax)];
  if (threads === 1 && pinned.includes(null)) return chunked(run, scalars, p, po, g, go, ax, axo, total, readAx);
  // Addresses of the operands: in place when pinned, else staged whole into scratch.
  const base = scratch.reserve(Placer.bytes(p, total) + Placer.bytes(g, total) + Placer.bytes(ax, total));
  if (base === null) return 0;
  const placer = new Placer(kernelHeapF32(), base);
  const pAt = placer.place(p, po, total);
  const gAt = placer.place(g, go, total);
  const axAt = readAx || pinned[2] !== null ? placer.place(ax, axo, total) : placer.slot(total);
  // Ranges of whole 8-element steps, one per thread: each element is updated exactly as on one thread.
  const per = Math.ceil(total / threads / 8) * 8;
  const calls: number[][] = [];
  for (let o = 0; o < total; o += per) calls.push([pAt + 4 * o, gAt + 4 * o, axAt + 4 * o, Math.min(per, total - o), ...scalars]);
  runParallel(m.module, name, calls, run);
  if (pinned[0] === null) placer.copyOut(pAt, total, p, po);
  if (pinned[2] === null) placer.copyOut(axAt, total, ax, axo);
  return total;
}

/** One thread with an unpinned operand: copy it through the scratch chunks; returns the count done. */
function chunked(
  run: (args: readonly number[]) => void, scalars: readonly number[],
  p: Float32Array, po: number, g: Float32Array, go: number, ax: Float32Array, axo: number, total: number, readAx: boolean,
): number {
  const base = scratch.reserve(3 * 4 * CHUNK);
  if (base === null) return 0;
  const [sp, sg, sax] = [base, base + 4 * CHUNK, base + 8 * CHUNK];
  const [pAt, gAt, axAt] = [kernelAddress(p), kernelAddress(g), kernelAddress(ax)];
  const h = kernelHeapF32();
  for (let o = 0; o < total; o += CHUNK) {
    const len = Math.min(CHUNK, total - o);
    if (pAt === null) h.set(p.subarray(po + o, po + o + len), sp >>> 2);
    if (gAt === null) h.set(g.subarray(go + o, go + o + len), sg >>> 2);
    if (axAt === null && readAx) h.set(ax.subarray(axo + o, axo + o + len), sax >>> 2);
    run([
      pAt === null ? sp : pAt + 4 * (po + o),
      gAt === null ? sg : gAt + 4 * (go + o),
      axAt === null ? sax : axAt + 4 * (axo + o),
      len,
      ...scalars,
    ]);
    if (pAt === null) p.set(h.subarray(sp >>> 2, (sp >>> 2) + len), po + o);
    if (axAt === null) ax.set(h.subarray(sax >>> 2, (sax >>> 2) + len), axo + o);
  }
  return total;
}
