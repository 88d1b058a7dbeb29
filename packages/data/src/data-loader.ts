/**
 * DataLoader: iterate over a dataset in (optionally shuffled) batches.
 * @module
 */
import { Generator, Tensor, describe, indexSelect } from "@tapegrad/core";
import { AsyncIterableDataset, IterableDataset, type MapDataset, datasetLength, getSample, isMapDataset } from "./dataset.js";
import { type Collated, defaultCollate } from "./collate.js";
import { Subset } from "./subset.js";
import { TensorDataset } from "./tensor-dataset.js";
import { type SamplerLike, checkSampler, samplerLength } from "./sampler.js";
import { SequentialSampler } from "./sequential-sampler.js";
import { RandomSampler } from "./random-sampler.js";
import { BatchSampler } from "./batch-sampler.js";

/**
 * What a {@link DataLoader} reads: a map-style dataset (an object with `length` and `get(i)`, whose
 * `get` may return a Promise; or an array), or an iterable or async-iterable dataset.
 * @typeParam T - the type of one sample
 */
export type DataSource<T> = MapDataset<T | Promise<T>> | readonly T[] | Iterable<T> | AsyncIterable<T>;

/** Options of {@link DataLoader}; the names are PyTorch's, in camelCase. */
export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Reshuffle the indices at every epoch (default false); map-style datasets only. */
  shuffle?: boolean;
  /** The generator behind `shuffle` (default: one seed drawn from the default generator per epoch). */
  generator?: Generator;
  /** Drop the last batch when it has fewer than `batchSize` samples (default false). */
  dropLast?: boolean;
  /** Merge a list of samples into a batch (default {@link defaultCollate}). */
  collate?: (samples: T[]) => B;
  /** The indices to read, one by one (excludes `shuffle`); map-style datasets only. */
  sampler?: SamplerLike<number>;
  /** Lists of indices, one list per batch (excludes `batchSize`, `shuffle`, `sampler` and `dropLast`). */
  batchSampler?: SamplerLike<number[]>;
}

function isThenable(x: unknown): boolean {
  return x !== null && (typeof x === "object" || typeof x === "function") && typeof (x as { then?: unknown }).then === "function";
}

