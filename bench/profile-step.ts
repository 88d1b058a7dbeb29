/**
 * Where the time of an MLP training step goes: V8's sampling profiler over many steps of the
 * bench's tapegrad step, self time summed by source file and by function (garbage collection and
 * WebAssembly as their own rows), so the profile split can be compared before and after a change.
 *
 *     npx tsx --tsconfig tsconfig.test.json bench/profile-step.ts                       # 64-128-10 b64, 3 s
 *     npx tsx --tsconfig tsconfig.test.json bench/profile-step.ts --case=784-512-10-128 --seconds=5 --top=25
 *
 * `--case=in-hidden-classes-batch`; `TAPEGRAD_THREADS=1` profiles one thread (helper threads are
 * other isolates, which this profiler does not see: their share shows as the caller's wait).
 * @module
 */
import { Session } from "node:inspector/promises";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { formatTable } from "./harness.js";
import { caseName, mlpData, tapegradStep } from "./mlp-step.bench.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const root = fileURLToPath(new URL("..", import.meta.url));

function option(name: string, fallback: string): string {
  const arg = process.argv.slice(2).find((a) => a.startsWith(`--${name}=`));
  return arg?.slice(name.length + 3) ?? fallback;
}

/** Where a frame's time is counted: a repository file, `wasm`, `(garbage collector)`, `node/...`. */
function fileOf(frame: ProfileNode["callFrame"]): string {
  if (frame.url === "") return frame.functionName.startsWith("(") ? frame.functionName : "(native)";
  if (frame.url.startsWith("wasm://")) return "wasm";
  if (frame.url.startsWith("node:")) return "node internals";
  const path = frame.url.startsWith("file://") ? fileURLToPath(frame.url) : frame.url;
  const inRepo = relative(root, path);
  return inRepo.startsWith("..") ? path : inRepo;
}

/** Self milliseconds per key, largest first. */
function tally(profile: Profile, key: (n: ProfileNode) => string): Array<[string, number]> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const out = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const k = key(byId.get(id)!);
    out.set(k, (out.get(k) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return [...out].sort((a, b) => b[1] - a[1]);
}

const [inFeatures, hidden, classes, batch] = option("case", "64-128-10-64").split("-").map(Number);
if ([inFeatures, hidden, classes, batch].some((v) => !Number.isInteger(v) || v! < 1)) {
  throw new Error(`profile-step: --case must be in-hidden-classes-batch (positive integers), got ${option("case", "")}`);
}
const c = { inFeatures: inFeatures!, hidden: hidden!, classes: classes!, batch: batch! };
const seconds = Number(option("seconds", "3"));
const top = Number(option("top", "15"));
const step = tapegradStep(c, mlpData(c));
// Warm up out of the profile: JIT tiers, kernel memory, helper threads.
const warmEnd = performance.now() + 500;
while (performance.now() < warmEnd) step();

const session = new Session();
session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.setSamplingInterval", { interval: 100 });
await session.post("Profiler.start");
let steps = 0;
const t0 = performance.now();
while (performance.now() - t0 < seconds * 1000) {
  step();
  steps++;
}
const elapsed = performance.now() - t0;
const { profile } = (await session.post("Profiler.stop")) as unknown as { profile: Profile };
session.disconnect();

const total = profile.timeDeltas.reduce((a, b) => a + b, 0) / 1000;
const perStep = (ms: number): string => `${((ms * 1000) / steps).toFixed(1)}`;
const rows = (entries: Array<[string, number]>): string[][] => entries.slice(0, top).map(([k, ms]) => [k, perStep(ms), `${((100 * ms) / total).toFixed(1)}%`]);
console.log(`mlp ${caseName(c)}: ${steps} steps in ${(elapsed / 1000).toFixed(1)} s, ${((elapsed * 1000) / steps).toFixed(1)} us/step`);
console.log(`\nself time by file (us per step, share of samples)\n${formatTable(["file", "us/step", "share"], rows(tally(profile, (n) => fileOf(n.callFrame))))}`);
// No line numbers: under tsx they are those of the transpiled code.
const fn = (n: ProfileNode): string => `${n.callFrame.functionName || "(anonymous)"} (${fileOf(n.callFrame)})`;
console.log(`\nself time by function\n${formatTable(["function", "us/step", "share"], rows(tally(profile, fn)))}`);
