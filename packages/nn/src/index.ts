/**
 * `@tapegrad/nn`: parameters, modules, layers, activations, losses, initialisation and
 * `functionalCall`, with PyTorch's names and semantics.
 * @example
 * import { Linear, Module, F, init, functionalCall } from "@tapegrad/nn";
 * @packageDocumentation
 */
export { Parameter } from "./parameter.js";
export { Module, type StateDict, type LoadStateDictResult, type RegisterBufferOptions, type NamedMembersOptions } from "./module.js";
export { Linear, type LinearOptions } from "./linear.js";
export { Conv1d, Conv2d, ConvNd, type ConvLayerOptions } from "./conv.js";
export { MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool2d } from "./pooling.js";
export { Sequential } from "./sequential.js";
export { ModuleList } from "./module-list.js";
export { ReLU, Tanh, Sigmoid, GELU, Softmax, LogSoftmax, SiLU, Mish, LeakyReLU, ELU, Softplus, Hardtanh, ReLU6 } from "./activations.js";
export { Dropout } from "./dropout.js";
export { Flatten } from "./flatten.js";
export { Identity } from "./identity.js";
export { MSELoss, L1Loss, NLLLoss, CrossEntropyLoss, BCEWithLogitsLoss } from "./loss.js";
export { functionalCall } from "./functional-call.js";
export { numParameters, type NumParametersOptions } from "./utils/num-parameters.js";
export { summary, type ModelSummary, type SummaryOptions, type SummaryRow } from "./utils/summary.js";
export * as F from "./functional/index.js";
export * as init from "./init.js";
export { BatchNormBase, BatchNorm1d, BatchNorm2d, type BatchNormModuleOptions } from "./batchnorm.js";
export { LayerNorm, type LayerNormModuleOptions } from "./layer-norm.js";
export { Embedding, type EmbeddingModuleOptions, type FromPretrainedOptions } from "./embedding.js";
export { MultiheadAttention, type MultiheadAttentionOptions, type MultiheadAttentionForwardOptions } from "./multihead-attention.js";
export { TransformerEncoderLayer, type TransformerEncoderLayerOptions, type TransformerEncoderLayerForwardOptions } from "./transformer.js";
export { ParameterList } from "./parameter-list.js";
export { type ForwardHook, type ForwardPreHook, type HookOptions } from "./module-hooks.js";
export { clipGradNorm_, clipGradValue_, type ClipGradNormOptions, type ParametersArg } from "./utils/clip-grad.js";
export * as utils from "./utils/index.js";
