import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Keeps the benchmark suite working (CI runs it in --quick mode); no performance thresholds here.
const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "tapegrad-bench-"));
const out = join(dir, "quick.json");

interface Report {
  mode: string;
  machine: { cpu: string; cores: number; node: string; tfjs: string };
  results: Array<{ family: string; case: string; impl: string; unit: string; value: number }>;
  ratios: Array<{ family: string; name: string; value: number; target: string; met: boolean }>;
  checks: string[];
}

describe("npm run bench -- --quick", () => {
  let run: SpawnSyncReturns<string>;
  beforeAll(() => {
    const tsx = join(root, "node_modules/tsx/dist/cli.mjs");
    run = spawnSync(process.execPath, [tsx, "--tsconfig", "tsconfig.test.json", "bench/run.ts", "--quick", `--out=${out}`], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
    });
  }, 70_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("exits cleanly and prints both tables", () => {
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    for (const header of ["family", "tapegrad", "tfjs-cpu", "tfjs-wasm", "ratio", "target", "met"]) expect(run.stdout).toContain(header);
    for (const family of ["matmul f32", "mlp step", "asgd step", "autograd overhead", "memory", "conv2d", "cnn step", "digits loop"]) expect(run.stdout).toContain(family);
    // --quick leaves PyTorch out, saying so; jax-js runs in-process.
    expect(run.stdout).toContain("PyTorch: skipped in --quick mode");
    expect(run.stdout).toContain("tapegrad / jax-js");
    expect(run.stdout).toMatch(/\d+ correctness cross-checks passed/);
  });

  it("writes a JSON report with finite figures for every family and side", () => {
    const report = JSON.parse(readFileSync(out, "utf8")) as Report;
    expect(report.mode).toBe("quick");
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.machine.tfjs).toBe("4.22.0");
    const families = new Set(report.results.map((r) => r.family));
    expect([...families].sort()).toEqual(["asgd step", "autograd overhead", "cnn step", "conv2d", "digits loop", "matmul f32", "memory", "mlp step"]);
    for (const family of families) {
      const impls = new Set(report.results.filter((r) => r.family === family).map((r) => r.impl));
      expect(impls).toContain("tapegrad");
      // The digits loop's peer is PyTorch alone, which --quick leaves out.
      if (family !== "digits loop") expect(impls).toContain("tfjs-wasm");
    }
    expect(new Set(report.results.filter((r) => r.family === "mlp step").map((r) => r.impl))).toContain("jax-js");
    for (const r of report.results) expect(Number.isFinite(r.value), `${r.family} ${r.case} ${r.impl}`).toBe(true);
    const timed = report.results.filter((r) => r.family !== "memory");
    for (const r of timed) expect(r.value, `${r.family} ${r.case} ${r.impl}`).toBeGreaterThan(0);
    expect(report.ratios.length).toBeGreaterThanOrEqual(10);
    for (const r of report.ratios) {
      expect(Number.isFinite(r.value)).toBe(true);
      expect(typeof r.met).toBe("boolean");
    }
    expect(report.checks.length).toBeGreaterThanOrEqual(10);
  });
});
