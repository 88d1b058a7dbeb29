// The backward engine gives the arrays of gradients it alone held back to `allocate` once the rule
// that read them has run. These tests check that no array anyone can still read is reused: every
// gradient a caller can reach keeps its values while later results of the same size are made.
import { describe, expect, test } from "vitest";
import { type Tensor, grad, linear, noGrad, tensor, zeros } from "@tapegrad/core";
import { recycleArray, takeRecycled } from "../src/recycled-arrays.js";

const data = (n: number, seed: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * 0.5);
const leaf = (shape: number[], seed: number): Tensor => tensor(data(shape.reduce((a, b) => a * b, 1), seed)).reshape(shape).requiresGrad_();
const values = (t: Tensor): number[] => Array.from(t.dataSync());

/** A two-layer MLP with [32, 64] hidden activations (8 KiB, recycled sizes). */
function mlp(): { x: Tensor; w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor; loss: () => { loss: Tensor; h: Tensor } } {
  const x = tensor(data(32 * 16, 1)).reshape([32, 16]);
  const w1 = leaf([64, 16], 2);
  const b1 = leaf([64], 3);
  const w2 = leaf([4, 64], 4);
  const b2 = leaf([4], 5);
  return {
    x, w1, b1, w2, b2,
    loss: () => {
      const h = linear(x, w1, b1).relu();
      return { loss: linear(h, w2, b2).pow(2).mean(), h };
    },
  };
}

/** Make several results of the hidden size, so a wrongly recycled array would be overwritten. */
function churn(): void {
  noGrad(() => {
    for (let i = 0; i < 6; i++) zeros([32, 64]).add(1);
  });
}

describe("recycled arrays", () => {
  test("training steps: same bits as steps whose backward records a graph (nothing recycled or adopted there)", () => {
    const run = (createGraph: boolean): number[] => {
      const m = mlp();
      const losses: number[] = [];
      for (let s = 0; s < 5; s++) {
        for (const p of [m.w1, m.b1, m.w2, m.b2]) p.grad = null;
        const { loss } = m.loss();
        loss.backward(null, { createGraph });
        losses.push(loss.item());
        noGrad(() => {
          for (const p of [m.w1, m.b1, m.w2, m.b2]) p.sub_(p.grad!.detach().mul(0.1));
        });
      }
      return [...losses, ...values(m.w1), ...values(m.b2)];
    };
    expect(run(false)).toEqual(run(true));
  });

  test("the hidden gradient is recycled after use, and the leaves' gradients and a retained gradient keep their values", () => {
    const m = mlp();
    const { loss, h } = m.loss();
    h.retainGrad();
    loss.backward();
    const kept = [m.w1, m.b1, m.w2, m.b2, h].map((t) => values(t.grad!));
    churn();
    expect([m.w1, m.b1, m.w2, m.b2, h].map((t) => values(t.grad!))).toEqual(kept);
  });

  test("backward gives the hidden gradients' arrays back (the relu's incoming gradient and its result)", () => {
    while (takeRecycled("float32", 32 * 64) !== null);
    mlp().loss().loss.backward();
    expect(takeRecycled("float32", 32 * 64)).not.toBe(null);
    expect(takeRecycled("float32", 32 * 64)).not.toBe(null);
  });

  test("a gradient grad() returns is never recycled, even when the rule below it runs", () => {
    const m = mlp();
    const { loss, h } = m.loss();
    const [gh, gw1] = grad(loss, [h, m.w1]);
    const kept = [values(gh!), values(gw1!)];
    churn();
    expect([values(gh!), values(gw1!)]).toEqual(kept);
  });

  test("a hook that keeps the hidden gradient sees it unchanged afterwards", () => {
    const m = mlp();
    const { loss, h } = m.loss();
    const seen: Tensor[] = [];
    h.registerHook((g) => {
      seen.push(g);
    });
    loss.backward();
    const kept = values(seen[0]!);
    churn();
    expect(values(seen[0]!)).toEqual(kept);
  });

  test("recycleArray keeps only standalone arrays of 4 KiB to 1 MiB, and takeRecycled hands back a zero-filled one of the same type and length", () => {
    while (takeRecycled("float32", 2048) !== null);
    const whole = new Float32Array(2048).fill(7);
    recycleArray(whole);
    recycleArray(new Float32Array(new ArrayBuffer(16384), 4096, 2048)); // a view: ignored
    recycleArray(new Float32Array(512)); // 2 KiB: ignored
    expect(takeRecycled("float64", 1024)).toBe(null);
    expect(takeRecycled("float32", 2047)).toBe(null);
    const got = takeRecycled("float32", 2048);
    expect(got).toBe(whole);
    expect(Array.from(got!).every((v) => v === 0)).toBe(true);
    expect(takeRecycled("float32", 2048)).toBe(null);
  });
});
