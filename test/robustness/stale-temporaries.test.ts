// Issue 14: a save killed mid-write leaves its temporary file behind (it cannot remove it); the next
// save to the same path removes the temporaries of that path whose writer process is gone, and
// nothing else: not another path's, not a live process's, not another machine's, not other files.
// The stale files come from real child processes SIGKILLed inside `save` (fixtures/checkpoint-writer.ts).
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { load, save } from "@tapegrad/core";
import { checkCheckpoint, makeCheckpoint } from "./fixtures/checkpoint-content.js";
import { startChild } from "./fixtures/child.js";

const scratch = mkdtempSync(join(tmpdir(), "tapegrad-stale-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const NAME = "ckpt.safetensors";
const TEMP = /^\.ckpt\.safetensors\.([0-9a-f]{8})-([1-9][0-9]*)-([0-9a-f]{12})\.tmp$/;

async function killedSave(target: string, phase: "write" | "before-rename", offset = 0): Promise<void> {
  const child = startChild("checkpoint-writer.ts", ["--path", target, "--megabytes", "1", "--mode", "kill", "--phase", phase, "--offset", String(offset)]);
  const { signal, stderr } = await child.exited;
  expect(signal, stderr).toBe("SIGKILL");
}

test("the next save removes the temporaries killed writers left for its path, and only those", async () => {
  const dir = mkdtempSync(join(scratch, "kill-"));
  const target = join(dir, NAME);
  // A writer dies in the middle of the temporary file: its partial temporary stays.
  await killedSave(target, "write", 70_000);
  const leftovers = () => readdirSync(dir).filter((f) => f !== NAME);
  const first = leftovers();
  expect(first).toHaveLength(1);
  expect(statSync(join(dir, first[0]!)).size).toBe(70_000);
  // A second writer saves generation 1 (which removes the first writer's leftover), then dies just
  // before its own rename.
  await killedSave(target, "before-rename");
  const stale = leftovers();
  expect(stale).toHaveLength(1);
  expect(stale[0]).not.toBe(first[0]);
  expect(stale[0]).toMatch(TEMP);
  const [, host, deadPid, random] = TEMP.exec(stale[0]!)!;

  // Temporaries that must survive: another path's (same dead writer), a live process's (the test
  // runner's parent), another machine's, and files that only look similar.
  const keep = [
    `.other.safetensors.${host}-${deadPid}-${random}.tmp`,
    `.${NAME}.${host}-${process.ppid}-${random}.tmp`,
    `.${NAME}.${host === "00000000" ? "11111111" : "00000000"}-${deadPid}-${random}.tmp`,
    `.${NAME}.${host}-${deadPid}-${random}.tmp.bak`,
    `.${NAME}.${host}-${deadPid}-xyz.tmp`,
    `${NAME}.${host}-${deadPid}-${random}.tmp`,
  ];
  for (const name of keep) writeFileSync(join(dir, name), "x");

  save(makeCheckpoint(3, 1), target);
  expect(checkCheckpoint(load(target), 1)).toBe(3);
  expect(readdirSync(dir).sort()).toEqual([NAME, ...keep].sort());
  for (const name of stale) expect(existsSync(join(dir, name))).toBe(false);
});

test("a temporary of a writer that is still running is left alone, and the save still succeeds", async () => {
  const dir = mkdtempSync(join(scratch, "live-"));
  const target = join(dir, NAME);
  await killedSave(target, "write", 1000);
  const [stale] = readdirSync(dir).filter((f) => TEMP.test(f));
  const [, host, , random] = TEMP.exec(stale!)!;
  // The same name pattern with this process's parent (alive) as the writer.
  const live = `.${NAME}.${host}-${process.ppid}-${random}.tmp`;
  writeFileSync(join(dir, live), "partial");
  save(makeCheckpoint(4, 1), target);
  expect(existsSync(join(dir, stale!))).toBe(false);
  expect(statSync(join(dir, live)).size).toBe(7);
  expect(checkCheckpoint(load(target), 1)).toBe(4);
});