/**
 * Batches of samples from a dataset, for `for...of` (synchronous datasets) or `for await`
 * (any dataset, including ones whose `get` returns Promises and async-iterable streams).
 * PyTorch's `torch.utils.data.DataLoader` without worker processes.
 *
 * Map-style datasets: each epoch (each new iteration) takes index lists from `batchSampler`
 * (default: a {@link BatchSampler} over `sampler`, itself a {@link RandomSampler} when `shuffle` is
 * true, else a {@link SequentialSampler}), reads the samples and merges them with `collate`.
 * Iterable datasets: consecutive samples are grouped into batches of `batchSize`.
 * With a seeded `generator` (or after `manualSeed`) the order is reproducible; the generator
 * advances, so successive epochs differ.
 * @typeParam T - the type of one sample
 * @typeParam B - the type of one batch (`Collated<T>` with the default collate)
 * @throws TypeError / RangeError at construction for a bad dataset, option or combination of options
 *   (e.g. `sampler` with `shuffle`), with PyTorch's rules.
 * @example
 * const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 32, shuffle: true, generator: new Generator(0) });
 * for (const [xb, yb] of loader) { ... } // xb: [32, ...], yb: [32]
 * loader.length; // number of batches per epoch
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B>, AsyncIterable<B> {
  /** The dataset read. */
  readonly dataset: DataSource<T>;
  /** Samples per batch (undefined when a `batchSampler` decides). */
  readonly batchSize: number | undefined;
  /** Whether an incomplete last batch is dropped. */
  readonly dropLast: boolean;
  /** The index sampler (map-style datasets without a custom `batchSampler`; else undefined). */
  readonly sampler: SamplerLike<number> | undefined;
  /** The batch sampler (map-style datasets; undefined for iterable ones). */
  readonly batchSampler: SamplerLike<number[]> | undefined;
  /** The generator given, if any. */
  readonly generator: Generator | undefined;
  /** The function merging samples into a batch. */
  readonly collate: (samples: T[]) => B;
  private readonly mapStyle: boolean;

  constructor(dataset: DataSource<T>, options: DataLoaderOptions<T, B> = {}) {
    if (options === null || typeof options !== "object") throw new TypeError(`DataLoader: options must be an object, got ${describe(options)}`);
    const { batchSize, shuffle = false, generator, dropLast = false, collate, sampler, batchSampler } = options;
    if (batchSize !== undefined && (typeof batchSize !== "number" || !Number.isInteger(batchSize) || batchSize <= 0)) {
      throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${describe(batchSize)}`);
    }
    if (typeof shuffle !== "boolean") throw new TypeError(`DataLoader: shuffle must be a boolean, got ${describe(shuffle)}`);
    if (typeof dropLast !== "boolean") throw new TypeError(`DataLoader: dropLast must be a boolean, got ${describe(dropLast)}`);
    if (generator !== undefined && !(generator instanceof Generator)) throw new TypeError(`DataLoader: generator must be a Generator, got ${describe(generator)}`);
    if (collate !== undefined && typeof collate !== "function") throw new TypeError(`DataLoader: collate must be a function, got ${describe(collate)}`);
    if (sampler !== undefined) checkSampler(sampler, "sampler", "DataLoader");
    if (batchSampler !== undefined) checkSampler(batchSampler, "batchSampler", "DataLoader");

    const iterableStyle = dataset instanceof IterableDataset || dataset instanceof AsyncIterableDataset || !isMapDataset(dataset);
    if (iterableStyle) {
      const d = dataset as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown } | null;
      if (d === null || typeof d !== "object" || (typeof d[Symbol.iterator] !== "function" && typeof d[Symbol.asyncIterator] !== "function")) {
        throw new TypeError(`DataLoader: dataset must be a map-style dataset (length and get(index)), an array, or an iterable or async iterable, got ${describe(dataset)}`);
      }
      if (shuffle) throw new TypeError("DataLoader: an iterable dataset cannot be shuffled (shuffle=true); shuffle inside the dataset");
      if (sampler !== undefined) throw new TypeError("DataLoader: an iterable dataset takes no sampler");
      if (batchSampler !== undefined) throw new TypeError("DataLoader: an iterable dataset takes no batchSampler");
      this.sampler = undefined;
      this.batchSampler = undefined;
    } else {
      const source = dataset as MapDataset<unknown> | readonly unknown[];
      datasetLength(source, "DataLoader");
      if (sampler !== undefined && shuffle) throw new TypeError("DataLoader: sampler option is mutually exclusive with shuffle");
      if (batchSampler !== undefined) {
        if ((batchSize !== undefined && batchSize !== 1) || shuffle || sampler !== undefined || dropLast) {
          throw new TypeError("DataLoader: batchSampler option is mutually exclusive with batchSize, shuffle, sampler, and dropLast");
        }
        this.sampler = undefined;
        this.batchSampler = batchSampler;
      } else {
        this.sampler = sampler ?? (shuffle ? new RandomSampler(source, generator ? { generator } : {}) : new SequentialSampler(source));
        this.batchSampler = new BatchSampler(this.sampler, batchSize ?? 1, dropLast);
      }
    }
    this.dataset = dataset;
    this.mapStyle = !iterableStyle;
    this.batchSize = batchSampler !== undefined ? undefined : (batchSize ?? 1);
    this.dropLast = dropLast;
    this.generator = generator;
    this.collate = collate ?? (defaultCollate as unknown as (samples: T[]) => B);
  }

  /**
   * The number of batches per epoch: the batch sampler's length for a map-style dataset; for an
   * iterable dataset, ceil(n / batchSize) (floor with `dropLast`) when it has a numeric `length` n.
   * @throws TypeError when the dataset (or custom sampler) has no length.
   */
  get length(): number {
    if (this.mapStyle) return samplerLength(this.batchSampler!, "DataLoader.length");
    const n = (this.dataset as { length?: unknown }).length;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
      throw new TypeError("DataLoader.length: the iterable dataset has no length; give it a numeric length property to count batches");
    }
    return this.dropLast ? Math.floor(n / this.batchSize!) : Math.ceil(n / this.batchSize!);
  }

  /**
   * One epoch of batches, synchronously.
   * @throws TypeError for an async-only dataset or when `get` returns a Promise: use `for await`.
   */
  [Symbol.iterator](): Iterator<B> {
    if (this.mapStyle) return this.mapBatches();
    if (typeof (this.dataset as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== "function") {
      throw new TypeError("DataLoader: the dataset is only asynchronously iterable; use for await (const batch of loader)");
    }
    return this.iterableBatches();
  }

  /** One epoch of batches, asynchronously: samples that are Promises are awaited (a batch's reads run concurrently). */
  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    if (this.mapStyle) {
      for (const indices of this.batchSampler!) {
        const samples = await Promise.all(this.checkedIndices(indices).map((i) => getSample(this.dataset as MapDataset<T | Promise<T>>, i)));
        yield this.collate(samples);
      }
      return;
    }
    let batch: T[] = [];
    for await (const sample of this.dataset as AsyncIterable<T> | Iterable<T>) {
      batch.push(sample);
      if (batch.length === this.batchSize) {
        yield this.collate(batch);
        batch = [];
      }
    }
    if (batch.length > 0 && !this.dropLast) yield this.collate(batch);
  }

  private checkedIndices(indices: unknown): number[] {
    if (!Array.isArray(indices)) throw new TypeError(`DataLoader: the batch sampler yielded ${describe(indices)} instead of an array of indices`);
    const n = datasetLength(this.dataset, "DataLoader");
    for (const i of indices) {
      if (typeof i !== "number" || !Number.isInteger(i) || i < 0 || i >= n) {
        throw new RangeError(`DataLoader: the sampler yielded index ${describe(i)}, out of range for a dataset of length ${n}`);
      }
    }
    return indices as number[];
  }

  private *mapBatches(): IterableIterator<B> {
    const dataset = this.dataset as MapDataset<T> | readonly T[];
    const rows = this.collate === (defaultCollate as unknown) ? tensorRows(dataset) : null;
    for (const indices of this.batchSampler!) {
      if (rows !== null) {
        // What defaultCollate would stack from the rows, gathered in one indexSelect per tensor.
        const index = Tensor.fromData(Int32Array.from(this.checkedIndices(indices), (i) => rows.map[i]!), [indices.length], "int32");
        yield rows.tensors.map((t) => indexSelect(t, 0, index)) as B;
        continue;
      }
      const samples = this.checkedIndices(indices).map((i) => {
        const sample = getSample(dataset, i);
        if (isThenable(sample)) throw new TypeError(`DataLoader: dataset.get(${i}) returned a Promise; iterate with for await (const batch of loader)`);
        return sample;
      });
      yield this.collate(samples);
    }
  }

  private *iterableBatches(): IterableIterator<B> {
    let batch: T[] = [];
    for (const sample of this.dataset as Iterable<T>) {
      batch.push(sample);
      if (batch.length === this.batchSize) {
        yield this.collate(batch);
        batch = [];
      }
    }
    if (batch.length > 0 && !this.dropLast) yield this.collate(batch);
  }
}

/**
 * The tensors and index map behind a TensorDataset, possibly wrapped in Subsets: sample i of
 * `dataset` is row `map[i]` of each tensor. Null for any other dataset.
 */
function tensorRows(dataset: unknown): { tensors: readonly Tensor[]; map: Int32Array } | null {
  // Exact classes only: a subclass may override get().
  if (dataset !== null && typeof dataset === "object" && Object.getPrototypeOf(dataset) === TensorDataset.prototype) {
    const d = dataset as TensorDataset;
    return { tensors: d.tensors, map: Int32Array.from({ length: d.length }, (_, i) => i) };
  }
  if (dataset !== null && typeof dataset === "object" && Object.getPrototypeOf(dataset) === Subset.prototype) {
    const d = dataset as Subset<unknown>;
    const inner = tensorRows(d.dataset);
    if (inner === null) return null;
    return { tensors: inner.tensors, map: Int32Array.from(d.indices, (i) => inner.map[i]!) };
  }
  return null;
}
