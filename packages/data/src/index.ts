/**
 * `@tapegrad/data`: datasets, samplers and the DataLoader (PyTorch's `torch.utils.data`).
 * @packageDocumentation
 */
export { Dataset, IterableDataset, AsyncIterableDataset, type MapDataset } from "./dataset.js";
export { TensorDataset } from "./tensor-dataset.js";
export { Subset } from "./subset.js";
export { ConcatDataset } from "./concat-dataset.js";
export { randomSplit, splitLengths, type RandomSplitOptions } from "./random-split.js";
export { Sampler, type SamplerLike } from "./sampler.js";
export { SequentialSampler } from "./sequential-sampler.js";
export { RandomSampler, type RandomSamplerOptions } from "./random-sampler.js";
export { BatchSampler } from "./batch-sampler.js";
export { defaultCollate, type Collated, type NumericArray } from "./collate.js";
export { DataLoader, type DataLoaderOptions, type DataSource } from "./data-loader.js";
