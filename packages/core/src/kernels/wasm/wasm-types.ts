/**
 * Structural stand-ins for the WebAssembly objects in exported signatures, so the shipped
 * declaration files need no `WebAssembly` lib types (a Node-only TypeScript config, `lib:
 * ["ES2023"], types: ["node"]`, has none). The values are the real `WebAssembly.Memory` and
 * `WebAssembly.Module`; code that hands them back to the WebAssembly API casts them.
 * @module
 */

/** @internal a `WebAssembly.Memory`, as far as exported signatures describe it. */
export interface WasmMemory {
  /** The memory's current buffer (typed `ArrayBuffer` as the WebAssembly lib types it; shared when the memory is). */
  readonly buffer: ArrayBuffer;
  /** Grow by `delta` pages of 64 KiB; returns the previous size in pages. */
  grow(delta: number): number;
}

/** @internal a compiled `WebAssembly.Module`, opaque: only the kernel hosts create and use them. */
export type WasmModule = object;
