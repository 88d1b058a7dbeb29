// The browser test's Worker: starts the kernel helper threads, trains on request and posts the
// report back (or the error's text).
import { getKernelThreads, setKernelThreads, startKernelThreads } from "@tapegrad/core";
import { type TrainOptions, trainWarm } from "../train-mlp.js";

/** The parts of a dedicated worker's global scope used here. */
interface WorkerScope {
  onmessage: ((event: MessageEvent<TrainOptions>) => void) | null;
  postMessage(value: unknown): void;
  crossOriginIsolated: boolean;
}
const scope = self as unknown as WorkerScope;

scope.onmessage = (event) => {
  void (async () => {
    try {
      setKernelThreads(event.data.threads);
      // startLate: train once before startKernelThreads (the helpers cannot start during that run).
      const threadsBefore = getKernelThreads();
      const beforeStart = event.data.startLate === true ? trainWarm(event.data) : undefined;
      const started = await startKernelThreads();
      scope.postMessage({ ok: true, isolated: scope.crossOriginIsolated, threadsBefore, beforeStart, started, report: trainWarm(event.data) });
    } catch (error) {
      scope.postMessage({ ok: false, error: String((error as Error).stack ?? error) });
    }
  })();
};
