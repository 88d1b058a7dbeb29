import { describe, expect, test } from "vitest";
import { Generator, Tensor, arange, manualSeed, tensor } from "@tapegrad/core";
import { AsyncIterableDataset, BatchSampler, DataLoader, Dataset, IterableDataset, SequentialSampler, TensorDataset, defaultCollate, randomSplit } from "@tapegrad/data";

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

class Counter extends IterableDataset<number> {
  constructor(readonly length: number) {
    super();
  }
  *[Symbol.iterator](): Iterator<number> {
    for (let i = 0; i < this.length; i++) yield i;
  }
}

class SlowSquares extends Dataset<Promise<{ x: number; y: number }>> {
  get length(): number {
    return 5;
  }
  async get(i: number): Promise<{ x: number; y: number }> {
    await Promise.resolve();
    return { x: i, y: i * i };
  }
}

class Stream extends AsyncIterableDataset<string> {
  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    for (const word of ["a", "b", "c", "d", "e"]) {
      await Promise.resolve();
      yield word;
    }
  }
}

describe("DataLoader over map-style datasets", () => {
  test("a TensorDataset in batches: shapes, order and length", () => {
    const x = arange(20).reshape(10, 2).float();
    const y = arange(10);
    const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 4 });
    expect(loader.length).toBe(3);
    const batches = [...loader];
    expect(batches.map(([xb, yb]) => [xb.shape, yb.shape])).toEqual([[[4, 2], [4]], [[4, 2], [4]], [[2, 2], [2]]]);
    expect(batches[2]![1].tolist()).toEqual([8, 9]);
    expect(batches[0]![0].tolist()).toEqual([[0, 1], [2, 3], [4, 5], [6, 7]]);
  });

  test("TensorDataset (and Subsets of it) are batched by indexSelect: the same batches as stacking samples", () => {
    const x = arange(30).reshape(10, 3).float();
    const y = arange(10);
    const ds = new TensorDataset(x, y);
    const [part] = randomSplit(ds, [7, 3], { generator: new Generator(4) });
    class Doubled extends TensorDataset<[Tensor, Tensor]> {
      override get(i: number): [Tensor, Tensor] {
        const [a, b] = super.get(i);
        return [a.mul(2), b];
      }
    }
    for (const source of [ds, part!, new Doubled(x, y)]) {
      const fast = new DataLoader(source, { batchSize: 4, shuffle: true, generator: new Generator(8) });
      const slow = new DataLoader(source, { batchSize: 4, shuffle: true, generator: new Generator(8), collate: (s) => defaultCollate(s) });
      const a = [...fast];
      const b = [...slow];
      expect(a.map(([xb, yb]) => [xb.tolist(), xb.dtype, yb.tolist(), yb.dtype])).toEqual(b.map(([xb, yb]) => [xb.tolist(), xb.dtype, yb.tolist(), yb.dtype]));
    }
    expect([...new DataLoader(new Doubled(x, y), { batchSize: 2 })][0]![0].tolist()).toEqual([[0, 2, 4], [6, 8, 10]]);
    const w = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const [[wb]] = [...new DataLoader(new TensorDataset(w), { batchSize: 2, sampler: [1, 1] })] as Tensor[][];
    wb!.sum().backward();
    expect(w.grad?.tolist()).toEqual([[0, 0], [2, 2]]);
  });

  test("defaults: batchSize 1, no shuffle, keep the last batch", () => {
    const loader = new DataLoader([10, 20, 30]);
    expect(loader.batchSize).toBe(1);
    expect(loader.length).toBe(3);
    expect([...loader].map((b) => b.tolist())).toEqual([[10], [20], [30]]);
  });

  test("shuffle with a generator: reproducible, different each epoch", () => {
    const make = (): DataLoader<number> => new DataLoader(range(12), { batchSize: 5, shuffle: true, generator: new Generator(9) });
    const a = make();
    const epoch1 = [...a].map((b) => b.tolist());
    const epoch2 = [...a].map((b) => b.tolist());
    expect(epoch2).not.toEqual(epoch1);
    const b = make();
    expect([...b].map((t) => t.tolist())).toEqual(epoch1);
    expect([...b].map((t) => t.tolist())).toEqual(epoch2);
  });

  test("shuffle without a generator follows manualSeed", () => {
    const loader = new DataLoader(range(12), { batchSize: 12, shuffle: true });
    manualSeed(1);
    const first = [...loader][0]!.tolist();
    manualSeed(1);
    expect([...loader][0]!.tolist()).toEqual(first);
  });

  test("a custom sampler, a custom batchSampler and a custom collate", () => {
    const reversed = new DataLoader(range(5), { batchSize: 2, sampler: [4, 3, 2, 1, 0] });
    expect([...reversed].map((b) => b.tolist())).toEqual([[4, 3], [2, 1], [0]]);
    const bs = new DataLoader(range(6), { batchSampler: [[0, 5], [1, 2, 3]] });
    expect(bs.batchSize).toBeUndefined();
    expect(bs.length).toBe(2);
    expect([...bs].map((b) => b.tolist())).toEqual([[0, 5], [1, 2, 3]]);
    const sums = new DataLoader(range(6), { batchSize: 4, collate: (s: number[]) => s.reduce((p, q) => p + q, 0) });
    expect([...sums]).toEqual([6, 9]);
    const withSampler = new DataLoader(range(7), { batchSampler: new BatchSampler(new SequentialSampler(range(7)), 3, true) });
    expect(withSampler.length).toBe(2);
  });

  test("option rules, as PyTorch's", () => {
    expect(() => new DataLoader(range(3), { sampler: [0], shuffle: true })).toThrow(/sampler option is mutually exclusive with shuffle/);
    for (const extra of [{ batchSize: 2 }, { shuffle: true }, { sampler: [0] }, { dropLast: true }]) {
      expect(() => new DataLoader(range(3), { batchSampler: [[0]], ...extra })).toThrow(
        "DataLoader: batchSampler option is mutually exclusive with batchSize, shuffle, sampler, and dropLast",
      );
    }
    expect(() => new DataLoader(range(3), { batchSize: 0 })).toThrow(/batchSize must be a positive integer, got 0/);
    expect(() => new DataLoader(range(3), { batchSize: 2.5 })).toThrow(/got 2.5/);
    expect(() => new DataLoader(range(3), { shuffle: "yes" as never })).toThrow(/shuffle must be a boolean, got "yes"/);
    expect(() => new DataLoader(range(3), { dropLast: 1 as never })).toThrow(/dropLast must be a boolean/);
    expect(() => new DataLoader(range(3), { generator: 42 as never })).toThrow(/generator must be a Generator, got 42/);
    expect(() => new DataLoader(range(3), { collate: "stack" as never })).toThrow(/collate must be a function/);
    expect(() => new DataLoader(range(3), { sampler: 3 as never })).toThrow(/sampler must be an iterable of indices/);
    expect(() => new DataLoader(42 as never)).toThrow(/dataset must be a map-style dataset \(length and get\(index\)\), an array, or an iterable/);
    expect(() => new DataLoader(range(3), null as never)).toThrow(/options must be an object, got null/);
  });

  test("a sampler yielding a bad index is reported by the loader", () => {
    const loader = new DataLoader(range(3), { sampler: [0, 7] });
    expect(() => [...loader]).toThrow(new RangeError("DataLoader: the sampler yielded index 7, out of range for a dataset of length 3"));
  });

  test("a sampler without length: iteration works, length throws", () => {
    function* indices(): IterableIterator<number> {
      yield 2;
      yield 0;
    }
    const loader = new DataLoader(range(3), { sampler: { [Symbol.iterator]: indices } });
    expect([...loader].map((b) => b.tolist())).toEqual([[2], [0]]);
    expect(() => loader.length).toThrow(/BatchSampler.length: the sampler has no length/);
  });
});

