import { readFileSync } from "node:fs";
import { afterEach, describe, expect, test, vi } from "vitest";
import {
  type Tensor, add, getKernelBackend, gradcheck, gradgradcheck, linear, matmul, randn, setKernelBackend, Generator, tensor, zeros,
} from "@tapegrad/core";
import { REPO_ROOT, WASM_TARGETS, generateModule } from "../../../scripts/build-wasm.js";

const gen = new Generator(11);
const f32 = (shape: number[]): Tensor => randn(shape, { generator: gen });
const f64 = (shape: number[], requiresGrad = true): Tensor => randn(shape, { dtype: "float64", generator: gen, requiresGrad });

/** The result of `f` with the TypeScript kernels forced. */
function withJs<T>(f: () => T): T {
  setKernelBackend("js");
  try {
    return f();
  } finally {
    setKernelBackend("auto");
  }
}

/** Max |x - y| over two same-shaped tensors, relative to the largest |y| (at least 1). */
function relDiff(x: Tensor, y: Tensor): number {
  expect(x.shape).toEqual(y.shape);
  const a = x.dataSync();
  const b = y.dataSync();
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

afterEach(() => setKernelBackend("auto"));

describe("the WebAssembly modules are built from the .wat sources in the repository", () => {
  for (const target of WASM_TARGETS) {
    test(`${target.out} is what wabt compiles from ${target.wat}`, async () => {
      const expected = await generateModule(target);
      expect(readFileSync(REPO_ROOT + target.out, "utf8"), "stale generated module: run npm run build:wasm").toBe(expected);
    });
  }
});

describe("kernel backend selection", () => {
  test("wasm by default on Node (SIMD supported), js when forced, auto restores", () => {
    expect(getKernelBackend()).toBe("wasm");
    setKernelBackend("js");
    expect(getKernelBackend()).toBe("js");
    setKernelBackend("auto");
    expect(getKernelBackend()).toBe("wasm");
    setKernelBackend("wasm");
    expect(getKernelBackend()).toBe("wasm");
  });

  test("rejects unknown backends, naming the value", () => {
    expect(() => setKernelBackend("gpu" as never)).toThrow(/setKernelBackend: backend must be "auto", "wasm" or "js", got "gpu"/);
    expect(getKernelBackend()).toBe("wasm");
  });

  test("TAPEGRAD_KERNELS=js forces the fallback at startup", async () => {
    vi.stubEnv("TAPEGRAD_KERNELS", "js");
    vi.resetModules();
    try {
      const fresh = await import("../src/kernels/backend.js");
      expect(fresh.getKernelBackend()).toBe("js");
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });
});

describe("float32 matmul through the wasm kernel", () => {
  test("agrees with the TypeScript kernel across K and N blocks, partial tiles and every transpose", () => {
    // 300 > 256 rows per K-block and 270 > 256 columns per N-block; 7 rows and 270 columns leave partial tiles.
    for (const [M, K, N] of [[7, 300, 270], [1, 513, 9], [33, 64, 1], [4, 8, 8]] as const) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const a = ta ? f32([K, M]).t() : f32([M, K]);
          const b = tb ? f32([N, K]).t() : f32([K, N]);
          const fast = matmul(a, b);
          const ref = withJs(() => matmul(a, b));
          expect(relDiff(fast, ref), `M=${M} K=${K} N=${N} ta=${ta} tb=${tb}`).toBeLessThan(2e-6);
        }
      }
    }
  });

  test("K = 0 gives zeros (and linear gives the bias); M = 0 or N = 0 give empty results", () => {
    expect(matmul(zeros([3, 0]), zeros([0, 5])).tolist()).toEqual(zeros([3, 5]).tolist());
    expect(linear(zeros([2, 0]), zeros([3, 0]), tensor([1, 2, 3])).tolist()).toEqual([[1, 2, 3], [1, 2, 3]]);
    expect(matmul(zeros([0, 4]), zeros([4, 3])).shape).toEqual([0, 3]);
    expect(linear(zeros([2, 4]), zeros([0, 4])).shape).toEqual([2, 0]);
  });

  test("views with a storage offset and batched products with transposed operands", () => {
    const big = f32([6, 5]);
    const rows = big.narrow(0, 2, 3); // offset 10
    const w = f32([4, 5]);
    expect(relDiff(matmul(rows, w.t()), withJs(() => matmul(rows, w.t())))).toBeLessThan(2e-6);
    const a = f32([3, 6, 4]).transpose(-2, -1); // [3, 4, 6], each matrix stored transposed
    const b = f32([3, 5, 6]).transpose(-2, -1); // [3, 6, 5]
    expect(relDiff(matmul(a, b), withJs(() => matmul(a, b)))).toBeLessThan(2e-6);
    const shared = f32([6, 2]);
    expect(relDiff(matmul(a, shared), withJs(() => matmul(a, shared)))).toBeLessThan(2e-6);
  });

  test("repeated calls of growing size reuse and grow the module's memory", () => {
    for (const n of [8, 200, 16, 700, 3]) {
      const a = f32([n, n]);
      const b = f32([n, n]);
      expect(relDiff(matmul(a, b), withJs(() => matmul(a, b))), `n=${n}`).toBeLessThan(2e-6);
    }
  });
});

