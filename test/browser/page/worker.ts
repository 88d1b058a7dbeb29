// The browser test's Worker: trains on request and posts the report back (or the error's text).
import { type TrainOptions, trainMlp } from "../train-mlp.js";

/** The parts of a dedicated worker's global scope used here. */
interface WorkerScope {
  onmessage: ((event: MessageEvent<TrainOptions>) => void) | null;
  postMessage(value: unknown): void;
  crossOriginIsolated: boolean;
}
const scope = self as unknown as WorkerScope;

scope.onmessage = (event) => {
  try {
    scope.postMessage({ ok: true, isolated: scope.crossOriginIsolated, report: trainMlp(event.data) });
  } catch (error) {
    scope.postMessage({ ok: false, error: String((error as Error).stack ?? error) });
  }
};
