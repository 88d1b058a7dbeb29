// cumsum, tril/triu, maskedFill(_), repeat, chunk/split, topk and multinomial: first and second
// derivatives on random shapes (fast-check), edge cases, and argument errors that change nothing.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import {
  Generator, arange, chunk, cumsum, gradcheck, gradgradcheck, maskedFill, multinomial, randn, repeat, split, tensor, topk, tril, triu, zeros,
} from "@tapegrad/core";

const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 });
const leaf = (shape: number[], seed: number) => randn(shape, { dtype: "float64", generator: new Generator(seed) }).requiresGrad_(true);

describe("gradcheck and gradgradcheck on random shapes", () => {
  test("cumsum along every dim", () => {
    fc.assert(
      fc.property(shapeArb, fc.nat(), fc.integer({ min: 0, max: 1000 }), (shape, dimSeed, seed) => {
        const x = leaf(shape, seed);
        const dim = (dimSeed % shape.length) - (dimSeed % 2 === 0 ? 0 : shape.length);
        const f = (a: typeof x) => cumsum(a.mul(a), dim);
        expect(gradcheck(f, [x])).toBe(true);
        expect(gradgradcheck(f, [x])).toBe(true);
      }),
      { numRuns: 8 },
    );
  });

  test("tril, triu and maskedFill", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: -3, max: 3 }), fc.integer({ min: 0, max: 1000 }), (r, c, diag, seed) => {
        const x = leaf([2, r, c], seed);
        const mask = randn([r, c], { generator: new Generator(seed + 1) }).gt(0);
        const v = leaf([], seed + 2);
        expect(gradgradcheck((a) => tril(a.mul(a), diag), [x])).toBe(true);
        expect(gradgradcheck((a) => triu(a, diag).mul(a), [x])).toBe(true);
        expect(gradgradcheck((a, b) => maskedFill(a, mask, b!).mul(a).mul(b!), [x, v])).toBe(true);
      }),
      { numRuns: 6 },
    );
  });

  test("repeat, chunk, split and topk", () => {
    fc.assert(
      fc.property(shapeArb, fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 3, maxLength: 4 }), fc.integer({ min: 0, max: 1000 }), (shape, reps, seed) => {
        const x = leaf(shape, seed);
        // reps has at least as many entries as x has dims (3 >= shape.length).
        expect(gradgradcheck((a) => repeat(a.mul(a), reps), [x])).toBe(true);
        const chunks = 1 + (seed % 3);
        expect(gradcheck((a) => chunk(a, chunks, -1).map((p) => p.mul(p)), [x])).toBe(true);
        expect(gradgradcheck((a) => split(a.mul(a), 1 + (seed % 2), 0), [x])).toBe(true);
        const k = 1 + (seed % shape[shape.length - 1]!);
        expect(gradgradcheck((a) => topk(a.mul(a), k).values.mul(a.sum()), [x])).toBe(true);
      }),
      { numRuns: 6 },
    );
  });
});

