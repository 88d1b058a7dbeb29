import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { Generator, gradcheck, gradgradcheck, logSoftmax, randn, softmax, tensor, type Tensor } from "@tapegrad/core";

const gen = new Generator(11);
const f64 = (shape: number[]): Tensor => randn(shape, { dtype: "float64", generator: gen, requiresGrad: true });

function close(got: number[], want: number[], tol = 1e-12): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i]!))));
}

describe("softmax forward", () => {
  test("hand-checked row", () => {
    const x = tensor([[1, 2, 3]], { dtype: "float64" });
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const s = e[0]! + e[1]! + e[2]!;
    close(Array.from(softmax(x, -1).dataSync()), e.map((v) => v / s));
    close(Array.from(logSoftmax(x, 1).dataSync()), [1, 2, 3].map((v) => v - Math.log(s)));
    close(Array.from(x.softmax(1).dataSync()), e.map((v) => v / s));
  });

  test("along dim 0 and a middle dim", () => {
    const x = tensor([[0, 0], [Math.log(3), 0]], { dtype: "float64" });
    close(Array.from(softmax(x, 0).dataSync()), [0.25, 0.5, 0.75, 0.5]);
    const y = randn([2, 3, 4], { dtype: "float64", generator: gen });
    const s = softmax(y, 1);
    const sums = s.sum(1).dataSync();
    sums.forEach((v) => expect(v).toBeCloseTo(1, 14));
    // Same as moving the dim last, applying softmax there and moving it back.
    close(Array.from(s.dataSync()), Array.from(softmax(y.transpose(1, 2), -1).transpose(1, 2).contiguous().dataSync()));
  });

  test("exact for logits of +-1e4 (stable), float32 and float64", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const x = tensor([[1e4, 0, -1e4], [1e4, 1e4, -1e4]], { dtype });
      expect(softmax(x, -1).tolist()).toEqual([[1, 0, 0], [0.5, 0.5, 0]]);
      const r = (v: number): number => (dtype === "float32" ? Math.fround(v) : v);
      expect(logSoftmax(x, -1).tolist()).toEqual([[0, -1e4, -2e4], [r(-Math.LN2), r(-Math.LN2), r(-2e4 - Math.LN2)]]);
    }
  });

  test("-inf entries get probability 0; NaN propagates through its slice", () => {
    const x = tensor([[0, -Infinity, 0], [1, NaN, 2]], { dtype: "float64" });
    const s = softmax(x, 1).tolist() as number[][];
    expect(s[0]).toEqual([0.5, 0, 0.5]);
    expect(s[1]!.every(Number.isNaN)).toBe(true);
    expect((logSoftmax(x, 1).tolist() as number[][])[0]).toEqual([-Math.LN2, -Infinity, -Math.LN2]);
  });

  test("0-dim input, dtypes", () => {
    expect(softmax(tensor(3), 0).item()).toBe(1);
    expect(logSoftmax(tensor(3), -1).item()).toBe(0);
    expect(softmax(tensor([1, 2]), 0).dtype).toBe("float32");
    expect(softmax(tensor([1, 2], { dtype: "int32" }), 0).dtype).toBe("float32");
  });

  test("property: rows sum to 1 and logSoftmax = log(softmax)", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: 1, maxLength: 8 }), (row) => {
        const x = tensor(row, { dtype: "float64" });
        const s = softmax(x, 0).dataSync();
        const l = logSoftmax(x, 0).dataSync();
        let total = 0;
        for (let i = 0; i < s.length; i++) {
          total += s[i]!;
          expect(Math.abs(Math.exp(l[i]!) - s[i]!)).toBeLessThan(1e-14);
        }
        expect(total).toBeCloseTo(1, 12);
      }),
      { numRuns: 100 },
    );
  });
});

describe("softmax errors", () => {
  test("dim checks, bool, non-tensor", () => {
    expect(() => softmax(tensor([1, 2]), 1)).toThrow(/softmax: dim 1 is out of range for a tensor with 1 dimension\(s\)/);
    expect(() => logSoftmax(tensor([1, 2]), undefined as unknown as number)).toThrow(/logSoftmax: dim must be an integer, got undefined/);
    expect(() => softmax(tensor([true]), 0)).toThrow("softmax: not supported for bool tensors");
    expect(() => softmax([1, 2] as unknown as Tensor, 0)).toThrow(/softmax: input must be a Tensor/);
  });
});

describe("softmax gradients", () => {
  for (const [shape, dim] of [[[3, 5], -1], [[3, 5], 0], [[2, 3, 4], 1], [[4], 0]] as Array<[number[], number]>) {
    test(`gradcheck/gradgradcheck softmax and logSoftmax, shape [${shape}] dim ${dim}`, () => {
      const x = f64(shape);
      expect(gradcheck((t) => softmax(t!, dim), [x])).toBe(true);
      expect(gradgradcheck((t) => softmax(t!, dim), [x])).toBe(true);
      expect(gradcheck((t) => logSoftmax(t!, dim), [x])).toBe(true);
      expect(gradgradcheck((t) => logSoftmax(t!, dim), [x])).toBe(true);
    });
  }

  test("gradient rules by hand: softmax y*(g - sum(g*y)), logSoftmax g - exp(y)*sum(g)", () => {
    const x = tensor([0, Math.log(3)], { dtype: "float64", requiresGrad: true });
    softmax(x, 0).mul(tensor([1, 0], { dtype: "float64" })).sum().backward();
    // y = [0.25, 0.75], g = [1, 0]: y*(g - 0.25) = [0.1875, -0.1875]
    close(Array.from(x.grad!.dataSync()), [0.1875, -0.1875]);
    const z = tensor([0, Math.log(3)], { dtype: "float64", requiresGrad: true });
    logSoftmax(z, 0).sum().backward();
    close(Array.from(z.grad!.dataSync()), [0.5, -0.5]);
    expect(softmax(f64([2]), 0).gradFn!.name).toBe("SoftmaxBackward");
    expect(logSoftmax(f64([2]), 0).gradFn!.name).toBe("LogSoftmaxBackward");
  });

  test("large logits keep finite gradients", () => {
    const x = tensor([[3e2, -3e2, 0]], { dtype: "float64", requiresGrad: true });
    logSoftmax(x, 1).select(1, 1).sum().backward();
    close(Array.from(x.grad!.dataSync()), [-1, 1, -Math.exp(-300)]);
  });

  test("modifying the output in place is detected at backward", () => {
    const x = f64([3]);
    const y = softmax(x, 0);
    const loss = y.mul(y).sum();
    y.mul_(2);
    expect(() => loss.backward()).toThrow(/modified by an in-place operation/);
  });
});
