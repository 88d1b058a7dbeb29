// The fast paths of the kernels (broadcast patterns read through counters, position-free strided
// gathers, scratch-buffer matmul, the heap-ordered backward walk) against naive references
// computed here element by element from the public API's nested arrays.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type NestedArray, Tensor, add, matmul, mul, tensor, where } from "@tapegrad/core";

const sizeArb = fc.integer({ min: 1, max: 4 });
const shapeArb = fc.array(sizeArb, { minLength: 1, maxLength: 4 });

/** Row-major values of a shape filled from a seed (exact small integers and halves, so float32 sums are exact). */
function values(shape: readonly number[], seed: number): number[] {
  const n = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) => (((i * 7919 + seed * 104729) % 17) - 8) / 2);
}

function make(shape: readonly number[], seed: number, dtype: "float32" | "float64" = "float32"): Tensor {
  return tensor(values(shape, seed), { dtype }).reshape(shape.slice());
}

/** The value at a multi-index of `t` broadcast to a longer shape (trailing-aligned, size-1 dims repeat). */
function at(t: Tensor, idx: readonly number[]): number {
  const lead = idx.length - t.ndim;
  let v: NestedArray = t.tolist();
  for (let d = 0; d < t.ndim; d++) v = (v as NestedArray[])[t.shape[d] === 1 ? 0 : idx[d + lead]!]!;
  return Number(v);
}

function* indices(shape: readonly number[]): Generator<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  for (let k = 0; k < n; k++) {
    const idx: number[] = [];
    let r = k;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx.unshift(r % shape[d]!);
      r = Math.floor(r / shape[d]!);
    }
    yield idx;
  }
}

/** A shape and a broadcastable partner: some dims set to 1, some leading dims dropped. */
const pairArb = fc.record({ shape: shapeArb, mask: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), drop: fc.integer({ min: 0, max: 3 }) }).map(({ shape, mask, drop }) => {
  const other = shape.map((d, i) => (mask[i] ? 1 : d)).slice(Math.min(drop, shape.length - 1));
  return { shape, other };
});

describe("elementwise broadcast fast paths", () => {
  test("add/mul of broadcast operands (either side, either order) match an element-by-element reference", () => {
    fc.assert(
      fc.property(pairArb, fc.boolean(), fc.integer({ min: 0, max: 1000 }), ({ shape, other }, swap, seed) => {
        const x = make(shape, seed);
        const y = make(other, seed + 1);
        const [a, b] = swap ? [y, x] : [x, y];
        const sum = add(a, b);
        const prod = mul(a, b);
        expect(sum.shape).toEqual(shape);
        const s = sum.dataSync();
        const p = prod.dataSync();
        let k = 0;
        for (const idx of indices(shape)) {
          expect(s[k]).toBe(Math.fround(at(a, idx) + at(b, idx)));
          expect(p[k]).toBe(Math.fround(at(a, idx) * at(b, idx)));
          k++;
        }
      }),
      { numRuns: 120 },
    );
  });

  test("where with three broadcast operands matches the reference", () => {
    fc.assert(
      fc.property(pairArb, fc.integer({ min: 0, max: 1000 }), ({ shape, other }, seed) => {
        const cond = make(other, seed).gt(0);
        const a = make(shape, seed + 2);
        const b = make(other, seed + 3);
        const out = where(cond, a, b).dataSync();
        let k = 0;
        for (const idx of indices(shape)) {
          expect(out[k]).toBe(at(cond, idx) ? at(a, idx) : at(b, idx));
          k++;
        }
      }),
      { numRuns: 80 },
    );
  });

  test("unary ops and copies of permuted (non-contiguous) views read the right elements", () => {
    fc.assert(
      fc.property(fc.array(sizeArb, { minLength: 2, maxLength: 4 }), fc.integer({ min: 0, max: 1000 }), (shape, seed) => {
        const x = make(shape, seed, "float64");
        const perm = shape.map((_, i) => shape.length - 1 - i);
        const view = x.permute(perm);
        const copied = view.contiguous().dataSync();
        const negated = view.neg().dataSync();
        let k = 0;
        for (const idx of indices(view.shape)) {
          const src = perm.map((_, d) => idx[perm.indexOf(d)]!);
          expect(copied[k]).toBe(at(x, src));
          expect(negated[k]).toBe(-at(x, src));
          k++;
        }
      }),
      { numRuns: 80 },
    );
  });
});

describe("matmul kernel", () => {
  test("float32 and float64 products (narrow, blocked, transposed operands, repeated calls) match naive sums", () => {
    const dims = fc.integer({ min: 1, max: 40 });
    fc.assert(
      fc.property(dims, dims, dims, fc.boolean(), fc.boolean(), fc.constantFrom<"float32" | "float64">("float32", "float64"), (M, K, N, ta, tb, dtype) => {
        const a = ta ? make([K, M], 5, dtype).t() : make([M, K], 5, dtype);
        const b = tb ? make([N, K], 6, dtype).t() : make([K, N], 6, dtype);
        const A = a.tolist() as number[][];
        const B = b.tolist() as number[][];
        // Twice: the second call reuses the scratch buffers of the first.
        for (let rep = 0; rep < 2; rep++) {
          const C = matmul(a, b).tolist() as number[][];
          for (let i = 0; i < M; i++) {
            for (let j = 0; j < N; j++) {
              let s = 0;
              for (let k = 0; k < K; k++) s += A[i]![k]! * B[k]![j]!;
              expect(C[i]![j]).toBe(dtype === "float32" ? Math.fround(s) : s);
            }
          }
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe("backward walk order", () => {
  test("a wide graph with shared subexpressions gets the gradient of its closed form", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 5 }), (width, depth) => {
        const x = tensor([0.5, -1.5], { dtype: "float64", requiresGrad: true });
        // y = sum over `width` branches of x * (depth + 1) ... built with shared intermediate nodes.
        let level = [x];
        for (let d = 0; d < depth; d++) level = level.map((t) => add(t, x));
        let total: Tensor = level[0]!;
        for (let w = 1; w < width; w++) total = add(total, level[0]!);
        total.sum().backward();
        expect(x.grad!.tolist()).toEqual([width * (depth + 1), width * (depth + 1)]);
      }),
      { numRuns: 50 },
    );
  });
});
