/**
 * `Embedding`: a lookup table of learnable vectors.
 * @module
 */
import { type Generator, type Tensor, noGrad, zeros } from "@tapegrad/core";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";
import { embedding, resolvePaddingIdx } from "./functional/embedding.js";
import { normal_ } from "./init.js";
import { checkFloatTensor, checkInt, checkOptions, describe, factoryDtype, formatShape } from "./util.js";

/** Options of {@link Embedding}. */
export interface EmbeddingModuleOptions {
  /** A row kept at zero at initialisation that receives no gradient (negative counts from the end). */
  paddingIdx?: number | null;
  /** Parameter dtype (default: the default dtype). */
  dtype?: "float32" | "float64";
  /** Generator for the initial values (the seeded default generator if omitted). */
  generator?: Generator;
}

/** Options of {@link Embedding.fromPretrained}. */
export interface FromPretrainedOptions {
  /** Keep the weights fixed (`requiresGrad` false; default true). */
  freeze?: boolean;
  /** As in the constructor (the pretrained row is not zeroed). */
  paddingIdx?: number | null;
}

/**
 * A table of `numEmbeddings` vectors of size `embeddingDim`, looked up by int32 index (PyTorch's
 * `nn.Embedding`). The weight starts as N(0, 1) samples, with the `paddingIdx` row zeroed; that row
 * never receives a gradient.
 * @example const emb = new Embedding(27, 16); emb.forward(tensor([[1, 5]], { dtype: "int32" })).shape; // [1, 2, 16]
 */
export class Embedding extends Module {
  /** Size of the table. */
  readonly numEmbeddings: number;
  /** Size of each vector. */
  readonly embeddingDim: number;
  /** The row that receives no gradient (normalised to be non-negative), or null. */
  readonly paddingIdx: number | null;
  /** The table, `[numEmbeddings, embeddingDim]`. */
  weight: Parameter;

  /** @throws TypeError / RangeError for bad sizes or options. */
  constructor(numEmbeddings: number, embeddingDim: number, options?: EmbeddingModuleOptions) {
    super();
    checkInt(numEmbeddings, "Embedding", "numEmbeddings", 1);
    checkInt(embeddingDim, "Embedding", "embeddingDim", 0);
    const o = checkOptions(options, "Embedding", ["paddingIdx", "dtype", "generator"]);
    const dtype = factoryDtype(o.dtype, "Embedding");
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = resolvePaddingIdx(o.paddingIdx, numEmbeddings, "Embedding");
    this.weight = new Parameter(zeros([numEmbeddings, embeddingDim], { dtype }));
    this.resetParameters(o.generator);
  }

  /**
   * A layer holding `embeddings` (shared, not copied), frozen unless `freeze: false`.
   * @throws RangeError unless `embeddings` is a 2-D float tensor.
   * @example const emb = Embedding.fromPretrained(vectors, { freeze: false });
   */
  static fromPretrained(embeddings: Tensor, options?: FromPretrainedOptions): Embedding {
    checkFloatTensor(embeddings, "Embedding.fromPretrained", "embeddings");
    if (embeddings.ndim !== 2) throw new RangeError(`Embedding.fromPretrained: embeddings must be 2-D, got shape ${formatShape(embeddings.shape)}`);
    const { freeze = true, paddingIdx } = checkOptions(options, "Embedding.fromPretrained", ["freeze", "paddingIdx"]);
    if (typeof freeze !== "boolean") throw new TypeError(`Embedding.fromPretrained: freeze must be a boolean, got ${describe(freeze)}`);
    const [n, d] = embeddings.shape as [number, number];
    const layer = new Embedding(n, d, { paddingIdx, dtype: embeddings.dtype as "float32" | "float64" });
    layer.weight = new Parameter(embeddings.detach(), !freeze);
    return layer;
  }

  /** Re-draw the weight from N(0, 1) and zero the padding row (PyTorch's `reset_parameters`). */
  resetParameters(generator?: Generator): void {
    normal_(this.weight, { generator });
    if (this.paddingIdx !== null) noGrad(() => this.weight.select(0, this.paddingIdx!).zero_());
  }

  /**
   * @param indices int32 indices of any shape, each in `[0, numEmbeddings)`.
   * @returns `[...indices.shape, embeddingDim]`
   */
  forward(indices: Tensor): Tensor {
    return embedding(indices, this.weight, { paddingIdx: this.paddingIdx });
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, paddingIdx=${this.paddingIdx}` : ""}`;
  }
}
