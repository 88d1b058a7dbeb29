// The training Worker: runs the recipes off the page's thread, an epoch at a time, so the page stays
// responsive and a pause takes effect between epochs.
import { getKernelBackend, startKernelThreads } from "@tapegrad/core";
import { loadDataset } from "./load-dataset.js";
import { GRID, type Reply, type Request } from "./protocol.js";
import { learnLearningRate } from "./recipes/hypergrad.js";
import { Trainer } from "./recipes/train.js";

const post = (reply: Reply, transfer: Transferable[] = []): void => (self as unknown as Worker).postMessage(reply, transfer);
let trainer: Trainer | null = null;
let paused = false;
/** Bumped by every start/load, so an epoch loop of an earlier run stops. */
let run = 0;

function epochLoop(id: number): void {
  if (id !== run || paused || trainer === null) return;
  if (trainer.done) {
    post({ type: "finished" });
    return;
  }
  const started = performance.now();
  const metrics = trainer.runEpoch();
  const batches = Math.ceil((trainer.data.y.length * 0.8) / trainer.config.batchSize);
  const stepsPerSecond = batches / ((performance.now() - started) / 1000);
  const twoD = trainer.data.features === 2;
  post({
    type: "epoch",
    metrics,
    stepsPerSecond,
    classes: trainer.data.classes,
    grid: twoD ? trainer.decisionGrid(GRID.size, GRID.lo, GRID.hi) : null,
    points: twoD ? trainer.data.x : null,
    labels: twoD ? trainer.data.y : null,
  });
  setTimeout(() => epochLoop(id), 0); // let pause/save messages in between epochs
}

async function handle(request: Request): Promise<void> {
  switch (request.type) {
    case "start":
    case "load": {
      const id = ++run;
      const config = request.type === "start" ? request.config : Trainer.configOf(request.bytes);
      const data = await loadDataset(config.dataset, config.seed);
      trainer = request.type === "start" ? new Trainer(config, data) : Trainer.fromCheckpoint(request.bytes, data);
      paused = false;
      epochLoop(id);
      return;
    }
    case "pause":
      paused = true;
      return;
    case "resume":
      paused = false;
      epochLoop(run);
      return;
    case "save":
      if (trainer !== null) post({ type: "checkpoint", bytes: trainer.checkpoint() });
      return;
    case "hypergrad": {
      const result = learnLearningRate(request.config, (step) => post({ type: "hyperstep", step }));
      post({ type: "hypergrad-done", result });
      return;
    }
  }
}

self.onmessage = (event: MessageEvent<Request>) => {
  handle(event.data).catch((error: unknown) => post({ type: "error", message: error instanceof Error ? error.message : String(error) }));
};
// Helper threads start only while this Worker is idle: start them before any training loop.
startKernelThreads().then((threads) => {
  post({ type: "ready", backend: getKernelBackend(), threads, isolated: Boolean((self as { crossOriginIsolated?: boolean }).crossOriginIsolated) });
});
