// No leaks (issue 9): 10,000 training steps of a small MLP with ASGD and a cosine schedule in a child
// run with --expose-gc keep the heap and the kernel memory flat after full collections; graphs release their saved
// tensors after backward unless retainGraph is set. A deliberately leaking run (one detached 0-dim
// tensor kept per step) shows that the measurement does detect a leak that small.
import { describe, expect, test } from "vitest";
import { runChild } from "./fixtures/child.js";

interface Sample {
  step: number;
  heapUsed: number;
  arrayBuffers: number;
  /** Kernel memory held by pinned storage (ASGD pins the 32x32 weight and its average) and scratch. */
  kernelBytes: number;
  kernelBlocks: number;
  loss: number;
}

const WARM_UP = 2000; // steps during which the JIT and inline caches still grow the heap
const BOUND = 512 * 1024; // bytes of growth allowed after warm-up (a leak of 100 bytes/step over 8,000 steps is 800 KB)

async function run(args: string[]): Promise<{ samples: Sample[]; summary: Record<string, unknown> }> {
  const lines = await runChild("leak-train.ts", args, ["--expose-gc"]);
  const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { samples: parsed.filter((p) => !p.summary) as unknown as Sample[], summary: parsed.find((p) => p.summary)! };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Growth between the first and last three samples after warm-up, for heap and array buffers. */
function growth(samples: Sample[], warmUp: number): { heap: number; buffers: number } {
  const after = samples.filter((s) => s.step >= warmUp);
  expect(after.length).toBeGreaterThanOrEqual(6);
  const first = after.slice(0, 3);
  const last = after.slice(-3);
  return {
    heap: mean(last.map((s) => s.heapUsed)) - mean(first.map((s) => s.heapUsed)),
    buffers: mean(last.map((s) => s.arrayBuffers)) - mean(first.map((s) => s.arrayBuffers)),
  };
}

describe("memory over long runs", () => {
  test("10,000 steps keep the heap and kernel memory flat; graphs are released after backward unless retained", async () => {
    const [clean, leaky] = await Promise.all([run(["--steps", "10000", "--every", "1000"]), run(["--steps", "3000", "--every", "250", "--leak"])]);
    expect(clean.samples.at(-1)!.step).toBe(10000);
    expect(clean.summary.lastLoss as number).toBeLessThan(clean.samples[0]!.loss / 10);
    const g = growth(clean.samples, WARM_UP);
    expect(g.heap, `heap grew by ${g.heap} bytes from step ${WARM_UP} to 10000`).toBeLessThan(BOUND);
    expect(g.buffers, `array buffers grew by ${g.buffers} bytes`).toBeLessThan(64 * 1024);
    // Kernel memory: the blocks pinned at the first step stay the only ones (fresh gradients are never pinned).
    expect(clean.samples[0]!.kernelBlocks).toBeGreaterThanOrEqual(2);
    for (const s of clean.samples) expect({ bytes: s.kernelBytes, blocks: s.kernelBlocks }).toEqual({ bytes: clean.samples[0]!.kernelBytes, blocks: clean.samples[0]!.kernelBlocks });
    // The same measurement flags the deliberate leak (one detached 0-dim loss kept per step, about
    // 600 bytes each), so the bound is not vacuous.
    expect(leaky.summary.kept).toBe(3000);
    expect(growth(leaky.samples, 500).heap).toBeGreaterThan(BOUND);

    expect(clean.summary).toMatchObject({
      releasedAfterBackward: true, // the saved intermediate is gone while the loss (and its gradFn) is alive
      rootStillAlive: true,
      keptWithRetainGraph: true, // retainGraph: true keeps it for a second backward
      releasedAfterSecondBackward: true,
      unusedGraphReleased: true, // a graph never backpropagated goes with its root
    });
  });
});
