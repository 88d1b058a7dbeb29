/**
 * RandomSampler: a random permutation of the indices per epoch, or draws with replacement.
 * @module
 */
import { Generator, defaultGenerator, describe, randperm } from "@tapegrad/core";
import { type MapDataset, datasetLength } from "./dataset.js";
import { Sampler } from "./sampler.js";

/** Options of {@link RandomSampler}. */
export interface RandomSamplerOptions {
  /** Draw indices independently with replacement (default false: permutations). */
  replacement?: boolean;
  /** Indices per epoch (default: the dataset's length). */
  numSamples?: number;
  /**
   * The generator to draw from, advanced epoch after epoch. Without one, each epoch seeds a private
   * generator with one draw from the default generator (as PyTorch does), so `manualSeed` fixes
   * the order of every epoch.
   */
  generator?: Generator;
}

/**
 * Random indices into a dataset (PyTorch's `RandomSampler`). Without replacement an epoch is a
 * `randperm(n)`; when `numSamples` exceeds n, whole permutations follow one another and the last
 * is cut short. With replacement, each index is uniform in [0, n) independently.
 * @throws TypeError for a bad `replacement` or generator; RangeError when `numSamples` is not a
 *   positive integer.
 * @example const s = new RandomSampler(ds, { generator: new Generator(0) }); [...s]; // a permutation
 */
export class RandomSampler extends Sampler<number> {
  /** The dataset whose indices are drawn. */
  readonly dataSource: MapDataset<unknown> | readonly unknown[];
  /** Whether indices are drawn with replacement. */
  readonly replacement: boolean;
  /** The generator given at construction, if any. */
  readonly generator: Generator | undefined;
  private readonly requestedSamples: number | undefined;

  constructor(dataSource: MapDataset<unknown> | readonly unknown[], options: RandomSamplerOptions = {}) {
    super();
    datasetLength(dataSource, "RandomSampler");
    const { replacement = false, numSamples, generator } = options;
    if (typeof replacement !== "boolean") throw new TypeError(`RandomSampler: replacement must be a boolean, got ${describe(replacement)}`);
    if (numSamples !== undefined && (typeof numSamples !== "number" || !Number.isInteger(numSamples) || numSamples <= 0)) {
      throw new RangeError(`RandomSampler: numSamples must be a positive integer, got ${describe(numSamples)}`);
    }
    if (generator !== undefined && !(generator instanceof Generator)) {
      throw new TypeError(`RandomSampler: generator must be a Generator, got ${describe(generator)}`);
    }
    this.dataSource = dataSource;
    this.replacement = replacement;
    this.requestedSamples = numSamples;
    this.generator = generator;
  }

  /** Indices per epoch: `numSamples`, or the dataset's length. */
  get numSamples(): number {
    return this.requestedSamples ?? datasetLength(this.dataSource, "RandomSampler");
  }

  /** Same as {@link RandomSampler.numSamples}. */
  get length(): number {
    return this.numSamples;
  }

  /** One epoch of random indices. */
  *[Symbol.iterator](): Iterator<number> {
    const n = datasetLength(this.dataSource, "RandomSampler");
    const count = this.numSamples;
    if (count > 0 && n === 0) throw new RangeError(`RandomSampler: cannot draw ${count} samples from an empty dataset`);
    const generator = this.generator ?? new Generator(defaultGenerator.nextUint32());
    if (this.replacement) {
      for (let i = 0; i < count; i++) yield generator.nextInt(0, n);
      return;
    }
    for (let done = 0; done < count; ) {
      const perm = randperm(n, { generator }).dataSync();
      const take = Math.min(n, count - done);
      for (let i = 0; i < take; i++) yield perm[i]!;
      done += take;
    }
  }
}
