// Pinned storage is freed with its tensors: 40 ASGD models of 2 MB pinned each, trained and dropped
// in turn, leave kernel memory usage where it started and the memory no larger than a few models,
// because freed blocks are reused (WebAssembly memory itself never shrinks).
import { expect, test } from "vitest";
import { runChild } from "./fixtures/child.js";

interface Usage {
  phase: string;
  managedBytes: number;
  usedBytes: number;
  blocks: number;
}

test("pinned parameters and optimizer state are released when garbage-collected and their blocks reused", async () => {
  const lines = await runChild("pinned-release.ts", [], ["--expose-gc"]);
  const [start, end] = lines.map((l) => JSON.parse(l) as Usage);
  expect(start!.phase).toBe("start");
  expect(start!.usedBytes).toBeGreaterThan(0); // the kernel's scratch chunks stay reserved
  expect(end!.usedBytes).toBe(start!.usedBytes);
  expect(end!.blocks).toBe(start!.blocks);
  // 40 models x 2 MB went through; the memory holds at most a handful of them at once.
  expect(end!.managedBytes).toBeLessThan(start!.managedBytes + 5 * 2 * 1_000_000 * 1.05);
});
