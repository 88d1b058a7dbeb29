// The main demo: an MLP learns handwritten digits with ASGD and SequentialLR(LinearLR -> CosineAnnealingLR).
// Reports test accuracy of the last iterate and of ASGD's averaged parameters, writes a training curve
// (SVG) and a checkpoint that `--resume` continues from.
// Run: npx tsx examples/train-digits.ts --help
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Generator, type Tensor, load, manualSeed, noGrad, save } from "@tapegrad/core";
import { DataLoader, TensorDataset } from "@tapegrad/data";
import { F, Linear, ReLU, Sequential } from "@tapegrad/nn";
import { ASGD, CosineAnnealingLR, LinearLR, SequentialLR } from "@tapegrad/optim";
import { ProgressBar, RunningMean, accuracy, lineChartSvg } from "@tapegrad/train";
import { type FlagSpecs, UsageError, helpText, parseFlags, runMain } from "./support/cli.js";
import { readDigits, splitDigits } from "./support/digits-data.js";
import { svgToPng } from "./support/svg-to-png.js";

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
  /** Replace an existing checkpoint in `out` (without it, and without `resume`, an existing one is an error). */
  overwrite: boolean;
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
  overwrite: false,
  stopAfter: Number.POSITIVE_INFINITY,
  quiet: false,
};

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

  const checkpointPath = join(options.out, "checkpoint.safetensors");
  const chartPath = join(options.out, "training.svg");
  if (!options.resume && !options.overwrite && existsSync(checkpointPath)) {
    throw new UsageError(`${checkpointPath} exists: pass --resume to continue it, --overwrite to replace it, or --out DIR`);
  }
  mkdirSync(options.out, { recursive: true });
  let history: EpochRecord[] = [];
  if (options.resume) {
    let checkpoint: { model: Record<string, Tensor>; optimizer: never; scheduler: never; history: EpochRecord[] };
    try {
      checkpoint = load(checkpointPath) as typeof checkpoint;
      model.loadStateDict(checkpoint.model);
      // PyTorch's documented order: the scheduler first, then the optimizer (whose saved lr wins).
      scheduler.loadStateDict(checkpoint.scheduler);
      optimizer.loadStateDict(checkpoint.optimizer);
    } catch (error) {
      // A checkpoint of another model (say, another --hidden) is a user error: one line, not a trace.
      throw new UsageError(`cannot resume from ${checkpointPath}: ${(error as Error).message.split("\n")[0]}`);
    }
    history = checkpoint.history;
    log(`resumed from ${checkpointPath} after epoch ${history.length}`);
  }

  const trainSet = new TensorDataset(train.x, train.y);
  const evaluate = (): [number, number] =>
    noGrad(() => {
      const last = accuracy(model.forward(test.x), test.y);
      const averaged = optimizer.withAveraged(() => accuracy(model.forward(test.x), test.y));
      return [last, averaged];
    });

  const lastEpoch = Math.min(options.epochs, options.stopAfter);
  for (let epoch = history.length + 1; epoch <= lastEpoch; epoch++) {
    // A generator per epoch makes a resumed run shuffle exactly as an uninterrupted one.
    const loader = new DataLoader(trainSet, { batchSize: options.batchSize, shuffle: true, generator: new Generator(options.seed * 100_003 + epoch) });
    const epochLoss = new RunningMean();
    const lr = optimizer.paramGroups[0]!.lr as number;
    const bar = options.quiet ? null : new ProgressBar({ total: loader.length, label: `epoch ${String(epoch).padStart(3)}/${options.epochs}`, unit: "batch", logEvery: 0 });
    for (const [x, y] of loader) {
      optimizer.zeroGrad();
      const loss = F.crossEntropy(model.forward(x), y);
      loss.backward();
      optimizer.step();
      epochLoss.add(loss.item(), y.shape[0]!);
      bar?.tick(1, { loss: loss.item(), lr });
    }
    scheduler.step();
    const [last, averaged] = evaluate();
    history.push({ epoch, loss: epochLoss.value, lr, testAccuracyLast: last, testAccuracyAveraged: averaged });
    bar?.finish({ loss: epochLoss.value, lr, "test acc": `${(100 * last).toFixed(1)}%`, averaged: `${(100 * averaged).toFixed(1)}%` });
    // Saved every epoch (atomically), so an interrupted run can be resumed.
    save({ model: model.stateDict(), optimizer: optimizer.stateDict(), scheduler: scheduler.stateDict(), epoch, history }, checkpointPath);
  }

  const epochs = history.map((h) => h.epoch);
  const svg = lineChartSvg(
    [
      {
        title: "training loss and learning rate",
        yLabel: "cross-entropy",
        rightLabel: "learning rate",
        series: [
          { name: "train loss", x: epochs, values: history.map((h) => h.loss) },
          { name: "lr", x: epochs, values: history.map((h) => h.lr), axis: "right" },
        ],
      },
      {
        title: "test accuracy",
        yLabel: "accuracy",
        legendAt: "bottom",
        series: [
          { name: "last iterate", x: epochs, values: history.map((h) => h.testAccuracyLast) },
          { name: "ASGD average (ax)", x: epochs, values: history.map((h) => h.testAccuracyAveraged) },
        ],
      },
    ],
    { xLabel: "epoch" },
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

const summary = `Usage: npx tsx examples/train-digits.ts [options]

Trains a 64-${defaultOptions.hidden}-10 MLP on the UCI handwritten digits with ASGD and a warm-up + cosine lr schedule.`;

const flags = {
  epochs: { type: "integer", min: 1, default: defaultOptions.epochs, help: "epochs to train" },
  "batch-size": { type: "integer", min: 1, default: defaultOptions.batchSize, help: "minibatch size" },
  lr: { type: "number", min: 0, default: defaultOptions.lr, help: "peak learning rate" },
  lambd: { type: "number", min: 0, default: defaultOptions.lambd, help: "ASGD decay term" },
  t0: { type: "number", min: 0, default: defaultOptions.t0, help: "ASGD step at which averaging starts" },
  warmup: { type: "integer", min: 1, default: defaultOptions.warmupEpochs, help: "linear warm-up epochs" },
  hidden: { type: "integer", min: 1, default: defaultOptions.hidden, help: "hidden units" },
  seed: { type: "integer", min: 0, default: defaultOptions.seed, help: "seed for init, split and shuffling" },
  data: { type: "string", help: "gzipped digits CSV (default examples/data/digits.csv.gz)" },
  out: { type: "string", help: "where the chart and checkpoint go (default out/digits)" },
  resume: { type: "boolean", help: "continue from DIR/checkpoint.safetensors" },
  overwrite: { type: "boolean", help: "replace an existing checkpoint in --out" },
  "stop-after": { type: "integer", min: 1, help: "stop after epoch N (the schedule still spans --epochs)" },
  quiet: { type: "boolean", help: "print only the final summary" },
} satisfies FlagSpecs;

/** The --help text. */
export const usage = helpText(summary, flags);

/** Parse command-line flags into options (throws UsageError with a one-line message on bad flags). */
export function parseOptions(argv: string[]): TrainOptions | "help" {
  const v = parseFlags(argv, flags);
  if (v === "help") return "help";
  if (v.resume && v.overwrite) throw new UsageError("--resume and --overwrite exclude each other");
  const options: TrainOptions = {
    epochs: v.epochs,
    batchSize: v["batch-size"],
    lr: v.lr,
    lambd: v.lambd,
    t0: v.t0,
    warmupEpochs: v.warmup,
    hidden: v.hidden,
    seed: v.seed,
    data: v.data ?? defaultOptions.data,
    out: v.out ?? defaultOptions.out,
    resume: v.resume,
    overwrite: v.overwrite,
    stopAfter: v["stop-after"] ?? defaultOptions.stopAfter,
    quiet: v.quiet,
  };
  if (options.warmupEpochs >= options.epochs) throw new UsageError(`--warmup (${options.warmupEpochs}) must be smaller than --epochs (${options.epochs})`);
  return options;
}

function main(): void {
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
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) runMain(main);
