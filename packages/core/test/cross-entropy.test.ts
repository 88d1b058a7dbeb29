// The fused cross-entropy primitive (crossEntropyLogits, recorded as CrossEntropyBackward):
// gradcheck and gradgradcheck in float64 for every reduction and option, the first-order kernel
// against the recorded (tensor-op) backward bit for bit in float32 too, and its errors.
import { describe, expect, test } from "vitest";
import { type DType, Generator, type Tensor, cat, grad, gradcheck, gradgradcheck, randn, tensor, zeros } from "@tapegrad/core";
import { type CrossEntropyArgs, crossEntropyLogits } from "../src/ops/cross-entropy.js";

const base: CrossEntropyArgs = { target: Int32Array.of(), reduction: "mean", weight: null, ignoreIndex: -100, labelSmoothing: 0 };

const configs: Array<[string, number[], number[], Partial<CrossEntropyArgs>]> = [
  ["mean", [4, 3], [2, 0, 1, 1], {}],
  ["sum", [4, 3], [2, 0, 1, 1], { reduction: "sum" }],
  ["none", [4, 3], [2, 0, 1, 1], { reduction: "none" }],
  ["unbatched", [5], [3], {}],
  ["k-dim none", [2, 3, 2], [2, 1, 0, 2], { reduction: "none" }],
  ["ignored", [4, 3], [2, -100, 1, -100], {}],
  ["weight", [4, 3], [2, 0, 1, 1], { weight: "w" as unknown as Tensor }],
  ["smoothing", [4, 3], [2, 0, 1, 1], { labelSmoothing: 0.3 }],
  ["weight and ignored, k-dim", [2, 3, 2], [2, -100, 0, 1], { weight: "w" as unknown as Tensor, reduction: "none" }],
  ["all, k-dim", [2, 3, 2], [2, 1, 0, 2], { weight: "w" as unknown as Tensor, ignoreIndex: 1, labelSmoothing: 0.2 }],
  ["all ignored", [2, 3], [-100, -100], { reduction: "sum", labelSmoothing: 0.1 }],
];

function args(target: number[], extra: Partial<CrossEntropyArgs>, dtype: DType): CrossEntropyArgs {
  const weight = extra.weight === undefined ? null : tensor([0.5, 2, 1.5], { dtype });
  return { ...base, ...extra, target: Int32Array.from(target), weight };
}

describe("crossEntropyLogits", () => {
  for (const [name, shape, target, extra] of configs) {
    test(`${name}: gradcheck and gradgradcheck in float64`, () => {
      const x = randn(shape, { dtype: "float64", generator: new Generator(shape.length + target.length) }).mul(2).requiresGrad_(true);
      const a = args(target, extra, "float64");
      expect(gradcheck((t) => crossEntropyLogits(t!, a), [x])).toBe(true);
      expect(gradgradcheck((t) => crossEntropyLogits(t!, a), [x])).toBe(true);
    });

    test(`${name}: the first-order kernel has the recorded backward's bits in float32`, () => {
      const x = randn(shape, { generator: new Generator(7) }).mul(3).requiresGrad_(true);
      const a = args(target, extra, "float32");
      const out = crossEntropyLogits(x, a);
      const u = randn(out.shape.slice(), { generator: new Generator(8) });
      const [recorded] = grad([out.mul(u).sum()], [x], { createGraph: true });
      const [plain] = grad([crossEntropyLogits(x, a).mul(u).sum()], [x]);
      expect(Array.from(plain!.dataSync())).toEqual(Array.from(recorded!.dataSync()));
    });
  }

  test("the loss of float32 logits is computed in float64 and rounded once", () => {
    const x = tensor([[1e4, 0, -1e4], [0.1, 0.2, 0.3]]);
    const got = crossEntropyLogits(x, { ...base, target: Int32Array.of(0, 2) }).item();
    const row1 = Math.log(Math.exp(Math.fround(0.1) - Math.fround(0.3)) + Math.exp(Math.fround(0.2) - Math.fround(0.3)) + 1);
    expect(got).toBe(Math.fround((0 + row1) / 2));
  });

  test("a first-order backward uses the softmax of the forward; a recorded one refuses logits modified in place", () => {
    const x = randn([3, 4], { dtype: "float64", generator: new Generator(3) }).requiresGrad_(true);
    const a = { ...base, target: Int32Array.of(0, 3, 1) };
    const before = grad([crossEntropyLogits(x.mul(1), a)], [x])[0]!;
    const logits = x.mul(1);
    const loss = crossEntropyLogits(logits, a);
    logits.add_(1);
    expect(Array.from(grad([loss], [x], { retainGraph: true })[0]!.dataSync())).toEqual(Array.from(before.dataSync()));
    expect(() => grad([loss], [x], { createGraph: true })).toThrow(
      /CrossEntropyBackward: the logits \(a float64 tensor of shape \[3,4\]\) were modified in place after the loss was computed/,
    );
  });

  test("strided logits (a transposed layout, a view at an offset) give the bits of their contiguous copy", () => {
    const a = { ...base, target: Int32Array.of(1, 0, 2, 2), labelSmoothing: 0.1 };
    const leaf = randn([4, 3], { generator: new Generator(5) }).requiresGrad_(true);
    const transposed = leaf.mul(1).t().contiguous().t();
    const atOffset = cat([zeros([1, 3]), leaf.mul(1)], 0).narrow(0, 1, 4);
    expect(transposed.isContiguous()).toBe(false);
    expect(atOffset.offset).toBe(3);
    const want = crossEntropyLogits(leaf, a);
    const wantGrad = Array.from(grad([want], [leaf], { retainGraph: true })[0]!.dataSync());
    for (const view of [transposed, atOffset]) {
      const got = crossEntropyLogits(view, a);
      expect(got.item()).toBe(want.item());
      expect(Array.from(grad([got], [leaf])[0]!.dataSync())).toEqual(wantGrad);
    }
  });

  test("targets that do not fit the logits are refused", () => {
    const x = randn([2, 3]);
    expect(() => crossEntropyLogits(x, { ...base, target: Int32Array.of(0) })).toThrow(/crossEntropy: 1 targets for logits of shape \[2,3\] \(2 slices\)/);
    expect(() => crossEntropyLogits(x, { ...base, target: Int32Array.of(0, 3) })).toThrow(
      /crossEntropy: target value 3 \(at flat index 1\) is out of range \[0, 3\) for 3 classes/,
    );
  });
});
