import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { Generator, dot, gradcheck, gradgradcheck, matmul, outer, randn, setKernelBackend, tensor, zeros, type Tensor } from "@tapegrad/core";

const gen = new Generator(7);
const f64 = (shape: number[]): Tensor => randn(shape, { dtype: "float64", generator: gen, requiresGrad: true });

/** Reference product in plain JS: nested loops over row-major arrays. */
function naive(a: number[], b: number[], M: number, K: number, N: number): number[] {
  const out = new Array<number>(M * N).fill(0);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) for (let k = 0; k < K; k++) out[i * N + j]! += a[i * K + k]! * b[k * N + j]!;
  return out;
}

describe("matmul forward", () => {
  test("2-D @ 2-D, hand-checked", () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]]);
    const b = tensor([[7, 8], [9, 10], [11, 12]]);
    const c = matmul(a, b);
    expect(c.shape).toEqual([2, 2]);
    expect(c.dtype).toBe("float32");
    expect(c.tolist()).toEqual([[58, 64], [139, 154]]);
    expect(a.matmul(b).tolist()).toEqual([[58, 64], [139, 154]]);
  });

  test("1-D @ 1-D is a 0-dim dot product", () => {
    const c = matmul(tensor([1, 2, 3]), tensor([4, 5, 6]));
    expect(c.shape).toEqual([]);
    expect(c.item()).toBe(32);
  });

  test("1-D @ 2-D and 2-D @ 1-D drop the added dim", () => {
    const m = tensor([[1, 2], [3, 4]]);
    const v = tensor([1, 10]);
    expect(matmul(v, m).tolist()).toEqual([31, 42]);
    expect(matmul(m, v).tolist()).toEqual([21, 43]);
  });

  test("batched with broadcast batch dims: [2,1,3,4] @ [3,4,2] -> [2,3,3,2]", () => {
    const a = randn([2, 1, 3, 4], { dtype: "float64", generator: gen });
    const b = randn([3, 4, 2], { dtype: "float64", generator: gen });
    const c = matmul(a, b);
    expect(c.shape).toEqual([2, 3, 3, 2]);
    const av = Array.from(a.dataSync());
    const bv = Array.from(b.dataSync());
    const cv = Array.from(c.dataSync());
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        const want = naive(av.slice(i * 12, i * 12 + 12), bv.slice(j * 8, j * 8 + 8), 3, 4, 2);
        const got = cv.slice((i * 3 + j) * 6, (i * 3 + j) * 6 + 6);
        got.forEach((g, k) => expect(g).toBeCloseTo(want[k]!, 12));
      }
    }
  });

  test("1-D @ 3-D and 3-D @ 2-D", () => {
    const v = tensor([1, 2, 3], { dtype: "float64" });
    const b = tensor([[[1, 0], [0, 1], [1, 1]], [[2, 0], [0, 2], [0, 0]]], { dtype: "float64" });
    const r = matmul(v, b);
    expect(r.shape).toEqual([2, 2]);
    expect(r.tolist()).toEqual([[4, 5], [2, 4]]);
    const a = tensor([[[1, 2]], [[3, 4]]], { dtype: "float64" });
    const m = tensor([[1, 0, 1], [0, 1, 1]], { dtype: "float64" });
    expect(matmul(a, m).tolist()).toEqual([[[1, 2, 3]], [[3, 4, 7]]]);
    expect(matmul(b.transpose(1, 2), v).tolist()).toEqual([[4, 5], [2, 4]]);
  });

  test("non-contiguous operands (transposed views) and int32", () => {
    const a = tensor([[1, 3], [2, 4]]).t();
    const b = tensor([[1, 1], [0, 1]]);
    expect(matmul(a, b).tolist()).toEqual([[1, 3], [3, 7]]);
    const ia = tensor([[1, 2], [3, 4]], { dtype: "int32" });
    const r = matmul(ia, ia);
    expect(r.dtype).toBe("int32");
    expect(r.tolist()).toEqual([[7, 10], [15, 22]]);
  });

  test("float32 results: the js kernel rounds the double-precision sum once, the wasm kernel stays within float32 rounding", () => {
    const a = tensor([[0.1, 0.2, 0.3]]);
    const b = tensor([[0.4], [0.5], [0.6]]);
    const av = a.dataSync();
    const bv = b.dataSync();
    const exact = av[0]! * bv[0]! + av[1]! * bv[1]! + av[2]! * bv[2]!;
    setKernelBackend("js");
    try {
      expect(matmul(a, b).item()).toBe(Math.fround(exact));
    } finally {
      setKernelBackend("auto");
    }
    // Three float32 roundings (two adds, one product each) bound the error of a float32 accumulation.
    expect(Math.abs(matmul(a, b).item() - exact)).toBeLessThanOrEqual(4 * 2 ** -24 * exact);
  });

  test("empty dims: K = 0 gives zeros, M = 0 gives an empty result", () => {
    expect(matmul(zeros([2, 0]), zeros([0, 3])).tolist()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(matmul(zeros([0, 4]), zeros([4, 3])).shape).toEqual([0, 3]);
  });

  test("large blocked product matches the naive triple loop", () => {
    const M = 37;
    const K = 150;
    const N = 530;
    const a = randn([M, K], { dtype: "float64", generator: gen });
    const b = randn([K, N], { dtype: "float64", generator: gen });
    const want = naive(Array.from(a.dataSync()), Array.from(b.dataSync()), M, K, N);
    const got = matmul(a, b).dataSync();
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    expect(worst).toBeLessThan(1e-11);
  });

  test("property: batched product equals per-batch products", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 12 }), (B, M, K, N) => {
        const a = randn([B, M, K], { dtype: "float64", generator: gen });
        const b = randn([B, K, N], { dtype: "float64", generator: gen });
        const c = matmul(a, b).dataSync();
        const av = Array.from(a.dataSync());
        const bv = Array.from(b.dataSync());
        for (let t = 0; t < B; t++) {
          const want = naive(av.slice(t * M * K, (t + 1) * M * K), bv.slice(t * K * N, (t + 1) * K * N), M, K, N);
          want.forEach((w, i) => expect(Math.abs(c[t * M * N + i]! - w)).toBeLessThan(1e-12));
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe("matmul errors", () => {
  test("inner size mismatch names both shapes", () => {
    expect(() => matmul(zeros([2, 3]), zeros([4, 5]))).toThrow("matmul: shapes [2,3] and [4,5] cannot be multiplied (3 != 4)");
    expect(() => matmul(zeros([3]), zeros([4]))).toThrow("matmul: shapes [3] and [4] cannot be multiplied (3 != 4)");
    expect(() => matmul(zeros([3]), zeros([4, 2]))).toThrow("matmul: shapes [3] and [4,2] cannot be multiplied (3 != 4)");
    expect(() => matmul(zeros([2, 3]), zeros([4]))).toThrow("matmul: shapes [2,3] and [4] cannot be multiplied (3 != 4)");
  });
  test("batch dims that do not broadcast", () => {
    expect(() => matmul(zeros([2, 3, 4]), zeros([3, 4, 5]))).toThrow(/matmul: batch dims of shapes \[2,3,4\] and \[3,4,5\] cannot be broadcast/);
  });
  test("0-dim operands, bool, mixed dtypes, non-tensors", () => {
    expect(() => matmul(tensor(1), zeros([2]))).toThrow(TypeError);
    expect(() => matmul(tensor(1), zeros([2]))).toThrow(/matmul: both arguments need to be at least 1D, but they are 0D and 1D/);
    expect(() => matmul(tensor([[true]]), tensor([[true]]))).toThrow("matmul: not supported for bool tensors");
    expect(() => matmul(zeros([2, 2]), zeros([2, 2], { dtype: "float64" }))).toThrow(/matmul: expected both operands to have the same dtype, but got float32 and float64/);
    expect(() => matmul([[1]] as unknown as Tensor, zeros([1, 1]))).toThrow(/matmul: input must be a Tensor/);
  });
});

describe("matmul gradients", () => {
  const cases: Array<[string, number[], number[]]> = [
    ["2-D @ 2-D", [3, 4], [4, 2]],
    ["1-D @ 1-D", [4], [4]],
    ["1-D @ 2-D", [4], [4, 3]],
    ["2-D @ 1-D", [3, 4], [4]],
    ["3-D @ 3-D", [2, 3, 4], [2, 4, 2]],
    ["3-D @ 2-D", [2, 3, 4], [4, 2]],
    ["2-D @ 3-D", [3, 4], [2, 4, 2]],
    ["broadcast batch", [2, 1, 2, 3], [3, 3, 2]],
    ["1-D @ 3-D", [3], [2, 3, 4]],
    ["3-D @ 1-D", [2, 3, 4], [4]],
  ];
  for (const [name, sa, sb] of cases) {
    test(`gradcheck and gradgradcheck: ${name}`, () => {
      const a = f64(sa);
      const b = f64(sb);
      expect(gradcheck((x, y) => matmul(x!, y!), [a, b])).toBe(true);
      expect(gradgradcheck((x, y) => matmul(x!, y!), [a, b])).toBe(true);
    });
  }

  test("gradients are summed over broadcast batch dims (hand-checked)", () => {
    const a = tensor([[[1, 2]], [[3, 4]]], { dtype: "float64", requiresGrad: true });
    const w = tensor([[1], [1]], { dtype: "float64", requiresGrad: true });
    matmul(a, w).sum().backward();
    expect(w.grad!.tolist()).toEqual([[4], [6]]);
    expect(a.grad!.tolist()).toEqual([[[1, 1]], [[1, 1]]]);
  });

  test("gradFn names", () => {
    expect(matmul(f64([2, 3]), f64([3, 2])).gradFn!.name).toBe("MmBackward");
    expect(matmul(f64([2, 2, 3]), f64([2, 3, 2])).gradFn!.name).toBe("BmmBackward");
    expect(matmul(f64([3]), f64([3])).gradFn!.name).toBe("DotBackward");
  });
});

describe("dot and outer", () => {
  test("values", () => {
    expect(dot(tensor([1, 2, 3]), tensor([4, 5, 6])).item()).toBe(32);
    expect(tensor([1, 2]).dot(tensor([3, 4])).item()).toBe(11);
    expect(outer(tensor([1, 2]), tensor([3, 4, 5])).tolist()).toEqual([[3, 4, 5], [6, 8, 10]]);
    expect(tensor([1, 2]).outer(tensor([1, -1])).tolist()).toEqual([[1, -1], [2, -2]]);
  });
  test("errors", () => {
    expect(() => dot(zeros([2, 2]), zeros([2]))).toThrow("dot: 1D tensors expected, but got 2D and 1D tensors (shapes [2,2] and [2])");
    expect(() => dot(zeros([2]), zeros([3]))).toThrow(/dot: inconsistent tensor size, expected tensors \[2\] and \[3\] to have the same number of elements \(2 != 3\)/);
    expect(() => dot(zeros([2]), zeros([2], { dtype: "float64" }))).toThrow(/dot: expected both operands to have the same dtype/);
    expect(() => outer(zeros([2]), zeros([2, 1]))).toThrow("outer: 1D tensors expected, but got 1D and 2D tensors (shapes [2] and [2,1])");
  });
  test("gradients", () => {
    const a = f64([4]);
    const b = f64([4]);
    expect(gradcheck((x, y) => dot(x!, y!), [a, b])).toBe(true);
    expect(gradgradcheck((x, y) => dot(x!, y!), [a, b])).toBe(true);
    const c = f64([3]);
    expect(gradcheck((x, y) => outer(x!, y!), [a, c])).toBe(true);
    expect(gradgradcheck((x, y) => outer(x!, y!), [a, c])).toBe(true);
  });
});
