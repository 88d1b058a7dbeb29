// The training panel's recipe: an MLP classifier trained with ASGD, SGD, Adam or AdamW under a warm-up +
// cosine schedule (LinearLR then CosineAnnealingLR through SequentialLR), one epoch at a time. The
// page runs exactly this code in a Worker; it runs unchanged in Node.
import { Generator, type Tensor, fromBytes, manualSeed, noGrad, tensor, toBytes } from "@tapegrad/core";
import { F, GELU, Linear, type Module, ReLU, Sequential, Tanh } from "@tapegrad/nn";
import { ASGD, Adam, AdamW, CosineAnnealingLR, LinearLR, type Optimizer, SGD, SequentialLR } from "@tapegrad/optim";
import { RunningMean, accuracy } from "@tapegrad/train";
import { DataLoader, TensorDataset } from "@tapegrad/data";
import { type Dataset, type DatasetName, splitDataset } from "./datasets.js";

/** Everything the training panel lets a learner choose. */
export interface TrainConfig {
  dataset: DatasetName;
  hidden: number[];
  activation: "relu" | "tanh" | "gelu";
  optimizer: "asgd" | "sgd" | "adam" | "adamw";
  lr: number;
  /** ASGD's decay term, averaging power and the step at which averaging starts. */
  lambd: number;
  alpha: number;
  t0: number;
  weightDecay: number;
  epochs: number;
  warmupEpochs: number;
  batchSize: number;
  seed: number;
}

/** The defaults the page starts from. */
export const DEFAULT_CONFIG: TrainConfig = {
  dataset: "moons",
  hidden: [32],
  activation: "tanh",
  optimizer: "asgd",
  lr: 0.1,
  lambd: 1e-4,
  alpha: 0.75,
  t0: 200,
  weightDecay: 0,
  epochs: 40,
  warmupEpochs: 4,
  batchSize: 32,
  seed: 0,
};

/** What one epoch measured (the page plots these). */
export interface EpochMetrics {
  epoch: number;
  lr: number;
  trainLoss: number;
  valLoss: number;
  valAccuracy: number;
  /** ASGD only: the same two with the averaged weights `ax` swapped in. */
  averagedValLoss: number | null;
  averagedValAccuracy: number | null;
}

const ACTIVATIONS = { relu: () => new ReLU(), tanh: () => new Tanh(), gelu: () => new GELU() };

/** The MLP: features -> hidden... -> classes, with the chosen activation between layers. */
export function buildModel(config: TrainConfig, features: number, classes: number): Sequential {
  const widths = [features, ...config.hidden, classes];
  const layers: Module[] = [];
  for (let i = 0; i + 1 < widths.length; i++) {
    if (i > 0) layers.push(ACTIVATIONS[config.activation]());
    layers.push(new Linear(widths[i]!, widths[i + 1]!));
  }
  return new Sequential(...layers);
}

function buildOptimizer(config: TrainConfig, model: Module): Optimizer {
  const { lr, weightDecay } = config;
  switch (config.optimizer) {
    case "asgd":
      return new ASGD(model.parameters(), { lr, lambd: config.lambd, alpha: config.alpha, t0: config.t0, weightDecay });
    case "sgd":
      return new SGD(model.parameters(), { lr, momentum: 0.9, weightDecay });
    case "adam":
      return new Adam(model.parameters(), { lr, weightDecay });
    case "adamw":
      return new AdamW(model.parameters(), { lr, weightDecay });
  }
}

/** Trains one model on one data set, an epoch per call; everything is seeded by `config.seed`. */
export class Trainer {
  readonly model: Sequential;
  readonly optimizer: Optimizer;
  readonly scheduler: SequentialLR;
  readonly history: EpochMetrics[] = [];
  readonly #train: TensorDataset;
  readonly #val: { x: Tensor; y: Tensor };

