/**
 * `MultiheadAttention`: attention with several heads and learned input/output projections.
 * @module
 */
import * as core from "@tapegrad/core";
import { type Generator, type Tensor, zeros } from "@tapegrad/core";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";
import { Linear } from "./linear.js";
import { linear } from "./functional/linear.js";
import { dropout } from "./functional/dropout.js";
import { maskedSoftmax } from "./functional/attention.js";
import { xavierUniform_ } from "./init.js";
import { checkInt, checkOptions, describe, factoryDtype, formatShape } from "./util.js";

/** Options of {@link MultiheadAttention}. */
export interface MultiheadAttentionOptions {
  /** Dropout probability on the attention weights in training mode (default 0). */
  dropout?: number;
  /** Learn the in- and out-projection biases (default true). */
  bias?: boolean;
  /** Size of the keys' features (default embedDim). */
  kdim?: number;
  /** Size of the values' features (default embedDim). */
  vdim?: number;
  /** Inputs and output are `[N, L, E]` instead of `[L, N, E]` (default false). */
  batchFirst?: boolean;
  /** Parameter dtype (default: the default dtype). */
  dtype?: "float32" | "float64";
  /** Generator for the initial values (the seeded default generator if omitted). */
  generator?: Generator;
}

/** Options of {@link MultiheadAttention.forward}. */
export interface MultiheadAttentionForwardOptions {
  /** `[N, S]` bool: true marks a key position to ignore. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights (default true); otherwise the second result is null. */
  needWeights?: boolean;
  /**
   * `[L, S]` or `[N * numHeads, L, S]`: bool (true = NOT allowed to attend, PyTorch's MHA convention)
   * or float (added to the scores).
   */
  attnMask?: Tensor | null;
  /** Average the returned weights over the heads (default true): `[N, L, S]`, else `[N, numHeads, L, S]`. */
  averageAttnWeights?: boolean;
}

/** A bool "true = blocked" mask turned into an additive float mask (PyTorch's `_canonical_mask`). */
function additive(mask: Tensor, dtype: "float32" | "float64"): Tensor {
  return mask.dtype === "bool" ? core.maskedFill(zeros(mask.shape, { dtype }), mask, -Infinity) : mask;
}

/**
 * Multi-head attention (PyTorch's `nn.MultiheadAttention`): queries, keys and values are projected
 * by `in_proj_weight`/`in_proj_bias` (or `q_proj_weight`, `k_proj_weight`, `v_proj_weight` when
 * `kdim`/`vdim` differ from `embedDim`), split into `numHeads` heads, attended with
 * `softmax(q k^T / sqrt(headDim) + mask)`, concatenated and projected by `out_proj`. Parameter names
 * and state-dict keys are PyTorch's (`in_proj_weight`, `in_proj_bias`, `out_proj.weight`,
 * `out_proj.bias`), so state dicts map 1:1; camelCase accessors (`inProjWeight`, ...) read the same
 * parameters.
 * @example
 * const mha = new MultiheadAttention(64, 4, { batchFirst: true });
 * const [out, weights] = mha.forward(x, x, x, { attnMask: causal });
 */
export class MultiheadAttention extends Module {
  /** Model width E. */
  readonly embedDim: number;
  /** Key feature size. */
  readonly kdim: number;
  /** Value feature size. */
  readonly vdim: number;
  /** Number of heads (divides embedDim). */
  readonly numHeads: number;
  /** Width of each head, `embedDim / numHeads`. */
  readonly headDim: number;
  /** Dropout on the attention weights in training mode. */
  readonly dropout: number;
  /** Whether inputs are `[N, L, E]`. */
  readonly batchFirst: boolean;
  /** `[3E, E]` packed q/k/v projection, or null when kdim/vdim differ from E. */
  in_proj_weight: Parameter | null;
  /** `[E, E]` query projection when kdim/vdim differ from E, else null. */
  q_proj_weight: Parameter | null;
  /** `[E, kdim]` key projection when kdim/vdim differ from E, else null. */
  k_proj_weight: Parameter | null;
  /** `[E, vdim]` value projection when kdim/vdim differ from E, else null. */
  v_proj_weight: Parameter | null;
  /** `[3E]` packed q/k/v bias, or null with `bias: false`. */
  in_proj_bias: Parameter | null;
  /** The output projection (state-dict keys `out_proj.weight`, `out_proj.bias`). */
  out_proj: Linear;

