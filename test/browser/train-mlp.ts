// The training run the browser test compares: a small MLP trained with ASGD for a few steps from a
// fixed seed. The same function runs in the test process (Node) and, bundled, in a browser Worker
// (and on a page's main thread).
import {
  type KernelBackend, getKernelBackend, getKernelThreads, manualSeed, randint, randn, setKernelBackend, setKernelThreads,
} from "@tapegrad/core";
import { CrossEntropyLoss, Linear, ReLU, Sequential } from "@tapegrad/nn";
import { ASGD } from "@tapegrad/optim";
// Internal: counts the kernel calls helper threads ran (not part of the public API).
import { helperCallCount } from "@tapegrad/core/internal";

/** What to train, and on what. */
export interface TrainOptions {
  seed: number;
  steps: number;
  /** Passed to setKernelThreads before training. */
  threads: number;
  /** Passed to setKernelBackend before training. */
  backend: KernelBackend | "auto";
  /** Only for the test page's Worker: train once before awaiting startKernelThreads. */
  startLate?: boolean;
  batch: number;
  inFeatures: number;
  hidden: number;
  classes: number;
}

/** What ran and what it gave. */
export interface TrainReport {
  /** The loss of each step, before that step's update. */
  losses: number[];
  backend: KernelBackend;
  /** getKernelThreads() after training. */
  threads: number;
  /** Kernel calls that helper threads ran during training. */
  helperCalls: number;
  /** Mean wall time of the steps after the first (milliseconds). */
  msPerStep: number;
}

/** Big enough that the first layer's products split between two threads (over 4M multiply-adds). */
export const SMALL_MLP: TrainOptions = { seed: 17, steps: 8, threads: 1, backend: "auto", batch: 128, inFeatures: 256, hidden: 512, classes: 10 };

/** Train a Linear-ReLU-Linear classifier on random data; every number comes from `seed`. */
export function trainMlp(o: TrainOptions): TrainReport {
  setKernelThreads(o.threads);
  setKernelBackend(o.backend);
  const helperCallsBefore = helperCallCount();
  manualSeed(o.seed);
  const model = new Sequential(new Linear(o.inFeatures, o.hidden), new ReLU(), new Linear(o.hidden, o.classes));
  const x = randn([o.batch, o.inFeatures]);
  const y = randint(0, o.classes, [o.batch]);
  const opt = new ASGD(model.parameters(), { lr: 0.05, t0: 2 });
  const lossFn = new CrossEntropyLoss();
  const losses: number[] = [];
  let start = 0;
  for (let step = 0; step < o.steps; step++) {
    if (step === 1) start = performance.now();
    opt.zeroGrad();
    const loss = lossFn.forward(model.forward(x), y);
    loss.backward();
    opt.step();
    losses.push(loss.item());
  }
  const msPerStep = o.steps > 1 ? (performance.now() - start) / (o.steps - 1) : 0;
  const report = { losses, backend: getKernelBackend(), threads: getKernelThreads(), helperCalls: helperCallCount() - helperCallsBefore, msPerStep };
  setKernelBackend("auto");
  return report;
}

/**
 * Train twice and report the second run (its time is the warm one: the code has been compiled by
 * then); throws if the two runs' losses differ.
 */
export function trainWarm(o: TrainOptions): TrainReport {
  const first = trainMlp(o);
  const second = trainMlp(o);
  if (first.losses.some((loss, i) => !Object.is(loss, second.losses[i]))) throw new Error(`two runs from seed ${o.seed} gave different losses`);
  return { ...second, helperCalls: first.helperCalls + second.helperCalls };
}
