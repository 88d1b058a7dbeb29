/**
 * randomSplit: split a dataset into non-overlapping random subsets.
 * @module
 */
import { Generator, defaultGenerator, describe, randperm } from "@tapegrad/core";
import { type MapDataset, datasetLength } from "./dataset.js";
import { Subset } from "./subset.js";

/** Options of {@link randomSplit}. */
export interface RandomSplitOptions {
  /** The generator for the permutation (default: the seeded default generator, see `manualSeed`). */
  generator?: Generator;
}

/**
 * The lengths {@link randomSplit} uses for `lengths` (counts, or fractions summing to 1).
 * Fractions follow PyTorch's rule: each split gets floor(n * fraction) samples, then the remaining
 * samples are handed out one each to splits 0, 1, 2, ... round-robin.
 * @param n - the dataset's length
 * @param lengths - counts summing to n, or fractions in [0, 1] summing to 1
 * @returns the count of each split (they sum to n)
 * @throws RangeError as {@link randomSplit} does.
 * @example splitLengths(10, [0.33, 0.33, 0.34]); // [4, 3, 3]
 */
export function splitLengths(n: number, lengths: readonly number[]): number[] {
  if (!Array.isArray(lengths) || lengths.length === 0) {
    throw new TypeError(`randomSplit: lengths must be a non-empty array of counts or fractions, got ${describe(lengths)}`);
  }
  lengths.forEach((v, i) => {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new TypeError(`randomSplit: lengths[${i}] must be a finite number, got ${describe(v)}`);
  });
  const total = lengths.reduce((a, b) => a + b, 0);
  // Python's math.isclose(total, 1) with its default rel_tol=1e-9.
  if (Math.abs(total - 1) <= 1e-9 * Math.max(1, Math.abs(total)) && total <= 1) {
    const counts = lengths.map((frac, i) => {
      if (frac < 0 || frac > 1) throw new RangeError(`randomSplit: fraction at index ${i} is not between 0 and 1, got ${frac}`);
      return Math.floor(n * frac);
    });
    const remainder = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) counts[i % counts.length]! += 1;
    return counts;
  }
  lengths.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0) {
      throw new RangeError(`randomSplit: lengths[${i}] = ${v} must be a non-negative integer count (or all lengths fractions summing to 1; these sum to ${total})`);
    }
  });
  if (total !== n) throw new RangeError(`randomSplit: the lengths sum to ${total}, but the dataset has ${n} samples`);
  return lengths.slice();
}

/**
 * Split `dataset` into non-overlapping random {@link Subset}s of the given lengths
 * (`torch.utils.data.random_split`): one `randperm(n)` from the generator, cut into consecutive
 * pieces. Fractions are turned into counts by {@link splitLengths}.
 * @param dataset - a map-style dataset (or array)
 * @param lengths - counts summing to the dataset's length, or fractions summing to 1 (e.g. [0.8, 0.2])
 * @param options - `generator` (default: the seeded default generator)
 * @returns one Subset per entry of `lengths`
 * @throws TypeError for a non-map-style dataset or a bad generator; RangeError when the counts do not
 *   sum to the dataset's length or a fraction is outside [0, 1].
 * @example const [train, val] = randomSplit(ds, [0.8, 0.2], { generator: new Generator(42) });
 */
export function randomSplit<T>(dataset: MapDataset<T> | readonly T[], lengths: readonly number[], options: RandomSplitOptions = {}): Subset<T>[] {
  const n = datasetLength(dataset, "randomSplit");
  const generator = options.generator ?? defaultGenerator;
  if (!(generator instanceof Generator)) throw new TypeError(`randomSplit: generator must be a Generator, got ${describe(generator)}`);
  const counts = splitLengths(n, lengths);
  const perm = Array.from(randperm(n, { generator }).dataSync());
  let offset = 0;
  return counts.map((count) => {
    const piece = perm.slice(offset, offset + count);
    offset += count;
    return new Subset(dataset, piece);
  });
}
