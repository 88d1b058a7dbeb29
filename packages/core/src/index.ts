/**
 * `@tapegrad/core`: tensors, the reverse-mode tape, gradcheck and serialization.
 * @packageDocumentation
 */
export { Tensor, inspectCustom, type NestedArray, type BackwardOptions, type RemovableHandle, type TensorOrScalar, type SliceSpec } from "./tensor.js";
export { type DType, type TypedArray, DTYPES, getDefaultDtype, setDefaultDtype, promoteTypes, isFloatingDtype } from "./dtype.js";
export { type Shape, broadcastShapes, formatShape } from "./shape.js";
export { describe } from "./describe.js";
export { Generator, manualSeed, defaultGenerator } from "./random.js";
export { format, setPrintOptions, getPrintOptions, type PrintOptions, type PrintProfile } from "./format.js";
export { noGrad, enableGrad, setGradEnabled, isGradEnabled } from "./autograd/grad-mode.js";
export { grad, type GradOptions } from "./autograd/grad.js";
export { detectAnomaly, setDetectAnomaly, isAnomalyEnabled, type AnomalyOptions } from "./autograd/anomaly-mode.js";
export { dualLevel, makeDual, unpackDual, isDual, isForwardAdActive, type UnpackedDual } from "./autograd/forward-ad.js";
export { jvp, vjp, type VjpFunction, type FunctionOutput } from "./autograd/functional-ad.js";
export { Node, AccumulateGrad, type ForwardRule, type GradRule, type TensorHook, type InputMeta } from "./autograd/node.js";
export {
  tensor, zeros, ones, full, zerosLike, onesLike, fullLike, arange, linspace, eye, rand, randn, randint,
  randLike, randnLike, randintLike, randperm, scalar, type CreationOptions, type RandomOptions,
} from "./ops/creation.js";
export {
  add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge, logicalAnd, logicalOr, logicalXor, where,
} from "./ops/binary.js";
export {
  neg, exp, log, log1p, sqrt, rsqrt, abs, sign, tanh, sigmoid, relu, reciprocal, sin, cos, erf, clamp, cast, logicalNot,
} from "./ops/unary.js";
export {
  clone, reshape, view, transpose, permute, t, unsqueeze, squeeze, expand, flatten, narrow, select, slice,
} from "./ops/movement.js";
export { sum, mean, sumToShape, type ReduceOptions } from "./ops/reduce.js";
export { gradcheck, gradgradcheck, type GradcheckOptions, type GradgradcheckOptions, type GradcheckFunction } from "./autograd/gradcheck.js";
export { toDot, toMermaid, type GraphExportOptions } from "./autograd/graph-export.js";
export { matmul, dot, outer } from "./ops/linalg.js";
export { cat, stack, gather, indexSelect, scatterAdd, indexAdd, type IndexAddOptions } from "./ops/indexing.js";
export { softmax, logSoftmax } from "./ops/softmax.js";
export { toBytes, fromBytes } from "./serialize/bytes.js";
export { save, load } from "./serialize/file.js";
export { max, min, argmax, argmin, amax, amin, type ValuesIndices } from "./ops/extrema.js";
export { variance, variance as var, std, logsumexp, norm, type VarOptions } from "./ops/statistics.js";
export { linear } from "./ops/linear.js";
export { conv1d, conv2d, type ConvOptions, type SizeArg } from "./ops/conv.js";
export { maxPool1d, maxPool2d, avgPool1d, avgPool2d, adaptiveAvgPool2d, type MaxPoolOptions, type AvgPoolOptions } from "./ops/pool.js";
export { cumsum } from "./ops/cumulative.js";
export { tril, triu, maskedFill } from "./ops/masking.js";
export { repeat } from "./ops/repeat.js";
export { split, chunk } from "./ops/split.js";
export { topk, type TopkOptions } from "./ops/topk.js";
export { multinomial, type MultinomialOptions } from "./ops/multinomial.js";
export { setKernelBackend, getKernelBackend, type KernelBackend } from "./kernels/backend.js";
export { kernelBackendInfo, type KernelBackendInfo } from "./kernels/backend-info.js";
export { pinStorage, isPinned } from "./pin.js";
export { kernelMemoryUsage } from "./kernels/wasm/kernel-memory.js";
export type { AllocatorStats } from "./kernels/wasm/block-allocator.js";
export { setKernelThreads, getKernelThreads, startKernelThreads } from "./kernels/threads/kernel-threads.js";
// Kernel plumbing (kernel memory, scratch blocks, helper threads, module instantiation) is under
// the internal, unstable subpath `@tapegrad/core/internal` (src/internal.ts).