describe("values and edge cases", () => {
  test("cumsum of int32 and bool sums into int32; float32 accumulates in double", () => {
    expect(cumsum(tensor([1, 2, 3], { dtype: "int32" }), 0).dtype).toBe("int32");
    expect(cumsum(tensor([true, false, true]), 0).tolist()).toEqual([1, 1, 2]);
    // torch.cumsum(torch.tensor([1e8, 1, -1e8]), 0) == [1e8, 1e8, 1] (a float32 running sum would end at 0)
    expect(cumsum(tensor([1e8, 1, -1e8], { dtype: "float32" }), 0).tolist()).toEqual([1e8, 1e8, 1]);
    expect(cumsum(tensor(5), 0).item()).toBe(5);
  });

  test("tril/triu keep bool tensors bool; repeat always copies", () => {
    const m = tril(tensor([[true, true], [true, true]]));
    expect(m.dtype).toBe("bool");
    expect(m.tolist()).toEqual([[true, false], [true, true]]);
    const x = tensor([1, 2]);
    const r = repeat(x, [1]);
    expect(r.storage).not.toBe(x.storage);
    expect(x.repeat(2, 2).tolist()).toEqual([[1, 2, 1, 2], [1, 2, 1, 2]]);
    expect(repeat(x, [0, 2]).shape).toEqual([0, 4]);
  });

  test("split and chunk follow torch.split/torch.chunk", () => {
    expect(split(arange(5), 2).map((t) => t.tolist())).toEqual([[0, 1], [2, 3], [4]]);
    expect(chunk(arange(5), 4).map((t) => t.tolist())).toEqual([[0, 1], [2, 3], [4]]);
    expect(chunk(arange(6), 3).map((t) => t.shape)).toEqual([[2], [2], [2]]);
    expect(split(arange(4), [1, 0, 3]).map((t) => t.shape)).toEqual([[1], [0], [3]]);
  });

  test("topk ranks NaN largest and keeps index order on ties", () => {
    const x = tensor([1, Number.NaN, 3, 3, -1]);
    expect(topk(x, 3).indices.tolist()).toEqual([1, 2, 3]);
    expect(topk(x, 2, { largest: false }).indices.tolist()).toEqual([4, 0]);
    expect(topk(x, 0).values.shape).toEqual([0]);
  });

  test("maskedFill_ writes in place and records the fill", () => {
    const x = tensor([1, 2, 3], { dtype: "float64", requiresGrad: true });
    const y = x.mul(1);
    y.maskedFill_(tensor([true, false, true]), 0);
    expect(y.tolist()).toEqual([0, 2, 0]);
    y.sum().backward();
    expect(x.grad!.tolist()).toEqual([0, 1, 0]);
  });

  test("multinomial draws in proportion to the weights, and without replacement never repeats", () => {
    const probs = tensor([0.1, 0, 0.6, 0.3], { dtype: "float64" });
    const draws = multinomial(probs, 20_000, { replacement: true, generator: new Generator(3) }).tolist() as number[];
    const counts = [0, 0, 0, 0];
    for (const d of draws) counts[d]!++;
    expect(counts[1]).toBe(0);
    // Binomial standard deviation at n = 20000 is at most 0.0035: 5 sigma bounds.
    [0.1, 0, 0.6, 0.3].forEach((p, i) => expect(Math.abs(counts[i]! / 20_000 - p)).toBeLessThan(0.018));
    const rows = multinomial(tensor([[1, 1, 1, 1], [0, 2, 1, 0]]), 2, { generator: new Generator(1) });
    expect(rows.shape).toEqual([2, 2]);
    expect(rows.dtype).toBe("int32");
    const [a, b] = (rows.tolist() as number[][])[1]!;
    expect(new Set([a, b])).toEqual(new Set([1, 2]));
    const g1 = multinomial(probs, 5, { replacement: true, generator: new Generator(9) }).tolist();
    const g2 = multinomial(probs, 5, { replacement: true, generator: new Generator(9) }).tolist();
    expect(g1).toEqual(g2);
  });
});

describe("errors name the op and the argument", () => {
  test("bad arguments", () => {
    expect(() => cumsum(zeros([2, 3]), 2)).toThrow(/cumsum: dim 2 is out of range/);
    expect(() => tril(zeros([3]))).toThrow(/tril: input tensor must have at least 2 dimensions/);
    expect(() => triu(zeros([2, 2]), 0.5)).toThrow(/triu: diagonal must be an integer/);
    expect(() => maskedFill(zeros([2, 3]), zeros([2, 3]), 1)).toThrow(/maskedFill: mask must be a bool tensor/);
    expect(() => maskedFill(zeros([3]), tensor([[true], [false]]), 1)).toThrow(/does not broadcast to the input's shape \[3\]/);
    expect(() => maskedFill(zeros([3]), tensor([true, false, true]), zeros([2]))).toThrow(/0-dimensional value tensor/);
    expect(() => repeat(zeros([2, 3]), [2])).toThrow(/repeat: number of dimensions of repeat dims \(1\)/);
    expect(() => repeat(zeros([2]), [-1])).toThrow(/repeat: repeats\[0\] must be non-negative/);
    expect(() => split(arange(5), [2, 2])).toThrow(/split: split sizes \[2, 2\] add up to 4, but dimension 0 has size 5/);
    expect(() => chunk(arange(5), 0)).toThrow(/chunk: chunks must be >= 1/);
    expect(() => topk(arange(3), 4)).toThrow(/topk: k \(4\) is out of range for dimension 0 of size 3/);
    expect(() => multinomial(tensor([0.5, -0.1]), 1)).toThrow(/multinomial: probability tensor contains either inf, nan or element < 0/);
    expect(() => multinomial(tensor([0, 0]), 1)).toThrow(/sum of probabilities <= 0/);
    expect(() => multinomial(tensor([1, 0, 0]), 2)).toThrow(/not enough non-zero categories/);
    expect(() => multinomial(tensor([1, 1]), 3)).toThrow(/cannot sample 3 > 2 categories without replacement/);
  });

  test("a failed maskedFill_ leaves the tensor as it was", () => {
    const x = tensor([1, 2, 3]);
    expect(() => x.maskedFill_(tensor([true, false]), 0)).toThrow(/maskedFill_/);
    expect(x.tolist()).toEqual([1, 2, 3]);
    expect(x.version).toBe(0);
  });
});
