/**
 * The memory measurements of family 5, run in a child process started by memory.bench.ts with
 * `--expose-gc` (to measure retained memory after a full collection) and a large young
 * generation (so no scavenge runs inside the measured step). Prints one JSON line.
 * @module
 */
import { caseName, mlpCases, mlpData, tapegradStep, tfStep } from "./mlp-step.bench.js";
import { median } from "./harness.js";
import { initTf, tf, useBackend } from "./tfjs.js";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("memory-child: run with --expose-gc");

/**
 * Two full collections: the first finds dead ArrayBuffers, but their backing stores are only
 * released (and leave `arrayBuffers`) by the next one.
 */
function fullGc(): void {
  gc!();
  gc!();
}

/** JS heap in use plus ArrayBuffer backing stores (typed arrays live outside the heap). */
function used(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** What one implementation's training step costs in memory. */
export interface MemoryFigures {
  impl: string;
  allocatedPerStep: number;
  retainedGrowthPerStep: number;
  longRunSteps: number;
  tfTensorsBefore?: number;
  tfTensorsAfter?: number;
}

function measure(impl: string, step: () => void, longRun: number, warmup: number): MemoryFigures {
  // JIT tiers, inline caches and lazily created state settle over the first few thousand steps;
  // growth measured before that is warm-up, not a leak.
  for (let i = 0; i < warmup; i++) step();
  const deltas: number[] = [];
  for (let i = 0; i < 7; i++) {
    fullGc();
    const before = used();
    step();
    deltas.push(used() - before);
  }
  fullGc();
  const start = used();
  for (let i = 0; i < longRun; i++) step();
  fullGc();
  return { impl, allocatedPerStep: median(deltas), retainedGrowthPerStep: (used() - start) / longRun, longRunSteps: longRun };
}

const quick = process.argv.includes("--quick");
// The smallest MLP case: fast enough for a run of thousands of steps on every side.
const c = mlpCases(true)[0]!;
const d = mlpData(c);
const longRun = quick ? 30 : 1000;
const warmup = quick ? 5 : 2000;
await initTf();
const figures: MemoryFigures[] = [measure("tapegrad", tapegradStep(c, d), longRun, warmup)];
for (const backend of ["cpu", "wasm"] as const) {
  const tfs = await tfStep(backend, c, d);
  await useBackend(backend);
  const before = tf.memory().numTensors;
  const f = measure(`tfjs-${backend}`, () => void tfs.step(), longRun, warmup);
  figures.push({ ...f, tfTensorsBefore: before, tfTensorsAfter: tf.memory().numTensors });
  tfs.dispose();
}
console.log(JSON.stringify({ case: caseName(c), figures }));
