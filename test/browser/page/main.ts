// The browser test's page script: `window.train(options)` runs one training in a new Worker.
import type { TrainOptions, TrainReport } from "../train-mlp.js";

/** What the worker posts back. */
export type WorkerReply = { ok: true; isolated: boolean; report: TrainReport } | { ok: false; error: string };

(window as unknown as { train(o: TrainOptions): Promise<WorkerReply> }).train = (options) =>
  new Promise((resolve, reject) => {
    const worker = new Worker("worker.js");
    worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      worker.terminate();
      resolve(event.data);
    };
    worker.onerror = (event) => reject(new Error(`worker failed: ${event.message}`));
    worker.postMessage(options);
  });
