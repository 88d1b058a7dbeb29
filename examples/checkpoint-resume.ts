// Checkpoint and resume, following PyTorch's documented recipe (torch.optim.Optimizer.load_state_dict):
// a Linear(10, 10) model, a LinearLR warm-up then CosineAnnealingLR chained by SequentialLR. Halfway
// through, save { model, optimizer, scheduler, epoch }, rebuild everything from scratch, load the
// scheduler's state and then the optimizer's, continue, and check the result against a run that was
// never interrupted.
// Run: npx tsx examples/checkpoint-resume.ts [--quick]   (writes out/checkpoint-resume.safetensors)
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Generator, type Tensor, load, manualSeed, randint, randn, save } from "@tapegrad/core";
import { F, Linear, type StateDict } from "@tapegrad/nn";
import { ASGD, CosineAnnealingLR, LinearLR, type OptimizerStateDict, SequentialLR, type SequentialLRStateDict } from "@tapegrad/optim";
import { cli } from "./support/cli.js";

const flags = cli("Usage: npx tsx examples/checkpoint-resume.ts [--quick]\n\nStop a scheduled ASGD run halfway, save a checkpoint, resume it, and compare with an uninterrupted run.", {
  quick: { type: "boolean", help: "20 epochs instead of 100" },
});
// PyTorch's example: 20 warm-up epochs, then a cosine over 80 down to 3e-5. --quick keeps the proportions.
const epochs = flags.quick ? 20 : 100;
const warmupEpochs = epochs / 5;
const stopAfter = epochs / 2;
const out = fileURLToPath(new URL("../out/", import.meta.url));
const checkpointPath = `${out}checkpoint-resume.safetensors`;

// The task: recover a fixed random linear map from 64 noisy samples.
const dataGenerator = new Generator(1);
const x = randn([64, 10], { generator: dataGenerator });
const y = x.matmul(randn([10, 10], { generator: dataGenerator })).add(randn([64, 10], { generator: dataGenerator }).mul(0.1));

// Everything is built the same way at the start and on resume; only the loaded state differs.
function build() {
  const model = new Linear(10, 10);
  const optimizer = new ASGD(model.parameters(), { lr: 0.1, t0: 20 });
  const warmup = new LinearLR(optimizer, { startFactor: 0.1, endFactor: 1, totalIters: warmupEpochs });
  const cosine = new CosineAnnealingLR(optimizer, { tMax: epochs - warmupEpochs, etaMin: 3e-5 });
  const scheduler = new SequentialLR(optimizer, { schedulers: [warmup, cosine], milestones: [warmupEpochs] });
  return { model, optimizer, scheduler };
}
type Run = ReturnType<typeof build>;

// One epoch of 4 random minibatches, drawn from a generator seeded with the epoch so that a resumed
// run sees the same batches as an uninterrupted one. Returns the lr the epoch trained with.
function trainEpoch({ model, optimizer, scheduler }: Run, epoch: number): number {
  const lr = optimizer.paramGroups[0]!.lr as number;
  const generator = new Generator(1000 + epoch);
  for (let b = 0; b < 4; b++) {
    const batch = randint(0, 64, [16], { generator });
    optimizer.zeroGrad();
    F.mseLoss(model.forward(x.indexSelect(0, batch)), y.indexSelect(0, batch)).backward();
    optimizer.step();
  }
  scheduler.step();
  return lr;
}

manualSeed(0);
const whole = build();
const wholeLrs = Array.from({ length: epochs }, (_, e) => trainEpoch(whole, e + 1));

// The interrupted run: the same initial weights (same seed), stopped halfway, saved atomically.
manualSeed(0);
const first = build();
const resumedLrs = Array.from({ length: stopAfter }, (_, e) => trainEpoch(first, e + 1));
mkdirSync(out, { recursive: true });
save({ model: first.model.stateDict(), optimizer: first.optimizer.stateDict(), scheduler: first.scheduler.stateDict(), epoch: stopAfter }, checkpointPath);
const nextLr = (run: Run): string => (run.optimizer.paramGroups[0]!.lr as number).toExponential(4);
console.log(`saved after epoch ${stopAfter} of ${epochs} (next lr ${nextLr(first)}) to out/checkpoint-resume.safetensors`);

// Resume in a "new process": fresh objects (other random weights), then the checkpoint.
manualSeed(123);
const resumed = build();
const checkpoint = load(checkpointPath) as { model: StateDict; optimizer: OptimizerStateDict; scheduler: SequentialLRStateDict; epoch: number };
resumed.model.loadStateDict(checkpoint.model);
// The order matters, as PyTorch's docs warn: building a scheduler rewrites the group lrs, so the
// optimizer's state (with the saved lrs) is loaded last. The scheduler's load leaves lrs alone.
resumed.scheduler.loadStateDict(checkpoint.scheduler);
resumed.optimizer.loadStateDict(checkpoint.optimizer);
console.log(`resumed at epoch ${checkpoint.epoch + 1} with lr ${nextLr(resumed)}`);
for (let epoch = checkpoint.epoch + 1; epoch <= epochs; epoch++) resumedLrs.push(trainEpoch(resumed, epoch));

// Compare with the uninterrupted run, bit for bit: lrs, parameters and ASGD's averages.
const sameBits = (a: Tensor, b: Tensor): boolean => a.dataSync().every((v, i) => Object.is(v, b.dataSync()[i]));
const lrsMatch = resumedLrs.every((lr, i) => lr === wholeLrs[i]);
const wholeAverages = whole.optimizer.averagedParams();
const resumedAverages = resumed.optimizer.averagedParams();
const paramsMatch = whole.model.parameters().every((p, i) => sameBits(p, resumed.model.parameters()[i]!));
const averagesMatch = whole.model.parameters().every((p, i) => sameBits(wholeAverages.get(p)!, resumedAverages.get(resumed.model.parameters()[i]!)!));
const loss = F.mseLoss(resumed.model.forward(x), y).item();
console.log(`final training loss ${loss.toFixed(5)}, lr ${resumedLrs[0]!.toExponential(2)} -> ${Math.max(...resumedLrs).toExponential(2)} -> ${resumedLrs.at(-1)!.toExponential(2)}`);
if (lrsMatch && paramsMatch && averagesMatch) {
  console.log(`resumed run equals the uninterrupted run: all ${epochs} lrs, the parameters and the ASGD averages are bit-identical`);
} else {
  console.error(`resumed run differs from the uninterrupted run: lrs ${lrsMatch}, parameters ${paramsMatch}, averages ${averagesMatch}`);
  process.exitCode = 1;
}