  /**
   * @param embedDim model width E.
   * @param numHeads number of heads; must divide E.
   * @throws RangeError when numHeads does not divide embedDim; TypeError for bad options.
   */
  constructor(embedDim: number, numHeads: number, options?: MultiheadAttentionOptions) {
    super();
    const where = "MultiheadAttention";
    checkInt(embedDim, where, "embedDim", 1);
    checkInt(numHeads, where, "numHeads", 1);
    if (embedDim % numHeads !== 0) throw new RangeError(`${where}: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`);
    const o = checkOptions(options, where, ["dropout", "bias", "kdim", "vdim", "batchFirst", "dtype", "generator"]);
    const { dropout: p = 0, bias = true, batchFirst = false } = o;
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new RangeError(`${where}: dropout must be in [0, 1], got ${describe(p)}`);
    if (typeof bias !== "boolean") throw new TypeError(`${where}: bias must be a boolean, got ${describe(bias)}`);
    if (typeof batchFirst !== "boolean") throw new TypeError(`${where}: batchFirst must be a boolean, got ${describe(batchFirst)}`);
    const dtype = factoryDtype(o.dtype, where);
    this.embedDim = embedDim;
    this.kdim = checkInt(o.kdim ?? embedDim, where, "kdim", 1);
    this.vdim = checkInt(o.vdim ?? embedDim, where, "vdim", 1);
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.dropout = p;
    this.batchFirst = batchFirst;
    const packed = this.kdim === embedDim && this.vdim === embedDim;
    const param = (shape: number[]) => new Parameter(zeros(shape, { dtype }));
    // Field order is registration order is PyTorch's state-dict order.
    this.in_proj_weight = packed ? param([3 * embedDim, embedDim]) : null;
    this.q_proj_weight = packed ? null : param([embedDim, embedDim]);
    this.k_proj_weight = packed ? null : param([embedDim, this.kdim]);
    this.v_proj_weight = packed ? null : param([embedDim, this.vdim]);
    this.in_proj_bias = bias ? param([3 * embedDim]) : null;
    this.out_proj = new Linear(embedDim, embedDim, { bias, dtype, generator: o.generator });
    this.resetParameters(o.generator);
  }

  /** The packed projection (`in_proj_weight`). */
  get inProjWeight(): Parameter | null {
    return this.in_proj_weight;
  }
  /** The packed projection bias (`in_proj_bias`). */
  get inProjBias(): Parameter | null {
    return this.in_proj_bias;
  }
  /** The output projection (`out_proj`). */
  get outProj(): Linear {
    return this.out_proj;
  }

  /**
   * PyTorch's `_reset_parameters`: Xavier-uniform projections, zero biases (the output projection's
   * weight keeps Linear's initialisation).
   */
  resetParameters(generator?: Generator): void {
    for (const w of [this.in_proj_weight, this.q_proj_weight, this.k_proj_weight, this.v_proj_weight]) if (w !== null) xavierUniform_(w, { generator });
    core.noGrad(() => {
      this.in_proj_bias?.zero_();
      this.out_proj.bias?.zero_();
    });
  }

