import { describe, expect, test } from "vitest";
import { Generator, manualSeed } from "@tapegrad/core";
import { BatchSampler, RandomSampler, Sampler, SequentialSampler } from "@tapegrad/data";

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe("samplers", () => {
  test("SequentialSampler yields 0..n-1 and reads the length at each epoch", () => {
    const data = [5, 6, 7];
    const s = new SequentialSampler(data);
    expect([...s]).toEqual([0, 1, 2]);
    expect(s.length).toBe(3);
    data.push(8);
    expect([...s]).toEqual([0, 1, 2, 3]);
    expect(() => new SequentialSampler(42 as never)).toThrow(/SequentialSampler: dataset must be a map-style dataset/);
  });

  test("RandomSampler: a new permutation per epoch, fixed by the generator's seed", () => {
    const s = new RandomSampler(range(20), { generator: new Generator(5) });
    const e1 = [...s];
    const e2 = [...s];
    expect(e1.slice().sort((a, b) => a - b)).toEqual(range(20));
    expect(e2.slice().sort((a, b) => a - b)).toEqual(range(20));
    expect(e2).not.toEqual(e1);
    const again = new RandomSampler(range(20), { generator: new Generator(5) });
    expect([...again]).toEqual(e1);
    expect([...again]).toEqual(e2);
  });

  test("RandomSampler without a generator follows manualSeed", () => {
    const s = new RandomSampler(range(30));
    manualSeed(3);
    const a = [[...s], [...s]];
    manualSeed(3);
    expect([[...s], [...s]]).toEqual(a);
    expect(a[0]).not.toEqual(a[1]);
  });

  test("RandomSampler numSamples: whole permutations, the last cut short; with replacement: independent draws", () => {
    const s = new RandomSampler(range(4), { numSamples: 10, generator: new Generator(0) });
    const out = [...s];
    expect(s.length).toBe(10);
    expect(out).toHaveLength(10);
    expect(out.slice(0, 4).sort()).toEqual([0, 1, 2, 3]);
    expect(out.slice(4, 8).sort()).toEqual([0, 1, 2, 3]);
    expect(new Set(out.slice(8)).size).toBe(2);
    const r = new RandomSampler(range(3), { replacement: true, numSamples: 200, generator: new Generator(0) });
    const draws = [...r];
    expect(draws).toHaveLength(200);
    expect(new Set(draws)).toEqual(new Set([0, 1, 2]));
    // 200 draws from 3 values cannot all be distinct: replacement really happened.
    expect(new RandomSampler(range(3), { replacement: true, generator: new Generator(0) }).length).toBe(3);
  });

  test("RandomSampler rejects bad options", () => {
    expect(() => new RandomSampler(range(3), { numSamples: 0 })).toThrow(/RandomSampler: numSamples must be a positive integer, got 0/);
    expect(() => new RandomSampler(range(3), { replacement: 1 as never })).toThrow(/replacement must be a boolean, got 1/);
    expect(() => new RandomSampler(range(3), { generator: {} as never })).toThrow(/generator must be a Generator, got an object/);
    expect(() => [...new RandomSampler([], { numSamples: 2 })]).toThrow(/cannot draw 2 samples from an empty dataset/);
    expect([...new RandomSampler([])]).toEqual([]);
  });

  test("BatchSampler groups indices; dropLast drops only an incomplete last batch", () => {
    const seq = new SequentialSampler(range(10));
    expect([...new BatchSampler(seq, 3, false)]).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
    expect([...new BatchSampler(seq, 3, true)]).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
    expect([...new BatchSampler(seq, 5, true)]).toEqual([[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]);
    expect(new BatchSampler(seq, 3, false).length).toBe(4);
    expect(new BatchSampler(seq, 3, true).length).toBe(3);
    expect(new BatchSampler([4, 2, 0], 2, false).length).toBe(2);
    expect([...new BatchSampler([4, 2, 0], 2, false)]).toEqual([[4, 2], [0]]);
  });

  test("BatchSampler rejects bad arguments; a sampler without length has no batch count", () => {
    const seq = new SequentialSampler(range(3));
    expect(() => new BatchSampler(seq, 0, false)).toThrow(/BatchSampler: batchSize must be a positive integer, got 0/);
    expect(() => new BatchSampler(seq, 2, "no" as never)).toThrow(/dropLast must be a boolean, got "no"/);
    expect(() => new BatchSampler(5 as never, 2, false)).toThrow(/sampler must be an iterable of indices/);
    function* gen(): IterableIterator<number> {
      yield 1;
    }
    expect(() => new BatchSampler(gen(), 2, false).length).toThrow(/BatchSampler.length: the sampler has no length/);
  });

  test("a custom Sampler subclass", () => {
    class Reverse extends Sampler<number> {
      constructor(private readonly n: number) {
        super();
      }
      get length(): number {
        return this.n;
      }
      *[Symbol.iterator](): Iterator<number> {
        for (let i = this.n - 1; i >= 0; i--) yield i;
      }
    }
    expect([...new BatchSampler(new Reverse(5), 2, false)]).toEqual([[4, 3], [2, 1], [0]]);
  });
});
