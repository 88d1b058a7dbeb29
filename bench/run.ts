/**
 * `npm run bench`: tapegrad against TensorFlow.js (cpu and wasm backends) and jax-js in one
 * process, and PyTorch (one thread and every core) in child processes, in one run.
 *
 *     npm run bench                      # full suite (several minutes)
 *     npm run bench -- --quick           # small sizes, a few seconds (what CI runs)
 *     npm run bench -- --only=matmul,mlp # some families (matmul, mlp, asgd, autograd, memory, conv, cnn, digits)
 *     npm run bench -- --out=path.json   # where the JSON goes (default bench/results/<date>-<mode>.json)
 *
 * Prints a table of absolute figures, then a table of ratios with the targets of the issue, and
 * writes both with the machine description as JSON.
 * @module
 */
import { cpus, loadavg, totalmem } from "node:os";
import { setKernelThreads } from "@tapegrad/core";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { asgdStepBench } from "./asgd-step.bench.js";
import { autogradOverheadBench } from "./autograd-overhead.bench.js";
import { benchConfig } from "./config.js";
import { cnnStepBench, convBench } from "./conv.bench.js";
import { digitsLoopBench } from "./digits.bench.js";
import { type FamilyReport, renderReport, writeJson } from "./harness.js";
import { matmulBench } from "./matmul.bench.js";
import { memoryBench } from "./memory.bench.js";
import { mlpStepBench } from "./mlp-step.bench.js";
import { type Peers, startPeers, stopPeers } from "./peers.js";
import { initTf, tfVersion } from "./tfjs.js";

const FAMILIES = {
  matmul: matmulBench,
  mlp: mlpStepBench,
  asgd: asgdStepBench,
  autograd: autogradOverheadBench,
  memory: memoryBench,
  conv: convBench,
  cnn: cnnStepBench,
  digits: digitsLoopBench,
} as const;
type FamilyName = keyof typeof FAMILIES;

function option(name: string): string | undefined {
  const arg = process.argv.slice(2).find((a) => a.startsWith(`--${name}=`));
  return arg?.slice(name.length + 3);
}

/** The CPU model as /proc/cpuinfo names it (os.cpus() as a fallback). */
function cpuModel(): string {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("model name"));
    if (line !== undefined) return line.split(":")[1]!.trim();
  } catch {
    // Not Linux: fall through.
  }
  return cpus()[0]?.model ?? "unknown";
}

let peers: Peers | null = null;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const known = ["--quick", "--only=", "--out="];
  const unknown = args.filter((a) => !known.some((k) => (k.endsWith("=") ? a.startsWith(k) : a === k)));
  if (unknown.length > 0) throw new Error(`bench: unknown arguments ${unknown.join(" ")} (expected --quick, --only=a,b, --out=file.json)`);
  const quick = args.includes("--quick");
  const only = option("only")?.split(",") ?? Object.keys(FAMILIES);
  for (const name of only) {
    if (!(name in FAMILIES)) throw new Error(`bench: unknown family "${name}" (expected one of ${Object.keys(FAMILIES).join(", ")})`);
  }
  const wasm = await initTf();
  peers = await startPeers(quick);
  const config = benchConfig(quick, peers);
  const machine = {
    cpu: cpuModel(),
    cores: cpus().length,
    memoryGB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    v8: process.versions.v8,
    tfjs: tfVersion(),
    tfjsWasm: { simd: wasm.simd, threads: wasm.threads },
    loadAverage: loadavg()[0]!,
    peers: peers.lines,
    pytorch: peers.pytorch1?.info ?? null,
  };
  console.log(`tapegrad bench (${quick ? "quick" : "full"}): ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGB} GB, Node ${machine.node}, TF.js ${machine.tfjs} (wasm simd ${wasm.simd}, threads ${wasm.threads}), load average ${machine.loadAverage.toFixed(2)}`);
  for (const line of peers.lines) console.log(`  ${line}`);
  if (machine.loadAverage > machine.cores) {
    console.log(`  WARNING: load average ${machine.loadAverage.toFixed(1)} on ${machine.cores} cores: other processes share the CPU, so figures of multithreaded contenders (tapegrad's helpers, pytorch-${machine.cores}t) are unreliable`);
  }
  const reports: FamilyReport[] = [];
  for (const name of only as FamilyName[]) {
    const t0 = performance.now();
    // Families time tapegrad on its default thread count unless a contender says otherwise.
    setKernelThreads(peers.tapegradThreads);
    reports.push(await FAMILIES[name](config));
    console.log(`  ${name}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  console.log("");
  console.log(renderReport(reports));
  const checks = reports.flatMap((r) => r.checks);
  console.log(`\n${checks.length} correctness cross-checks passed`);
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const out = option("out") ?? fileURLToPath(new URL(`./results/${stamp}-${quick ? "quick" : "full"}.json`, import.meta.url));
  writeJson(out, {
    date: new Date().toISOString(),
    mode: quick ? "quick" : "full",
    machine,
    results: reports.flatMap((r) => r.results),
    ratios: reports.flatMap((r) => r.ratios),
    checks,
  });
  console.log(`JSON written to ${out}`);
}

try {
  await main();
  if (peers !== null) stopPeers(peers);
  // TF.js's wasm backend keeps the event loop alive; the work is done.
  process.exit(0);
} catch (e) {
  if (peers !== null) stopPeers(peers);
  // Reported here: the wasm backend's own uncaught-exception handler would print its minified source.
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
}
