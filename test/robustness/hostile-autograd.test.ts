// Hostile inputs of issue 14 at core entry points: cyclic and very deep nested data, unknown
// tensor() options, a tensor assigned as its own grad, hooks that change a gradient's shape, dtype
// or type, a gradient of another dtype, and sizes past the element limit in every creation op.
// Messages follow PyTorch's where it has one (test/golden/autograd_semantics.json records them).
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { Tensor, arange, eye, full, grad, linspace, ones, rand, randint, randn, randperm, tensor, zeros } from "@tapegrad/core";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Case = { name: string; kind: string } & Record<string, any>;
const golden = JSON.parse(readFileSync(new URL("../golden/autograd_semantics.json", import.meta.url), "utf8")) as { cases: Case[] };
const goldenCase = (name: string): Case => golden.cases.find((c) => c.name === name)!;
const any = (x: unknown): never => x as never;

describe("tensor() with hostile nested data", () => {
  test("a cyclic array is reported as a cycle, not a hang", () => {
    const a: unknown[] = [];
    a.push(a);
    expect(() => tensor(any(a))).toThrow(/tensor: the nested array contains itself \(cycle detected at depth 1\)/);
    const b: unknown[] = [[1, 2]];
    (b[0] as unknown[])[0] = b;
    expect(() => tensor(any(b))).toThrow(/cycle detected at depth 2/);
  });
  test("a 100,000-deep array hits the depth limit, not the stack", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => tensor(any(deep))).toThrow(/tensor: nested array is deeper than 64 levels \(a tensor has at most 64 dimensions\)/);
  });
  test("64 levels are still accepted", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 64; i++) deep = [deep];
    expect(tensor(any(deep)).ndim).toBe(64);
  });
  test("unknown option keys are refused", () => {
    expect(() => tensor([1, 2], any({ dtpye: "float64" }))).toThrow(/tensor: unknown option "dtpye" \(expected dtype, requiresGrad\)/);
    expect(() => tensor([1, 2], any({ requires_grad: true }))).toThrow(/tensor: unknown option "requires_grad"/);
    expect(() => zeros([2], any({ requiresgrad: true }))).toThrow(/zeros: unknown option "requiresgrad"/);
    expect(() => randn([2], any({ seed: 3 }))).toThrow(/randn: unknown option "seed" \(expected dtype, requiresGrad, generator\)/);
    expect(tensor([1], { dtype: "float64", requiresGrad: true }).requiresGrad).toBe(true);
  });
});

describe("a tensor cannot be its own grad", () => {
  test("p.grad = p is refused, as PyTorch does", () => {
    expect(goldenCase("grad_assigned_itself").error).toMatch(/can't assign Variable as its own grad/);
    const p = tensor([1, 2], { requiresGrad: true });
    expect(() => {
      p.grad = p;
    }).toThrow(/grad: can't assign a tensor as its own grad/);
    expect(p.grad).toBeNull();
  });
});

describe("hooks that change the gradient", () => {
  const setups = [
    ["leaf", (x: Tensor) => x],
    ["non-leaf", (x: Tensor) => x.mul(1)],
  ] as const;
  for (const [kind, make] of setups) {
    test(`${kind}: a hook returning another shape is refused, naming the hook and both shapes`, () => {
      expect(goldenCase(`hook_changes_shape_${kind === "leaf" ? "leaf" : "nonleaf"}`).error).toMatch(/hook '<lambda>' has changed the size of value/);
      const x = ones([2, 3], { requiresGrad: true });
      const t = make(x);
      t.registerHook(function reshaper() {
        return ones([5]);
      });
      expect(() => t.mul(2).sum().backward()).toThrow(/hook 'reshaper' has changed the size of value: was \[2,3\], got \[5\]/);
      expect(x.grad).toBeNull();
    });
    test(`${kind}: a hook returning another dtype is refused, naming both dtypes`, () => {
      expect(goldenCase(`hook_changes_dtype_${kind === "leaf" ? "leaf" : "nonleaf"}`).error).toMatch(/has changed the type of value \(was torch.FloatTensor got torch.DoubleTensor\)/);
      const x = ones([2, 3], { requiresGrad: true });
      const t = make(x);
      t.registerHook((g) => g.double());
      expect(() => t.mul(2).sum().backward()).toThrow(/hook '<anonymous>' has changed the type of value \(was float32 got float64\)/);
      expect(x.grad).toBeNull();
    });
    test(`${kind}: a hook returning a non-tensor is refused`, () => {
      expect(goldenCase(`hook_changes_non_tensor_${kind === "leaf" ? "leaf" : "nonleaf"}`).error).toMatch(/expected Variable, but hook returned 'int'/);
      const x = ones([2, 3], { requiresGrad: true });
      const t = make(x);
      t.registerHook(any(function three() {
        return 3;
      }));
      expect(() => t.mul(2).sum().backward()).toThrow(/hook 'three' returned 3; expected a Tensor \(or nothing\)/);
      expect(x.grad).toBeNull();
    });
  }
  test("a hook returning a same-shaped tensor still replaces the gradient", () => {
    const x = ones([2], { requiresGrad: true });
    x.registerHook((g) => g.mul(10));
    x.mul(2).sum().backward();
    expect(x.grad!.tolist()).toEqual([20, 20]);
  });
});

describe("a gradient of another dtype is cast to the leaf's dtype", () => {
  test("float64 gradient into a float32 graph (PyTorch: the leaf's grad stays float32)", () => {
    const c = goldenCase("backward_float64_gradient_float32_leaf");
    const x = tensor(c.x.data, { requiresGrad: true });
    x.mul(2).backward(tensor(c.gradient, { dtype: "float64" }));
    expect(x.grad!.dtype).toBe(c.leaf_grad_dtype);
    Array.from(x.grad!.dataSync()).forEach((v, i) => expect(v).toBe(Math.fround(c.leaf_grad.data[i])));
  });
  test("the same through grad() and on a leaf root", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const [g] = grad(x.mul(2), x, { gradOutputs: [tensor([1, 1, 1], { dtype: "float64" })] });
    expect(g!.dtype).toBe("float32");
    const y = tensor([1, 2], { requiresGrad: true });
    y.backward(tensor([0.5, 0.25], { dtype: "float64" }));
    expect(y.grad!.dtype).toBe("float32");
  });
});

describe("one element limit and message for every creation op", () => {
  const limit = /more than the 2147483647 elements a tensor can hold/;
  test.each([
    ["zeros", () => zeros([2 ** 16, 2 ** 16])],
    ["ones", () => ones([2 ** 31])],
    ["full", () => full([2 ** 20, 2 ** 12], 1)],
    ["rand", () => rand([2 ** 31])],
    ["randn", () => randn([2 ** 31])],
    ["randint", () => randint(0, 5, [2 ** 31])],
    ["eye", () => eye(2 ** 16, 2 ** 16)],
    ["linspace", () => linspace(0, 1, 2 ** 31)],
    ["arange", () => arange(0, 1e12)],
    ["arange with a step", () => arange(0, 1, 1e-10)],
    ["randperm", () => randperm(2 ** 31)],
  ])("%s", (name, make) => {
    expect(make).toThrow(RangeError);
    expect(make).toThrow(new RegExp(`^${name.split(" ")[0]}: `));
    expect(make).toThrow(limit);
  });
});