describe("float32 products are bit for bit (bias +) the products summed in k order", () => {
  /** op(A) op(B) (+ bias) as the kernel defines it: each product rounded to float32, added to the running float32 sum in k order. */
  function reference(a: Float32Array, ta: boolean, b: Float32Array, tb: boolean, bias: Float32Array | null, M: number, K: number, N: number): Float32Array {
    const out = new Float32Array(M * N);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = bias === null ? 0 : bias[j]!;
        for (let k = 0; k < K; k++) s = Math.fround(s + Math.fround(a[ta ? k * M + i : i * K + k]! * b[tb ? j * K + k : k * N + j]!));
        out[i * N + j] = s;
      }
    }
    return out;
  }

  test("for narrow products (computed transposed), SIMD-packed operands of every layout, with and without bias", () => {
    // N of 1 to 12 against many rows: C^T is computed; 37 and 70 leave k remainders of the 4-k packing steps.
    // 10, 6 and 2 rows leave partial row blocks across runs of whole panels, two K-blocks (300, 270) reload C;
    // 37 rows of a transposed A: two groups of 16 rows packed 64 bytes per k, then 5 rows packed by blocks.
    for (const [M, K, N] of [[256, 40, 10], [9, 37, 3], [13, 70, 12], [5, 300, 17], [40, 9, 1], [64, 33, 64], [10, 300, 40], [6, 270, 20], [2, 10, 70], [37, 300, 20]] as const) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const aData = f32([ta ? K : M, ta ? M : K]);
          const bData = f32([tb ? N : K, tb ? K : N]);
          const a = ta ? aData.t() : aData;
          const b = tb ? bData.t() : bData;
          const bias = f32([N]);
          const [ad, bd] = [aData.dataSync() as Float32Array, bData.dataSync() as Float32Array];
          const what = `M=${M} K=${K} N=${N} ta=${ta} tb=${tb}`;
          expect(Array.from(matmul(a, b).dataSync()), what).toEqual(Array.from(reference(ad, ta, bd, tb, null, M, K, N)));
          // linear(x, w, bias) = x w^T + bias: w^T is b.
          const lin = linear(a, b.t(), bias);
          expect(Array.from(lin.dataSync()), `${what} bias`).toEqual(Array.from(reference(ad, ta, bd, tb, bias.dataSync() as Float32Array, M, K, N)));
        }
      }
    }
  });
});

describe("float64 matmul through the wasm kernel (f64x2)", () => {
  test("agrees with the TypeScript kernel across K and N blocks, partial tiles, every transpose and batch dims", () => {
    // 4-column float64 panels: 270 and 9 leave partial panels, 7 and 1 partial row blocks.
    for (const [M, K, N] of [[7, 300, 270], [1, 513, 9], [33, 64, 1], [4, 8, 4], [64, 64, 64]] as const) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const a = ta ? f64([K, M], false).t() : f64([M, K], false);
          const b = tb ? f64([N, K], false).t() : f64([K, N], false);
          const fast = matmul(a, b);
          expect(fast.dtype).toBe("float64");
          expect(relDiff(fast, withJs(() => matmul(a, b))), `M=${M} K=${K} N=${N} ta=${ta} tb=${tb}`).toBeLessThan(1e-13);
        }
      }
    }
    const a = f64([3, 6, 5], false).transpose(-2, -1);
    const b = f64([6, 7], false);
    expect(relDiff(matmul(a, b), withJs(() => matmul(a, b)))).toBeLessThan(1e-13);
  });

  test("sums in double in k order: an exactly representable product is exact", () => {
    // Integers: every partial sum is exact in float64, so any summation order gives the same bits.
    const a = tensor(Array.from({ length: 12 * 40 }, (_, i) => (i % 7) - 3), { dtype: "float64" }).reshape([12, 40]);
    const b = tensor(Array.from({ length: 40 * 9 }, (_, i) => (i % 5) - 2), { dtype: "float64" }).reshape([40, 9]);
    expect(matmul(a, b).tolist()).toEqual(withJs(() => matmul(a, b)).tolist());
  });
});

