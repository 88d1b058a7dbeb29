/**
 * Gradient rules of the running sums. The gradient of a forward running sum is the backward
 * running sum of `g` along the same dim (and vice versa), so the rule is itself differentiable.
 * @module
 */
import type { Tensor } from "../../tensor.js";
import { cumulativeSum } from "../../ops/cumulative.js";

/** A cumulative rule: (g, dim, reverse) → gradient of the input. */
export type CumulativeRule = (g: Tensor, dim: number, reverse: boolean) => Tensor;

/** Reverse-mode rules by op name. */
export const cumulativeRules: Record<"cumsum", CumulativeRule> = {
  /** d cumsum(x)_i / d x_j = [j <= i], so `grad_j = sum_{i >= j} g_i`: the reverse running sum. */
  cumsum: (g, dim, reverse) => cumulativeSum(g, dim, !reverse),
};
