/**
 * `TransformerEncoderLayer`: self-attention and a feed-forward block, each with a residual
 * connection and LayerNorm.
 * @module
 */
import type { Generator, Tensor } from "@tapegrad/core";
import { Module } from "./module.js";
import { Linear } from "./linear.js";
import { Dropout } from "./dropout.js";
import { LayerNorm } from "./layer-norm.js";
import { MultiheadAttention } from "./multihead-attention.js";
import { gelu, relu } from "./functional/activations.js";
import { checkFinite, checkInt, checkOptions, describe } from "./util.js";

/** Options of {@link TransformerEncoderLayer}. */
export interface TransformerEncoderLayerOptions {
  /** Hidden width of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout probability after attention, inside and after the feed-forward block (default 0.1). */
  dropout?: number;
  /** `"relu"` (default), `"gelu"`, or a function of a tensor. */
  activation?: "relu" | "gelu" | ((x: Tensor) => Tensor);
  /** LayerNorm eps (default 1e-5). */
  layerNormEps?: number;
  /** Inputs are `[N, L, E]` instead of `[L, N, E]` (default false). */
  batchFirst?: boolean;
  /** Normalize before each block (pre-norm) instead of after the residual sum (default false). */
  normFirst?: boolean;
  /** Biases in the linear layers and LayerNorms (default true). */
  bias?: boolean;
  /** Parameter dtype (default: the default dtype). */
  dtype?: "float32" | "float64";
  /** Generator for the initial values (the seeded default generator if omitted). */
  generator?: Generator;
}

/** Options of {@link TransformerEncoderLayer.forward}. */
export interface TransformerEncoderLayerForwardOptions {
  /** Attention mask, as {@link MultiheadAttention}'s `attnMask` (bool: true = blocked). */
  srcMask?: Tensor | null;
  /** `[N, S]` bool: true marks a padding position. */
  srcKeyPaddingMask?: Tensor | null;
}

/**
 * One transformer encoder layer (PyTorch's `nn.TransformerEncoderLayer`), post-norm by default:
 * `x = norm1(x + dropout1(selfAttn(x)))`, `x = norm2(x + dropout2(linear2(dropout(act(linear1(x))))))`;
 * with `normFirst`: `x = x + dropout1(selfAttn(norm1(x)))`, `x = x + dropout2(ff(norm2(x)))`.
 * Sub-module names (and so state-dict keys) are PyTorch's: `self_attn`, `linear1`, `linear2`, `norm1`, `norm2`.
 * @example const layer = new TransformerEncoderLayer(64, 4, { dimFeedforward: 256, batchFirst: true, normFirst: true });
 */
export class TransformerEncoderLayer extends Module {
  /** Self-attention (`self_attn.*` in the state dict). */
  self_attn: MultiheadAttention;
  /** First feed-forward projection. */
  linear1: Linear;
  /** Dropout inside the feed-forward block. */
  dropout: Dropout;
  /** Second feed-forward projection. */
  linear2: Linear;
  /** Whether the norms come first. */
  readonly normFirst: boolean;
  /** Norm around the attention block. */
  norm1: LayerNorm;
  /** Norm around the feed-forward block. */
  norm2: LayerNorm;
  /** Dropout after attention. */
  dropout1: Dropout;
  /** Dropout after the feed-forward block. */
  dropout2: Dropout;
  /** The feed-forward activation. */
  readonly activation: (x: Tensor) => Tensor;

  /**
   * @param dModel model width E.
   * @param nhead number of attention heads (divides dModel).
   * @throws RangeError / TypeError for bad sizes or options.
   */
  constructor(dModel: number, nhead: number, options?: TransformerEncoderLayerOptions) {
    super();
    const where = "TransformerEncoderLayer";
    checkInt(dModel, where, "dModel", 1);
    const o = checkOptions(options, where, ["dimFeedforward", "dropout", "activation", "layerNormEps", "batchFirst", "normFirst", "bias", "dtype", "generator"]);
    const { dimFeedforward = 2048, dropout = 0.1, activation = "relu", layerNormEps = 1e-5, batchFirst = false, normFirst = false, bias = true, dtype, generator } = o;
    checkInt(dimFeedforward, where, "dimFeedforward", 1);
    checkFinite(layerNormEps, where, "layerNormEps");
    if (typeof normFirst !== "boolean") throw new TypeError(`${where}: normFirst must be a boolean, got ${describe(normFirst)}`);
    if (activation === "relu") this.activation = relu;
    else if (activation === "gelu") this.activation = (x) => gelu(x);
    else if (typeof activation === "function") this.activation = activation;
    else throw new RangeError(`${where}: activation must be "relu", "gelu" or a function, got ${describe(activation)}`);
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout, bias, batchFirst, dtype, generator });
    this.linear1 = new Linear(dModel, dimFeedforward, { bias, dtype, generator });
    this.dropout = new Dropout(dropout);
    this.linear2 = new Linear(dimFeedforward, dModel, { bias, dtype, generator });
    this.normFirst = normFirst;
    this.norm1 = new LayerNorm(dModel, { eps: layerNormEps, bias, dtype });
    this.norm2 = new LayerNorm(dModel, { eps: layerNormEps, bias, dtype });
    this.dropout1 = new Dropout(dropout);
    this.dropout2 = new Dropout(dropout);
  }

  /** The self-attention block (`self_attn`). */
  get selfAttn(): MultiheadAttention {
    return this.self_attn;
  }

  /**
   * @param src `[L, N, E]` (`[N, L, E]` with batchFirst, or unbatched `[L, E]`)
   * @returns the same shape.
   */
  forward(src: Tensor, options?: TransformerEncoderLayerForwardOptions): Tensor {
    const o = checkOptions(options, "TransformerEncoderLayer.forward", ["srcMask", "srcKeyPaddingMask"]);
    const attend = (x: Tensor): Tensor => {
      const [out] = this.self_attn.call(x, x, x, { attnMask: o.srcMask ?? null, keyPaddingMask: o.srcKeyPaddingMask ?? null, needWeights: false });
      return this.dropout1.call(out);
    };
    const feedForward = (x: Tensor): Tensor => this.dropout2.call(this.linear2.call(this.dropout.call(this.activation(this.linear1.call(x)))));
    let x = src;
    if (this.normFirst) {
      x = x.add(attend(this.norm1.call(x)));
      x = x.add(feedForward(this.norm2.call(x)));
    } else {
      x = this.norm1.call(x.add(attend(x)));
      x = this.norm2.call(x.add(feedForward(x)));
    }
    return x;
  }
}
