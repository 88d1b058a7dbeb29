// Pinned storage is freed with its tensors: 40 ASGD models of 2 MB pinned each, trained and dropped
// in turn, leave kernel memory usage where it started and the memory no larger than a few models,
// because freed blocks are reused (WebAssembly memory itself never shrinks). And the optimizer's
// bookkeeping of gradients keeps none alive, even inside one synchronous training loop.
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
  const [start, end, syncLoop] = lines.map((l) => JSON.parse(l) as Usage & { grownBytes: number; gradBytes: number });
  expect(start!.phase).toBe("start");
  expect(start!.usedBytes).toBeGreaterThan(0); // the kernel's scratch chunks stay reserved
  expect(end!.usedBytes).toBe(start!.usedBytes);
  expect(end!.blocks).toBe(start!.blocks);
  // 40 models x 2 MB went through; the memory holds at most a handful of them at once.
  expect(end!.managedBytes).toBeLessThan(start!.managedBytes + 5 * 2 * 1_000_000 * 1.05);
  // 300 fresh 1 MB gradients in one synchronous loop: after a collection a handful remain (7 to 9
  // measured, freed backing stores are released lazily); keeping them all would leave 300.
  expect(syncLoop!.phase).toBe("sync-loop");
  expect(syncLoop!.grownBytes).toBeLessThan(50 * syncLoop!.gradBytes);
});
