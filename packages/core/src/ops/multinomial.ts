/**
 * `multinomial`: drawing category indices from rows of non-negative weights (sampling from a
 * language model's softmax, for instance).
 * @module
 */
import { allocate } from "../dtype.js";
import { describe } from "../describe.js";
import { formatShape } from "../shape.js";
import { type Generator, defaultGenerator } from "../random.js";
import { Tensor } from "../tensor.js";
import { gatherValues } from "./movement.js";
import { checkTensor } from "./operands.js";

/** Options of {@link multinomial}. */
export interface MultinomialOptions {
  /** Draw with replacement (default false: each category at most once per row). */
  replacement?: boolean;
  /** The generator to draw from (the seeded default generator if omitted). */
  generator?: Generator;
}

/** Index of the first cumulative weight above `u` (binary search over `cdf[0..n)`). */
function searchCdf(cdf: Float64Array, n: number, u: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid]! > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Draw `numSamples` category indices from each row of `probs` (1-D: one distribution, 2-D: one per
 * row), with probability proportional to the weights (they need not sum to 1). Without replacement
 * each draw removes its category from the row. Returns int32 indices of shape `[numSamples]` or
 * `[rows, numSamples]` (PyTorch: int64). Not differentiable. The numbers differ from PyTorch's (a
 * different generator); the distribution does not.
 * @throws TypeError for a non-float tensor or bad options; RangeError for negative, non-finite or
 *   all-zero weights, or more samples than non-zero categories without replacement.
 * @example multinomial(softmax(logits, -1), 1, { generator: new Generator(7) })
 */
export function multinomial(probs: Tensor, numSamples: number, options: MultinomialOptions = {}): Tensor {
  checkTensor(probs, "multinomial", "probs");
  if (probs.dtype !== "float32" && probs.dtype !== "float64") throw new TypeError(`multinomial: probs must be a float tensor, got ${probs.dtype}`);
  if (probs.ndim !== 1 && probs.ndim !== 2) throw new RangeError(`multinomial: probs must be 1 or 2 dim, got shape ${formatShape(probs.shape)}`);
  const { replacement = false, generator = defaultGenerator } = options ?? {};
  if (typeof replacement !== "boolean") throw new TypeError(`multinomial: replacement must be a boolean, got ${describe(replacement)}`);
  if (typeof numSamples !== "number" || !Number.isInteger(numSamples) || numSamples <= 0) {
    throw new RangeError(`multinomial: numSamples must be a positive integer, got ${describe(numSamples)}`);
  }
  if (typeof generator?.nextFloat64 !== "function") throw new TypeError(`multinomial: generator must be a Generator, got ${describe(generator)}`);
  const rows = probs.ndim === 1 ? 1 : probs.shape[0]!;
  const n = probs.shape[probs.ndim - 1]!;
  if (n === 0) throw new RangeError("multinomial: probs must have at least one category");
  if (!replacement && numSamples > n) throw new RangeError(`multinomial: cannot sample ${numSamples} > ${n} categories without replacement`);
  const w = gatherValues(probs);
  for (let r = 0; r < rows; r++) {
    let total = 0;
    let nonzero = 0;
    for (let i = 0; i < n; i++) {
      const v = w[r * n + i]!;
      if (!Number.isFinite(v) || v < 0) throw new RangeError(`multinomial: probability tensor contains either inf, nan or element < 0 (row ${r}, category ${i}: ${v})`);
      total += v;
      if (v > 0) nonzero++;
    }
    if (total <= 0) throw new RangeError(`multinomial: invalid multinomial distribution (sum of probabilities <= 0) in row ${r}`);
    if (!replacement && nonzero < numSamples) {
      throw new RangeError(`multinomial: invalid multinomial distribution (with replacement=false, not enough non-zero categories to sample): row ${r} has ${nonzero} for ${numSamples} samples`);
    }
  }
  const out = allocate("int32", rows * numSamples);
  const cdf = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < n; i++) weights[i] = w[r * n + i]!;
    let total = 0;
    const rebuild = (): void => {
      total = 0;
      for (let i = 0; i < n; i++) cdf[i] = total += weights[i]!;
    };
    rebuild();
    for (let s = 0; s < numSamples; s++) {
      let pick = searchCdf(cdf, n, generator.nextFloat64() * total);
      // Never land on a zero-weight category (possible only through rounding at the edge).
      while (weights[pick] === 0 && pick > 0) pick--;
      out[r * numSamples + s] = pick;
      if (!replacement) {
        weights[pick] = 0;
        rebuild();
      }
    }
  }
  return Tensor.fromData(out, probs.ndim === 1 ? [numSamples] : [rows, numSamples], "int32");
}
