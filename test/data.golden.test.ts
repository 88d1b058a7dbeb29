/**
 * @tapegrad/data against torch.utils.data (test/golden/data_split.json): the split sizes
 * random_split derives from fractions, and DataLoader's batch count and batch sizes.
 * Random orders are not compared: tapegrad's generator is not PyTorch's.
 */
import { readFileSync } from "node:fs";
import { Generator } from "@tapegrad/core";
import { DataLoader, randomSplit, splitLengths } from "@tapegrad/data";
import { describe, expect, test } from "vitest";

interface Golden {
  cases: {
    random_split: Array<{ name: string; n: number; fractions: number[]; lengths: number[] }>;
    data_loader: Array<{ name: string; n: number; batch_size: number; drop_last: boolean; length: number; batch_sizes: number[] }>;
  };
}
const golden = JSON.parse(readFileSync(new URL("./golden/data_split.json", import.meta.url), "utf8")) as Golden;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe("data against PyTorch", () => {
  test("randomSplit: fractions become PyTorch's counts", () => {
    expect(golden.cases.random_split.length).toBeGreaterThan(10);
    for (const c of golden.cases.random_split) {
      expect(splitLengths(c.n, c.fractions), c.name).toEqual(c.lengths);
      const parts = randomSplit(range(c.n), c.fractions, { generator: new Generator(0) });
      expect(parts.map((p) => p.length), c.name).toEqual(c.lengths);
    }
  });

  test("DataLoader: length and batch sizes as PyTorch's, shuffled or not", () => {
    expect(golden.cases.data_loader.length).toBeGreaterThan(5);
    for (const c of golden.cases.data_loader) {
      for (const shuffle of [false, true]) {
        const loader = new DataLoader(range(c.n), { batchSize: c.batch_size, dropLast: c.drop_last, shuffle, generator: new Generator(1) });
        expect(loader.length, c.name).toBe(c.length);
        expect([...loader].map((b) => b.shape[0]), c.name).toEqual(c.batch_sizes);
      }
    }
  });
});
