// Pinned storage is freed with its tensors: 40 ASGD models of 2 MB pinned each, trained and dropped
// in turn, leave kernel memory usage where it started and the memory no larger than a few models,
// because freed blocks are reused (WebAssembly memory itself never shrinks). And the optimizer's
// bookkeeping of gradients keeps none alive, even inside one synchronous training loop. The child
// waits for finalizers by block count and counts live tensors in the heap, so nothing depends on
// GC timing.
import { expect, test } from "vitest";
import { runChild } from "./fixtures/child.js";

interface Usage {
  phase: string;
  managedBytes: number;
  usedBytes: number;
  blocks: number;
}

test("pinned parameters and optimizer state are released when garbage-collected and their blocks reused", async () => {
  const lines = await runChild("pinned-release.ts", [], ["--expose-gc", "--disable-warning=ExperimentalWarning"]);
  const [start, end, syncLoop] = lines.map((l) => JSON.parse(l) as Usage & { liveTensorsBefore: number; liveTensorsAfter: number });
  expect(start!.phase).toBe("start");
  expect(start!.usedBytes).toBeGreaterThan(0); // the kernel's scratch chunks stay reserved
  expect(end!.usedBytes).toBe(start!.usedBytes);
  expect(end!.blocks).toBe(start!.blocks);
  // 40 models x 2 MB went through, collected every 4: the memory holds at most a handful at once.
  expect(end!.managedBytes).toBeLessThan(start!.managedBytes + 5 * 2 * 1_000_000 * 1.05);
  // 300 fresh 1 MB gradients in one synchronous loop, counted inside the loop's job after a full
  // collection: the live tensors are those of one step (the current gradient and the step's
  // scalars), not one per step; keeping the old gradients alive would add 300.
  expect(syncLoop!.phase).toBe("sync-loop");
  expect(syncLoop!.liveTensorsAfter - syncLoop!.liveTensorsBefore).toBeLessThan(10);
});
