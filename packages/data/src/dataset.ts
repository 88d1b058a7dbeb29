/**
 * The dataset protocols: map-style ({@link Dataset}: `length` and `get(i)`) and iterable-style
 * ({@link IterableDataset}, {@link AsyncIterableDataset}), as in PyTorch's `torch.utils.data`.
 * @module
 */
import { describe } from "@tapegrad/core";

/**
 * A map-style dataset: `length` samples, read one at a time with `get(index)` for an integer
 * index in [0, length). PyTorch's `Dataset` with `__len__` and `__getitem__`.
 *
 * `get` may return a Promise (a sample read lazily from a file or the network); such a dataset is
 * iterated with `for await` over a {@link DataLoader}. Any object with a numeric `length` and a `get`
 * method works where a Dataset is expected; extending this class documents the intent.
 * @typeParam T - the type of one sample (a Promise of it for an asynchronous dataset)
 * @example
 * class Squares extends Dataset<[number, number]> {
 *   get length() { return 10; }
 *   get(i: number): [number, number] { return [i, i * i]; }
 * }
 */
export abstract class Dataset<T> {
  /** The number of samples. */
  abstract get length(): number;
  /** The sample at `index`, an integer in [0, length). */
  abstract get(index: number): T;
}

/**
 * An iterable-style dataset: a stream of samples with no random access (PyTorch's
 * `IterableDataset`). Each call of `[Symbol.iterator]()` starts a new pass (epoch) from the start.
 * Define a `length` getter too if the number of samples is known, so that `DataLoader.length` works.
 * @typeParam T - the type of one sample
 * @example
 * class Counter extends IterableDataset<number> {
 *   *[Symbol.iterator]() { for (let i = 0; i < 5; i++) yield i; }
 * }
 */
export abstract class IterableDataset<T> implements Iterable<T> {
  /** A fresh iterator over the samples (one epoch). */
  abstract [Symbol.iterator](): Iterator<T>;
}

/**
 * An asynchronous iterable dataset: samples that arrive over time (lines of a file being read, a
 * network stream), iterated with `for await`. Each call of `[Symbol.asyncIterator]()` starts a new
 * pass. A {@link DataLoader} over it can only be iterated with `for await`.
 * @typeParam T - the type of one sample
 * @example
 * class Lines extends AsyncIterableDataset<string> {
 *   async *[Symbol.asyncIterator]() { for (const line of await fetchLines()) yield line; }
 * }
 */
export abstract class AsyncIterableDataset<T> implements AsyncIterable<T> {
  /** A fresh asynchronous iterator over the samples (one epoch). */
  abstract [Symbol.asyncIterator](): AsyncIterator<T>;
}

/** Anything with a numeric `length` and a `get(index)` method: what a map-style dataset needs. */
export interface MapDataset<T> {
  /** The number of samples. */
  readonly length: number;
  /** The sample at `index`, an integer in [0, length). */
  get(index: number): T;
}

/** Whether `x` is usable as a map-style dataset (an array, or an object with `length` and `get`). */
export function isMapDataset(x: unknown): x is MapDataset<unknown> | readonly unknown[] {
  if (Array.isArray(x)) return true;
  if (x === null || typeof x !== "object") return false;
  const d = x as { length?: unknown; get?: unknown };
  return typeof d.get === "function" && typeof d.length === "number";
}

/**
 * Validate a map-style dataset argument and return its length.
 * @internal
 */
export function datasetLength(dataset: unknown, where: string): number {
  if (!isMapDataset(dataset)) {
    throw new TypeError(`${where}: dataset must be a map-style dataset (an array or an object with a numeric length and a get(index) method), got ${describe(dataset)}`);
  }
  const n = dataset.length;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${where}: dataset length must be a non-negative integer, got ${describe(n)}`);
  return n;
}

/**
 * Read sample `index` of a map-style dataset (an array or a {@link MapDataset}).
 * @internal
 */
export function getSample<T>(dataset: MapDataset<T> | readonly T[], index: number): T {
  return Array.isArray(dataset) ? (dataset as readonly T[])[index]! : (dataset as MapDataset<T>).get(index);
}

/**
 * Check that `index` is an integer in [0, length) for `where`'s get().
 * @internal
 */
export function checkIndex(index: number, length: number, where: string): void {
  if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= length) {
    throw new RangeError(`${where}.get: index ${describe(index)} is out of range for a dataset of length ${length}`);
  }
}
