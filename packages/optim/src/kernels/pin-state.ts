/**
 * Pinning the long-lived tensors an optimizer class updates in place every step (parameters,
 * momentum buffers): in kernel memory, the WebAssembly kernels read and write them where they are,
 * where an unpinned tensor is copied in and out at every call (the update's `add_`, and the
 * forward and backward matrix products that read a weight).
 * @module
 */
import { type Tensor, getKernelBackend, pinStorage } from "@tapegrad/core";

/** Below this many elements the elementwise kernels are not called (their TypeScript loop runs): nothing to gain. */
const MIN_ELEMENTS = 256;

/**
 * Under the "wasm" kernel backend, pin `t` when it is a float tensor of at least 256 elements
 * (a no-op when it is pinned already, or when the runtime has no shared kernel memory). Values,
 * views and the version stay as they are. Only for tensors that live as long as the optimizer:
 * a pinned block returns to kernel memory only when its storage is garbage-collected.
 */
export function pinForKernels(t: Tensor): void {
  if (getKernelBackend() !== "wasm" || (t.dtype !== "float32" && t.dtype !== "float64") || t.numel() < MIN_ELEMENTS) return;
  pinStorage(t);
}
