/**
 * Family "digits loop": epochs of the digits demo's training loop (examples/train-digits.ts: the
 * 64-128-10 MLP, ASGD, LinearLR then CosineAnnealingLR stepped once per epoch, shuffled batches
 * of 64 from its seeded split of examples/data/digits.csv.gz), tapegrad against the same loop in
 * PyTorch on one thread. PyTorch gets tapegrad's split, initial weights and batch orders, so the
 * per-step losses of the first epochs are cross-checked.
 *
 * Each timed call is one epoch; the epochs cycle through {@link ORDERS} shuffles (the demo's
 * generators for epochs 1 to 4) on both sides, while the weights and schedule go on. Both sides
 * first run as many epochs as the demo does, untimed, so the figures are the steady state.
 * PyTorch batches by indexing the training tensors (`x[idx]`), its fastest way; a
 * `torch.utils.data.DataLoader` would add per-sample fetching and collation.
 * @module
 */
import { fileURLToPath } from "node:url";
import { Generator, arange, manualSeed } from "@tapegrad/core";
import { DataLoader, TensorDataset } from "@tapegrad/data";
import { F, Linear, ReLU, Sequential } from "@tapegrad/nn";
import { ASGD, CosineAnnealingLR, LinearLR, SequentialLR } from "@tapegrad/optim";
import { readDigits, splitDigits } from "../examples/support/digits-data.js";
import { defaultOptions } from "../examples/train-digits.js";
import type { BenchConfig } from "./config.js";
import { type Contender, type FamilyReport, check, compare, ratio, relativeMaxDiff } from "./harness.js";
import { b64 } from "./pytorch.js";

const FAMILY = "digits loop";
/** Distinct epoch shuffles cycled through. */
const ORDERS = 4;
/** Epochs whose per-step losses are cross-checked. */
const CHECK_EPOCHS = 2;
const DATA = fileURLToPath(new URL("../examples/data/digits.csv.gz", import.meta.url));

/** The demo's generator for the shuffle of `epoch` (1-based). */
function epochGenerator(epoch: number): Generator {
  return new Generator(defaultOptions.seed * 100_003 + epoch);
}

/** Run the digits training-loop benchmark. */
export async function digitsLoopBench(config: BenchConfig): Promise<FamilyReport> {
  const report: FamilyReport = { results: [], ratios: [], checks: [] };
  const o = defaultOptions;
  manualSeed(o.seed);
  const { train } = splitDigits(readDigits(DATA), 0.2, o.seed);
  const model = new Sequential(new Linear(64, o.hidden), new ReLU(), new Linear(o.hidden, 10));
  const [w1, b1, w2, b2] = model.parameters().map((p) => new Float32Array(p.dataSync()));
  const optimizer = new ASGD(model.parameters(), { lr: o.lr, lambd: o.lambd, t0: o.t0 });
  const warmup = new LinearLR(optimizer, { startFactor: 0.1, endFactor: 1, totalIters: o.warmupEpochs });
  const cosine = new CosineAnnealingLR(optimizer, { tMax: o.epochs - o.warmupEpochs, etaMin: o.lr * 0.01 });
  const scheduler = new SequentialLR(optimizer, { schedulers: [warmup, cosine], milestones: [o.warmupEpochs] });
  const trainSet = new TensorDataset(train.x, train.y);
  const n = train.y.shape[0]!;
  const steps = Math.ceil(n / o.batchSize);

  let epoch = 0;
  /** One epoch of the demo's loop; the loss of every step. */
  const runEpoch = (): number[] => {
    const loader = new DataLoader(trainSet, { batchSize: o.batchSize, shuffle: true, generator: epochGenerator(1 + (epoch++ % ORDERS)) });
    const losses: number[] = [];
    for (const [x, y] of loader) {
      optimizer.zeroGrad();
      const loss = F.crossEntropy(model.forward(x), y);
      loss.backward();
      optimizer.step();
      losses.push(loss.item());
    }
    scheduler.step();
    return losses;
  };

  const contenders: Contender[] = [{ name: "tapegrad", run: () => void runEpoch() }];
  const ref = Array.from({ length: CHECK_EPOCHS }, runEpoch).flat();
  const peer = config.peers.pytorch1;
  const id = peer?.caseId("digits") ?? "";
  if (peer !== null) {
    // The samples' order in every shuffle: the same loader over their indices.
    const orders = Array.from({ length: ORDERS }, (_, e) => {
      const loader = new DataLoader(new TensorDataset(arange(0, n, 1, { dtype: "int32" })), { batchSize: n, shuffle: true, generator: epochGenerator(e + 1) });
      const [[indices]] = [...loader];
      return b64(new Int32Array(indices!.dataSync()));
    });
    const hyper = { hidden: o.hidden, lr: o.lr, lambd: o.lambd, t0: o.t0, warmupEpochs: o.warmupEpochs, epochs: o.epochs, batchSize: o.batchSize };
    const fields = {
      x: b64(new Float32Array(train.x.dataSync())),
      y: b64(new Int32Array(train.y.dataSync())),
      weights: { w1: b64(w1!), b1: b64(b1!), w2: b64(w2!), b2: b64(b2!) },
      orders,
      hyper,
      checkEpochs: CHECK_EPOCHS,
    };
    const answer = await peer.setup<{ losses: number[] }>(id, "digits", fields);
    const diff = relativeMaxDiff(answer.losses, ref);
    check(diff < 1e-4, `digits loop: the losses of tapegrad and ${peer.name} over ${CHECK_EPOCHS} epochs differ by ${diff}`);
    report.checks.push(`digits loop: ${ref.length} losses (${CHECK_EPOCHS} epochs), tapegrad vs ${peer.name} max relative difference ${diff.toExponential(1)}`);
    contenders.push(peer.contender(id));
  }

  // Warm up for as many epochs as the demo runs (one whole demo run, about 1400 steps): an epoch is
  // only 23 steps, and after a one-epoch warm-up the samples timed V8 still compiling tapegrad's
  // code (measured: the first 150 ms samples 2-4x slower per step than the steady state that
  // follows after about a second).
  const timing = await compare(contenders, config.quick ? config.timing : { ...config.timing, warmup: o.epochs });
  const caseName = `64-${o.hidden}-10 b${o.batchSize}, ASGD, ${steps} steps/epoch`;
  const rate = new Map<string, number>();
  for (const [impl, t] of timing) {
    rate.set(impl, (steps * 1000) / t.medianMs);
    report.results.push({ family: FAMILY, case: caseName, impl, metric: "training", unit: "steps/s", value: (steps * 1000) / t.medianMs, medianMs: t.medianMs, samples: t.samples });
  }
  if (peer !== null) {
    report.ratios.push(ratio(FAMILY, caseName, `tapegrad / ${peer.name}`, rate.get("tapegrad")! / rate.get(peer.name)!, { atLeast: 1.0 }));
    await peer.drop(id);
  }
  return report;
}