describe("DataLoader over iterable and asynchronous datasets", () => {
  test("an IterableDataset is batched in order; length from its length", () => {
    const loader = new DataLoader(new Counter(7), { batchSize: 3 });
    expect(loader.length).toBe(3);
    expect([...loader].map((b) => b.tolist())).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    const dropped = new DataLoader(new Counter(7), { batchSize: 3, dropLast: true });
    expect(dropped.length).toBe(2);
    expect([...dropped].map((b) => b.tolist())).toEqual([[0, 1, 2], [3, 4, 5]]);
  });

  test("an iterable dataset refuses shuffle and samplers; no length without one", () => {
    expect(() => new DataLoader(new Counter(3), { shuffle: true })).toThrow(/an iterable dataset cannot be shuffled/);
    expect(() => new DataLoader(new Counter(3), { sampler: [0] })).toThrow(/an iterable dataset takes no sampler/);
    expect(() => new DataLoader(new Counter(3), { batchSampler: [[0]] })).toThrow(/takes no batchSampler/);
    const noLength = new DataLoader(new Set([1, 2, 3]), { batchSize: 2 });
    expect([...noLength].map((b) => b.tolist())).toEqual([[1, 2], [3]]);
    expect(() => noLength.length).toThrow(/the iterable dataset has no length/);
  });

  test("for await over a dataset whose get returns Promises", async () => {
    const loader = new DataLoader(new SlowSquares(), { batchSize: 2 });
    const seen: Array<{ x: number[]; y: number[] }> = [];
    for await (const batch of loader) seen.push({ x: batch.x.tolist() as number[], y: batch.y.tolist() as number[] });
    expect(seen).toEqual([{ x: [0, 1], y: [0, 1] }, { x: [2, 3], y: [4, 9] }, { x: [4], y: [16] }]);
    expect(() => [...loader]).toThrow("DataLoader: dataset.get(0) returned a Promise; iterate with for await (const batch of loader)");
  });

  test("for await over an async stream, and over synchronous datasets", async () => {
    const stream = new DataLoader(new Stream(), { batchSize: 2, dropLast: true });
    const words: string[][] = [];
    for await (const batch of stream) words.push(batch);
    expect(words).toEqual([["a", "b"], ["c", "d"]]);
    expect(() => [...stream]).toThrow(/the dataset is only asynchronously iterable; use for await/);
    const sync: number[][] = [];
    for await (const b of new DataLoader(range(5), { batchSize: 2, shuffle: true, generator: new Generator(2) })) sync.push(b.tolist() as number[]);
    const direct = [...new DataLoader(range(5), { batchSize: 2, shuffle: true, generator: new Generator(2) })].map((b) => b.tolist());
    expect(sync).toEqual(direct);
    const counted: number[][] = [];
    for await (const b of new DataLoader(new Counter(3), { batchSize: 2 })) counted.push(b.tolist() as number[]);
    expect(counted).toEqual([[0, 1], [2]]);
  });

  test("types: TensorDataset batches destructure as tensors", () => {
    const loader = new DataLoader(new TensorDataset(tensor([[1, 2]]), tensor([0], { dtype: "int32" })));
    for (const [xb, yb] of loader) {
      const both: [Tensor, Tensor] = [xb, yb];
      expect(both[0].shape).toEqual([1, 2]);
    }
  });
});
