// The browser test's page script: `window.train(options)` runs one training in a new Worker,
// `window.trainHere(options)` on the page's main thread.
import { getKernelThreads, setKernelThreads, startKernelThreads } from "@tapegrad/core";
import { type TrainOptions, type TrainReport, trainWarm } from "../train-mlp.js";

/**
 * What a training in the page reports: whether the context was cross-origin isolated,
 * getKernelThreads() before anything ran, the run before startKernelThreads (with `startLate`),
 * what startKernelThreads gave, the run.
 */
export type TrainReply =
  | { ok: true; isolated: boolean; threadsBefore: number; beforeStart?: TrainReport; started: number; report: TrainReport }
  | { ok: false; error: string };

/** The functions this script puts on `window`. */
export interface TestPage {
  train(o: TrainOptions): Promise<TrainReply>;
  trainHere(o: TrainOptions): Promise<TrainReply>;
}

const page = window as unknown as TestPage;

page.train = (options) =>
  new Promise((resolve, reject) => {
    const worker = new Worker("worker.js");
    worker.onmessage = (event: MessageEvent<TrainReply>) => {
      worker.terminate();
      resolve(event.data);
    };
    worker.onerror = (event) => reject(new Error(`worker failed: ${event.message}`));
    worker.postMessage(options);
  });

page.trainHere = async (options) => {
  setKernelThreads(options.threads);
  const threadsBefore = getKernelThreads();
  const started = await startKernelThreads();
  return { ok: true, isolated: crossOriginIsolated, threadsBefore, started, report: trainWarm(options) };
};
