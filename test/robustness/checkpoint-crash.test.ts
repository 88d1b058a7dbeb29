// Checkpoints survive crashes (issues 5 and 9): a child process saving with the real `save` is
// SIGKILLed at exact byte offsets of the temporary file, around the rename, and at random moments of
// a save loop. Afterwards the checkpoint path must hold a complete previous or new generation that
// loads and checks element by element; a leftover temporary file must never load as valid partial
// data (it is rejected as truncated/corrupt, or is itself a complete generation).
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { fromBytes, load, toBytes } from "@tapegrad/core";
import { checkCheckpoint, makeCheckpoint } from "./fixtures/checkpoint-content.js";
import { killChild, prng, startChild } from "./fixtures/child.js";

const scratch = mkdtempSync(join(tmpdir(), "tapegrad-crash-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const random = prng(9001);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const NAME = "ckpt.safetensors";

/** Run `task` over `items` with at most `limit` at a time (children are cheap but not free). */
async function pool<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const temporaries = (dir: string) => readdirSync(dir).filter((f) => f !== NAME);

/** A leftover temporary file is either rejected as truncated/corrupt or a complete generation. */
function classifyLeftover(path: string, megabytes: number): "rejected" | number {
  let loaded: unknown;
  try {
    loaded = load(path);
  } catch (error) {
    expect((error as Error).message).toMatch(/^load: ".*" is (truncated|corrupt): /);
    return "rejected";
  }
  return checkCheckpoint(loaded, megabytes);
}

describe("a save killed at exact byte offsets of the temporary file", () => {
  const megabytes = 1;
  const full = toBytes(makeCheckpoint(2, megabytes));
  const headerEnd = 8 + Number(new DataView(full.buffer, full.byteOffset).getBigUint64(0, true));
  const dataOffsets = Array.from({ length: 6 }, () => headerEnd + 1 + Math.floor(random() * (full.length - headerEnd - 2)));
  const offsets = [
    0, 1, 7, 8, 9, Math.floor(headerEnd / 2), headerEnd - 1, headerEnd, headerEnd + 1,
    65536, 65537, ...dataOffsets, full.length - 4, full.length - 1, full.length,
  ];

  test(`${offsets.length} offsets (length field, header, data, last byte, complete): the previous checkpoint survives intact`, async () => {
    const results = await pool(offsets, 4, async (offset, i) => {
      const dir = mkdtempSync(join(scratch, `offset-${i}-`));
      const target = join(dir, NAME);
      const child = startChild("checkpoint-writer.ts", ["--path", target, "--megabytes", String(megabytes), "--mode", "kill", "--phase", "write", "--offset", String(offset)]);
      const { signal, stderr } = await child.exited;
      expect(signal, stderr).toBe("SIGKILL");
      expect(child.lines).toEqual(["saved 1"]);
      expect(checkCheckpoint(load(target), megabytes)).toBe(1);
      const left = temporaries(dir);
      expect(left).toHaveLength(1);
      expect(left[0]).toMatch(/^\.ckpt\.safetensors\.[0-9a-f]{8}-[1-9][0-9]*-[0-9a-f]{12}\.tmp$/);
      const tmp = join(dir, left[0]!);
      expect(statSync(tmp).size).toBe(offset);
      return { offset, verdict: classifyLeftover(tmp, megabytes) };
    });
    for (const { offset, verdict } of results) expect(verdict).toBe(offset === full.length ? 2 : "rejected");
  });

  test("killed after the temporary file is complete: before the rename the old file stays, after it the new one is whole", async () => {
    for (const [phase, expected] of [["before-rename", 1], ["after-rename", 2]] as const) {
      const dir = mkdtempSync(join(scratch, `${phase}-`));
      const target = join(dir, NAME);
      const child = startChild("checkpoint-writer.ts", ["--path", target, "--mode", "kill", "--phase", phase]);
      const { signal, stderr } = await child.exited;
      expect(signal, stderr).toBe("SIGKILL");
      expect(checkCheckpoint(load(target), 1)).toBe(expected);
      const left = temporaries(dir);
      if (phase === "before-rename") {
        expect(left).toHaveLength(1);
        expect(classifyLeftover(join(dir, left[0]!), 1)).toBe(2);
      } else {
        expect(left).toEqual([]);
      }
    }
  });
});

describe("a save loop killed at random moments", () => {
  const megabytes = 4;
  const KILLS = 12;

  test(`${KILLS}+ SIGKILLs at random delays: the file is always the last or the next complete generation`, async () => {
    const killOnce = async (delay: number, i: number): Promise<string> => {
      const dir = mkdtempSync(join(scratch, `loop-${i}-`));
      const target = join(dir, NAME);
      const child = startChild("checkpoint-writer.ts", ["--path", target, "--megabytes", String(megabytes), "--mode", "loop"]);
      await child.waitForLine((l) => l === "saved 1");
      await sleep(delay);
      await killChild(child);
      const { signal } = await child.exited;
      expect(signal).toBe("SIGKILL");
      const announced = Number(child.lines.at(-1)!.split(" ")[1]);
      const generation = checkCheckpoint(load(target), megabytes);
      expect([announced, announced + 1]).toContain(generation);
      const left = temporaries(dir);
      expect(left.length).toBeLessThanOrEqual(1);
      for (const f of left) {
        const verdict = classifyLeftover(join(dir, f), megabytes);
        if (verdict !== "rejected") expect(verdict).toBe(generation + 1);
      }
      return left.length === 1 ? "killed mid-save" : "killed between saves";
    };
    const outcomes = await pool(Array.from({ length: KILLS }, () => random() * 400), 3, killOnce);
    // Where a random kill lands depends on the machine's speed and load: keep killing (every kill is
    // checked the same way) until one has landed inside save, so the interesting case is always covered.
    while (!outcomes.includes("killed mid-save") && outcomes.length < 3 * KILLS) {
      outcomes.push(...(await pool([random() * 400, random() * 400, random() * 400], 3, (d, i) => killOnce(d, outcomes.length + i))));
    }
    expect(outcomes).toContain("killed mid-save");
  });
});

describe("every truncation of a checkpoint is rejected", () => {
  test("all prefixes of a small checkpoint fail to decode as truncated or corrupt (none is valid partial data)", () => {
    const bytes = toBytes(makeCheckpoint(5, 0.004));
    expect(checkCheckpoint(fromBytes(bytes), 0.004)).toBe(5);
    let rejected = 0;
    for (let n = 0; n < bytes.length; n++) {
      expect(() => fromBytes(bytes.subarray(0, n)), `prefix of ${n} bytes`).toThrow(/^fromBytes: the data is (truncated|corrupt): /);
      rejected++;
    }
    expect(rejected).toBe(bytes.length);
  });
});
