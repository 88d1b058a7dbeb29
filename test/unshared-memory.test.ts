// Without SharedArrayBuffer (a page that is not cross-origin isolated) the kernels run on a plain
// WebAssembly memory: the unshared builds of the modules, nothing pinned, one thread, and the same
// results as with shared memory. Simulated by a WebAssembly.Memory that refuses `shared: true`,
// with fresh copies of the packages loaded after the swap.
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import * as shared from "@tapegrad/core";
import * as sharedOptim from "@tapegrad/optim";

type Core = typeof shared;
type Optim = typeof sharedOptim;

const RealMemory = WebAssembly.Memory;
let core: Core;
let optim: Optim;

beforeAll(async () => {
  // The statically imported copy creates its (shared) kernel memory before the swap.
  expect(shared.pinStorage(shared.zeros([1]))).toBe(true);
  class PlainMemoryOnly extends RealMemory {
    constructor(descriptor: WebAssembly.MemoryDescriptor) {
      if (descriptor.shared) throw new TypeError("shared memory needs SharedArrayBuffer");
      super(descriptor);
    }
  }
  WebAssembly.Memory = PlainMemoryOnly;
  vi.resetModules();
  core = await import("@tapegrad/core");
  optim = await import("@tapegrad/optim");
});

afterAll(() => {
  WebAssembly.Memory = RealMemory;
  vi.resetModules();
});

/** Values of `x` as float32 bits. */
const bits = (x: shared.Tensor): number[] => Array.from(new Uint32Array((x.dataSync() as Float32Array).slice().buffer));

describe("kernels on a plain (unshared) WebAssembly memory", () => {
  test("the wasm backend still runs; nothing is pinned; one thread", () => {
    expect(core.getKernelBackend()).toBe("wasm");
    expect(core.pinStorage(core.zeros([1000]))).toBe(false);
    core.setKernelThreads(2);
    expect(core.getKernelThreads()).toBe(1);
    expect(shared.getKernelThreads()).toBe(2); // the shared copy is unaffected
  });

  test("matmul: the same bits as on shared memory, across growths of the memory", () => {
    for (const n of [16, 300, 700]) {
      const a = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i));
      const b = Float32Array.from({ length: n * n }, (_, i) => Math.cos(i * 0.5));
      const plain = core.matmul(core.tensor(a).reshape([n, n]), core.tensor(b).reshape([n, n]));
      const ref = shared.matmul(shared.tensor(a).reshape([n, n]), shared.tensor(b).reshape([n, n]));
      expect(bits(plain)).toEqual(bits(ref));
    }
    expect(core.kernelMemoryUsage().managedBytes).toBeGreaterThan(3 * 700 * 700 * 4);
  });

  test("ASGD: the same bits as on shared memory (where parameters are pinned and split between threads)", () => {
    const n = (1 << 17) + 3;
    const p0 = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.1));
    const g = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.3) * 1e-2);
    const runs = [
      [core, optim],
      [shared, sharedOptim],
    ] as const;
    const before = core.kernelMemoryUsage().usedBytes;
    const [plain, ref] = runs.map(([c, o]) => {
      const p = c.tensor(p0, { requiresGrad: true });
      p.grad = c.tensor(g);
      const opt = new o.ASGD([p], { lr: 0.05, t0: 1, weightDecay: 0.01 });
      for (let s = 0; s < 3; s++) opt.step();
      return { p, pinned: c.isPinned(p) };
    });
    expect(plain!.pinned).toBe(false);
    // The wasm kernel ran: it reserved its scratch chunks (3 x 128 KiB) in the plain memory.
    expect(core.kernelMemoryUsage().usedBytes - before).toBeGreaterThanOrEqual(3 * 4 * 32768);
    expect(ref!.pinned).toBe(true);
    expect(bits(plain!.p as unknown as shared.Tensor)).toEqual(bits(ref!.p as shared.Tensor));
  });
});
