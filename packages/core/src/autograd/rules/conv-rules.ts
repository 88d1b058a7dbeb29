/**
 * Gradient rules of the convolution primitives. The convolution `conv(x, w)`, its input gradient
 * `convT(g, w)` and its weight gradient `convW(x, g)` are all bilinear, and each one's
 * derivatives are the other two (or itself):
 * - d conv(x, w): `dx = convT(g, w)`, `dw = convW(x, g)`, `db = sum of g over N, H, W`;
 * - d convT(g, w) against `h`: `dg = conv(h, w)`, `dw = convW(h, g)`;
 * - d convW(x, g) against `h`: `dx = convT(g, h)`, `dg = conv(x, h)`.
 * So gradients of any order are again convolutions, run by the same kernels. Being bilinear, each
 * one's tangent (forward mode) is the sum of the op applied with one operand replaced by its tangent.
 * @module
 */
import type { ConvGeometry } from "../../kernels/conv.js";
import { convolution, convolutionInputGrad, convolutionWeightGrad } from "../../ops/conv-primitives.js";
import { add } from "../../ops/binary.js";
import { reshape } from "../../ops/movement.js";
import { sum } from "../../ops/reduce.js";
import type { Tensor } from "../../tensor.js";

/** d conv(x, w) + b for output gradient `g` (`x`/`w` may be null when their partner needs no gradient). */
export function convRule(g: Tensor, x: Tensor | null, w: Tensor | null, geo: ConvGeometry, needX: boolean, needW: boolean, needB: boolean): Array<Tensor | null> {
  return [
    needX ? convolutionInputGrad(g, w!, geo) : null,
    needW ? convolutionWeightGrad(x!, g, geo) : null,
    needB ? sum(g, { dim: [0, 2, 3] }) : null,
  ];
}

/** d convT(g, w) for output gradient `h`. */
export function convInputGradRule(h: Tensor, g: Tensor | null, w: Tensor | null, geo: ConvGeometry, needG: boolean, needW: boolean): Array<Tensor | null> {
  return [needG ? convolution(h, w!, null, geo) : null, needW ? convolutionWeightGrad(h, g!, geo) : null];
}

/** d convW(x, g) for output gradient `h`. */
export function convWeightGradRule(h: Tensor, x: Tensor | null, g: Tensor | null, geo: ConvGeometry, needX: boolean, needG: boolean): Array<Tensor | null> {
  return [needX ? convolutionInputGrad(g!, h, geo) : null, needG ? convolution(x!, h, null, geo) : null];
}

/** The sum of the non-null terms (a bilinear op's tangent); a rule is only called with at least one. */
function total(terms: Array<Tensor | null>): Tensor {
  const present = terms.filter((t): t is Tensor => t !== null);
  return present.reduce((a, b) => add(a, b));
}

/** Tangent of conv(x, w) + b: `conv(dx, w) + conv(x, dw) + db` (db broadcast over N, H, W). */
export function convForward(x: Tensor, w: Tensor, dx: Tensor | null, dw: Tensor | null, db: Tensor | null, geo: ConvGeometry): Tensor {
  return total([
    dx === null ? null : convolution(dx, w, null, geo),
    dw === null ? null : convolution(x, dw, null, geo),
    db === null ? null : reshape(db, [1, geo.OC, 1, 1]),
  ]);
}

/** Tangent of convT(g, w): `convT(dg, w) + convT(g, dw)`. */
export function convInputGradForward(g: Tensor, w: Tensor, dg: Tensor | null, dw: Tensor | null, geo: ConvGeometry): Tensor {
  return total([dg === null ? null : convolutionInputGrad(dg, w, geo), dw === null ? null : convolutionInputGrad(g, dw, geo)]);
}

/** Tangent of convW(x, g): `convW(dx, g) + convW(x, dg)`. */
export function convWeightGradForward(x: Tensor, g: Tensor, dx: Tensor | null, dg: Tensor | null, geo: ConvGeometry): Tensor {
  return total([dx === null ? null : convolutionWeightGrad(dx, g, geo), dg === null ? null : convolutionWeightGrad(x, dg, geo)]);
}
