// A leaf adopts a gradient that only the backward run holds (a matrix product's or linear's
// result, or a sum the engine made) as its `.grad` instead of copying it. These tests pin down the
// cases where adopting would alias a tensor someone else holds: the gradient must then be copied,
// so that accumulating into `.grad` later changes nothing else.
import { describe, expect, test } from "vitest";
import { type Tensor, grad, linear, matmul, tensor } from "@tapegrad/core";

const data = (n: number, seed: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed));
const leaf = (shape: number[], seed: number): Tensor => tensor(data(shape.reduce((a, b) => a * b, 1), seed)).reshape(shape).requiresGrad_();
const values = (t: Tensor): number[] => Array.from(t.dataSync());

/** The gradients of `f` at fresh leaves, computed twice (adopted vs copied by a pass-through hook). */
function bothWays(f: (w: Tensor, b: Tensor, x: Tensor) => Tensor): { adopted: number[][]; copied: number[][] } {
  const run = (hook: boolean): number[][] => {
    const [w, b, x] = [leaf([5, 4], 1), leaf([5], 2), leaf([3, 4], 3)];
    if (hook) for (const t of [w, b, x]) t.registerHook(() => undefined);
    f(w, b, x).backward();
    return [w, b, x].map((t) => values(t.grad!));
  };
  return { adopted: run(false), copied: run(true) };
}

describe("gradient adoption by leaves", () => {
  test("linear and matmul gradients: same values as the copying path, and .grad is a dense tensor of its own", () => {
    const { adopted, copied } = bothWays((w, b, x) => linear(x, w, b).relu().sum());
    expect(adopted).toEqual(copied);
    const w = leaf([5, 4], 1);
    const x = leaf([3, 4], 3);
    matmul(x, w.t()).sum().backward();
    for (const t of [w, x]) {
      expect(t.grad!.base).toBe(null);
      expect(t.grad!.isContiguous()).toBe(true);
      expect(t.grad!.requiresGrad).toBe(false);
      expect(t.grad!.gradFn).toBe(null);
    }
    expect(w.grad!.storage).not.toBe(x.grad!.storage);
  });

  test("a leaf reached twice (linear(w, w)) gets the sum, and a second backward accumulates into it alone", () => {
    const w = leaf([4, 4], 1);
    const ref = leaf([4, 4], 1);
    const other = leaf([4, 4], 1);
    linear(w, w).sum().backward();
    linear(ref, other).sum().backward();
    const once = values(w.grad!);
    expect(once).toEqual(values(ref.grad!).map((v, i) => v + values(other.grad!)[i]!));
    const first = w.grad!;
    linear(w, w).sum().backward();
    expect(w.grad).toBe(first);
    expect(values(w.grad!)).toEqual(once.map((v) => Math.fround(v + v)));
  });

  test("a rule that gives one gradient to two inputs (add): each leaf gets its own copy", () => {
    const w = leaf([5, 4], 1);
    const u = leaf([5, 4], 2);
    const x = leaf([3, 4], 3);
    linear(x, w.add(u)).sum().backward();
    expect(w.grad!.storage).not.toBe(u.grad!.storage);
    const uBefore = values(u.grad!);
    linear(x, w).sum().backward();
    expect(values(u.grad!)).toEqual(uBefore);
  });

  test("a gradient also given to a leaf hook is copied: what the hook kept does not change when .grad accumulates", () => {
    const w = leaf([5, 4], 1);
    const x = leaf([3, 4], 3);
    const kept: Tensor[] = [];
    w.registerHook((g) => {
      kept.push(g);
    });
    linear(x, w).sum().backward();
    const before = values(kept[0]!);
    linear(x, w).sum().backward();
    expect(values(kept[0]!)).toEqual(before);
    expect(w.grad!.storage).not.toBe(kept[0]!.storage);
  });

  test("a retained non-leaf gradient and a grad() result are not changed by later accumulation into the leaves", () => {
    const w = leaf([5, 4], 1);
    const x = leaf([3, 4], 3);
    const h = linear(x, w);
    h.retainGrad();
    h.mul(h).sum().backward(null, { retainGraph: true });
    const [gw] = grad(h.mul(h).sum(), [w]);
    const hGrad = values(h.grad!);
    const gwBefore = values(gw!);
    linear(x, w).sum().backward();
    expect(values(h.grad!)).toEqual(hGrad);
    expect(values(gw!)).toEqual(gwBefore);
  });

  test("a gradient the caller passes to backward is never adopted", () => {
    const w = leaf([5, 4], 1);
    const seed = tensor(data(20, 9)).reshape([5, 4]);
    const before = values(seed);
    w.backward(seed);
    w.backward(seed);
    expect(values(seed)).toEqual(before);
    expect(values(w.grad!)).toEqual(before.map((v) => Math.fround(v + v)));
  });

  test("createGraph keeps the gradient on the tape (no adoption): second derivatives stay right", () => {
    const w = leaf([4, 4], 1);
    const x = leaf([2, 4], 3);
    linear(x, w).pow(2).sum().backward(null, { createGraph: true });
    expect(w.grad!.requiresGrad).toBe(true);
    const [hvp] = grad(w.grad!.sum(), [x]);
    expect(hvp!.shape).toEqual([2, 4]);
  });
});
