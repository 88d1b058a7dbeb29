// Embedding, scaled dot-product attention, MultiheadAttention and TransformerEncoderLayer: second
// derivatives on random shapes, padding rows, masks, dtypes and errors.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { Generator, gradcheck, gradgradcheck, grad, ones, randn, tensor, zeros } from "@tapegrad/core";
import { Embedding, F, MultiheadAttention, TransformerEncoderLayer } from "@tapegrad/nn";

const leaf = (shape: number[], seed: number) => randn(shape, { dtype: "float64", generator: new Generator(seed) }).requiresGrad_(true);

describe("second derivatives on random shapes", () => {
  test("scaledDotProductAttention with and without masks", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.integer({ min: 0, max: 1000 }), (L, S, E, causal, seed) => {
        const q = leaf([2, L, E], seed);
        const k = leaf([2, S, E], seed + 1);
        const v = leaf([2, S, E], seed + 2);
        const f = (a: typeof q, b: typeof q, c: typeof q) => F.scaledDotProductAttention(a, b, c, { isCausal: causal && L <= S });
        expect(gradgradcheck(f, [q, k, v])).toBe(true);
      }),
      { numRuns: 4 },
    );
  });

  test("MultiheadAttention through its parameters", () => {
    const mha = new MultiheadAttention(4, 2, { batchFirst: true, dtype: "float64", generator: new Generator(3) });
    const x = leaf([2, 3, 4], 5);
    const w = mha.in_proj_weight!;
    expect(gradcheck((a, ww) => {
      const saved = mha.in_proj_weight;
      mha.in_proj_weight = ww as typeof saved;
      try {
        return mha.forward(a, a, a, { needWeights: false })[0];
      } finally {
        mha.in_proj_weight = saved;
      }
    }, [x, w])).toBe(true);
    expect(gradgradcheck((a) => mha.forward(a, a, a)[0], [x])).toBe(true);
  });
});

describe("Embedding", () => {
  test("the padding row starts at zero and never gets a gradient", () => {
    const emb = new Embedding(5, 3, { paddingIdx: -1, generator: new Generator(1) });
    expect(emb.paddingIdx).toBe(4);
    expect(emb.weight.select(0, 4).tolist()).toEqual([0, 0, 0]);
    const idx = tensor([[4, 1], [1, 4]], { dtype: "int32" });
    emb.forward(idx).sum().backward();
    expect(emb.weight.grad!.select(0, 4).tolist()).toEqual([0, 0, 0]);
    expect(emb.weight.grad!.select(0, 1).tolist()).toEqual([2, 2, 2]);
  });

  test("fromPretrained shares the tensor and freezes it by default", () => {
    const vectors = randn([4, 2], { generator: new Generator(2) });
    const frozen = Embedding.fromPretrained(vectors);
    expect(frozen.weight.requiresGrad).toBe(false);
    expect(frozen.weight.storage).toBe(vectors.storage);
    expect(Embedding.fromPretrained(vectors, { freeze: false }).weight.requiresGrad).toBe(true);
    expect(frozen.forward(tensor([3], { dtype: "int32" })).tolist()).toEqual([vectors.select(0, 3).tolist()]);
  });

  test("errors", () => {
    const emb = new Embedding(3, 2);
    expect(() => emb.forward(tensor([0, 3], { dtype: "int32" }))).toThrow(/index 3 is out of bounds/);
    expect(() => emb.forward(tensor([0.0, 1.0]))).toThrow(/embedding: indices must be an int32 tensor, got float32/);
    expect(() => new Embedding(3, 2, { paddingIdx: 3 })).toThrow(/Embedding: paddingIdx \(3\) must be within the number of embeddings \(3\)/);
  });
});

describe("attention masks and shapes", () => {
  test("a bool row that blocks everything gives zero weights (PyTorch 2.8's math path), not NaN", () => {
    const q = randn([2, 3], { generator: new Generator(1) });
    const mask = tensor([[true, true, false], [false, false, false]]);
    const k = randn([3, 3], { generator: new Generator(2) });
    const out = F.scaledDotProductAttention(q, k, ones([3, 2]), { attnMask: mask });
    expect(out.select(0, 1).tolist()).toEqual([0, 0]);
    expect(Number.isNaN((out.select(0, 0).tolist() as number[])[0])).toBe(false);
  });

  test("MultiheadAttention returns averaged or per-head weights that sum to 1 per query", () => {
    const mha = new MultiheadAttention(4, 2, { generator: new Generator(0) });
    const x = randn([3, 2, 4], { generator: new Generator(1) });
    const [out, avg] = mha.forward(x, x, x);
    expect(out.shape).toEqual([3, 2, 4]);
    expect(avg!.shape).toEqual([2, 3, 3]);
    (avg!.sum(-1).tolist() as number[][]).flat().forEach((s) => expect(s).toBeCloseTo(1, 6));
    const [, perHead] = mha.forward(x, x, x, { averageAttnWeights: false });
    expect(perHead!.shape).toEqual([2, 2, 3, 3]);
    expect(mha.forward(x, x, x, { needWeights: false })[1]).toBeNull();
  });

  test("a key padding mask hides those keys", () => {
    const mha = new MultiheadAttention(4, 1, { batchFirst: true, generator: new Generator(0) });
    const x = randn([1, 3, 4], { generator: new Generator(1) });
    const [, w] = mha.forward(x, x, x, { keyPaddingMask: tensor([[false, false, true]]) });
    expect((w!.select(2, 2).tolist() as number[][]).flat()).toEqual([0, 0, 0]);
  });

  test("errors name the module and shapes", () => {
    expect(() => new MultiheadAttention(6, 4)).toThrow(/MultiheadAttention: embedDim \(6\) must be divisible by numHeads \(4\)/);
    const mha = new MultiheadAttention(4, 2);
    expect(() => mha.forward(zeros([3, 2, 5]), zeros([3, 2, 4]), zeros([3, 2, 4]))).toThrow(/expected query features 4/);
    expect(() => mha.forward(zeros([3, 2, 4]), zeros([3, 2, 4]), zeros([3, 2, 4]), { attnMask: zeros([2, 2]) })).toThrow(/attnMask must be \[3, 3\] or \[4, 3, 3\]/);
    expect(() => F.scaledDotProductAttention(zeros([2, 3]), zeros([2, 4]), zeros([2, 4]))).toThrow(/must have the same last dim/);
    expect(() => F.scaledDotProductAttention(zeros([2, 3]), zeros([2, 3]), zeros([2, 3]), { isCausal: true, attnMask: ones([2, 2], { dtype: "bool" }) })).toThrow(/cannot be combined with isCausal/);
    expect(() => new TransformerEncoderLayer(4, 2, { activation: "tanh" as "relu" })).toThrow(/activation must be "relu", "gelu" or a function/);
  });

  test("TransformerEncoderLayer keeps the input shape and trains its parameters", () => {
    const layer = new TransformerEncoderLayer(4, 2, { dimFeedforward: 8, dropout: 0, batchFirst: true, normFirst: true, generator: new Generator(0) });
    const x = randn([2, 3, 4], { generator: new Generator(1) });
    const y = layer.forward(x);
    expect(y.shape).toEqual([2, 3, 4]);
    const gs = grad(y.pow(2).sum(), layer.parameters());
    expect(gs.every((g) => g !== null)).toBe(true);
  });
});
