/**
 * `F.scaledDotProductAttention`: softmax attention, written with differentiable ops (PyTorch 2.8's
 * math reference, so first and second derivatives come from the ops' rules).
 * @module
 */
import * as core from "@tapegrad/core";
import { type Generator, type Tensor, ones } from "@tapegrad/core";
import { dropout } from "./dropout.js";
import { checkFinite, checkFloatTensor, checkOptions, checkTensor, describe, formatShape } from "../util.js";

/** Options of {@link scaledDotProductAttention}. */
export interface ScaledDotProductAttentionOptions {
  /**
   * Broadcastable to `[..., L, S]`: a bool mask (true = may attend) or a float mask added to the
   * scores (e.g. -Infinity to block).
   */
  attnMask?: Tensor | null;
  /** Dropout probability on the attention weights (default 0; applied whenever > 0, as PyTorch). */
  dropoutP?: number;
  /** Let query i attend only to keys j <= i (top-left aligned); excludes `attnMask`. */
  isCausal?: boolean;
  /** Score scale (default `1 / sqrt(E)`). */
  scale?: number | null;
  /** Generator of the dropout mask (the default generator if omitted). */
  generator?: Generator;
}

/** A bool `[L, S]` lower-triangular mask (true where key j <= query i). */
export function causalMask(L: number, S: number): Tensor {
  return core.tril(ones([L, S], { dtype: "bool" }));
}

/**
 * Attention scores turned into weights: softmax over the last dim of `scores` after masking. A bool
 * mask blocks where false; a float mask is added. Rows that a bool mask blocks entirely give
 * weights 0 (PyTorch 2.8's math path), not NaN.
 * @internal shared with MultiheadAttention
 */
export function maskedSoftmax(scores: Tensor, mask: Tensor | null): Tensor {
  if (mask === null) return core.softmax(scores, -1);
  if (mask.dtype !== "bool") return core.softmax(core.add(scores, mask), -1);
  const weights = core.softmax(core.maskedFill(scores, core.logicalNot(mask), -Infinity), -1);
  const anyAllowed = core.gt(core.sum(core.cast(mask, "int32"), { dim: -1, keepdim: true }), 0);
  return core.where(anyAllowed, weights, 0);
}

/**
 * `softmax(q k^T * scale + mask) v` over the last two dims (PyTorch's
 * `F.scaled_dot_product_attention`, computed as its math reference).
 * @param q `[..., L, E]` queries
 * @param k `[..., S, E]` keys
 * @param v `[..., S, Ev]` values
 * @returns `[..., L, Ev]`
 * @throws RangeError for mismatched shapes or both `isCausal` and `attnMask`.
 * @example F.scaledDotProductAttention(q, k, v, { isCausal: true })
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options?: ScaledDotProductAttentionOptions): Tensor {
  const where = "scaledDotProductAttention";
  checkFloatTensor(q, where, "query");
  checkFloatTensor(k, where, "key");
  checkFloatTensor(v, where, "value");
  const o = checkOptions(options, where, ["attnMask", "dropoutP", "isCausal", "scale", "generator"]);
  const { dropoutP = 0, isCausal = false } = o;
  if (q.ndim < 2 || k.ndim < 2 || v.ndim < 2) throw new RangeError(`${where}: query, key and value need at least 2 dims, got ${formatShape(q.shape)}, ${formatShape(k.shape)}, ${formatShape(v.shape)}`);
  const E = q.shape[q.ndim - 1]!;
  const L = q.shape[q.ndim - 2]!;
  const S = k.shape[k.ndim - 2]!;
  if (k.shape[k.ndim - 1] !== E) throw new RangeError(`${where}: query ${formatShape(q.shape)} and key ${formatShape(k.shape)} must have the same last dim`);
  if (v.shape[v.ndim - 2] !== S) throw new RangeError(`${where}: key ${formatShape(k.shape)} and value ${formatShape(v.shape)} must have the same number of positions (dim -2)`);
  if (typeof isCausal !== "boolean") throw new TypeError(`${where}: isCausal must be a boolean, got ${describe(isCausal)}`);
  if (typeof dropoutP !== "number" || !(dropoutP >= 0 && dropoutP <= 1)) throw new RangeError(`${where}: dropoutP must be in [0, 1], got ${describe(dropoutP)}`);
  const scale = o.scale === null || o.scale === undefined ? 1 / Math.sqrt(E) : checkFinite(o.scale, where, "scale");
  let mask: Tensor | null = null;
  if (o.attnMask !== null && o.attnMask !== undefined) {
    if (isCausal) throw new RangeError(`${where}: an explicit attnMask cannot be combined with isCausal: true`);
    mask = checkTensor(o.attnMask, where, "attnMask");
    if (mask.dtype !== "bool" && mask.dtype !== q.dtype) throw new TypeError(`${where}: a float attnMask must have the query's dtype ${q.dtype}, got ${mask.dtype}`);
  } else if (isCausal) {
    mask = causalMask(L, S);
  }
  const scores = core.mul(core.matmul(q, core.transpose(k, -2, -1)), scale);
  let weights = maskedSoftmax(scores, mask);
  if (dropoutP > 0) weights = dropout(weights, dropoutP, true, { generator: o.generator });
  return core.matmul(weights, v);
}
