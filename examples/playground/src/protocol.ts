// Messages between the page and the training Worker.
import type { HyperStep, HypergradConfig, HypergradResult } from "./recipes/hypergrad.js";
import type { EpochMetrics, TrainConfig } from "./recipes/train.js";

/** Page -> Worker. */
export type Request =
  | { type: "start"; config: TrainConfig }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "save" }
  | { type: "load"; bytes: Uint8Array }
  | { type: "hypergrad"; config: HypergradConfig };

/** Worker -> Page. */
export type Reply =
  | { type: "ready"; backend: string; threads: number; isolated: boolean }
  | { type: "epoch"; metrics: EpochMetrics; stepsPerSecond: number; grid: Uint8Array | null; classes: number; points: Float32Array | null; labels: Int32Array | null }
  | { type: "finished" }
  | { type: "checkpoint"; bytes: Uint8Array }
  | { type: "hyperstep"; step: HyperStep }
  | { type: "hypergrad-done"; result: HypergradResult }
  | { type: "error"; message: string };

/** The square the decision-boundary picture covers, and its resolution. */
export const GRID = { size: 60, lo: -2, hi: 3 } as const;
