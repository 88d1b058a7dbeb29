import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { Generator, manualSeed, randperm, rand } from "@tapegrad/core";

describe("randperm", () => {
  test("is a permutation of 0..n-1, int32 by default", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer(), (n, seed) => {
        const p = randperm(n, { generator: new Generator(seed) });
        expect(p.dtype).toBe("int32");
        expect(p.shape).toEqual([n]);
        const sorted = Array.from(p.dataSync()).sort((a, b) => a - b);
        expect(sorted).toEqual(Array.from({ length: n }, (_, i) => i));
      }),
      { numRuns: 50 },
    );
  });

  test("the same seed gives the same permutation, another seed (generally) another one", () => {
    const a = randperm(50, { generator: new Generator().manualSeed(3) }).tolist();
    const b = randperm(50, { generator: new Generator().manualSeed(3) }).tolist();
    const c = randperm(50, { generator: new Generator().manualSeed(4) }).tolist();
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  test("without a generator it draws from the default generator, so manualSeed makes it reproducible", () => {
    manualSeed(11);
    const a = randperm(20).tolist();
    const after = rand([1]).item();
    manualSeed(11);
    expect(randperm(20).tolist()).toEqual(a);
    expect(rand([1]).item()).toBe(after);
  });

  test("every position is reachable: each of the 6 permutations of 3 appears", () => {
    const g = new Generator(1);
    const seen = new Set<string>();
    for (let k = 0; k < 200; k++) seen.add(JSON.stringify(randperm(3, { generator: g }).tolist()));
    expect(seen.size).toBe(6);
  });

  test("float dtypes and requiresGrad", () => {
    const p = randperm(4, { dtype: "float64", requiresGrad: true, generator: new Generator(0) });
    expect(p.dtype).toBe("float64");
    expect(p.requiresGrad).toBe(true);
    expect((p.tolist() as number[]).slice().sort()).toEqual([0, 1, 2, 3]);
  });

  test("bad arguments throw and name the argument", () => {
    expect(() => randperm(-1)).toThrow(/randperm: n must be a non-negative integer below 2\^31, got -1/);
    expect(() => randperm(2.5)).toThrow(/randperm: n must be/);
    expect(() => randperm(3, { dtype: "bool" })).toThrow(/randperm: dtype must be int32, float32 or float64, got bool/);
    expect(() => randperm(3, { generator: {} as never })).toThrow(/randperm: generator must be a Generator/);
    expect(() => randperm(3, { requiresGrad: true })).toThrow(/only floating point tensors can require gradients/);
  });
});
