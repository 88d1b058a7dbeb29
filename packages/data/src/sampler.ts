/**
 * The Sampler base: an iterable of dataset indices with a known length.
 * @module
 */
import { describe } from "@tapegrad/core";

/**
 * Yields dataset indices (or, for a batch sampler, lists of them); each call of
 * `[Symbol.iterator]()` is one epoch. PyTorch's `Sampler`. Any iterable with a numeric `length`
 * works where a Sampler is expected.
 * @typeParam T - what it yields: `number` for index samplers, `number[]` for batch samplers
 */
export abstract class Sampler<T = number> implements Iterable<T> {
  /** The number of items one epoch yields. */
  abstract get length(): number;
  /** A fresh iterator over one epoch. */
  abstract [Symbol.iterator](): Iterator<T>;
}

/** What a sampler argument may be: an iterable of `T`, with a `length` when one is needed. */
export type SamplerLike<T> = Iterable<T> & { readonly length?: number };

/**
 * Validate a sampler-like argument.
 * @internal
 */
export function checkSampler(x: unknown, name: string, where: string): void {
  if (x === null || typeof x !== "object" || typeof (x as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== "function") {
    throw new TypeError(`${where}: ${name} must be an iterable of indices (a Sampler), got ${describe(x)}`);
  }
}

/**
 * The length of a sampler-like object, or a TypeError naming `where` when it has none.
 * @internal
 */
export function samplerLength(x: SamplerLike<unknown>, where: string): number {
  const n = x.length;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
    throw new TypeError(`${where}: the sampler has no length (got ${describe(n)}); give it a numeric length property`);
  }
  return n;
}
