// Issue 5: train in child A with periodic checkpoints, SIGKILL it at a random moment, resume from
// its last checkpoint in child B, and compare with an uninterrupted child C: the final state
// (parameters, ASGD's ax/eta/mu/step, every other optimizer buffer, scheduler lr, data and dropout
// generators, loss history) must be bit-identical.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { Tensor, load } from "@tapegrad/core";
import { killChild, prng, runChild, startChild } from "./fixtures/child.js";

const scratch = mkdtempSync(join(tmpdir(), "tapegrad-resume-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const STEPS = 90;
const random = prng(20250905);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Final {
  step: number;
  losses: number[];
  model: Record<string, Tensor>;
  optimizer: { state: Record<string, Record<string, unknown>>; paramGroups: Array<Record<string, unknown>> };
  scheduler: { lastLr?: number[] } & Record<string, unknown>;
}

/** Every tensor of a tree as bits (Uint8 view of a float copy), every number as is. */
function flatten(value: unknown, path: string, out: Map<string, unknown>): Map<string, unknown> {
  if (value instanceof Tensor) out.set(path, { dtype: value.dtype, shape: value.shape, bytes: Array.from(new Uint8Array(value.dataSync().buffer)) });
  else if (Array.isArray(value)) value.forEach((v, i) => flatten(v, `${path}[${i}]`, out));
  else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) flatten(v, `${path}.${k}`, out);
  else out.set(path, Object.is(value, -0) ? "-0" : value);
  return out;
}

async function uninterrupted(optimizer: string): Promise<string> {
  const out = join(scratch, `${optimizer}-whole.safetensors`);
  await runChild("train-run.ts", ["--optimizer", optimizer, "--steps", String(STEPS), "--out", out]);
  return out;
}

/** A: checkpoints every 3 steps and is killed `delay` ms after its first one; B resumes from what A left. */
async function killedAndResumed(optimizer: string, round: number, delay: number): Promise<{ out: string; resumedFrom: number; seen: number }> {
  const ck = join(scratch, `${optimizer}-${round}.ckpt.safetensors`);
  const a = startChild("train-run.ts", ["--optimizer", optimizer, "--steps", String(STEPS), "--checkpoint", ck, "--every", "3", "--linger"]);
  await a.waitForLine((l) => l.startsWith("checkpoint "));
  await sleep(delay);
  await killChild(a);
  const { signal } = await a.exited;
  expect(signal).toBe("SIGKILL");
  const seen = Number(a.lines.filter((l) => l.startsWith("checkpoint ")).at(-1)!.split(" ")[1]);
  const resumedFrom = (load(ck) as Final).step;
  const out = join(scratch, `${optimizer}-${round}.resumed.safetensors`);
  await runChild("train-run.ts", ["--optimizer", optimizer, "--steps", String(STEPS), "--resume", ck, "--out", out]);
  return { out, resumedFrom, seen };
}

function expectSameRun(resumedPath: string, wholePath: string): void {
  const resumed = load(resumedPath) as Final;
  const whole = load(wholePath) as Final;
  expect(resumed.step).toBe(STEPS);
  expect(resumed.losses).toEqual(whole.losses);
  expect(flatten(resumed.model, "model", new Map())).toEqual(flatten(whole.model, "model", new Map()));
  expect(flatten(resumed.optimizer, "optimizer", new Map())).toEqual(flatten(whole.optimizer, "optimizer", new Map()));
  expect(resumed.scheduler.lastLr).toEqual(whole.scheduler.lastLr);
  expect(flatten(resumed.scheduler, "scheduler", new Map())).toEqual(flatten(whole.scheduler, "scheduler", new Map()));
  // And the files themselves, byte for byte (generators' states included).
  expect(Buffer.compare(readFileSync(resumedPath), readFileSync(wholePath))).toBe(0);
}

describe("kill -9 and resume in a new process", () => {
  test("ASGD + warm-up/cosine schedule: three random kill points, each resumed run is bit-identical", async () => {
    const whole = uninterrupted("asgd");
    const delays = [0, 15 + random() * 40, 40 + random() * 120];
    const runs = [];
    for (const [round, delay] of delays.entries()) runs.push(await killedAndResumed("asgd", round, delay));
    const wholePath = await whole;
    const state = (load(wholePath) as Final).optimizer.state["0"]!;
    // The run is long enough for ASGD's averaging to be active (t0 = 10): ax differs from the param.
    expect((state.mu as Tensor).item()).toBeLessThan(1);
    for (const run of runs) {
      // The checkpoint on disk is the last one A announced, or one A wrote just before the kill.
      expect([run.seen, run.seen + 3]).toContain(run.resumedFrom);
      expectSameRun(run.out, wholePath);
    }
    expect(runs.some((r) => r.resumedFrom < STEPS)).toBe(true);
  });

  test.each(["sgd", "adam"])("%s (momentum buffers / amsgrad moments) resumes bit-identically after a kill", async (optimizer) => {
    const whole = uninterrupted(optimizer);
    const run = await killedAndResumed(optimizer, 0, random() * 30);
    expectSameRun(run.out, await whole);
  });
});
