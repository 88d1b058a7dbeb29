/**
 * Cross-entropy of logits against class indices in one pass per slice of a contiguous
 * [outer, C, inner] block (the class axis in the middle, read in place): log-softmax, the pick
 * of the target's log-probability, class weights, ignored targets and label smoothing, all in
 * double precision; and its gradient `(softmax * A - Q) * G`.
 * @module
 */
import type { TypedArray } from "../dtype.js";
import { sliceExpSum, sliceMax } from "./softmax.js";
import type { FloatBuffer } from "./wasm/placer.js";
import { softmaxRowsWasm } from "./wasm/softmax-runtime.js";

/** The targets and options of one cross-entropy, shared by the forward and backward kernels. */
export interface CrossEntropyPlan {
  /** Number of slices before the class axis (the batch size). */
  outer: number;
  /** Number of classes C (the class axis' size). */
  classes: number;
  /** Number of slices after the class axis (1 for [N, C] logits). */
  inner: number;
  /** One class index per slice, `outer * inner` in row-major order: in [0, C) or `ignoreIndex`. */
  target: Int32Array;
  /** A target value whose slice contributes nothing and is not counted. */
  ignoreIndex: number;
  /** Per-class weights (C values) or null for all 1. */
  weight: TypedArray | null;
  /** Label smoothing e in [0, 1]: the target distribution is (1 - e) onehot + e / C. */
  smoothing: number;
  /** Rounding to the logits' dtype (Math.fround for float32), for the gradient's intermediates. */
  round: (v: number) => number;
}

/** The weight of class `c` (1 without weights). */
function classWeight(plan: CrossEntropyPlan, c: number): number {
  return plan.weight === null ? 1 : plan.weight[c]!;
}

/**
 * Per-slice losses into `losses` (0 for an ignored target) and the softmax (rounded to the dtype
 * of `probs`) into `probs` (unless null: nothing will differentiate), in the logits' layout, and the weight of each counted target into
 * `counted` (0 for an ignored one; the mean's denominator is their pairwise sum).
 * `loss = w[t] * (lse - x[t])`, and with smoothing `(1 - e) * that + (e / C) * sum_c w[c] * (lse - x[c])`,
 * where `lse - x[c]` is computed as `-(x[c] - max - log(sum exp(x - max)))`, as log-softmax does.
 * @throws RangeError for a target outside [0, C) that is not `ignoreIndex`.
 */
export function crossEntropyKernel(
  x: TypedArray, offset: number, plan: CrossEntropyPlan, losses: Float64Array, probs: TypedArray | null, counted: Float64Array,
): void {
  const { outer, classes: C, inner } = plan;
  // Rows of classes ([N, C] logits): max, sum and softmax of every row in one WebAssembly call.
  if (inner === 1 && (x instanceof Float32Array || x instanceof Float64Array)) {
    const stats = new Float64Array(2 * outer);
    if (softmaxRowsWasm(x, offset, outer, C, probs as FloatBuffer | null, stats)) {
      for (let s = 0; s < outer; s++) sliceLoss(x, offset + s * C, plan, s, stats[2 * s]!, stats[2 * s + 1]!, losses, counted);
      return;
    }
  }
  const e = new Float64Array(C);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const start = offset + o * C * inner + i;
      const max = sliceMax(x, start, C, inner);
      const sum = sliceExpSum(x, start, C, inner, max, e);
      if (probs !== null) for (let k = 0, q = start - offset; k < C; k++, q += inner) probs[q] = e[k]! / sum;
      sliceLoss(x, start, plan, o * inner + i, max, sum, losses, counted);
    }
  }
}

/**
 * The loss of slice `s` (its classes at `x[start + k * inner]`, their max and sum of exp(x - max)
 * known) into `losses[s]`, and its target's weight into `counted[s]`; 0 and 0 for an ignored target.
 * @throws RangeError for a target outside [0, C) that is not `ignoreIndex`.
 */
