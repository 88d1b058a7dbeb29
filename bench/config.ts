/**
 * The knobs shared by every benchmark family: full or quick (CI) mode.
 * @module
 */
import type { TimingOptions } from "./harness.js";

/** Settings of one run of the suite. */
export interface BenchConfig {
  /** `--quick`: small sizes and few rounds, to keep the suite working in CI (no thresholds). */
  quick: boolean;
  /** Timing of the compute-bound cases. */
  timing: TimingOptions;
}

/** The configuration for full or quick mode. */
export function benchConfig(quick: boolean): BenchConfig {
  return {
    quick,
    timing: quick ? { warmup: 1, rounds: 2, minSampleMs: 5 } : { warmup: 3, rounds: 7, minSampleMs: 150 },
  };
}