  constructor(
    readonly config: TrainConfig,
    readonly data: Dataset,
  ) {
    if (data.name !== config.dataset) throw new Error(`Trainer: the config names ${config.dataset} but the data is ${data.name}`);
    manualSeed(config.seed);
    const { train, val } = splitDataset(data, 0.2, config.seed);
    const asTensors = (d: Dataset) => ({ x: tensor(d.x).reshape(d.y.length, d.features), y: tensor(d.y) });
    const trainTensors = asTensors(train);
    this.#train = new TensorDataset(trainTensors.x, trainTensors.y);
    this.#val = asTensors(val);
    this.model = buildModel(config, data.features, data.classes);
    this.optimizer = buildOptimizer(config, this.model);
    const warmup = new LinearLR(this.optimizer, { startFactor: 0.1, endFactor: 1, totalIters: config.warmupEpochs });
    const cosine = new CosineAnnealingLR(this.optimizer, { tMax: config.epochs - config.warmupEpochs, etaMin: config.lr * 0.01 });
    this.scheduler = new SequentialLR(this.optimizer, { schedulers: [warmup, cosine], milestones: [config.warmupEpochs] });
  }

  /** Whether every epoch of the schedule has run. */
  get done(): boolean {
    return this.history.length >= this.config.epochs;
  }

  /** One epoch of minibatch training (shuffled by a generator seeded per epoch), then validation. */
  runEpoch(): EpochMetrics {
    const epoch = this.history.length + 1;
    // A generator per epoch: a run resumed from a checkpoint shuffles exactly as an uninterrupted one.
    const loader = new DataLoader(this.#train, { batchSize: this.config.batchSize, shuffle: true, generator: new Generator(this.config.seed * 100_003 + epoch) });
    const lr = this.optimizer.paramGroups[0]!.lr as number;
    const trainLoss = new RunningMean();
    for (const [x, y] of loader) {
      this.optimizer.zeroGrad();
      const loss = F.crossEntropy(this.model.forward(x), y);
      loss.backward();
      this.optimizer.step();
      trainLoss.add(loss.item(), y.shape[0]!);
    }
    this.scheduler.step();
    const [valLoss, valAccuracy] = this.#validate();
    const averaged = this.optimizer instanceof ASGD ? this.optimizer.withAveraged(() => this.#validate()) : null;
    const metrics: EpochMetrics = {
      epoch,
      lr,
      trainLoss: trainLoss.value,
      valLoss,
      valAccuracy,
      averagedValLoss: averaged?.[0] ?? null,
      averagedValAccuracy: averaged?.[1] ?? null,
    };
    this.history.push(metrics);
    return metrics;
  }

  #validate(): [number, number] {
    return noGrad(() => {
      const logits = this.model.forward(this.#val.x);
      return [F.crossEntropy(logits, this.#val.y).item(), accuracy(logits, this.#val.y)];
    });
  }

  /** For 2-D data: the predicted class on a `size` x `size` grid over [lo, hi]^2 (row-major, y from the top). */
  decisionGrid(size: number, lo: number, hi: number): Uint8Array {
    const points = new Float32Array(size * size * 2);
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        points[2 * (r * size + c)] = lo + ((c + 0.5) / size) * (hi - lo);
        points[2 * (r * size + c) + 1] = hi - ((r + 0.5) / size) * (hi - lo);
      }
    }
    const classes = noGrad(() => this.model.forward(tensor(points).reshape(size * size, 2)).argmax(1).dataSync());
    return Uint8Array.from(classes as Int32Array);
  }

  /** The whole run as a checkpoint file (the safetensors-based format `save` writes in Node). */
  checkpoint(): Uint8Array {
    return toBytes({
      config: this.config,
      model: this.model.stateDict(),
      optimizer: this.optimizer.stateDict(),
      scheduler: this.scheduler.stateDict(),
      history: this.history,
    });
  }

  /** The configuration stored in a checkpoint (to load its data set before {@link Trainer.fromCheckpoint}). */
  static configOf(bytes: Uint8Array): TrainConfig {
    return (fromBytes(bytes) as { config: TrainConfig }).config;
  }

  /** A trainer continuing the run stored by {@link Trainer.checkpoint}, on the same data. */
  static fromCheckpoint(bytes: Uint8Array, data: Dataset): Trainer {
    const saved = fromBytes(bytes) as { config: TrainConfig; model: never; optimizer: never; scheduler: never; history: EpochMetrics[] };
    const trainer = new Trainer(saved.config, data);
    trainer.model.loadStateDict(saved.model);
    trainer.scheduler.loadStateDict(saved.scheduler);
    trainer.optimizer.loadStateDict(saved.optimizer);
    trainer.history.push(...saved.history);
    return trainer;
  }
}
