/**
 * Gradient rules of the fused cross-entropy (`CrossEntropyBackward`), in tensor ops so that they
 * can be differentiated again: with `p = softmax(x)` over the class dim, the per-slice row factor
 * `A` and target term `Q` (constants made from the targets, class weights and label smoothing),
 * `d loss / d x = (p * A - Q) * G`, where `G` is the output gradient divided by the mean's
 * denominator, or broadcast over the class dim for reduction "none".
 * @module
 */
import type { Tensor } from "../../tensor.js";
import { div, mul, sub } from "../../ops/binary.js";
import { reshape } from "../../ops/movement.js";
import { sum } from "../../ops/reduce.js";

/** What the rules need besides the gradient or tangent: the pieces of `(p * A - Q) * G`. */
export interface CrossEntropyTerms {
  /** softmax of the logits over the class dim (differentiable in the logits). */
  p: Tensor;
  /** The row factor, shaped like the logits with 1 in the class dim; null when it is 1 everywhere. */
  A: Tensor | null;
  /** The target term, the logits' shape. */
  Q: Tensor;
  classDim: number;
  reduction: "mean" | "sum" | "none";
  /** The mean's denominator (rounded to the dtype); unused for the other reductions. */
  denominator: number;
}

/** `p * A - Q`: the derivative of each slice's loss with respect to its logits. */
function jacobian(t: CrossEntropyTerms): Tensor {
  return sub(t.A === null ? t.p : mul(t.p, t.A), t.Q);
}

/** d loss / d logits: `(p * A - Q) * G`. */
export function crossEntropyRule(g: Tensor, t: CrossEntropyTerms): Tensor {
  const G = t.reduction === "none" ? reshape(g, t.p.shape.map((d, i) => (i === t.classDim ? 1 : d))) : t.reduction === "mean" ? div(g, t.denominator) : g;
  return mul(jacobian(t), G);
}

/** Tangent of the loss: `sum_c (p * A - Q) * dx` per slice, then reduced as the loss is. */
export function crossEntropyForward(dx: Tensor, t: CrossEntropyTerms): Tensor {
  const perSlice = sum(mul(jacobian(t), dx), { dim: t.classDim });
  if (t.reduction === "none") return perSlice;
  const total = sum(perSlice);
  return t.reduction === "mean" ? div(total, t.denominator) : total;
}
