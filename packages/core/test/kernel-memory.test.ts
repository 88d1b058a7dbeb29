// Kernel memory: the block allocator (property: live blocks aligned, disjoint, inside the space,
// counted exactly; everything released coalesces back into one range) and pinning tensors into
// the shared WebAssembly memory (values, views, versions and autograd unchanged).
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { arange, isPinned, kernelMemoryUsage, pinStorage, randn, tensor, zeros } from "@tapegrad/core";
import { BlockAllocator } from "../src/kernels/wasm/block-allocator.js";

/** An allocator over a simulated space that grows in 4096-byte pages up to `limit` bytes. */
function simulated(limit: number): { alloc: BlockAllocator; grows: number[] } {
  const grows: number[] = [];
  let end = 64;
  const alloc = new BlockAllocator(64, 64, (minEnd) => {
    if (minEnd > limit) return null;
    end = Math.max(end, Math.ceil(minEnd / 4096) * 4096);
    grows.push(end);
    return end;
  });
  return { alloc, grows };
}

describe("BlockAllocator", () => {
  test("random allocate/release sequences keep blocks aligned, disjoint and counted; releasing all coalesces", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("alloc" as const), bytes: fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 20000 })) }),
      fc.record({ kind: fc.constant("free" as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const { alloc } = simulated(1 << 22);
        const live = new Map<number, number>(); // start -> requested bytes
        for (const o of ops) {
          if (o.kind === "alloc") {
            const start = alloc.allocate(o.bytes);
            expect(start).not.toBeNull();
            expect(start! % 64).toBe(0);
            expect(start!).toBeGreaterThanOrEqual(64);
            for (const [s, b] of live) {
              const size = Math.max(64, Math.ceil(b / 64) * 64);
              const mine = Math.max(64, Math.ceil(o.bytes / 64) * 64);
              expect(start! + mine <= s || s + size <= start!, `block ${start}+${mine} overlaps ${s}+${size}`).toBe(true);
            }
            live.set(start!, o.bytes);
          } else if (live.size > 0) {
            const starts = [...live.keys()];
            const s = starts[o.pick % starts.length]!;
            alloc.release(s);
            live.delete(s);
          }
          const used = [...live.values()].reduce((a, b) => a + Math.max(64, Math.ceil(b / 64) * 64), 0);
          expect(alloc.stats()).toMatchObject({ usedBytes: used, blocks: live.size });
        }
        for (const s of live.keys()) alloc.release(s);
        const { managedBytes } = alloc.stats();
        expect(alloc.stats().usedBytes).toBe(0);
        // One free range covers everything: a block of the whole managed size fits without growing.
        if (managedBytes > 0) expect(alloc.allocate(managedBytes)).toBe(64);
      }),
      { numRuns: 200 },
    );
  });

  test("a released block is reused; growth extends a trailing free range; refusal to grow gives null", () => {
    const { alloc, grows } = simulated(64 + 8192);
    const a = alloc.allocate(100)!;
    const b = alloc.allocate(100)!;
    expect(b).toBe(a + 128);
    alloc.release(a);
    expect(alloc.allocate(64)).toBe(a); // first fit
    expect(alloc.allocate(10000)).toBeNull(); // the space may not pass 8256 bytes
    const before = grows.length;
    const c = alloc.allocate(4000)!;
    expect(c).toBe(b + 128);
    expect(grows.length).toBeGreaterThanOrEqual(before);
    expect(() => alloc.release(12345)).toThrow(/no live block starts at 12345/);
    expect(() => alloc.allocate(-1)).toThrow(/non-negative integer, got -1/);
  });
});

describe("pinStorage", () => {
  test("moves values into kernel memory without changing them, for every dtype", () => {
    for (const t of [randn([5, 7]), randn([3], { dtype: "float64" }), arange(0, 10, 1, { dtype: "int32" }), tensor([true, false, true])]) {
      const before = t.tolist();
      const version = t.storage.version;
      expect(isPinned(t)).toBe(false);
      expect(pinStorage(t)).toBe(true);
      expect(isPinned(t)).toBe(true);
      expect(t.storage.data.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(t.tolist()).toEqual(before);
      expect(t.storage.version).toBe(version);
      expect(pinStorage(t)).toBe(true); // idempotent
    }
  });

  test("views move with their storage; writes through either side stay visible; dataSync is an ordinary copy", () => {
    const base = arange(12).reshape([3, 4]);
    const col = base.select(1, 2);
    expect(pinStorage(col)).toBe(true);
    expect(isPinned(base)).toBe(true);
    base.mul_(2);
    expect(col.tolist()).toEqual([4, 12, 20]);
    col.fill_(-1);
    expect(base.select(1, 2).tolist()).toEqual([-1, -1, -1]);
    const copy = base.dataSync();
    expect(copy.buffer).toBeInstanceOf(ArrayBuffer);
    copy[0] = 99;
    expect(base.select(0, 0).tolist()).toEqual([0, 2, -1, 6]);
  });

  test("autograd through pinned leaves gives the same gradients", () => {
    const w0 = randn([4, 3]);
    const x = randn([5, 4]);
    const grads = [false, true].map((pin) => {
      const w = w0.clone().requiresGrad_();
      if (pin) pinStorage(w);
      x.matmul(w).tanh().sum().backward();
      return w.grad!.tolist();
    });
    expect(grads[1]).toEqual(grads[0]);
  });

  test("anything but a tensor is refused by name", () => {
    expect(() => pinStorage(null as never)).toThrow(/pinStorage: input must be a Tensor, got null/);
    expect(() => isPinned([1, 2] as never)).toThrow(/isPinned: input must be a Tensor, got/);
  });

  test("kernel memory usage counts pinned blocks", () => {
    const before = kernelMemoryUsage();
    const t = zeros([1000]);
    pinStorage(t);
    const after = kernelMemoryUsage();
    expect(after.usedBytes - before.usedBytes).toBe(4032); // 4000 bytes rounded up to 64
    expect(after.blocks - before.blocks).toBe(1);
    expect(after.managedBytes).toBeGreaterThanOrEqual(after.usedBytes);
  });
});
