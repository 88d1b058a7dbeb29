/**
 * Family 5: memory of a training step of the 64-128-10 MLP at batch 64: bytes allocated per step (JS heap
 * plus ArrayBuffers, measured around one step with no collection inside it) and the growth of
 * retained memory per step over a long run after a long warm-up (after full collections; the
 * target is no growth).
 * Measured in a child process that can force collections (see memory-child.ts). TF.js's wasm
 * backend keeps tensors in WebAssembly memory, which these figures do not see; its live-tensor
 * count before and after the run is reported instead.
 * @module
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { BenchConfig } from "./config.js";
import { type FamilyReport, check } from "./harness.js";
import type { MemoryFigures } from "./memory-child.js";

const FAMILY = "memory";
/** Retained growth below this many bytes per step counts as none (allocator and JIT noise). */
const GROWTH_TOLERANCE = 1024;

interface ChildOutput {
  case: string;
  figures: MemoryFigures[];
}

/** Run the memory benchmark in a child process. */
export async function memoryBench(config: BenchConfig): Promise<FamilyReport> {
  const child = fileURLToPath(new URL("./memory-child.ts", import.meta.url));
  // process.execArgv carries tsx's loader flags, so the child runs TypeScript the same way.
  const args = [...process.execArgv, "--expose-gc", "--max-semi-space-size=64", child, ...(config.quick ? ["--quick"] : [])];
  const res = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 24 });
  check(res.status === 0, `memory child exited with ${res.status}: ${res.stderr}`);
  const line = res.stdout.trim().split("\n").at(-1)!;
  const out = JSON.parse(line) as ChildOutput;
  const report: FamilyReport = { results: [], ratios: [], checks: [] };
  for (const f of out.figures) {
    report.results.push(
      { family: FAMILY, case: `mlp ${out.case}`, impl: f.impl, metric: "allocated per step", unit: "MB", value: f.allocatedPerStep / 1e6 },
      { family: FAMILY, case: `mlp ${out.case}`, impl: f.impl, metric: `retained growth per step (${f.longRunSteps} steps)`, unit: "bytes", value: f.retainedGrowthPerStep },
    );
    if (f.tfTensorsBefore !== undefined) {
      check(f.tfTensorsAfter === f.tfTensorsBefore, `${f.impl} leaked tensors: ${f.tfTensorsBefore} -> ${f.tfTensorsAfter}`);
      report.checks.push(`memory: ${f.impl} live tensors ${f.tfTensorsBefore} before and ${f.tfTensorsAfter} after the long run`);
    }
  }
  const ours = out.figures.find((f) => f.impl === "tapegrad")!;
  report.ratios.push({
    family: FAMILY,
    case: `mlp ${out.case}`,
    name: "tapegrad retained growth (bytes/step)",
    value: ours.retainedGrowthPerStep,
    target: `<= ${GROWTH_TOLERANCE} (no growth)`,
    met: ours.retainedGrowthPerStep <= GROWTH_TOLERANCE,
  });
  return report;
}
