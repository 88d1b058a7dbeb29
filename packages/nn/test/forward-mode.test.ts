// Forward mode (jvp) through the issue-15 ops and layers. They are composites of primitives that have
// forward rules, so they need none of their own: the tangent must equal the reverse-mode product
// (<v, J u> = <J^T v, u>) and the finite-difference directional derivative, in float64.
import { describe, expect, test } from "vitest";
import { Generator, type Tensor, cumsum, jvp, maskedFill, randn, repeat, split, topk, tril, vjp } from "@tapegrad/core";
import { F, MultiheadAttention, TransformerEncoderLayer } from "@tapegrad/nn";

const rand = (shape: number[], seed: number) => randn(shape, { dtype: "float64", generator: new Generator(seed) });
const dotAll = (a: Tensor[], b: Tensor[]) => a.reduce((s, t, i) => s + t.mul(b[i]!).sum().item(), 0);

/** Check jvp of `fn` at `xs` along random tangents against vjp and central differences. */
function checkForward(fn: (...xs: Tensor[]) => Tensor, shapes: number[][], seed: number): void {
  const xs = shapes.map((s, i) => rand(s, seed + i));
  const us = shapes.map((s, i) => rand(s, seed + 100 + i));
  const [y, ju] = jvp(fn, xs, us);
  const v = rand(y.shape.slice(), seed + 200);
  const [, grads] = vjp(fn, xs, v);
  expect(ju.mul(v).sum().item()).toBeCloseTo(dotAll(grads, us), 8);
  const eps = 1e-6;
  const plus = fn(...xs.map((x, i) => x.add(us[i]!.mul(eps))));
  const minus = fn(...xs.map((x, i) => x.sub(us[i]!.mul(eps))));
  const fd = plus.sub(minus).div(2 * eps);
  const scale = Math.max(1, fd.abs().max().item());
  expect(ju.sub(fd).abs().max().item() / scale).toBeLessThan(1e-5);
}

describe("jvp through the new ops and layers equals reverse mode and finite differences", () => {
  test("core ops", () => {
    const mask = rand([3, 4], 9).gt(0);
    checkForward((x) => cumsum(x.mul(x), 1), [[3, 4]], 1);
    checkForward((x) => tril(x, -1).add(x.triu(1).mul(2)), [[3, 4]], 2);
    checkForward((x, v) => maskedFill(x, mask, v!).mul(x), [[3, 4], []], 3);
    checkForward((x) => repeat(x, [2, 1, 2]), [[2, 3]], 4);
    checkForward((x) => split(x, [1, 3], 1)[1]!.mul(2), [[3, 4]], 5);
    checkForward((x) => topk(x, 2).values, [[3, 4]], 6);
  });

  test("activations and normalization", () => {
    for (const f of [F.silu, F.mish, (x: Tensor) => F.elu(x, 0.5), (x: Tensor) => F.softplus(x, 2, 3), (x: Tensor) => F.leakyRelu(x, 0.1)]) {
      checkForward((x) => f(x).mul(x), [[2, 5]], 10);
    }
    checkForward((x, w, b) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true }), [[4, 3, 2], [3], [3]], 11);
    checkForward((x, w) => F.layerNorm(x, [4], { weight: w }), [[2, 3, 4], [4]], 12);
    checkForward((x) => F.normalize(x, { dim: -1 }), [[3, 4]], 13);
  });

  test("attention", () => {
    checkForward((q, k, v) => F.scaledDotProductAttention(q, k, v, { isCausal: true }), [[2, 3, 4], [2, 3, 4], [2, 3, 4]], 20);
    const mha = new MultiheadAttention(4, 2, { batchFirst: true, dtype: "float64", generator: new Generator(1) });
    checkForward((x) => mha.call(x, x, x)[0], [[2, 3, 4]], 21);
    const layer = new TransformerEncoderLayer(4, 2, { dimFeedforward: 6, dropout: 0, batchFirst: true, dtype: "float64", generator: new Generator(2) });
    checkForward((x) => layer.call(x), [[2, 3, 4]], 22);
  });
});
