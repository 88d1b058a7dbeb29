/**
 * The one WebAssembly memory that kernels read and write in place: pinned tensor storage
 * (parameters, optimizer state) and the kernels' scratch space live here, so a kernel called on
 * pinned tensors copies nothing in or out.
 *
 * The memory is *shared* (backed by a SharedArrayBuffer) where the runtime allows it, for two
 * reasons: growing a shared memory never detaches its buffer, so typed-array views made before a
 * growth stay valid (a plain memory would invalidate every pinned tensor's array at each growth),
 * and helper threads can work on it. Without SharedArrayBuffer (a page that is not cross-origin
 * isolated) it is a plain memory: the kernels still run, through their scratch space, but nothing
 * is pinned and everything runs on the calling thread.
 * @module
 */
import { type AllocatorStats, BlockAllocator } from "./block-allocator.js";
import type { WasmMemory } from "./wasm-types.js";

const PAGE = 65536;
/** 4 GiB, the whole 32-bit address space: the maximum only reserves address space. */
const MAX_PAGES = 65536;
/** Block alignment: a cache line, which also keeps every v128 access aligned. */
const ALIGN = 64;

/** Undefined until first needed; null when WebAssembly memory cannot be created at all. */
let memory: WebAssembly.Memory | null | undefined;
let shared = false;
let allocator: BlockAllocator | null = null;

/** A shared memory, else a plain one, else null. */
function createMemory(): WebAssembly.Memory | null {
  try {
    const m = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    shared = true;
    return m;
  } catch {
    // No SharedArrayBuffer here.
  }
  try {
    return new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES });
  } catch {
    return null;
  }
}

/**
 * @internal the kernel memory (created on first use), or null when this runtime cannot create
 * WebAssembly memory. Modules import it as `env.memory`: the shared build of a module when
 * {@link kernelMemoryShared}, else the unshared one.
 */
export function kernelMemory(): WasmMemory | null {
  if (memory === undefined) {
    const m = createMemory();
    if (m !== null) {
      // Address 0 stays unused, so no block starts at the null address.
      allocator = new BlockAllocator(ALIGN, ALIGN, (minEnd) => {
        const have = m.buffer.byteLength;
        if (minEnd <= have) return have;
        const pages = Math.ceil((minEnd - have) / PAGE);
        if (have / PAGE + pages > MAX_PAGES) return null;
        try {
          m.grow(pages);
        } catch {
          return null; // the system refused the memory
        }
        return m.buffer.byteLength;
      });
    }
    memory = m;
  }
  return memory;
}

/** @internal whether the kernel memory is shared (pinning and helper threads need it). */
export function kernelMemoryShared(): boolean {
  return kernelMemory() !== null && shared;
}

/**
 * @internal reserve `bytes` (rounded up to 64) in kernel memory; returns the 64-aligned byte address, or
 * null when there is no kernel memory or it cannot grow that far. The memory may grow: take
 * `kernelMemory().buffer` after this call.
 */
export function allocateKernelBytes(bytes: number): number | null {
  return kernelMemory() === null ? null : allocator!.allocate(bytes);
}

/** @internal give back a block returned by {@link allocateKernelBytes}. */
export function releaseKernelBytes(address: number): void {
  allocator!.release(address);
}

/**
 * How much kernel memory is in use: `usedBytes` and `blocks` held by pinned storage and kernel
 * scratch space, `managedBytes` the size the memory has grown to (WebAssembly memory never
 * shrinks; freed blocks are reused). All zeros when there is no kernel memory.
 * @example kernelMemoryUsage().usedBytes
 */
export function kernelMemoryUsage(): AllocatorStats {
  return kernelMemory() === null ? { managedBytes: 0, usedBytes: 0, blocks: 0 } : allocator!.stats();
}

/**
 * @internal a kernel's scratch block in kernel memory, grown on demand (a larger request frees the
 * old block and allocates a new one) and kept between calls.
 */
export class ScratchBlock {
  private at = 0;
  private bytes = 0;

  /** The byte address of at least `bytes` of scratch, or null when kernel memory cannot provide it. */
  reserve(bytes: number): number | null {
    if (bytes <= this.bytes) return this.at;
    if (this.bytes > 0) releaseKernelBytes(this.at);
    this.bytes = 0;
    const at = allocateKernelBytes(bytes);
    if (at === null) return null;
    this.at = at;
    this.bytes = bytes;
    return at;
  }
}

/** A float32 view of all of kernel memory, remade after the memory grows. */
let heapF32 = new Float32Array(0);

/** @internal a float32 view of all of kernel memory as it is now (take it after allocating). */
export function kernelHeapF32(): Float32Array {
  const buffer = kernelMemory()!.buffer;
  if (heapF32.byteLength !== buffer.byteLength) heapF32 = new Float32Array(buffer);
  return heapF32;
}

/** A float64 view of all of kernel memory, remade after the memory grows. */
let heapF64 = new Float64Array(0);

/** @internal a float64 view of all of kernel memory as it is now (take it after allocating). */
export function kernelHeapF64(): Float64Array {
  const buffer = kernelMemory()!.buffer;
  if (heapF64.byteLength !== buffer.byteLength) heapF64 = new Float64Array(buffer);
  return heapF64;
}

/** Byte addresses of the arrays made by {@link kernelScratchArray}. */
const scratchArrays = new WeakMap<Float32Array | Float64Array, number>();

/**
 * @internal a kernel's long-lived work array in kernel memory (a view, valid across growths):
 * the WebAssembly kernels read and write it in place, where a plain array would be copied in or
 * out at every call. Null when the kernel memory is not shared (a view of a plain memory is
 * detached when it grows) or cannot grow that far: use a plain array then. Give it back with
 * {@link releaseKernelScratchArray}.
 */
export function kernelScratchArray(type: typeof Float32Array | typeof Float64Array, length: number): Float32Array | Float64Array | null {
  if (!kernelMemoryShared()) return null;
  const address = allocateKernelBytes(length * type.BYTES_PER_ELEMENT);
  if (address === null) return null;
  // Read the buffer after allocating: the allocation may have grown the memory.
  const view = new type(kernelMemory()!.buffer, address, length);
  scratchArrays.set(view, address);
  return view;
}

/** @internal free the block of an array made by {@link kernelScratchArray} (the array must not be used after). */
export function releaseKernelScratchArray(view: Float32Array | Float64Array): void {
  const address = scratchArrays.get(view);
  if (address === undefined) return;
  scratchArrays.delete(view);
  releaseKernelBytes(address);
}

/** @internal the byte address of element 0 of an array made by {@link kernelScratchArray}, else null. */
export function kernelScratchAddress(view: Float32Array | Float64Array): number | null {
  return scratchArrays.get(view) ?? null;
}
