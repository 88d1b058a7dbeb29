/**
 * `F.embedding`: rows of a weight matrix looked up by index.
 * @module
 */
import * as core from "@tapegrad/core";
import type { Tensor } from "@tapegrad/core";
import { checkFloatTensor, checkOptions, checkTensor, describe, formatShape } from "../util.js";

/** Options of {@link embedding}. */
export interface EmbeddingOptions {
  /** A row that receives no gradient (negative counts from the end); none if omitted. */
  paddingIdx?: number | null;
}

/** @internal resolve a padding index against the number of embeddings (PyTorch's rules). */
export function resolvePaddingIdx(paddingIdx: unknown, numEmbeddings: number, where: string): number | null {
  if (paddingIdx === null || paddingIdx === undefined) return null;
  if (typeof paddingIdx !== "number" || !Number.isInteger(paddingIdx)) throw new TypeError(`${where}: paddingIdx must be an integer, got ${describe(paddingIdx)}`);
  if (paddingIdx >= numEmbeddings || paddingIdx < -numEmbeddings) {
    throw new RangeError(`${where}: paddingIdx (${paddingIdx}) must be within the number of embeddings (${numEmbeddings})`);
  }
  return paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
}

/**
 * `weight[indices]`: for int32 `indices` of any shape, the rows of `weight` `[numEmbeddings, dim]`,
 * giving `[...indices.shape, dim]` (PyTorch's `F.embedding`). Gradients of repeated indices add up;
 * the `paddingIdx` row receives no gradient (its lookups are constants).
 * @throws TypeError for non-int32 indices or a non-float weight; RangeError for out-of-range indices.
 * @example F.embedding(tensor([[1, 2]], { dtype: "int32" }), weight)
 */
export function embedding(indices: Tensor, weight: Tensor, options?: EmbeddingOptions): Tensor {
  const where = "embedding";
  checkTensor(indices, where, "indices");
  if (indices.dtype !== "int32") throw new TypeError(`${where}: indices must be an int32 tensor, got ${indices.dtype}`);
  checkFloatTensor(weight, where, "weight");
  if (weight.ndim !== 2) throw new RangeError(`${where}: weight must be 2-D [numEmbeddings, embeddingDim], got shape ${formatShape(weight.shape)}`);
  const padding = resolvePaddingIdx(checkOptions(options, where, ["paddingIdx"]).paddingIdx, weight.shape[0]!, where);
  const rows = core.indexSelect(weight, 0, indices.reshape([-1]));
  const out = rows.reshape([...indices.shape, weight.shape[1]!]);
  if (padding === null || !out.requiresGrad) return out;
  const isPadding = indices.eq(padding).unsqueeze(-1);
  return core.where(isPadding, out.detach(), out);
}
