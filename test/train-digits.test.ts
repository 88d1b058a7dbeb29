// The main demo, in a short mode: it learns, writes its chart and checkpoint, resumes exactly, and
// answers bad input with one clear line.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, test } from "vitest";
import { load, type Tensor } from "@tapegrad/core";
import { defaultOptions, parseOptions, trainDigits } from "../examples/train-digits.js";
import { DataError, parseDigits } from "../examples/support/digits-data.js";

const scratch = mkdtempSync(join(tmpdir(), "tapegrad-digits-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const short = { ...defaultOptions, epochs: 8, warmupEpochs: 2, t0: 50, quiet: true };

describe("train-digits demo", () => {
  test("learns well above chance and writes a chart and a loadable checkpoint", () => {
    const out = join(scratch, "run");
    const result = trainDigits({ ...short, out });
    expect(result.epochsRun).toBe(8);
    expect(result.testAccuracyLast).toBeGreaterThan(0.85);
    expect(result.testAccuracyAveraged).toBeGreaterThan(0.85);
    const svg = readFileSync(result.chartPath, "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("test accuracy");
    expect(readFileSync(result.chartPath.replace(/\.svg$/, ".png")).subarray(1, 4).toString()).toBe("PNG");
    const checkpoint = load(result.checkpointPath) as { model: Record<string, Tensor>; epoch: number; history: unknown[] };
    expect(checkpoint.epoch).toBe(8);
    expect(checkpoint.history).toHaveLength(8);
    expect(Object.keys(checkpoint.model)).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
    expect(checkpoint.model["0.weight"]!.shape).toEqual([128, 64]);
  });

  test("an interrupted run resumed with --resume ends bit-identical to an uninterrupted one", () => {
    const whole = trainDigits({ ...short, out: join(scratch, "whole") });
    const resumedOut = join(scratch, "resumed");
    trainDigits({ ...short, out: resumedOut, stopAfter: 3 });
    const resumed = trainDigits({ ...short, out: resumedOut, resume: true });
    expect(resumed.history).toEqual(whole.history);
    expect(readFileSync(resumed.checkpointPath)).toEqual(readFileSync(whole.checkpointPath));
  });

  test("flags are parsed and bad ones rejected with one line", () => {
    expect(parseOptions(["--epochs", "3", "--warmup", "1", "--lr", "0.1"])).toMatchObject({ epochs: 3, warmupEpochs: 1, lr: 0.1 });
    expect(parseOptions(["--help"])).toBe("help");
    expect(() => parseOptions(["--epochs", "two"])).toThrow(new DataError('--epochs must be an integer >= 1, got "two"'));
    expect(() => parseOptions(["--bogus"])).toThrow("unknown option --bogus (see --help)");
    expect(() => parseOptions(["--epochs", "-3"])).toThrow('--epochs must be an integer >= 1, got "-3"');
    expect(() => parseOptions(["--resume", "--overwrite"])).toThrow("--resume and --overwrite exclude each other");
    expect(() => parseOptions(["--epochs", "3", "--warmup", "5"])).toThrow("--warmup (5) must be smaller than --epochs (3)");
  });

  test("a malformed data file gets a message naming the line and column", () => {
    expect(() => parseDigits("1,2,3\n", "digits.csv")).toThrow("digits.csv: line 1 has 3 columns, expected 65 (64 pixels and a label)");
    const row = Array.from({ length: 64 }, () => "0").join(",");
    expect(() => parseDigits(`${row},12\n`, "d.csv")).toThrow('d.csv: line 1, column 65 holds "12", expected an integer in 0..9');
    const bad = join(scratch, "bad.csv.gz");
    writeFileSync(bad, "not gzip");
    expect(() => trainDigits({ ...short, data: bad, out: join(scratch, "bad") })).toThrow(`${bad} is not a valid gzip file`);
    writeFileSync(bad, gzipSync(`${row},x\n`));
    expect(() => trainDigits({ ...short, data: bad, out: join(scratch, "bad") })).toThrow('line 1, column 65 holds "x"');
    expect(() => trainDigits({ ...short, data: join(scratch, "missing.gz"), out: join(scratch, "bad") })).toThrow(/cannot read the digits data at .*missing\.gz: ENOENT/);
  });

  test("the command line prints one error line and exits 2, without a stack trace", () => {
    const run = (args: string[]): { status: number; stderr: string } => {
      try {
        execFileSync(process.execPath, ["--import", "tsx", join(import.meta.dirname, "..", "examples", "train-digits.ts"), ...args], { stdio: "pipe" });
        return { status: 0, stderr: "" };
      } catch (error) {
        const e = error as { status: number; stderr: Buffer };
        return { status: e.status, stderr: e.stderr.toString() };
      }
    };
    const badFlag = run(["--epochs=-3"]);
    expect(badFlag.status).toBe(2);
    expect(badFlag.stderr.trim().split("\n")).toEqual(['error: --epochs must be an integer >= 1, got "-3"']);
    const missing = run(["--data", join(scratch, "nowhere.csv.gz")]);
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    const noCheckpoint = run(["--resume", "--out", join(scratch, "empty")]);
    expect(noCheckpoint.status).toBe(2);
    expect(noCheckpoint.stderr).toMatch(/^error: cannot resume from .*checkpoint\.safetensors: /);
    expect(existsSync(join(scratch, "empty", "checkpoint.safetensors"))).toBe(false);
  });

  test("a second run does not silently replace the checkpoint; --resume with another --hidden is one line", () => {
    const out = join(scratch, "twice");
    trainDigits({ ...short, epochs: 3, warmupEpochs: 1, out });
    const before = readFileSync(join(out, "checkpoint.safetensors"));
    expect(() => trainDigits({ ...short, epochs: 3, warmupEpochs: 1, out })).toThrow(/checkpoint\.safetensors exists: pass --resume to continue it, --overwrite to replace it, or --out DIR/);
    expect(readFileSync(join(out, "checkpoint.safetensors"))).toEqual(before);
    expect(() => trainDigits({ ...short, epochs: 3, warmupEpochs: 1, out, resume: true, hidden: 32 })).toThrow(/^cannot resume from .*checkpoint\.safetensors: /);
    const replaced = trainDigits({ ...short, epochs: 3, warmupEpochs: 1, out, overwrite: true, seed: 1 });
    expect(replaced.epochsRun).toBe(3);
    expect(readFileSync(join(out, "checkpoint.safetensors"))).not.toEqual(before);
  });
});
