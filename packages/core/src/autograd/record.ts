import { broadcastShapes, formatShape, sameShape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { anomaly, checkForwardResult, forwardStack } from "./anomaly-mode.js";
import { isGradEnabled } from "./grad-mode.js";
import { type ForwardRule, type GradRule, Node } from "./node.js";
import { forwardActive, setTangent, tangentOf, withoutForward } from "./tangents.js";

/** Whether an op with these inputs must record a node. */
export function needsGrad(inputs: ReadonlyArray<Tensor | null | undefined>): boolean {
  if (!isGradEnabled()) return false;
  for (const t of inputs) if (t && t.requiresGrad) return true;
  return false;
}

/**
 * Record `out` as produced by the differentiable primitive `name` from `inputs` (null for
 * non-differentiable operands). Every primitive gives both of its rules here:
 *
 * - `backward` (a {@link GradRule}, reverse mode): run later by `backward()`/`grad()` with the
 *   output's gradient; recorded as a node on `out` only if grad mode is on and some input requires
 *   grad. `saved` tensors are version-checked when backward runs; pass null for one that no needed
 *   gradient uses (see {@link saveFor}), as PyTorch does, so that modifying it in place later (e.g.
 *   a differentiable optimizer step on a weight) is not an error.
 * - `forward` (a {@link ForwardRule}, forward mode): run now, inside a `dualLevel`, when some input
 *   carries a tangent, whatever the grad mode; its result becomes `out`'s tangent. It gets the
 *   inputs' tangents (null where none) and reads primals from its closure.
 *
 * Both are written with differentiable ops. The pattern for a new op, with its rules beside the
 * others in `autograd/rules/` (`fooRule` for reverse, `fooForward` for forward):
 *
 * ```ts
 * // y = a * b
 * return record(out, "MulBackward", [a, b],
 *   (g, [sa, sb]) => mulRule(g, sa ?? a, sb ?? b, a.requiresGrad, b.requiresGrad), saveFor(a, b),
 *   ([da, db]) => mulForward(a, b, da, db));       // da * b + a * db, skipping null tangents
 * ```
 *
 * A rule's JVP must be the transpose of its VJP: `packages/core/test/forward-ad-ops.test.ts` checks every
 * recorded primitive (listed by name) against finite differences and against its reverse rule,
 * and fails for a `...Backward` name in the sources that it does not exercise.
 * Returns `out` for chaining.
 */
export function record(
  out: Tensor,
  name: string,
  inputs: ReadonlyArray<Tensor | null>,
  backward: GradRule,
  saved: ReadonlyArray<Tensor | null>,
  forward: ForwardRule,
): Tensor {
  if (forwardActive()) propagateTangent(out, name, inputs, forward);
  if (anomaly.enabled && anomaly.checkForward) checkForwardResult(name, out, inputs);
  if (!isGradEnabled()) return out;
  let any = false;
  for (let i = 0; i < inputs.length && !any; i++) {
    const t = inputs[i];
    any = t !== null && t !== undefined && t.requiresGrad;
  }
  if (!any) return out;
  // Literals for the common arities: one allocation, no growth.
  const n = inputs.length;
  const next = n === 1 ? [nodeOf(inputs[0]!)] : n === 2 ? [nodeOf(inputs[0]!), nodeOf(inputs[1]!)] : inputs.map(nodeOf);
  const node = new Node(name, next, backward, saved, out);
  if (anomaly.enabled) node.forwardStack = forwardStack();
  out.setHistory(node);
  return out;
}

/** The node gradients for input `t` flow into, or null if it needs none. */
function nodeOf(t: Tensor | null): Node | null {
  return t !== null && t !== undefined && t.requiresGrad ? t.historyNode() : null;
}

/** Run `forward` on the inputs' tangents (if any) and attach the result to `out`. */
function propagateTangent(out: Tensor, name: string, inputs: ReadonlyArray<Tensor | null>, forward: ForwardRule): void {
  let any = false;
  const tangents = inputs.map((t) => {
    const tangent = t === null ? null : tangentOf(t);
    if (tangent !== null) any = true;
    return tangent;
  });
  if (!any) return;
  setTangent(out, withoutForward(() => fitTangent(forward(tangents), out, name)));
}

/** The tangent a rule returned, broadcast to the output's shape and cast to its dtype. */
function fitTangent(tangent: Tensor, out: Tensor, name: string): Tensor {
  let t = tangent;
  if (!sameShape(t.shape, out.shape)) {
    let ok = false;
    try {
      ok = sameShape(broadcastShapes(t.shape, out.shape, name), out.shape);
    } catch {
      ok = false;
    }
    if (!ok) {
      throw new Error(`${name}: the forward rule returned a tangent of shape ${formatShape(t.shape)} for an output of shape ${formatShape(out.shape)}`);
    }
    t = t.expand(out.shape.slice());
  }
  return t.dtype === out.dtype ? t : t.to(out.dtype);
}

/**
 * For a product-like op `f(a, b)` whose gradient w.r.t. one operand uses only the other: the saved
 * list `[a, b]` with each entry kept only if the other operand needs a gradient.
 */
export function saveFor(a: Tensor, b: Tensor): [Tensor | null, Tensor | null] {
  return [b.requiresGrad ? a : null, a.requiresGrad ? b : null];
}
