// A sum over consecutive dims of a contiguous tensor (the bias gradient's sum over the batch dim)
// is read in place, without the transposed copy the general path makes. These properties pin its
// bits to the general path's: the same sum of a copy with the reduced dims moved last.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type DType, Generator, type Tensor, randn, sum } from "@tapegrad/core";

const RUNS = { numRuns: 60, seed: 20261207 };

/** The general path's result: the reduced dims moved last in a contiguous copy, summed there. */
function viaTransposedCopy(x: Tensor, dims: number[], keepdim: boolean): Tensor {
  const kept = x.shape.map((_, i) => i).filter((i) => !dims.includes(i));
  const moved = x.permute([...kept, ...dims]).contiguous();
  const last = dims.map((_, k) => kept.length + k);
  const out = sum(moved, { dim: last });
  return keepdim ? out.reshape(x.shape.map((d, i) => (dims.includes(i) ? 1 : d))) : out;
}

function sample(shape: number[], dtype: DType, seed: number): Tensor {
  const x = randn(shape, { dtype: dtype === "float64" ? "float64" : "float32", generator: new Generator(seed) });
  // Values of mixed magnitude, so that the summation order shows in the bits.
  const scaled = x.mul(x.mul(6).exp());
  return dtype === "int32" ? scaled.mul(50).to("int32") : dtype === "bool" ? scaled.gt(0) : scaled;
}

describe("sum over consecutive dims of a contiguous tensor", () => {
  test("has the bits of the sum of a transposed copy (leading, middle and trailing runs, > 128 rows, > 512 columns)", () => {
    const sizeArb = fc.constantFrom<number>(1, 2, 3, 7, 129, 300, 513);
    fc.assert(
      fc.property(
        fc.array(sizeArb, { minLength: 1, maxLength: 3 }).filter((s) => s.reduce((p, d) => p * d, 1) <= 200_000),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        fc.constantFrom<DType>("float32", "float64", "int32", "bool"),
        fc.integer({ min: 0, max: 1000 }),
        (shape, first, length, keepdim, dtype, seed) => {
          const start = Math.min(first, shape.length - 1);
          const dims = Array.from({ length: Math.min(length, shape.length - start) }, (_, k) => start + k);
          const x = sample(shape, dtype, seed);
          const got = sum(x, { dim: dims, keepdim });
          const want = viaTransposedCopy(x, dims, keepdim);
          expect(got.shape).toEqual(want.shape);
          expect(got.dtype).toBe(want.dtype);
          expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
        },
      ),
      RUNS,
    );
  });

  test.each([
    [[300, 5], [0]],
    [[1000, 700], [0]],
    [[2, 300, 3], [1]],
    [[20, 50, 7], [0, 1]],
  ])("float64 %j over %j: the pairwise order's bits", (shape, dims) => {
    const x = sample(shape, "float64", 3);
    expect(Array.from(sum(x, { dim: dims }).dataSync())).toEqual(Array.from(viaTransposedCopy(x, dims, false).dataSync()));
  });

  test("reads a contiguous view at an offset in place", () => {
    const x = sample([3, 200, 5], "float32", 7);
    const view = x.select(0, 2);
    expect(Array.from(sum(view, { dim: 0 }).dataSync())).toEqual(Array.from(viaTransposedCopy(view.contiguous(), [0], false).dataSync()));
  });

  test("sums an empty run to zeros", () => {
    const x = randn([0, 4]);
    expect(sum(x, { dim: 0 }).tolist()).toEqual([0, 0, 0, 0]);
  });
});
