// Activations, BatchNorm, LayerNorm and normalize: second derivatives on random shapes, running
// statistics as buffers (state dicts, dtype conversion, train/eval), the default dtype, and errors.
import { afterEach, describe, expect, test } from "vitest";
import fc from "fast-check";
import { Generator, gradgradcheck, randn, setDefaultDtype, tensor, zeros } from "@tapegrad/core";
import { BatchNorm1d, BatchNorm2d, ELU, F, Hardtanh, LayerNorm, LeakyReLU, Mish, ReLU6, SiLU, Softplus } from "@tapegrad/nn";

const leaf = (shape: number[], seed: number, scale = 1) =>
  randn(shape, { dtype: "float64", generator: new Generator(seed) }).mul(scale).detach().requiresGrad_(true);

afterEach(() => setDefaultDtype("float32"));

describe("second derivatives on random shapes", () => {
  test("activations (away from their kinks, where finite differences are meaningful)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 1000 }), (shape, seed) => {
        // Shift away from 0 and from the hardtanh ends so every point is smooth.
        const x = leaf(shape, seed, 3);
        const away = (a: typeof x) => a.add(a.sign().mul(0.05));
        for (const f of [F.silu, F.mish, (a: typeof x) => F.softplus(a, 2, 3), (a: typeof x) => F.elu(away(a), 0.7), (a: typeof x) => F.leakyRelu(away(a), 0.1)]) {
          expect(gradgradcheck((a) => f(a).mul(a), [x])).toBe(true);
        }
      }),
      { numRuns: 3 },
    );
  });

  test("batchNorm (train and eval), layerNorm and normalize", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 1000 }), (n, c, l, seed) => {
        const x = leaf([n, c, l], seed, 2);
        const w = leaf([c], seed + 1);
        const b = leaf([c], seed + 2);
        expect(gradgradcheck((a, ww, bb) => F.batchNorm(a, null, null, { weight: ww, bias: bb, training: true }), [x, w, b], { atol: 1e-4 })).toBe(true);
        const rm = randn([c], { dtype: "float64", generator: new Generator(seed) });
        const rv = rm.abs().add(0.5);
        expect(gradgradcheck((a, ww) => F.batchNorm(a, rm, rv, { weight: ww }).mul(a), [x, w])).toBe(true);
        const lw = leaf([l], seed + 3);
        expect(gradgradcheck((a, ww) => F.layerNorm(a, [l], { weight: ww, eps: 1e-3 }), [x, lw], { atol: 1e-4 })).toBe(true);
        expect(gradgradcheck((a) => F.normalize(a, { dim: 1 }), [x])).toBe(true);
      }),
      { numRuns: 3 },
    );
  });
});

