/**
 * `kernelBackendInfo()`: what the hot kernels run on, and why.
 * @module
 */
import { type KernelBackend, getKernelBackend, requestedKernelBackend, wasmSimdSupported, wasmStatusReason } from "./backend.js";
import { getKernelThreads } from "./threads/kernel-threads.js";
import { kernelMemory, kernelMemoryShared } from "./wasm/kernel-memory.js";

/** What {@link kernelBackendInfo} reports. */
export interface KernelBackendInfo {
  /** The backend that runs now (as {@link getKernelBackend}). */
  backend: KernelBackend;
  /** The backend asked for with `setKernelBackend` or `TAPEGRAD_KERNELS` (`"auto"` by default). */
  requested: KernelBackend | "auto";
  /** Whether WebAssembly SIMD kernels can run in this runtime. */
  wasmAvailable: boolean;
  /** A readable sentence: why this backend runs (e.g. the compile error a Content-Security-Policy caused). */
  reason: string;
  /** Threads the large WebAssembly kernels use (see `getKernelThreads`); 1 when the TypeScript kernels run. */
  threads: number;
  /** Whether the kernel memory is shared (SharedArrayBuffer), which pinning and helper threads need. */
  sharedMemory: boolean;
}

/**
 * What the hot kernels run on and why: the active backend, the requested one, whether WebAssembly
 * is usable here and a readable reason, the thread count and whether the kernel memory is shared.
 * @example
 * const info = kernelBackendInfo();
 * if (info.backend !== "wasm") console.warn(`tapegrad runs its TypeScript kernels: ${info.reason}`);
 */
export function kernelBackendInfo(): KernelBackendInfo {
  const wasmAvailable = wasmSimdSupported();
  const backend = getKernelBackend();
  const requested = requestedKernelBackend();
  let reason: string;
  if (backend === "wasm") reason = `WebAssembly SIMD kernels run (${requested === "auto" ? "chosen automatically" : "requested"})`;
  else if (requested === "js") reason = `the TypeScript kernels run because "js" was requested${wasmAvailable ? "" : `; WebAssembly is unavailable anyway: ${wasmStatusReason()}`}`;
  else reason = `the TypeScript kernels run because ${wasmStatusReason()}`;
  const sharedMemory = wasmAvailable && kernelMemory() !== null && kernelMemoryShared();
  return { backend, requested, wasmAvailable, reason, threads: backend === "wasm" ? getKernelThreads() : 1, sharedMemory };
}
