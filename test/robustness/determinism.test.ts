// The same seed gives bit-identical training runs across processes: two children train the same
// seeded model (init, data and dropout from generators) and save their final state (parameters,
// optimizer state, scheduler, loss history); the two files must be identical byte for byte.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { load } from "@tapegrad/core";
import { runChild } from "./fixtures/child.js";

const scratch = mkdtempSync(join(tmpdir(), "tapegrad-determinism-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function train(optimizer: string, seed: number, name: string): Promise<Buffer> {
  const out = join(scratch, `${name}.safetensors`);
  await runChild("train-run.ts", ["--optimizer", optimizer, "--seed", String(seed), "--steps", "60", "--out", out]);
  return readFileSync(out);
}

describe("cross-process determinism", () => {
  test.each(["asgd", "sgd", "adam"])("%s: two processes with seed 7 save identical bytes; seed 8 differs", async (optimizer) => {
    const [first, second, other] = await Promise.all([
      train(optimizer, 7, `${optimizer}-a`),
      train(optimizer, 7, `${optimizer}-b`),
      train(optimizer, 8, `${optimizer}-c`),
    ]);
    expect(first.length).toBeGreaterThan(1000);
    expect(Buffer.compare(first, second)).toBe(0);
    expect(Buffer.compare(first, other)).not.toBe(0);
    const losses = (load(join(scratch, `${optimizer}-a.safetensors`)) as { losses: number[] }).losses;
    expect(losses).toHaveLength(60);
    expect(losses.every(Number.isFinite)).toBe(true);
    // Training did something: the last losses are below the first ones.
    expect(losses.slice(-10).reduce((a, b) => a + b) / 10).toBeLessThan(losses.slice(0, 10).reduce((a, b) => a + b) / 10);
  });
});
