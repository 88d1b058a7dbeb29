// A character-level transformer learns to spell English words, then invents new ones.
// Token and position embeddings, two pre-norm TransformerEncoderLayers with causal self-attention
// (LayerNorm, MLP), trained with AdamW and a warm-up + cosine schedule (SequentialLR). Compares
// its validation loss with a bigram model's, then samples words with a seeded multinomial.
// Data: /usr/share/dict/words (Debian's wamerican) if present, else examples/data/words.txt.
// Run: npx tsx examples/char-transformer.ts [--quick] [--steps N] [--seed S]
// (The reported losses are over the first 1000 words of each split, the same words for both models.)
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Generator, type Tensor, manualSeed, multinomial, noGrad, ones, randperm, tensor } from "@tapegrad/core";
import { Embedding, F, LayerNorm, Linear, Module, ModuleList, TransformerEncoderLayer, clipGradNorm_ } from "@tapegrad/nn";
import { AdamW, CosineAnnealingLR, LinearLR, SequentialLR } from "@tapegrad/optim";
import { cli } from "./support/cli.js";

const flags = cli("Usage: npx tsx examples/char-transformer.ts [--quick] [--steps N] [--seed S]\n\nA small causal transformer over characters, trained on a word list.", {
  quick: { type: "boolean", help: "6 steps on 2000 words (a smoke test)" },
  steps: { type: "integer", help: "training steps", default: 800, min: 1 },
  seed: { type: "integer", help: "seed of the data split, the initialisation and the samples", default: 0, min: 0 },
});
const steps = flags.quick ? 6 : flags.steps;
manualSeed(flags.seed);
const generator = new Generator(flags.seed);

// ---------------------------------------------------------------- data: "." starts and ends a word
const dict = "/usr/share/dict/words";
const source = existsSync(dict) ? dict : fileURLToPath(new URL("./data/words.txt", import.meta.url));
let words = [...new Set(readFileSync(source, "utf8").split("\n").map((w) => w.trim()).filter((w) => /^[a-z]{2,14}$/.test(w)))];
words = (randperm(words.length, { generator }).tolist() as number[]).map((i) => words[i]!);
if (flags.quick) words = words.slice(0, 2000);
const nVal = Math.max(100, Math.floor(words.length / 10));
const [val, train] = [words.slice(0, nVal), words.slice(nVal)];
const V = 27; // "." and a..z
const T = 16; // "." + up to 14 letters + "."
const code = (c: string): number => (c === "." ? 0 : c.charCodeAt(0) - 96);
const IGNORE = -100;

/** Inputs `[B, T]` ("." then the letters, padded) and targets `[B, T]` (the letters then ".", padding ignored). */
function encode(batch: string[]): [Tensor, Tensor] {
  const x = new Int32Array(batch.length * T);
  const y = new Int32Array(batch.length * T).fill(IGNORE);
  batch.forEach((w, b) => {
    const seq = [0, ...[...w].map(code), 0];
    for (let t = 0; t + 1 < seq.length; t++) {
      x[b * T + t] = seq[t]!;
      y[b * T + t] = seq[t + 1]!;
    }
  });
  return [tensor(x, { dtype: "int32" }).reshape([batch.length, T]), tensor(y, { dtype: "int32" }).reshape([batch.length, T])];
}

// ---------------------------------------------------------------- the model
class CharTransformer extends Module {
  tok = new Embedding(V, 48);
  pos = new Embedding(T, 48);
  layers = new ModuleList([0, 1].map(() => new TransformerEncoderLayer(48, 4, { dimFeedforward: 192, dropout: 0, batchFirst: true, normFirst: true })));
  norm = new LayerNorm(48);
  head = new Linear(48, V);
  causal = ones([T, T], { dtype: "bool" }).triu(1); // true = may NOT attend (a later position)
  forward(x: Tensor): Tensor {
    const t = x.shape[1]!;
    let h = this.tok.call(x).add(this.pos.call(tensor([...Array(t).keys()], { dtype: "int32" })));
    const mask = this.causal.slice([0, t], [0, t]);
    for (const layer of this.layers) h = (layer as TransformerEncoderLayer).call(h, { srcMask: mask });
    return this.head.call(this.norm.call(h));
  }
}
const model = new CharTransformer();
const loss = (logits: Tensor, y: Tensor): Tensor => F.crossEntropy(logits.reshape([-1, V]), y.reshape([-1]), { ignoreIndex: IGNORE });

// ---------------------------------------------------------------- the bigram baseline (add-one counts)
const counts = Array.from({ length: V }, () => new Float64Array(V).fill(1));
for (const w of train) for (let i = 0, s = [0, ...[...w].map(code), 0]; i + 1 < s.length; i++) counts[s[i]!]![s[i + 1]!]!++;
function bigramLoss(list: string[]): number {
  let nll = 0;
  let n = 0;
  for (const w of list) {
    const s = [0, ...[...w].map(code), 0];
    for (let i = 0; i + 1 < s.length; i++, n++) nll -= Math.log(counts[s[i]!]![s[i + 1]!]! / counts[s[i]!]!.reduce((a, b) => a + b));
  }
  return nll / n;
}
const evaluate = (list: string[]): number =>
  noGrad(() => {
    const [x, y] = encode(list);
    return loss(model.call(x), y).item();
  });

// ---------------------------------------------------------------- training
const opt = new AdamW(model.parameters(), { lr: 3e-3, weightDecay: 0.01 });
const warmup = Math.max(1, Math.round(steps / 15));
const sched = new SequentialLR(opt, {
  schedulers: [new LinearLR(opt, { startFactor: 0.05, totalIters: warmup }), new CosineAnnealingLR(opt, { tMax: steps - warmup, etaMin: 3e-4 })],
  milestones: [warmup],
});
const started = performance.now();
for (let step = 1; step <= steps; step++) {
  const batch = (randperm(train.length, { generator }).slice([0, 32]).tolist() as number[]).map((i) => train[i]!);
  const [x, y] = encode(batch);
  opt.zeroGrad();
  const l = loss(model.call(x), y);
  l.backward();
  clipGradNorm_(model.parameters(), 1);
  opt.step();
  sched.step();
  if (step % Math.max(1, Math.floor(steps / 10)) === 0) console.log(`step ${step}/${steps}  loss ${l.item().toFixed(4)}  lr ${sched.getLastLr()[0]!.toExponential(2)}`);
}
const seconds = (performance.now() - started) / 1000;

// ---------------------------------------------------------------- results and samples
console.log(`${train.length} training words, ${val.length} validation words (${source.endsWith("words.txt") ? "examples/data/words.txt" : dict}), ${steps} steps in ${seconds.toFixed(1)} s`);
const head = (list: string[]): string[] => list.slice(0, flags.quick ? 64 : 1000);
console.log(`train loss ${evaluate(head(train)).toFixed(4)}, val loss ${evaluate(head(val)).toFixed(4)}; bigram baseline val loss ${bigramLoss(head(val)).toFixed(4)} (nats per character)`);
const samples: string[] = [];
noGrad(() => {
  for (let s = 0; s < (flags.quick ? 2 : 12); s++) {
    const seq = [0];
    while (seq.length < T) {
      const logits = model.call(tensor(seq, { dtype: "int32" }).reshape([1, -1])).select(0, 0).select(0, seq.length - 1);
      const next = multinomial(F.softmax(logits, -1), 1, { generator }).item();
      if (next === 0) break;
      seq.push(next);
    }
    samples.push(seq.slice(1).map((c) => String.fromCharCode(96 + c)).join(""));
  }
});
console.log(`samples (seed ${flags.seed}): ${samples.join(" ")}`);
