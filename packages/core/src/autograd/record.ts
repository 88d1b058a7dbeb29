import type { Tensor } from "../tensor.js";
import { isGradEnabled } from "./grad-mode.js";
import { type GradRule, Node } from "./node.js";

/** Whether an op with these inputs must record a node. */
export function needsGrad(inputs: ReadonlyArray<Tensor | null | undefined>): boolean {
  if (!isGradEnabled()) return false;
  for (const t of inputs) if (t && t.requiresGrad) return true;
  return false;
}

/**
 * Record `out` as produced by op `name` from `inputs` (null for non-differentiable operands), if grad
 * mode is on and some input requires grad. `saved` tensors are version-checked when backward runs;
 * pass null for one that no needed gradient uses (see {@link saveFor}), as PyTorch does, so that
 * modifying it in place later (e.g. a differentiable optimizer step on a weight) is not an error.
 * Returns `out` for chaining.
 */
export function record(
  out: Tensor,
  name: string,
  inputs: ReadonlyArray<Tensor | null>,
  rule: GradRule,
  saved: ReadonlyArray<Tensor | null> = [],
): Tensor {
  if (!needsGrad(inputs)) return out;
  const next = inputs.map((t) => (t && t.requiresGrad ? t.historyNode() : null));
  const meta = inputs.map((t) => ({ shape: t ? t.shape : [], dtype: t ? t.dtype : out.dtype }));
  out.setHistory(new Node(name, next, meta, rule, saved, { shape: out.shape, dtype: out.dtype }));
  return out;
}

/**
 * For a product-like op `f(a, b)` whose gradient w.r.t. one operand uses only the other: the saved
 * list `[a, b]` with each entry kept only if the other operand needs a gradient.
 */
export function saveFor(a: Tensor, b: Tensor): [Tensor | null, Tensor | null] {
  return [b.requiresGrad ? a : null, a.requiresGrad ? b : null];
}
