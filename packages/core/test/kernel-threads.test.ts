// Kernel threads: helper threads run shares of a WebAssembly call on the shared kernel memory.
// Large float32 products give the same bits on one thread and on two (each thread computes whole
// rows of C, or whole columns when C is wider than tall, whichever thread claims them), pinned
// operands are read in place, and a trap in any call becomes an error on the caller.
import { afterEach, describe, expect, test } from "vitest";
import { type Tensor, getKernelThreads, linear, matmul, pinStorage, randn, setKernelThreads, startKernelThreads } from "@tapegrad/core";
import { allocateKernelBytes, helperCallCount, helperStartCount, kernelHeapF32, kernelMemory, runParallel } from "@tapegrad/core/internal";
import { compileWat } from "../../../scripts/build-wasm.js";

afterEach(() => setKernelThreads(2));

/** How many elements of two float32 arrays of the same length differ in their bits. */
function differingBits(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let n = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) n++;
  return n;
}

/** The values of `f()` with 1 and with 2 kernel threads. */
function onOneAndTwoThreads(f: () => Tensor): [Float32Array, Float32Array] {
  const out = [1, 2].map((threads) => {
    setKernelThreads(threads);
    return f().dataSync() as Float32Array;
  });
  return [out[0]!, out[1]!];
}

describe("kernel threads", () => {
  test("two threads are available here (Node.js with shared memory)", () => {
    setKernelThreads(2);
    expect(getKernelThreads()).toBe(2);
  });

  test("large products: identical bits on one and two threads, for every layout, odd row and column counts, bias and pinned operands", () => {
    // Split by rows (M >= N) and by columns (M < N, the last share ending in a partial panel); the
    // 9-column product runs transposed (C^T, 9 x 4000, split by columns).
    for (const [M, K, N] of [[203, 97, 130], [256, 256, 64], [9, 1000, 300], [16, 72, 3001], [4000, 120, 9]] as const) {
      const a = randn([M, K]);
      const b = randn([K, N]);
      const at = randn([K, M]).t();
      const bt = randn([N, K]).t();
      const bias = randn([N]);
      for (const [x, y] of [[a, b], [at, b], [a, bt], [at, bt]] as const) {
        const [one, two] = onOneAndTwoThreads(() => matmul(x, y));
        expect(differingBits(two, one)).toBe(0);
      }
      const [one, two] = onOneAndTwoThreads(() => linear(a, b.t(), bias));
      expect(differingBits(two, one)).toBe(0);
      const [plain] = onOneAndTwoThreads(() => matmul(a, b));
      pinStorage(a);
      pinStorage(b);
      const [pinnedOne, pinnedTwo] = onOneAndTwoThreads(() => matmul(a, b));
      expect(differingBits(pinnedOne, plain!)).toBe(0);
      expect(differingBits(pinnedTwo, plain!)).toBe(0);
    }
  });

  test("batched products: identical bits on one and two threads (each large product split by rows)", () => {
    const a = randn([3, 130, 200]);
    // Batch dims on both sides (a single right matrix would be folded into one 2-D product).
    const b = randn([3, 170, 200]).transpose(-2, -1);
    const [one, two] = onOneAndTwoThreads(() => matmul(a, b));
    expect(one.length).toBe(3 * 130 * 170);
    expect(differingBits(two, one)).toBe(0);
  });

  test("float64 products: identical values on one and two threads", () => {
    const a = randn([150, 120], { dtype: "float64" });
    const b = randn([120, 260], { dtype: "float64" });
    const out = [1, 2].map((threads) => {
      setKernelThreads(threads);
      return matmul(a, b).dataSync() as Float64Array;
    });
    let differing = 0;
    for (let i = 0; i < out[0]!.length; i++) if (!Object.is(out[0]![i], out[1]![i])) differing++;
    expect(differing).toBe(0);
  });

  test("setKernelThreads validates its argument", () => {
    for (const bad of [0, 1.5, -2, 65, Number.NaN]) expect(() => setKernelThreads(bad)).toThrow(/threads must be an integer from 1 to 64, got/);
    setKernelThreads(1);
    expect(getKernelThreads()).toBe(1);
  });

  test("startKernelThreads resolves with the threads that run; on one thread no call goes to a helper", async () => {
    setKernelThreads(1);
    await expect(startKernelThreads()).resolves.toBe(1);
    setKernelThreads(2);
    await expect(startKernelThreads()).resolves.toBe(2);
    setKernelThreads(1);
    const before = helperCallCount();
    matmul(randn([64, 256]), randn([256, 512])); // 8M multiply-adds: split on two threads
    expect(helperCallCount()).toBe(before);
  });

  test("lowering and raising the thread count reuses the started helper: 2 -> 1 -> 2 starts no thread, same bits", () => {
    const a = randn([64, 256]);
    const b = randn([256, 512]); // 8M multiply-adds: split in two
    setKernelThreads(2);
    const first = matmul(a, b).dataSync() as Float32Array;
    const started = helperStartCount();
    for (const threads of [1, 2, 1, 2]) {
      setKernelThreads(threads);
      expect(differingBits(matmul(a, b).dataSync() as Float32Array, first)).toBe(0);
    }
    expect(helperStartCount()).toBe(started);
  });
});

