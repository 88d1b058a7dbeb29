/**
 * The knobs shared by every benchmark family: full or quick (CI) mode, and the peers that run.
 * @module
 */
import type { TimingOptions } from "./harness.js";
import type { Peers } from "./peers.js";

/** Settings of one run of the suite. */
export interface BenchConfig {
  /** `--quick`: small sizes and few rounds, to keep the suite working in CI (no thresholds). */
  quick: boolean;
  /** Timing of the compute-bound cases. */
  timing: TimingOptions;
  /** PyTorch and jax-js where they run, and tapegrad's thread counts. */
  peers: Peers;
}

/** The configuration for full or quick mode. */
export function benchConfig(quick: boolean, peers: Peers): BenchConfig {
  return {
    quick,
    peers,
    timing: quick ? { warmup: 1, rounds: 2, minSampleMs: 5 } : { warmup: 3, rounds: 7, minSampleMs: 150 },
  };
}
