/**
 * ConcatDataset: several map-style datasets read one after another.
 * @module
 */
import { describe } from "@tapegrad/core";
import { Dataset, type MapDataset, checkIndex, datasetLength, getSample } from "./dataset.js";

/**
 * The datasets one after another: the samples of `datasets[0]`, then those of `datasets[1]`, ...
 * (PyTorch's `ConcatDataset`). The lengths are read once, at construction.
 * @typeParam T - the type of one sample
 * @throws TypeError when `datasets` is not a non-empty array of map-style datasets.
 * @example const all = new ConcatDataset([trainA, trainB]); all.length === trainA.length + trainB.length;
 */
export class ConcatDataset<T> extends Dataset<T> {
  /** The datasets, in order. */
  readonly datasets: ReadonlyArray<MapDataset<T> | readonly T[]>;
  /** `cumulativeSizes[k]` is the total length of datasets 0..k. */
  readonly cumulativeSizes: readonly number[];

  constructor(datasets: ReadonlyArray<MapDataset<T> | readonly T[]>) {
    super();
    if (!Array.isArray(datasets) || datasets.length === 0) {
      throw new TypeError(`ConcatDataset: datasets must be a non-empty array, got ${describe(datasets)}`);
    }
    let total = 0;
    const sizes = datasets.map((d, i) => {
      total += datasetLength(d, `ConcatDataset (datasets[${i}])`);
      return total;
    });
    this.datasets = datasets.slice();
    this.cumulativeSizes = Object.freeze(sizes);
  }

  /** The sum of the datasets' lengths. */
  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1]!;
  }

  /** Sample `index` of the concatenation. */
  get(index: number): T {
    checkIndex(index, this.length, "ConcatDataset");
    // Binary search for the first dataset whose cumulative size exceeds index.
    let lo = 0;
    let hi = this.cumulativeSizes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulativeSizes[mid]! > index) hi = mid;
      else lo = mid + 1;
    }
    const start = lo === 0 ? 0 : this.cumulativeSizes[lo - 1]!;
    return getSample(this.datasets[lo]!, index - start);
  }
}
