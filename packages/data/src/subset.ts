/**
 * Subset: a dataset restricted to a list of indices.
 * @module
 */
import { Tensor, describe } from "@tapegrad/core";
import { Dataset, type MapDataset, checkIndex, datasetLength, getSample } from "./dataset.js";

/**
 * The samples of `dataset` at `indices`, in that order: `subset.get(i)` is
 * `dataset.get(indices[i])` (PyTorch's `Subset`). {@link randomSplit} returns these.
 * @typeParam T - the type of one sample
 * @throws TypeError for a dataset that is not map-style; RangeError for an index that is not an
 *   integer in [0, dataset.length).
 * @example const firstTen = new Subset(ds, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
 */
export class Subset<T> extends Dataset<T> {
  /** The underlying dataset. */
  readonly dataset: MapDataset<T> | readonly T[];
  /** The indices into `dataset`, in sample order. */
  readonly indices: readonly number[];

  /**
   * @param dataset - a map-style dataset (or array)
   * @param indices - indices into `dataset` (an array or a 1-D integer tensor, e.g. from `randperm`)
   */
  constructor(dataset: MapDataset<T> | readonly T[], indices: readonly number[] | Tensor) {
    super();
    const n = datasetLength(dataset, "Subset");
    let list: number[];
    if (indices instanceof Tensor) {
      if (indices.ndim !== 1 || indices.dtype !== "int32") {
        throw new TypeError(`Subset: indices tensor must be 1-D int32, got ${describe(indices)}`);
      }
      list = Array.from(indices.dataSync());
    } else if (Array.isArray(indices)) {
      list = indices.slice();
    } else {
      throw new TypeError(`Subset: indices must be an array of integers or a 1-D int32 tensor, got ${describe(indices)}`);
    }
    list.forEach((v, i) => {
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= n) {
        throw new RangeError(`Subset: indices[${i}] = ${describe(v)} is not an integer in [0, ${n}) (the dataset's length is ${n})`);
      }
    });
    this.dataset = dataset;
    this.indices = Object.freeze(list);
  }

  /** The number of indices. */
  get length(): number {
    return this.indices.length;
  }

  /** `dataset.get(indices[index])`. */
  get(index: number): T {
    checkIndex(index, this.indices.length, "Subset");
    return getSample(this.dataset, this.indices[index]!);
  }
}
