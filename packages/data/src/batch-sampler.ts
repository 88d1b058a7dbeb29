/**
 * BatchSampler: groups the indices of another sampler into lists.
 * @module
 */
import { describe } from "@tapegrad/core";
import { Sampler, type SamplerLike, checkSampler, samplerLength } from "./sampler.js";

/**
 * Wraps a sampler and yields its indices in lists of `batchSize` (PyTorch's `BatchSampler`). The
 * last list is shorter when the sampler's length is not a multiple of `batchSize`, or dropped when
 * `dropLast` is true.
 * @throws TypeError for a sampler that is not iterable or a non-boolean `dropLast`; RangeError when
 *   `batchSize` is not a positive integer.
 * @example [...new BatchSampler(new SequentialSampler(range10), 3, false)]; // [[0,1,2],[3,4,5],[6,7,8],[9]]
 */
export class BatchSampler extends Sampler<number[]> {
  /** The sampler whose indices are grouped. */
  readonly sampler: SamplerLike<number>;
  /** Indices per batch. */
  readonly batchSize: number;
  /** Whether a last, incomplete batch is dropped. */
  readonly dropLast: boolean;

  constructor(sampler: SamplerLike<number>, batchSize: number, dropLast: boolean) {
    super();
    checkSampler(sampler, "sampler", "BatchSampler");
    if (typeof batchSize !== "number" || !Number.isInteger(batchSize) || batchSize <= 0) {
      throw new RangeError(`BatchSampler: batchSize must be a positive integer, got ${describe(batchSize)}`);
    }
    if (typeof dropLast !== "boolean") throw new TypeError(`BatchSampler: dropLast must be a boolean, got ${describe(dropLast)}`);
    this.sampler = sampler;
    this.batchSize = batchSize;
    this.dropLast = dropLast;
  }

  /** floor(n / batchSize) with `dropLast`, else ceil(n / batchSize), for the sampler's length n. */
  get length(): number {
    const n = samplerLength(this.sampler, "BatchSampler.length");
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** One epoch of index lists. */
  *[Symbol.iterator](): Iterator<number[]> {
    let batch: number[] = [];
    for (const index of this.sampler) {
      batch.push(index);
      if (batch.length === this.batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0 && !this.dropLast) yield batch;
  }
}