function sliceLoss(x: TypedArray, start: number, plan: CrossEntropyPlan, s: number, max: number, sum: number, losses: Float64Array, counted: Float64Array): void {
  const { classes: C, inner, smoothing } = plan;
  const t = plan.target[s]!;
  if (t === plan.ignoreIndex) {
    losses[s] = 0;
    counted[s] = 0;
    return;
  }
  if (t < 0 || t >= C) throw new RangeError(`crossEntropy: target value ${t} (at flat index ${s}) is out of range [0, ${C}) for ${C} classes`);
  const logSum = Math.log(sum);
  const wt = classWeight(plan, t);
  let loss = -(x[start + t * inner]! - max - logSum);
  if (plan.weight !== null) loss *= wt;
  if (smoothing > 0) {
    let smooth = 0;
    for (let k = 0, p = start; k < C; k++, p += inner) smooth -= classWeight(plan, k) * (x[p]! - max - logSum);
    loss = (1 - smoothing) * loss + (smoothing / C) * smooth;
  }
  losses[s] = loss;
  counted[s] = wt;
}

/**
 * The gradient's row factor `A` of slice `s`: `(1 - e) w[t] + (e / C) sum_c w[c]`, 0 for an
 * ignored target; rounded to the dtype.
 */
export function rowFactor(plan: CrossEntropyPlan, s: number, weightSum: number): number {
  const t = plan.target[s]!;
  if (t === plan.ignoreIndex) return 0;
  const e = plan.smoothing;
  return plan.round(e > 0 ? (1 - e) * classWeight(plan, t) + (e / plan.classes) * weightSum : classWeight(plan, t));
}

/**
 * The gradient's target term `Q` of slice `s` and class `c`: `(1 - e) w[t] [c == t] + (e / C) w[c]`,
 * 0 for an ignored target; rounded to the dtype.
 */
export function targetTerm(plan: CrossEntropyPlan, s: number, c: number): number {
  const t = plan.target[s]!;
  if (t === plan.ignoreIndex) return 0;
  const e = plan.smoothing;
  const hit = c === t ? classWeight(plan, t) : 0;
  return plan.round(e > 0 ? (1 - e) * hit + (e / plan.classes) * classWeight(plan, c) : hit);
}

/**
 * `dx = (probs * A - Q) * G` with each product and difference rounded to the dtype, exactly as
 * the same expression in tensor ops computes it (`mul`, `sub`, `mul`). `A` is skipped
 * (`withRowFactor` false) when it is 1 for every slice. `G` is one value, or one per slice.
 */
export function crossEntropyGradKernel(
  plan: CrossEntropyPlan, probs: TypedArray, withRowFactor: boolean, weightSum: number, G: number | TypedArray, dx: TypedArray,
): void {
  const { outer, classes: C, inner, round, target, ignoreIndex } = plan;
  const smoothing = plan.smoothing > 0;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const s = o * inner + i;
      const a = withRowFactor ? rowFactor(plan, s, weightSum) : 1;
      const g = typeof G === "number" ? G : G[s]!;
      const start = o * C * inner + i;
      if (smoothing) {
        for (let k = 0, q = start; k < C; k++, q += inner) {
          const pa = withRowFactor ? round(probs[q]! * a) : probs[q]!;
          dx[q] = round(pa - targetTerm(plan, s, k)) * g;
        }
        continue;
      }
      // Without smoothing Q is 0 off the target class, and pa - 0 is pa exactly (a value of the
      // dtype already): those elements are pa * g, and only the target's needs the difference.
      if (withRowFactor) for (let k = 0, q = start; k < C; k++, q += inner) dx[q] = round(probs[q]! * a) * g;
      else for (let k = 0, q = start; k < C; k++, q += inner) dx[q] = probs[q]! * g;
      const t = target[s]!;
      if (t === ignoreIndex) continue;
      const q = start + t * inner;
      const pa = withRowFactor ? round(probs[q]! * a) : probs[q]!;
      dx[q] = round(pa - round(classWeight(plan, t))) * g;
    }
  }
}
