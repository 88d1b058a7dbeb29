// Embedding, scaled dot-product attention, MultiheadAttention and TransformerEncoderLayer against
// PyTorch (test/golden/layers.json, float64). Module cases load PyTorch's state dict as is (so the
// keys map 1:1), then compare outputs, the gradients of every input and parameter, and for some a
// Hessian-vector product over all of them.
import { describe, expect, test } from "vitest";
import { type Tensor, grad } from "@tapegrad/core";
import { Embedding, F, type Module, MultiheadAttention, TransformerEncoderLayer } from "@tapegrad/nn";
import { type Encoded, type GoldenFn, type GoldenInput, type OpCase, checkOpCase, decode, expectClose, loadLayersGolden, makeInputs } from "./support/layers-golden.js";

/** The tapegrad form of each op the golden file names. */
export const attentionOps: Record<string, GoldenFn> = {
  embedding: (t, a) => F.embedding(t.indices!, t.weight!, { paddingIdx: a.padding_idx }),
  sdpa: (t, a) => F.scaledDotProductAttention(t.q!, t.k!, t.v!, { attnMask: t.mask ?? null, isCausal: a.is_causal, scale: a.scale }),
};

interface ModuleCase {
  name: string;
  kind: "module";
  module: string;
  ctor: Record<string, any>;
  state: Record<string, Encoded>;
  inputs: GoldenInput[];
  outputs: Encoded[];
  upstreams: Encoded[];
  grads: Record<string, Encoded | null>;
  hvp?: { vectors: Record<string, Encoded>; values: Record<string, Encoded> };
}
interface KeysCase {
  name: string;
  kind: "state_dict_keys";
  keys: string[];
  shapes: Record<string, number[]>;
}

/** Build each golden module from PyTorch's constructor arguments (float64). */
function build(c: ModuleCase): Module {
  const a = c.ctor;
  if (c.module === "MultiheadAttention") {
    return new MultiheadAttention(a.embed_dim, a.num_heads, { batchFirst: a.batch_first, bias: a.bias, kdim: a.kdim, vdim: a.vdim, dtype: "float64" });
  }
  if (c.module === "TransformerEncoderLayer") {
    return new TransformerEncoderLayer(a.d_model, a.nhead, {
      dimFeedforward: a.dim_feedforward, dropout: a.dropout, activation: a.activation, batchFirst: a.batch_first, normFirst: a.norm_first, dtype: "float64",
    });
  }
  throw new Error(`no builder for ${c.module}`);
}

/** Call each golden module as the generator called it. */
function call(m: Module, t: Record<string, Tensor>): Array<Tensor | null> {
  if (m instanceof MultiheadAttention) {
    const self = t.x !== undefined;
    const [q, k, v] = self ? [t.x!, t.x!, t.x!] : [t.query!, t.key!, t.value!];
    const needWeights = !(t.attn_mask !== undefined && t.attn_mask.ndim === 3);
    return m.call(q, k, v, { keyPaddingMask: t.key_padding_mask, attnMask: t.attn_mask, needWeights, averageAttnWeights: t.key_padding_mask === undefined });
  }
  return [(m as TransformerEncoderLayer).call(t.src!, { srcMask: t.src_mask, srcKeyPaddingMask: t.src_key_padding_mask })];
}

const all = loadLayersGolden<{ kind: string; name: string }>();
const opCases = all.filter((c): c is OpCase => c.kind === "op" && (c as OpCase).op in attentionOps);
const moduleCases = all.filter((c): c is ModuleCase => c.kind === "module");
const keyCases = all.filter((c): c is KeysCase => c.kind === "state_dict_keys");

describe("embedding and scaled dot-product attention against PyTorch", () => {
  test.each(opCases.map((c) => [c.name, c] as const))("%s", (_name, c) => checkOpCase(c, attentionOps[c.op]!));
});

describe("attention modules with PyTorch's state dicts", () => {
  test.each(moduleCases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const m = build(c);
    m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, decode(v)])));
    m.eval();
    const inputs = makeInputs(c.inputs);
    const outs = call(m, inputs).filter((o): o is Tensor => o !== null);
    expect(outs.length).toBe(c.outputs.length);
    outs.forEach((o, i) => expectClose(o, c.outputs[i]!, `${c.name} output ${i}`));
    const params = Object.fromEntries(m.namedParameters());
    const names = Object.keys(c.grads);
    const xs = names.map((n) => inputs[n] ?? params[n]!);
    const gs = grad(outs, xs, { gradOutputs: c.upstreams.map((u) => decode(u)), allowUnused: true, createGraph: c.hvp !== undefined });
    names.forEach((n, i) => {
      const want = c.grads[n];
      if (want === null || want === undefined) expect(gs[i] ?? null, `${c.name} grad ${n}`).toBeNull();
      else expectClose(gs[i], want, `${c.name} grad ${n}`);
    });
    if (c.hvp === undefined) return;
    // Hessian-vector product of <outputs, upstreams> along PyTorch's random directions.
    const terms = names.flatMap((n, i) => (gs[i]?.requiresGrad ? [gs[i]!.mul(decode(c.hvp!.vectors[n]!)).sum()] : []));
    const total = terms.reduce((a, b) => a.add(b));
    const hs = grad(total, xs, { allowUnused: true });
    names.forEach((n, i) => {
      const want = c.hvp!.values[n]!;
      expectClose(hs[i] ?? decode({ shape: want.shape, data: want.data.map(() => 0) }), want, `${c.name} hvp ${n}`);
    });
  });
});

const keyModules: Record<string, () => Module> = {
  keys_Embedding: () => new Embedding(10, 3, { paddingIdx: 0 }),
  keys_MultiheadAttention: () => new MultiheadAttention(8, 2),
  keys_MultiheadAttention_no_bias: () => new MultiheadAttention(8, 2, { bias: false }),
  keys_MultiheadAttention_kdim_vdim: () => new MultiheadAttention(8, 2, { kdim: 4, vdim: 5 }),
  keys_TransformerEncoderLayer: () => new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }),
};

describe("state-dict keys and shapes are PyTorch's", () => {
  test.each(keyCases.filter((c) => c.name in keyModules).map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const sd = keyModules[c.name]!().stateDict();
    expect(Object.keys(sd)).toEqual(c.keys);
    for (const k of c.keys) expect(sd[k]!.shape, k).toEqual(c.shapes[k]);
  });
});
