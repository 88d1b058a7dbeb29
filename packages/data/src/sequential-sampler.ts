/**
 * SequentialSampler: indices 0, 1, ..., n-1 in order.
 * @module
 */
import { type MapDataset, datasetLength } from "./dataset.js";
import { Sampler } from "./sampler.js";

/**
 * Yields 0, 1, ..., dataSource.length - 1 (PyTorch's `SequentialSampler`); the length is read at
 * each epoch's start.
 * @example [...new SequentialSampler([10, 20, 30])]; // [0, 1, 2]
 */
export class SequentialSampler extends Sampler<number> {
  /** The dataset whose indices are yielded. */
  readonly dataSource: MapDataset<unknown> | readonly unknown[];

  constructor(dataSource: MapDataset<unknown> | readonly unknown[]) {
    super();
    datasetLength(dataSource, "SequentialSampler");
    this.dataSource = dataSource;
  }

  /** The dataset's length. */
  get length(): number {
    return datasetLength(this.dataSource, "SequentialSampler");
  }

  /** 0, 1, ..., length - 1. */
  *[Symbol.iterator](): Iterator<number> {
    const n = this.length;
    for (let i = 0; i < n; i++) yield i;
  }
}
