/**
 * Pinning: moving a tensor's storage into the shared kernel memory, where the WebAssembly kernels
 * update it in place. Long-lived tensors that a kernel rewrites every step (parameters, optimizer
 * state) gain the most: an unpinned operand is copied into kernel memory and back at every call,
 * which at a million parameters costs as much as the update itself.
 * @module
 */
import type { TypedArray } from "./dtype.js";
import { allocateKernelBytes, kernelMemory, kernelMemoryShared, releaseKernelBytes } from "./kernels/wasm/kernel-memory.js";
import { checkTensor } from "./ops/operands.js";
import type { Tensor } from "./tensor.js";

/** Arrays that are views of kernel memory made by {@link pinStorage}. */
const pinnedArrays = new WeakSet<TypedArray>();
/** Frees a pinned block once nothing references its array any more. */
const release = new FinalizationRegistry<number>((address) => releaseKernelBytes(address));

/**
 * Move the storage behind `t` into the shared WebAssembly kernel memory (no-op when it is there
 * already). Values, dtype, shape, views and version stay as they were; every tensor on the same
 * storage (views of `t`, the base of `t`) moves with it, and the block is freed when the storage
 * is garbage-collected. Kernels then read and write it in place instead of copying it.
 *
 * ASGD pins its float32 parameters and their averages on their first step under the wasm kernel
 * backend (and gradients it sees a second time), SGD its float parameters and momentum buffers of
 * at least 256 elements; call this yourself only for long-lived tensors you feed to kernels
 * repeatedly, such as the weights of a model you only run forward. Pinned
 * blocks return to kernel memory only through garbage collection, whose finalizers cannot run
 * inside a synchronous loop: pinning a new tensor at every step of such a loop grows kernel memory.
 *
 * After pinning, the storage's array is a view of a SharedArrayBuffer: `dataSync()` still returns
 * an ordinary copy.
 * @throws TypeError when `t` is not a Tensor
 * @returns whether the storage is now in kernel memory: false when the runtime has no shared
 *   WebAssembly memory (no SharedArrayBuffer) or kernel memory cannot grow by the storage's size.
 * @example
 * const w = randn([1000, 1000]);
 * pinStorage(w);   // true on Node.js
 * isPinned(w.t()); // true: views share the storage
 */
export function pinStorage(t: Tensor): boolean {
  const storage = checkTensor(t, "pinStorage").storage;
  const old = storage.data;
  if (pinnedArrays.has(old)) return true;
  const memory = kernelMemory();
  // Views of a plain memory are detached when it grows: only shared memory can hold storage.
  if (memory === null || !kernelMemoryShared()) return false;
  const address = allocateKernelBytes(old.byteLength);
  if (address === null) return false;
  // Read the buffer after allocating: the allocation may have grown the memory.
  const ctor = old.constructor as new (buffer: ArrayBufferLike, byteOffset: number, length: number) => TypedArray;
  const view = new ctor(memory.buffer, address, old.length);
  view.set(old);
  storage.relocate(view);
  pinnedArrays.add(view);
  release.register(view, address);
  return true;
}

/**
 * Whether the storage behind `t` is in kernel memory (see {@link pinStorage}).
 * @example isPinned(zeros([3])) // false
 */
export function isPinned(t: Tensor): boolean {
  return pinnedArrays.has(checkTensor(t, "isPinned").storage.data);
}

/**
 * @internal the byte address in kernel memory of element 0 of `data`, or null when `data` is not
 * a pinned storage array. Kernels add their element offset.
 */
export function kernelAddress(data: TypedArray): number | null {
  return pinnedArrays.has(data) ? data.byteOffset : null;
}
