// The main demo: an MLP learns handwritten digits with ASGD and SequentialLR(LinearLR -> CosineAnnealingLR).
// Reports test accuracy of the last iterate and of ASGD's averaged parameters, writes a training curve
// (SVG) and a checkpoint that `--resume` continues from.
// Run: npx tsx examples/train-digits.ts --help
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Generator, type Tensor, load, manualSeed, noGrad, save, tensor } from "@tapegrad/core";
import { F, Linear, ReLU, Sequential } from "@tapegrad/nn";
import { ASGD, CosineAnnealingLR, LinearLR, SequentialLR } from "@tapegrad/optim";
import { DataError, readDigits, splitDigits } from "./support/digits-data.js";
import { Progress } from "./support/progress.js";
import { lineChartsSvg, svgToPng } from "./support/svg-chart.js";

/** Everything the demo can be told. */
export interface TrainOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  lambd: number;
  t0: number;
  warmupEpochs: number;
  hidden: number;
  seed: number;
  data: string;
  out: string;
  resume: boolean;
  /** Stop after this epoch (the schedule still spans `epochs`), e.g. to try `--resume`. */
  stopAfter: number;
  quiet: boolean;
}

/** What a run measured. */
export interface TrainResult {
  epochsRun: number;
  testAccuracyLast: number;
  testAccuracyAveraged: number;
  seconds: number;
  chartPath: string;
  checkpointPath: string;
  history: EpochRecord[];
}

/** One line of the training history (kept in the checkpoint so a resumed run plots the whole curve). */
export interface EpochRecord {
  epoch: number;
  loss: number;
  lr: number;
  testAccuracyLast: number;
  testAccuracyAveraged: number;
}

const here = fileURLToPath(new URL(".", import.meta.url));

export const defaultOptions: TrainOptions = {
  epochs: 60,
  batchSize: 64,
  lr: 0.2,
  lambd: 1e-4,
  t0: 400,
  warmupEpochs: 5,
  hidden: 128,
  seed: 0,
  data: join(here, "data", "digits.csv.gz"),
  out: join(here, "..", "out", "digits"),
  resume: false,
  stopAfter: Number.POSITIVE_INFINITY,
  quiet: false,
};

function accuracy(logits: Tensor, labels: Tensor): number {
  return logits.argmax(1).eq(labels).sum().item() / labels.numel();
}

