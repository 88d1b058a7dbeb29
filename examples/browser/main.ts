// The page's script: starts the training worker and shows its progress; the page never blocks.
import type { StartMessage, WorkerMessage } from "./train.worker.js";

const setup = document.querySelector("#setup")!;
const status = document.querySelector("#status")!;
const log = document.querySelector("#log")!;

// esbuild: the worker is its own entry point, next to this file's bundle. (Vite: write
// "./train.worker.ts" here; Vite bundles the worker itself.)
const worker = new Worker(new URL("./train.worker.js", import.meta.url), { type: "module" });
worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
  const m = event.data;
  if (m.kind === "ready") setup.textContent = `${m.backend} kernels, ${m.threads} thread(s), cross-origin isolated: ${m.isolated}`;
  else if (m.kind === "step") log.textContent = `step ${m.step}: loss ${m.loss.toFixed(4)}\n${log.textContent}`;
  else status.textContent = `done: loss ${m.firstLoss.toFixed(4)} -> ${m.lastLoss.toFixed(4)}, ${m.msPerStep.toFixed(1)} ms/step`;
};
worker.onerror = (event) => {
  status.textContent = `the worker failed: ${event.message}`;
};
worker.postMessage({ steps: 40 } satisfies StartMessage);
