/**
 * The host side of the WebAssembly SIMD ASGD update (`wasm/asgd.wat`): a lazily instantiated
 * module whose memory holds one chunk of p, g and ax at a time. A chunk stays in L2 between its
 * copy in, the update and its copy out; chunks are large because each `TypedArray.set` has a fixed
 * cost (measured on Zen 4: 8192-element chunks were 5 to 10% slower per step than 32768).
 * @module
 */
import { getKernelBackend } from "@tapegrad/core";
import { asgdWasmBase64 } from "./wasm/asgd.generated.js";

interface AsgdExports {
  memory: WebAssembly.Memory;
  asgdF32(p: number, g: number, ax: number, n: number, c: number, step: number, negEta: number, wd: number, mu: number, mode: number): void;
  asgdForeachF32(p: number, g: number, ax: number, n: number, lambd: number, wd: number, eta: number, mu: number, mode: number): void;
}

/** Elements per chunk (a multiple of 8): 3 x 128 KiB of operands. */
const CHUNK = 32768;
const P = 64;
const G = P + 4 * CHUNK;
const AX = G + 4 * CHUNK;

/** Undefined until first needed; null when WebAssembly SIMD is unavailable. */
let asgd: AsgdExports | null | undefined;
let heap = new Float32Array(0);
/** Full-chunk views of the p and ax regions of `heap`, made once: the copies out allocate nothing. */
let heapP = heap;
let heapAx = heap;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

function module(): AsgdExports | null {
  if (asgd === undefined) {
    asgd = null;
    try {
      const ex = new WebAssembly.Instance(new WebAssembly.Module(decodeBase64(asgdWasmBase64)), {}).exports as unknown as AsgdExports;
      const need = AX + 4 * CHUNK;
      if (ex.memory.buffer.byteLength < need) ex.memory.grow(Math.ceil((need - ex.memory.buffer.byteLength) / 65536));
      heap = new Float32Array(ex.memory.buffer);
      heapP = heap.subarray(P >>> 2, (P >>> 2) + CHUNK);
      heapAx = heap.subarray(AX >>> 2, (AX >>> 2) + CHUNK);
      asgd = ex;
    } catch {
      // No WebAssembly SIMD here: the TypeScript loops do all the work.
    }
  }
  return asgd;
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
  const m = usable(p, g, ax, s.mu);
  if (m === null) return 0;
  return chunked(p, po, g, go, ax, axo, n, (s.mode & 2) !== 0, (len) => m.asgdF32(P, G, AX, len, s.c, s.step, s.negEta, s.wd, s.mu, s.mode));
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
  const m = usable(p, g, ax, mu);
  if (m === null) return 0;
  return chunked(p, po, g, go, ax, axo, n, true, (len) => m.asgdForeachF32(P, G, AX, len, lambd, wd, eta, mu, mode));
}

/** The module when the backend is "wasm", the buffers are distinct and mu is a float32 value; else null. */
function usable(p: Float32Array, g: Float32Array, ax: Float32Array, mu: number): AsgdExports | null {
  // Chunks are copied in before they are updated: aliased buffers keep the element-by-element order of the loops.
  if (getKernelBackend() !== "wasm" || p.buffer === g.buffer || p.buffer === ax.buffer || g.buffer === ax.buffer) return null;
  // The module takes float32 scalars; a double mu (never passed by the optimizer) stays in the loops.
  if (Math.fround(mu) !== mu) return null;
  return module();
}

/** Copy chunks of p, g (and ax when read) in, run `kernel` on each, copy p and ax out; returns the count done. */
function chunked(
  p: Float32Array, po: number, g: Float32Array, go: number, ax: Float32Array, axo: number, n: number, readAx: boolean,
  kernel: (len: number) => void,
): number {
  const total = n - (n % 8);
  const h = heap;
  for (let o = 0; o < total; o += CHUNK) {
    const len = Math.min(CHUNK, total - o);
    h.set(p.subarray(po + o, po + o + len), P >>> 2);
    h.set(g.subarray(go + o, go + o + len), G >>> 2);
    if (readAx) h.set(ax.subarray(axo + o, axo + o + len), AX >>> 2);
    kernel(len);
    const outP = len === CHUNK ? heapP : h.subarray(P >>> 2, (P >>> 2) + len);
    const outAx = len === CHUNK ? heapAx : h.subarray(AX >>> 2, (AX >>> 2) + len);
    p.set(outP, po + o);
    ax.set(outAx, axo + o);
  }
  return total;
}