describe("fused linear", () => {
  test("equals matmul(x, w^T) + b for 1-D, 2-D, 3-D and transposed inputs, float32 and float64", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const w = randn([5, 4], { dtype, generator: gen });
      const b = randn([5], { dtype, generator: gen });
      const inputs = [randn([4], { dtype, generator: gen }), randn([3, 4], { dtype, generator: gen }), randn([2, 3, 4], { dtype, generator: gen }), randn([4, 3], { dtype, generator: gen }).t()];
      for (const x of inputs) {
        const ref = withJs(() => add(matmul(x, w.t()), b));
        expect(relDiff(linear(x, w, b), ref)).toBeLessThan(dtype === "float32" ? 2e-6 : 1e-14);
        expect(relDiff(linear(x, w), withJs(() => matmul(x, w.t())))).toBeLessThan(dtype === "float32" ? 2e-6 : 1e-14);
      }
      // A weight that is itself a transposed view is read in place too.
      const wt = randn([4, 5], { dtype, generator: gen }).t();
      const x = randn([3, 4], { dtype, generator: gen });
      expect(relDiff(linear(x, wt, b), withJs(() => add(matmul(x, wt.t()), b)))).toBeLessThan(dtype === "float32" ? 2e-6 : 1e-14);
    }
  });

  test("gradients pass gradcheck and gradgradcheck (float64), with and without bias, for 1-D to 3-D inputs", () => {
    for (const shape of [[4], [3, 4], [2, 3, 4]]) {
      expect(gradcheck((x, w, b) => linear(x!, w!, b!), [f64(shape), f64([5, 4]), f64([5])])).toBe(true);
      expect(gradgradcheck((x, w, b) => linear(x!, w!, b!), [f64(shape), f64([5, 4]), f64([5])])).toBe(true);
      expect(gradcheck((x, w) => linear(x!, w!), [f64(shape), f64([5, 4])])).toBe(true);
    }
  });

  test("float32 gradients match those of the unfused composite", () => {
    const x = randn([6, 7], { generator: gen, requiresGrad: true });
    const w = randn([3, 7], { generator: gen, requiresGrad: true });
    const b = randn([3], { generator: gen, requiresGrad: true });
    const g = f32([6, 3]);
    linear(x, w, b).mul(g).sum().backward();
    const fused = [x.grad!, w.grad!, b.grad!];
    x.grad = null;
    w.grad = null;
    b.grad = null;
    withJs(() => add(matmul(x, w.t()), b).mul(g).sum().backward());
    [x.grad!, w.grad!, b.grad!].forEach((ref, i) => expect(relDiff(fused[i]!, ref)).toBeLessThan(2e-6));
  });

  test("records AddmmBackward (MmBackward without bias) and only the needed gradients", () => {
    const x = randn([2, 3], { generator: gen });
    const w = randn([4, 3], { generator: gen, requiresGrad: true });
    const y = linear(x, w, randn([4], { generator: gen }));
    expect(y.gradFn!.name).toBe("AddmmBackward");
    expect(linear(x, w).gradFn!.name).toBe("MmBackward");
    y.sum().backward();
    expect(w.grad!.shape).toEqual([4, 3]);
    expect(x.grad).toBeNull();
  });

  test("errors name linear and the offending shapes or dtypes", () => {
    expect(() => linear(zeros([2, 3]), zeros([4, 5]))).toThrow(/linear: input shape \[2,3\] and weight shape \[4,5\] cannot be multiplied \(3 != 5\)/);
    expect(() => linear(zeros([2, 3]), zeros([3]))).toThrow(/linear: weight must be 2-D/);
    expect(() => linear(zeros([2, 3]), zeros([4, 3]), zeros([3]))).toThrow(/linear: bias must have shape \[4\]/);
    expect(() => linear(zeros([2, 3]), zeros([4, 3], { dtype: "float64" }))).toThrow(/linear: input dtype float32 and weight dtype float64 differ/);
    expect(() => linear(zeros([]), zeros([4, 3]))).toThrow(/linear: input must have at least 1 dim/);
    expect(() => linear(null as never, zeros([4, 3]))).toThrow(TypeError);
  });
});
