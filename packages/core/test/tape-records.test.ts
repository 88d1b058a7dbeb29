// What the lean tensor and node records keep: shared frozen shapes, strides made on first use,
// saved tensors that survive that, and node metadata derived from the graph instead of copied.
import { describe, expect, test } from "vitest";
import { grad, tensor, zeros } from "@tapegrad/core";

const f64 = { dtype: "float64" } as const;

describe("tensor layout", () => {
  test("a result shares its operand's frozen shape; a caller's mutable shape array is copied", () => {
    const x = tensor([1, 2, 3]);
    const y = x.mul(2).add(x);
    expect(Object.isFrozen(y.shape)).toBe(true);
    expect(y.shape).toBe(x.shape);
    const shape = [2, 3];
    const z = zeros(shape);
    shape[0] = 5;
    expect(z.shape).toEqual([2, 3]);
    expect(Object.isFrozen(z.shape)).toBe(true);
  });

  test("strides of a row-major tensor are made on first use, frozen, and views keep their own", () => {
    const x = zeros([2, 3, 4]);
    expect(x.isContiguous()).toBe(true);
    expect(x.strides).toEqual([12, 4, 1]);
    expect(x.strides).toBe(x.strides);
    expect(Object.isFrozen(x.strides)).toBe(true);
    const t = x.transpose(0, 2);
    expect(t.strides).toEqual([1, 4, 12]);
    expect(t.isContiguous()).toBe(false);
    expect(zeros([3, 1]).transpose(0, 1).isContiguous()).toBe(true); // size-1 dims don't count
    expect(zeros([0, 2]).strides).toEqual([2, 1]);
  });
});

describe("saved tensors", () => {
  test("a saved leaf whose strides are made after saving still carries its identity (second order)", () => {
    const x = tensor([1, 2, 3], { ...f64, requiresGrad: true });
    const y = x.mul(x).mul(x).sum(); // x^3
    void x.strides;
    const [g] = grad(y, x, { createGraph: true }); // 3x^2
    g!.sum().backward();
    expect(x.grad!.tolist()).toEqual([6, 12, 18]); // 6x
  });

  test("a saved non-leaf whose strides are made after saving still carries its history (second order)", () => {
    const x = tensor([1, 2], { ...f64, requiresGrad: true });
    const h = x.mul(2);
    const y = h.mul(h).sum(); // 4x^2
    void h.strides;
    const [g] = grad(y, x, { createGraph: true }); // 8x
    g!.sum().backward();
    expect(x.grad!.tolist()).toEqual([8, 8]);
  });
});

describe("node metadata", () => {
  test("inputMeta is the next nodes' output shape and dtype, null for an input that needs no gradient", () => {
    const x = tensor([[1, 2]], { ...f64, requiresGrad: true });
    const c = tensor([3, 4], f64);
    const node = x.mul(c).gradFn!;
    expect(node.inputMeta).toEqual([{ shape: [1, 2], dtype: "float64" }, null]);
    expect(node.outputMeta).toEqual({ shape: [1, 2], dtype: "float64" });
    expect(node.tensorHooks).toEqual([]);
    expect(node.retainGradOf).toBeNull();
    expect(node.forwardStack).toBeNull();
  });
});

describe("nested backward runs", () => {
  test("a hook that runs grad() over nodes the outer backward is part-way through leaves the outer run's sums intact", () => {
    const x = tensor([1, 2], { ...f64, requiresGrad: true });
    const h = x.mul(2);
    const a = h.mul(h);
    const b = h.mul(3); // recorded after a, so its gradient reaches h's node first
    const s = h.sum();
    let inner: number[] = [];
    a.registerHook(() => {
      inner = grad(s, x, { retainGraph: true })[0]!.tolist() as number[];
    });
    a.add(b).sum().backward(); // 4x^2 + 6x
    expect(inner).toEqual([2, 2]);
    expect(x.grad!.tolist()).toEqual([14, 22]); // 8x + 6
  });

  test("a backward that throws part-way leaves no gradient behind on the graph's nodes", () => {
    const x = tensor([1, 2], { ...f64, requiresGrad: true });
    const y = x.mul(x);
    const z = y.mul(3);
    const fail = z.registerHook(() => {
      throw new Error("stop");
    });
    expect(() => z.sum().backward(undefined, { retainGraph: true })).toThrow("stop");
    fail.remove();
    z.sum().backward();
    expect(x.grad!.tolist()).toEqual([6, 12]);
  });
});
