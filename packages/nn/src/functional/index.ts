/**
 * `F`: the functional forms of layers, activations and losses (PyTorch's `torch.nn.functional`).
 * @example
 * import { F } from "@tapegrad/nn";
 * const loss = F.crossEntropy(F.linear(x, w, b), labels);
 * @module
 */
export {
  relu, tanh, sigmoid, logSigmoid, gelu, softmax, logSoftmax, silu, leakyRelu, elu, softplus, hardtanh, relu6, mish, type GeluOptions,
} from "./activations.js";
export { linear } from "./linear.js";
export { conv1d, conv2d, type ConvOptions } from "./conv.js";
export { maxPool1d, maxPool2d, avgPool1d, avgPool2d, adaptiveAvgPool2d, type MaxPoolOptions, type AvgPoolOptions } from "./pooling.js";
export { dropout } from "./dropout.js";
export { oneHot } from "./one-hot.js";
export {
  mseLoss, l1Loss, nllLoss, crossEntropy, binaryCrossEntropyWithLogits,
  type Reduction, type ReductionOptions, type NllLossOptions, type CrossEntropyOptions, type BceWithLogitsOptions,
} from "./losses.js";
export {
  batchNorm, layerNorm, normalize, type BatchNormOptions, type LayerNormOptions, type NormalizeOptions,
} from "./normalization.js";
export { embedding, type EmbeddingOptions } from "./embedding.js";
export { scaledDotProductAttention, type ScaledDotProductAttentionOptions } from "./attention.js";
