/**
 * Compiling and instantiating the repository's WebAssembly kernels (generated base64 modules) on
 * the shared kernel memory, synchronously: kernels are ordinary synchronous functions.
 * @module
 */
import { markWasmUnavailable, wasmSimdSupported } from "../backend.js";
import { kernelMemory, kernelMemoryShared } from "./kernel-memory.js";
import type { WasmModule } from "./wasm-types.js";

/** @internal a compiled kernel module (kept for helper threads) and its exports on this thread. */
export interface KernelModule<Exports> {
  module: WasmModule;
  exports: Exports;
}

/** Decode base64 without Node's Buffer (browsers have atob too). */
function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/**
 * @internal compile the module (which imports the kernel memory as `env.memory`: `sharedBase64`
 * declares it shared, `unsharedBase64` plain) matching the kernel memory, and instantiate it; null
 * when WebAssembly SIMD or memory is unavailable, or the runtime refuses the module (e.g. a size
 * limit), so that callers keep their TypeScript fallback.
 */
export function instantiateKernel<Exports>(sharedBase64: string, unsharedBase64: string): KernelModule<Exports> | null {
  if (!wasmSimdSupported()) return null;
  const memory = kernelMemory();
  if (memory === null) {
    markWasmUnavailable("this runtime cannot create WebAssembly memory");
    return null;
  }
  try {
    const module = new WebAssembly.Module(decodeBase64(kernelMemoryShared() ? sharedBase64 : unsharedBase64));
    const instance = new WebAssembly.Instance(module, { env: { memory: memory as WebAssembly.Memory } });
    return { module, exports: instance.exports as unknown as Exports };
  } catch (e) {
    // Report what runs from now on: the TypeScript kernels, and why.
    markWasmUnavailable(`a kernel module failed to compile or instantiate (${e instanceof Error ? e.message : String(e)})`);
    return null;
  }
}
