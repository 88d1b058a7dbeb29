/**
 * Benchmark harness: interleaved timing with warm-up and medians, result and ratio records, the
 * printed table and the JSON report.
 *
 * Implementations of one case are timed in alternating rounds (a, b, c, a, b, c, ...), so the noise
 * of a shared machine hits every side alike and the ratios of one run stay meaningful even when
 * the absolute figures drift.
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * One implementation of a benchmark case: `run` does one unit of work (one product, one step...)
 * in this process, or `external` times the work in another process (PyTorch).
 */
export interface Contender {
  /** `tapegrad`, `tfjs-cpu`, `tfjs-wasm`, `copy`, `pytorch-1t`... */
  name: string;
  /** Called before this contender's samples (e.g. to switch the TF.js backend or the thread count). */
  before?: () => void | Promise<void>;
  /** One unit of work. */
  run?: () => void;
  /** A contender in another process, which times itself by the same rules as {@link compare}. */
  external?: ExternalTiming;
}

/** Warm-up and one sample of a contender timed in another process. */
export interface ExternalTiming {
  /** Make `calls` untimed calls. */
  warmup(calls: number): Promise<void>;
  /** One sample: milliseconds per call, calls repeated for at least `minMs`. */
  sample(minMs: number): Promise<number>;
}

/** How long to measure one case. */
export interface TimingOptions {
  /** Untimed calls of each contender first (JIT warm-up, caches, allocator). */
  warmup: number;
  /** Interleaved rounds; each round takes one sample of every contender. */
  rounds: number;
  /** A sample lasts at least this long (calls are repeated and averaged), so timer resolution does not matter. */
  minSampleMs: number;
}

/** Median, min and max milliseconds per call of one contender. */
export interface Timing {
  medianMs: number;
  minMs: number;
  maxMs: number;
  samples: number;
}

/** One measured figure. */
export interface Result {
  family: string;
  case: string;
  impl: string;
  metric: string;
  unit: string;
  value: number;
  /** Median milliseconds per call when the figure is a timing. */
  medianMs?: number;
  samples?: number;
}

/** A ratio between two figures of the same run and the target for it. */
export interface Ratio {
  family: string;
  case: string;
  /** e.g. `tapegrad / tfjs-wasm`. */
  name: string;
  value: number;
  /** Human-readable target, e.g. `>= 1.0`. */
  target: string;
  met: boolean;
}

/** A target on a ratio: at least or at most `value`. */
export type Target = { atLeast: number } | { atMost: number } | null;

/** A ratio record with its target (`null`: reported without one). */
export function ratio(family: string, caseName: string, name: string, value: number, target: Target): Ratio {
  if (target === null) return { family, case: caseName, name, value, target: "(none)", met: true };
  if ("atLeast" in target) return { family, case: caseName, name, value, target: `>= ${target.atLeast.toFixed(1)}`, met: value >= target.atLeast };
  return { family, case: caseName, name, value, target: `<= ${target.atMost.toFixed(1)}`, met: value <= target.atMost };
}

/** The outcome of one benchmark family. */
export interface FamilyReport {
  results: Result[];
  ratios: Ratio[];
  /** Correctness cross-checks run by the family (message per check). */
  checks: string[];
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Time one sample: call `run` until `minMs` have passed (at least once); milliseconds per call. */
function sample(run: () => void, minMs: number): number {
  let calls = 0;
  const t0 = performance.now();
  let elapsed = 0;
  do {
    run();
    calls++;
    elapsed = performance.now() - t0;
  } while (elapsed < minMs);
  return elapsed / calls;
}

/** Timing of a contender that runs in this process. */
function localTiming(c: Contender): ExternalTiming {
  const run = c.run;
  if (run === undefined) throw new Error(`bench: contender ${c.name} has neither run nor external`);
  return {
    warmup: async (calls) => {
      for (let i = 0; i < calls; i++) run();
    },
    sample: async (minMs) => sample(run, minMs),
  };
}

/**
 * Time every contender in interleaved rounds after a warm-up.
 * @returns the timing of each contender, by name
 */
export async function compare(contenders: readonly Contender[], options: TimingOptions): Promise<Map<string, Timing>> {
  const timers = contenders.map((c) => ({ ...c, external: c.external ?? localTiming(c) }));
  for (const c of timers) {
    await c.before?.();
    await c.external.warmup(options.warmup);
  }
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let r = 0; r < options.rounds; r++) {
    for (const c of timers) {
      await c.before?.();
      samples.get(c.name)!.push(await c.external.sample(options.minSampleMs));
    }
  }
  const out = new Map<string, Timing>();
  for (const [name, s] of samples) {
    out.set(name, { medianMs: median(s), minMs: Math.min(...s), maxMs: Math.max(...s), samples: s.length });
  }
  return out;
}

/** Throw with `message` unless `ok` (benchmarks refuse to report figures of wrong results). */
export function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(`bench check failed: ${message}`);
}

/** Largest absolute difference between two equally long arrays, relative to the largest magnitude in `ref`. */
export function relativeMaxDiff(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  check(got.length === ref.length, `lengths differ (${got.length} vs ${ref.length})`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(got[i]! - ref[i]!));
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  if (!Number.isFinite(diff)) return Infinity;
  return scale === 0 ? diff : diff / scale;
}

/** Deterministic float32 data in [-1, 1) (a 32-bit LCG), so every side gets identical inputs. */
export function seededData(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e6) return v.toExponential(2);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 0.01) return v.toFixed(2);
  return v.toPrecision(2);
}

/** Render rows of cells as a left-aligned text table with a header rule. */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** The results table (one row per case, one column per implementation) and the ratios table. */
export function renderReport(reports: readonly FamilyReport[]): string {
  const results = reports.flatMap((r) => r.results);
  const impls = [...new Set(results.map((r) => r.impl))];
  const keys = [...new Set(results.map((r) => `${r.family}\u0000${r.case}\u0000${r.metric}\u0000${r.unit}`))];
  const rows = keys.map((key) => {
    const [family, name, metric, unit] = key.split("\u0000") as [string, string, string, string];
    const cells = impls.map((impl) => {
      const r = results.find((x) => x.family === family && x.case === name && x.metric === metric && x.impl === impl);
      return r === undefined ? "" : formatValue(r.value);
    });
    return [family, name, `${metric} (${unit})`, ...cells];
  });
  const ratios = reports.flatMap((r) => r.ratios);
  const ratioRows = ratios.map((r) => [r.family, r.case, r.name, formatValue(r.value), r.target, r.met ? "yes" : "NO"]);
  return [
    formatTable(["family", "case", "metric", ...impls], rows),
    "",
    formatTable(["family", "case", "ratio", "value", "target", "met"], ratioRows),
  ].join("\n");
}

/** Write `data` as pretty JSON to `path`, creating the folder. */
export function writeJson(path: string, data: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(data, null, 2) + "\n");
}