describe("runParallel", () => {
  const source = `(module
    (import "env" "memory" (memory 1 65536 shared))
    (func (export "store") (param $at i32) (param $v f32) (f32.store (local.get $at) (local.get $v)))
    (func (export "storeI32") (param $at i32) (param $v i32) (i32.atomic.store (local.get $at) (local.get $v)))
    (func (export "trapIf") (param $x i32) (if (local.get $x) (then unreachable))))`;
  const compiled = compileWat("threads-test.wat", source).then((bytes) => new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>));
  const local = async () => new WebAssembly.Instance(await compiled, { env: { memory: kernelMemory()! as WebAssembly.Memory } }).exports as unknown as {
    store(at: number, v: number): void;
    storeI32(at: number, v: number): void;
    trapIf(x: number): void;
  };

  test("the calls are claimed: while the caller is inside call 0, the helper runs call 1", async () => {
    const mod = await compiled;
    const ex = await local();
    setKernelThreads(2);
    const at = allocateKernelBytes(64)!;
    const words = new Int32Array(kernelHeapF32().buffer, at, 2);
    words.fill(0);
    const before = helperCallCount();
    // The caller runs call 0, which waits for call 1's word: only the helper can write it meanwhile.
    let waited = false;
    runParallel(mod, "storeI32", [[at, 1], [at + 4, 2]], (args) => {
      expect(args[0]).toBe(at);
      for (let i = 0; i < 1e9 && Atomics.load(words, 1) === 0; i++);
      waited = Atomics.load(words, 1) === 2;
      ex.storeI32(args[0]!, args[1]!);
    });
    expect(waited).toBe(true);
    expect(Array.from(words)).toEqual([1, 2]);
    expect(helperCallCount()).toBe(before + 1);
  });

  test("shares go to a helper and to the caller; with one thread all run on the caller, in order", async () => {
    const mod = await compiled;
    const ex = await local();
    for (const threads of [2, 1]) {
      setKernelThreads(threads);
      const at = allocateKernelBytes(64)!;
      runParallel(mod, "store", [[at, 1.5], [at + 4, 2.5], [at + 8, 3.5]], (args) => ex.store(args[0]!, args[1]!));
      const h = kernelHeapF32();
      expect(Array.from(h.subarray(at >>> 2, (at >>> 2) + 3))).toEqual([1.5, 2.5, 3.5]);
    }
  });

  test("a trap in a helper is reported after every share finished; unknown exports are refused", async () => {
    const mod = await compiled;
    const ex = await local();
    setKernelThreads(2);
    // Whichever thread claims the trapping call, the error names the export.
    expect(() => runParallel(mod, "trapIf", [[0], [1]], (args) => ex.trapIf(args[0]!))).toThrow(/trapIf failed (in a helper thread|on the calling thread)/);
    // The helper is still usable afterwards.
    const at = allocateKernelBytes(64)!;
    runParallel(mod, "store", [[at, 7], [at + 4, 8]], (args) => ex.store(args[0]!, args[1]!));
    expect(Array.from(kernelHeapF32().subarray(at >>> 2, (at >>> 2) + 2))).toEqual([7, 8]);
    expect(() => runParallel(mod, "nope", [[0]], () => {})).toThrow(/exports no function nope/);
    let ran = false;
    expect(() => runParallel(mod, "store", [[at, 1], new Array<number>(17).fill(0)], () => (ran = true))).toThrow(/at most 16 arguments per call, got 17/);
    expect(ran).toBe(false); // refused before anything ran
    expect(() => runParallel(mod, "store", [[at, 1], [at]], () => (ran = true))).toThrow(/the same number of arguments, got 2 and 1/);
    expect(() => runParallel(mod, "store", new Array<number[]>(257).fill([at, 1]), () => (ran = true))).toThrow(/at most 256 calls, got 257/);
    expect(ran).toBe(false);
    runParallel(mod, "store", [], () => (ran = true));
    expect(ran).toBe(false);
  });
});
