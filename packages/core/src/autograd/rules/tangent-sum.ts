/**
 * Summing the terms of a forward rule, some of which are absent (an input without a tangent).
 * @module
 */
import type { Tensor } from "../../tensor.js";
import { add } from "../../ops/binary.js";

/** An input's tangent as a forward rule receives it: absent (null or undefined) when the input has none. */
export type Tangent = Tensor | null | undefined;

/** The sum of the present terms (broadcasting); at least one must be present. */
export function sumTerms(...terms: Tangent[]): Tensor {
  let total: Tensor | null = null;
  for (const t of terms) if (t != null) total = total === null ? t : add(total, t);
  if (total === null) throw new Error("sumTerms: a forward rule was called without any tangent");
  return total;
}
