import { Generator, type Tensor, randn, tensor } from "@tapegrad/core";
import { F } from "@tapegrad/nn";
import fc from "fast-check";
import { describe, expect, test } from "vitest";

const problem = fc
  .record({ n: fc.integer({ min: 1, max: 6 }), c: fc.integer({ min: 1, max: 6 }), seed: fc.integer({ min: 0, max: 1e6 }), scale: fc.double({ min: 0.1, max: 20, noNaN: true }) })
  .chain(({ n, c, seed, scale }) =>
    fc.record({
      n: fc.constant(n),
      c: fc.constant(c),
      seed: fc.constant(seed),
      scale: fc.constant(scale),
      target: fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: n, maxLength: n }),
      dtype: fc.constantFrom("float32" as const, "float64" as const),
    }),
  );

function pickedNegLogSoftmax(logits: Tensor, target: number[]): number[] {
  const logp = F.logSoftmax(logits, 1).tolist() as number[][];
  return target.map((y, i) => -logp[i]![y]!);
}

describe("crossEntropy properties", () => {
  test("equals -logSoftmax gathered at the targets (none / sum / mean)", () => {
    fc.assert(
      fc.property(problem, ({ n, c, seed, scale, target, dtype }) => {
        const logits = randn([n, c], { dtype, generator: new Generator(seed) }).mul(scale);
        const y = tensor(target, { dtype: "int32" });
        const want = pickedNegLogSoftmax(logits, target);
        const none = Array.from(F.crossEntropy(logits, y, { reduction: "none" }).dataSync());
        expect(none).toEqual(want);
        const tol = dtype === "float32" ? 1e-6 : 1e-14;
        const sum = want.reduce((s, v) => s + v, 0);
        const gotSum = F.crossEntropy(logits, y, { reduction: "sum" }).item();
        expect(Math.abs(gotSum - sum)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(sum)));
        const gotMean = F.crossEntropy(logits, y).item();
        expect(Math.abs(gotMean - sum / n)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(sum / n)));
      }),
      { numRuns: 150 },
    );
  });

  test("its gradient with respect to the logits is (softmax - onehot) / N for the mean", () => {
    fc.assert(
      fc.property(problem, ({ n, c, seed, scale, target }) => {
        const logits = randn([n, c], { dtype: "float64", generator: new Generator(seed) }).mul(scale).requiresGrad_();
        F.crossEntropy(logits, tensor(target, { dtype: "int32" })).backward();
        const p = F.softmax(logits.detach(), 1).tolist() as number[][];
        const g = logits.grad!.tolist() as number[][];
        p.forEach((row, i) =>
          row.forEach((v, j) => expect(Math.abs(g[i]![j]! - (v - (j === target[i] ? 1 : 0)) / n)).toBeLessThanOrEqual(1e-14)),
        );
      }),
      { numRuns: 100 },
    );
  });
});
