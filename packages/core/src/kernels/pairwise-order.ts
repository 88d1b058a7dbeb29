/**
 * The order of the pairwise sums of `reduce.ts`, shared by the TypeScript kernels and the
 * WebAssembly column sums (`wasm/reduce-runtime.ts`), so every path adds the same numbers in the
 * same order and gives the same bits.
 * @module
 */

/** Elements summed by one plain loop (a leaf of the pairwise tree). */
export const BLOCK = 128;

/** Where a pairwise sum splits `n > BLOCK` elements: a multiple of BLOCK near the middle. */
export function splitPoint(n: number): number {
  return Math.floor(n / 2 / BLOCK) * BLOCK || Math.floor(n / 2);
}

/** Levels of the pairwise tree below its root for `n` elements (0 when one loop sums them all). */
export function pairwiseDepth(n: number): number {
  let depth = 0;
  // The right half is never the shorter one, so it is the deepest.
  for (; n > BLOCK; depth++) n -= splitPoint(n);
  return depth;
}