/** Train (or resume) and evaluate; see {@link TrainOptions}. */
export function trainDigits(options: TrainOptions): TrainResult {
  const started = performance.now();
  const log = (line: string): void => {
    if (!options.quiet) process.stdout.write(`${line}\n`);
  };
  manualSeed(options.seed);
  const { train, test } = splitDigits(readDigits(options.data), 0.2, options.seed);
  const model = new Sequential(new Linear(64, options.hidden), new ReLU(), new Linear(options.hidden, 10));
  const optimizer = new ASGD(model.parameters(), { lr: options.lr, lambd: options.lambd, t0: options.t0 });
  const warmup = new LinearLR(optimizer, { startFactor: 0.1, endFactor: 1, totalIters: options.warmupEpochs });
  const cosine = new CosineAnnealingLR(optimizer, { tMax: options.epochs - options.warmupEpochs, etaMin: options.lr * 0.01 });
  const scheduler = new SequentialLR(optimizer, { schedulers: [warmup, cosine], milestones: [options.warmupEpochs] });

  mkdirSync(options.out, { recursive: true });
  const checkpointPath = join(options.out, "checkpoint.safetensors");
  const chartPath = join(options.out, "training.svg");
  let history: EpochRecord[] = [];
  if (options.resume) {
    let checkpoint: { model: Record<string, Tensor>; optimizer: never; scheduler: never; history: EpochRecord[] };
    try {
      checkpoint = load(checkpointPath) as typeof checkpoint;
    } catch (error) {
      throw new DataError(`cannot resume: ${(error as Error).message.split("\n")[0]}`);
    }
    model.loadStateDict(checkpoint.model);
    // PyTorch's documented order: the scheduler first, then the optimizer (whose saved lr wins).
    scheduler.loadStateDict(checkpoint.scheduler);
    optimizer.loadStateDict(checkpoint.optimizer);
    history = checkpoint.history;
    log(`resumed from ${checkpointPath} after epoch ${history.length}`);
  }

  const n = train.y.numel();
  const batches = Math.ceil(n / options.batchSize);
  const progress = new Progress();
  const evaluate = (): [number, number] =>
    noGrad(() => {
      const last = accuracy(model.forward(test.x), test.y);
      const averaged = optimizer.withAveraged(() => accuracy(model.forward(test.x), test.y));
      return [last, averaged];
    });

  const lastEpoch = Math.min(options.epochs, options.stopAfter);
  for (let epoch = history.length + 1; epoch <= lastEpoch; epoch++) {
    const epochStart = performance.now();
    // A generator per epoch makes a resumed run shuffle exactly as an uninterrupted one.
    const generator = new Generator(options.seed * 100_003 + epoch);
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = generator.nextInt(0, i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let lossSum = 0;
    const lr = optimizer.paramGroups[0]!.lr as number;
    for (let b = 0; b < batches; b++) {
      const index = tensor(Int32Array.from(order.slice(b * options.batchSize, (b + 1) * options.batchSize)));
      const x = train.x.indexSelect(0, index);
      const y = train.y.indexSelect(0, index);
      optimizer.zeroGrad();
      const loss = F.crossEntropy(model.forward(x), y);
      loss.backward();
      optimizer.step();
      lossSum += loss.item() * y.numel();
      const seconds = (performance.now() - epochStart) / 1000;
      progress.update({ epoch, epochs: options.epochs, batch: b + 1, batches, loss: loss.item(), lr, samplesPerSecond: ((b + 1) * options.batchSize) / seconds });
    }
    scheduler.step();
    const [last, averaged] = evaluate();
    history.push({ epoch, loss: lossSum / n, lr, testAccuracyLast: last, testAccuracyAveraged: averaged });
    if (!options.quiet) {
      const seconds = (performance.now() - epochStart) / 1000;
      progress.endEpoch(
        { epoch, epochs: options.epochs, batch: batches, batches, loss: lossSum / n, lr, samplesPerSecond: n / seconds },
        `test acc ${(100 * last).toFixed(1)}% (averaged ${(100 * averaged).toFixed(1)}%)`,
      );
    }
    // Saved every epoch (atomically), so an interrupted run can be resumed.
    save({ model: model.stateDict(), optimizer: optimizer.stateDict(), scheduler: scheduler.stateDict(), epoch, history }, checkpointPath);
  }

  const svg = lineChartsSvg(
      [
        { title: "training loss", yLabel: "cross-entropy", series: [{ name: "train loss", values: history.map((h) => h.loss), color: "#1f77b4" }] },
        {
          title: "test accuracy",
          yLabel: "accuracy",
          legendAt: "bottom",
          series: [
            { name: "last iterate", values: history.map((h) => h.testAccuracyLast), color: "#d62728" },
            { name: "ASGD average (ax)", values: history.map((h) => h.testAccuracyAveraged), color: "#2ca02c" },
          ],
        },
      ],
      "epoch",
  );
  writeFileSync(chartPath, svg);
  writeFileSync(chartPath.replace(/\.svg$/, ".png"), svgToPng(svg));
  const [last, averaged] = evaluate();
  return {
    epochsRun: history.length,
    testAccuracyLast: last,
    testAccuracyAveraged: averaged,
    seconds: (performance.now() - started) / 1000,
    chartPath,
    checkpointPath,
    history,
  };
}

const usage = `Usage: npx tsx examples/train-digits.ts [options]

Trains a 64-${defaultOptions.hidden}-10 MLP on the UCI handwritten digits with ASGD and a warm-up + cosine lr schedule.

Options:
  --epochs N         epochs to train (default ${defaultOptions.epochs})
  --batch-size N     minibatch size (default ${defaultOptions.batchSize})
  --lr X             peak learning rate (default ${defaultOptions.lr})
  --lambd X          ASGD decay term (default ${defaultOptions.lambd})
  --t0 N             ASGD step at which averaging starts (default ${defaultOptions.t0})
  --warmup N         linear warm-up epochs (default ${defaultOptions.warmupEpochs})
  --hidden N         hidden units (default ${defaultOptions.hidden})
  --seed N           seed for init, split and shuffling (default ${defaultOptions.seed})
  --data PATH        gzipped digits CSV (default examples/data/digits.csv.gz)
  --out DIR          where the chart and checkpoint go (default out/digits)
  --resume           continue from DIR/checkpoint.safetensors
  --stop-after N     stop after epoch N (the schedule still spans --epochs); resume later
  --quiet            print only the final summary
  -h, --help         show this help`;

function numberFlag(values: Record<string, string | boolean | undefined>, name: string, fallback: number, integer: boolean, min: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min) {
    throw new DataError(`--${name} must be ${integer ? "an integer" : "a number"} >= ${min}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Parse command-line flags into options (throws DataError with a one-line message on bad flags). */
export function parseOptions(argv: string[]): TrainOptions | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        epochs: { type: "string" },
        "batch-size": { type: "string" },
        lr: { type: "string" },
        lambd: { type: "string" },
        t0: { type: "string" },
        warmup: { type: "string" },
        hidden: { type: "string" },
        seed: { type: "string" },
        data: { type: "string" },
        out: { type: "string" },
        resume: { type: "boolean" },
        "stop-after": { type: "string" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new DataError(`${(error as Error).message.split("\n")[0]} (see --help)`);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  if (v.help) return "help";
  const options: TrainOptions = {
    epochs: numberFlag(v, "epochs", defaultOptions.epochs, true, 1),
    batchSize: numberFlag(v, "batch-size", defaultOptions.batchSize, true, 1),
    lr: numberFlag(v, "lr", defaultOptions.lr, false, 0),
    lambd: numberFlag(v, "lambd", defaultOptions.lambd, false, 0),
    t0: numberFlag(v, "t0", defaultOptions.t0, false, 0),
    warmupEpochs: numberFlag(v, "warmup", defaultOptions.warmupEpochs, true, 1),
    hidden: numberFlag(v, "hidden", defaultOptions.hidden, true, 1),
    seed: numberFlag(v, "seed", defaultOptions.seed, true, 0),
    data: (v.data as string | undefined) ?? defaultOptions.data,
    out: (v.out as string | undefined) ?? defaultOptions.out,
    resume: Boolean(v.resume),
    stopAfter: numberFlag(v, "stop-after", defaultOptions.stopAfter, true, 1),
    quiet: Boolean(v.quiet),
  };
  if (options.warmupEpochs >= options.epochs) throw new DataError(`--warmup (${options.warmupEpochs}) must be smaller than --epochs (${options.epochs})`);
  return options;
}

function main(): void {
  try {
    const options = parseOptions(process.argv.slice(2));
    if (options === "help") {
      console.log(usage);
      return;
    }
    const result = trainDigits(options);
    console.log(
      `test accuracy: ${(100 * result.testAccuracyLast).toFixed(1)}% (last iterate), ${(100 * result.testAccuracyAveraged).toFixed(1)}% (ASGD average) ` +
        `after ${result.epochsRun} epochs in ${result.seconds.toFixed(1)} s`,
    );
    console.log(`wrote ${result.chartPath} (and .png) and ${result.checkpointPath}`);
  } catch (error) {
    if (error instanceof DataError) {
      console.error(`error: ${error.message}`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
