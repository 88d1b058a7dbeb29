/**
 * `@tapegrad/core/internal`: plumbing that tapegrad's own packages share (the optimizers'
 * fused WebAssembly kernels run on core's kernel memory, scratch space and helper threads; every
 * state-dict loader checks untrusted trees with the same depth, cycle and forbidden-key rules).
 *
 * **Internal and unstable.** Nothing here is part of the public API: names, signatures and
 * behaviour change in any release, patch releases included, without notice. Applications use the
 * public entry point `@tapegrad/core` (`pinStorage`, `isPinned`, `kernelMemoryUsage`,
 * `setKernelThreads`, `setKernelBackend`, ...).
 * @packageDocumentation
 */
export { kernelMemory, kernelMemoryShared, allocateKernelBytes, releaseKernelBytes, ScratchBlock, kernelHeapF32 } from "./kernels/wasm/kernel-memory.js";
export { runParallel, helperCallCount, helperStartCount, kernelSplitThreads } from "./kernels/threads/kernel-threads.js";
export { instantiateKernel, type KernelModule } from "./kernels/wasm/instantiate.js";
export type { WasmMemory, WasmModule } from "./kernels/wasm/wasm-types.js";
export { Placer, type FloatBuffer } from "./kernels/wasm/placer.js";
export { kernelAddress } from "./pin.js";
export { MAX_STATE_DEPTH, FORBIDDEN_KEYS, isForbiddenKey, checkStateTree, setOwnField } from "./serialize/state-tree.js";
export { sizeTuple } from "./ops/size-args.js";
export { rebindingInPlace, isRebindingInPlace } from "./autograd/rebind-mode.js";
export { crossEntropyLogits, type CrossEntropyArgs } from "./ops/cross-entropy.js";