  /**
   * Attend from `query` to `key`/`value`.
   * @param query `[L, N, E]` (`[N, L, E]` with batchFirst, or unbatched `[L, E]`)
   * @param key `[S, N, kdim]` (likewise)
   * @param value `[S, N, vdim]` (likewise)
   * @returns `[output, weights]`: output shaped like `query`; the weights `[N, L, S]` (averaged) or
   *   `[N, numHeads, L, S]`, without N for unbatched input, or null when `needWeights` is false.
   * @throws RangeError for inconsistent shapes or masks.
   */
  forward(query: Tensor, key: Tensor, value: Tensor, options?: MultiheadAttentionForwardOptions): [Tensor, Tensor | null] {
    const where = "MultiheadAttention";
    const o = checkOptions(options, `${where}.forward`, ["keyPaddingMask", "needWeights", "attnMask", "averageAttnWeights"]);
    const { needWeights = true, averageAttnWeights = true } = o;
    const unbatched = query.ndim === 2;
    const rank = unbatched ? 2 : 3;
    for (const [name, t] of [["query", query], ["key", key], ["value", value]] as const) {
      if (t.ndim !== rank) throw new RangeError(`${where}: query, key and value must all be ${unbatched ? "2-D (unbatched)" : "3-D"}; ${name} has shape ${formatShape(t.shape)}`);
    }
    // Work in PyTorch's internal [L, N, E] layout.
    let [q0, k0, v0] = [query, key, value];
    if (unbatched) [q0, k0, v0] = [q0.unsqueeze(1), k0.unsqueeze(1), v0.unsqueeze(1)];
    else if (this.batchFirst) [q0, k0, v0] = [q0.transpose(0, 1), k0.transpose(0, 1), v0.transpose(0, 1)];
    const [L, N, E] = q0.shape as [number, number, number];
    const S = k0.shape[0]!;
    if (E !== this.embedDim) throw new RangeError(`${where}: expected query features ${this.embedDim}, got shape ${formatShape(query.shape)}`);
    if (k0.shape[2] !== this.kdim || v0.shape[2] !== this.vdim) {
      throw new RangeError(`${where}: expected key features ${this.kdim} and value features ${this.vdim}, got key ${formatShape(key.shape)} and value ${formatShape(value.shape)}`);
    }
    if (k0.shape[1] !== N || v0.shape[1] !== N || v0.shape[0] !== S) {
      throw new RangeError(`${where}: key ${formatShape(key.shape)} and value ${formatShape(value.shape)} must match the query's batch ${formatShape(query.shape)} and each other's length`);
    }
    const H = this.numHeads;
    const hd = this.headDim;
    const b = this.in_proj_bias;
    const bq = b === null ? null : b.narrow(0, 0, E);
    const bk = b === null ? null : b.narrow(0, E, E);
    const bv = b === null ? null : b.narrow(0, 2 * E, E);
    const w = this.in_proj_weight;
    const q = linear(q0, w !== null ? w.narrow(0, 0, E) : this.q_proj_weight!, bq);
    const k = linear(k0, w !== null ? w.narrow(0, E, E) : this.k_proj_weight!, bk);
    const v = linear(v0, w !== null ? w.narrow(0, 2 * E, E) : this.v_proj_weight!, bv);
    // [L, N, E] -> [N * H, L, hd]
    const heads = (t: Tensor, len: number) => t.reshape([len, N * H, hd]).transpose(0, 1);
    const dtype = q.dtype as "float32" | "float64";
    const mask = this.mergedMask(o.attnMask ?? null, o.keyPaddingMask ?? null, N, L, S, unbatched, dtype);
    const scores = core.matmul(heads(q, L).mul(Math.sqrt(1 / hd)), heads(k, S).transpose(1, 2));
    let weights = maskedSoftmax(scores, mask);
    if (this.training && this.dropout > 0) weights = dropout(weights, this.dropout, true);
    const attended = core.matmul(weights, heads(v, S)).transpose(0, 1).reshape([L, N, E]);
    let out = this.out_proj.call(attended);
    if (unbatched) out = out.squeeze(1);
    else if (this.batchFirst) out = out.transpose(0, 1);
    if (!needWeights) return [out, null];
    let avg = weights.reshape([N, H, L, S]);
    if (averageAttnWeights) avg = avg.mean(1);
    return [out, unbatched ? avg.squeeze(0) : avg];
  }

  /** attnMask and keyPaddingMask as one additive float mask broadcastable to `[N * H, L, S]` (or null). */
  private mergedMask(attnMask: Tensor | null, keyPaddingMask: Tensor | null, N: number, L: number, S: number, unbatched: boolean, dtype: "float32" | "float64"): Tensor | null {
    const where = "MultiheadAttention";
    let mask: Tensor | null = null;
    if (attnMask !== null) {
      const ok2 = attnMask.ndim === 2 && attnMask.shape[0] === L && attnMask.shape[1] === S;
      const ok3 = attnMask.ndim === 3 && attnMask.shape[0] === N * this.numHeads && attnMask.shape[1] === L && attnMask.shape[2] === S;
      if (!ok2 && !ok3) throw new RangeError(`${where}: attnMask must be [${L}, ${S}] or [${N * this.numHeads}, ${L}, ${S}], got ${formatShape(attnMask.shape)}`);
      mask = additive(attnMask, dtype);
    }
    if (keyPaddingMask !== null) {
      const expected = unbatched ? [S] : [N, S];
      if (formatShape(keyPaddingMask.shape) !== formatShape(expected)) {
        throw new RangeError(`${where}: keyPaddingMask must be ${formatShape(expected)}, got ${formatShape(keyPaddingMask.shape)}`);
      }
      const perHead = additive(keyPaddingMask, dtype).reshape([N, 1, 1, S]).expand([N, this.numHeads, 1, S]).reshape([N * this.numHeads, 1, S]);
      mask = mask === null ? perHead : core.add(mask, perHead);
    }
    return mask;
  }

  override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}, batchFirst=${this.batchFirst}`;
  }
}