describe("BatchNorm", () => {
  test("running statistics are buffers: stateDict, loadStateDict, to(dtype), train vs eval", () => {
    const bn = new BatchNorm1d(3);
    expect(bn.namedBuffers().map(([k]) => k)).toEqual(["running_mean", "running_var", "num_batches_tracked"]);
    const x = randn([8, 3], { generator: new Generator(1) }).mul(2).add(1);
    bn.forward(x);
    expect(bn.numBatchesTracked!.item()).toBe(1);
    expect(bn.numBatchesTracked!.dtype).toBe("int32");
    const mean = x.mean(0);
    const unbiased = x.var({ dim: 0 });
    expect(bn.runningMean!.tolist()).toEqual(mean.mul(0.1).tolist());
    (bn.runningVar!.tolist() as number[]).forEach((v, i) => expect(v).toBeCloseTo(0.9 + 0.1 * (unbiased.tolist() as number[])[i]!, 6));
    const copy = new BatchNorm1d(3);
    copy.loadStateDict(bn.stateDict());
    expect(copy.runningMean!.tolist()).toEqual(bn.runningMean!.tolist());
    expect(copy.numBatchesTracked!.item()).toBe(1);
    copy.eval();
    const before = copy.runningMean!.tolist();
    copy.forward(x);
    expect(copy.runningMean!.tolist()).toEqual(before);
    expect(copy.numBatchesTracked!.item()).toBe(1);
    copy.to("float64");
    expect(copy.runningMean!.dtype).toBe("float64");
    expect(copy.runningVar!.dtype).toBe("float64");
    expect(copy.numBatchesTracked!.dtype).toBe("int32");
    expect(copy.weight!.dtype).toBe("float64");
  });

  test("new layers follow setDefaultDtype and take a dtype option", () => {
    setDefaultDtype("float64");
    expect(new BatchNorm2d(2).weight!.dtype).toBe("float64");
    expect(new BatchNorm2d(2).runningMean!.dtype).toBe("float64");
    expect(new LayerNorm(4).weight!.dtype).toBe("float64");
    setDefaultDtype("float32");
    expect(new LayerNorm(4, { dtype: "float64" }).bias!.dtype).toBe("float64");
    expect(new LayerNorm(4, { bias: false }).bias).toBeNull();
    expect(new LayerNorm(4, { elementwiseAffine: false }).parameters()).toEqual([]);
  });

  test("errors name the layer and the shapes", () => {
    expect(() => new BatchNorm1d(3).forward(zeros([2, 3, 4, 5]))).toThrow(/BatchNorm1d: expected 2D or 3D input \(got 4D input/);
    expect(() => new BatchNorm2d(3).forward(zeros([2, 3]))).toThrow(/BatchNorm2d: expected 4D input \(got 2D input/);
    expect(() => new BatchNorm1d(3).forward(zeros([2, 4]))).toThrow(/BatchNorm1d: expected 3 channels \(dim 1\), got input of shape \[2,4\]/);
    const bn = new BatchNorm1d(3);
    expect(() => bn.forward(zeros([1, 3]))).toThrow(/expected more than 1 value per channel when training/);
    expect(() => new BatchNorm1d(0)).toThrow(/BatchNorm1d: numFeatures must be >= 1/);
    expect(() => F.batchNorm(zeros([2, 3]), null, null)).toThrow(/batchNorm: runningMean and runningVar are required when training is false/);
    expect(() => F.layerNorm(zeros([2, 3]), [4])).toThrow(/layerNorm: given normalizedShape=\[4\], expected input with shape \[\*, 4\], but got input of size \[2,3\]/);
    expect(() => F.softplus(zeros([2]), 0)).toThrow(/softplus: beta must be non-zero/);
    expect(() => new Hardtanh(1, -1)).toThrow(/Hardtanh: maxVal \(-1\) must be greater than or equal to minVal \(1\)/);
  });

  test("a failed forward in training mode leaves the running statistics untouched", () => {
    const bn = new BatchNorm1d(3);
    expect(() => bn.forward(zeros([1, 3]))).toThrow();
    // PyTorch increments num_batches_tracked before the check; tapegrad validates first.
    expect(bn.numBatchesTracked!.item()).toBe(0);
    expect(bn.runningMean!.tolist()).toEqual([0, 0, 0]);
  });
});

describe("activation modules", () => {
  test("forward values and printing", () => {
    const x = tensor([-2, -0.5, 0, 0.5, 7]);
    expect(new ReLU6().forward(x).tolist()).toEqual([0, 0, 0, 0.5, 6]);
    expect(new LeakyReLU(0.5).forward(x).tolist()).toEqual([-1, -0.25, 0, 0.5, 7]);
    expect(new Hardtanh().forward(x).tolist()).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(new ELU().toString()).toBe("ELU(alpha=1)");
    expect(new Softplus(2, 10).toString()).toBe("Softplus(beta=2, threshold=10)");
    expect((new SiLU().forward(tensor([0])).tolist() as number[])[0]).toBe(0);
    expect((new Mish().forward(tensor([0])).tolist() as number[])[0]).toBe(0);
  });
});
