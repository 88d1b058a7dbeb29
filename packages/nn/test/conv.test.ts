import { type Tensor, conv2d as coreConv2d, getDefaultDtype, ones, randn, setDefaultDtype, tensor, zeros } from "@tapegrad/core";
import { Conv1d, Conv2d, F } from "@tapegrad/nn";
import { describe, expect, test } from "vitest";

describe("Conv2d and Conv1d modules", () => {
  test("shapes, options, repr, state-dict keys", () => {
    const c = new Conv2d(3, 6, 5, { padding: 2 });
    expect(c.weight.shape).toEqual([6, 3, 5, 5]);
    expect(c.bias!.shape).toEqual([6]);
    expect(c.forward(randn([2, 3, 28, 28])).shape).toEqual([2, 6, 28, 28]);
    expect(c.forward(randn([3, 28, 28])).shape).toEqual([6, 28, 28]);
    expect(Object.keys(c.stateDict())).toEqual(["weight", "bias"]);
    expect(c.toString()).toBe("Conv2d(3, 6, kernelSize=[5, 5], stride=[1, 1], padding=[2, 2])");
    const g = new Conv2d(4, 8, [3, 2], { groups: 2, bias: false, stride: [2, 1], dilation: 2, dtype: "float64" });
    expect(g.weight.shape).toEqual([8, 2, 3, 2]);
    expect(g.weight.dtype).toBe("float64");
    expect(g.bias).toBeNull();
    expect(g.toString()).toBe("Conv2d(4, 8, kernelSize=[3, 2], stride=[2, 1], dilation=[2, 2], groups=2, bias=false)");
    const c1 = new Conv1d(4, 8, 3, { padding: "same" });
    expect(c1.weight.shape).toEqual([8, 4, 3]);
    expect(c1.forward(randn([2, 4, 10])).shape).toEqual([2, 8, 10]);
    expect(c1.forward(randn([4, 10])).shape).toEqual([8, 10]);
  });

  test("parameters follow the default dtype", () => {
    const before = getDefaultDtype();
    setDefaultDtype("float64");
    try {
      expect(new Conv2d(1, 2, 3).weight.dtype).toBe("float64");
      expect(new Conv1d(1, 2, 3).bias!.dtype).toBe("float64");
    } finally {
      setDefaultDtype(before);
    }
  });

  test("a hand-checked 1-channel convolution with bias", () => {
    const c = new Conv2d(1, 1, 2, { dtype: "float64" });
    c.loadStateDict({ weight: tensor([[[[1, 2], [3, 4]]]], { dtype: "float64" }), bias: tensor([10], { dtype: "float64" }) });
    const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]], { dtype: "float64" });
    // [1*1+2*2+4*3+5*4, 2+6+15+24; 4+10+21+32, 5+12+24+36] + 10
    expect(c.forward(x).tolist()).toEqual([[[[47, 57], [77, 87]]]]);
  });

  test("bad constructor arguments name the layer and the value", () => {
    expect(() => new Conv2d(3, 6, 0)).toThrow(/Conv2d: kernelSize must be at least 1/);
    expect(() => new Conv2d(3, 6, [3, 3, 3])).toThrow(/Conv2d: kernelSize must be an integer or a list of 2 integers/);
    expect(() => new Conv2d(3, 6, 3, { groups: 2 })).toThrow("Conv2d: inChannels (3) must be divisible by groups (2)");
    expect(() => new Conv2d(4, 6, 3, { groups: 4 })).toThrow("Conv2d: outChannels (6) must be divisible by groups (4)");
    expect(() => new Conv2d(3, 6, 3, { padding: "same", stride: 2 })).toThrow(/padding="same" is not supported for strided convolutions/);
    expect(() => new Conv2d(3, 6, 3, { padding: "full" as never })).toThrow(/invalid padding string "full"/);
    expect(() => new Conv2d(3, 6, 3, { paddingMode: "reflect" as never })).toThrow(/paddingMode "reflect" is not supported/);
    expect(() => new Conv1d(3, 6, 3, { stride: -1 })).toThrow(/Conv1d: stride must be at least 1/);
  });
});

describe("F.conv2d / F.conv1d argument errors (PyTorch-like messages)", () => {
  const x = randn([2, 3, 8, 8]);
  const w = randn([4, 3, 3, 3]);
  test("shapes and channels", () => {
    expect(() => F.conv2d(randn([3, 8]), w)).toThrow("conv2d: expected 3D (unbatched) or 4D (batched) input, but got input of size [3,8]");
    expect(() => F.conv2d(x, randn([4, 3, 3]))).toThrow(/conv2d: expected weight to be 4-D .* got weight of size \[4,3,3\]/);
    expect(() => F.conv2d(randn([2, 2, 8, 8]), w)).toThrow(
      "conv2d: given groups=1, weight of size [4,3,3,3], expected input[2,2,8,8] to have 3 channels, but got 2 channels instead",
    );
    expect(() => F.conv2d(randn([2, 6, 8, 8]), randn([5, 3, 3, 3]), null, { groups: 2 })).toThrow(/expected weight to be divisible by 2 at dimension 0/);
    expect(() => F.conv2d(x, w, randn([3]))).toThrow(/expected bias to be 1-dimensional with 4 elements, but got bias of size \[3\]/);
    expect(() => F.conv2d(randn([1, 3, 2, 2]), w)).toThrow(
      "conv2d: calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). Kernel size can't be greater than actual input size",
    );
    expect(() => F.conv1d(randn([1, 3, 2]), randn([4, 3, 3]))).toThrow(/conv1d: calculated padded input size per channel: \(2\)\. Kernel size: \(3\)/);
  });
  test("options and dtypes", () => {
    expect(() => F.conv2d(x, w, null, { stride: 0 })).toThrow("conv2d: stride must be at least 1, got 0");
    expect(() => F.conv2d(x, w, null, { padding: -1 })).toThrow("conv2d: padding must be non-negative, got -1");
    expect(() => F.conv2d(x, w, null, { dilation: [1, 1, 1] })).toThrow(/dilation must be an integer or a list of 2 integers/);
    expect(() => F.conv2d(x, w, null, { groups: 0 })).toThrow(/groups must be a positive integer, got 0/);
    expect(() => F.conv2d(x, w, null, { padding: "same", stride: 2 })).toThrow(/padding="same" is not supported for strided convolutions/);
    expect(() => F.conv2d(x, w.double())).toThrow("conv2d: input dtype float32 and weight dtype float64 differ");
    expect(() => F.conv2d(zeros([1, 3, 4, 4], { dtype: "int32" }), w)).toThrow(/input must be a float32 or float64 tensor, got dtype int32/);
    expect(() => F.conv2d([1, 2] as never, w)).toThrow(/conv2d: input must be a Tensor/);
  });
  test("same and valid padding keep / shrink the size; F is core's op", () => {
    expect(F.conv2d(x, randn([2, 3, 4, 2]), null, { padding: "same" }).shape).toEqual([2, 2, 8, 8]);
    expect(F.conv2d(x, w, null, { padding: "valid" }).shape).toEqual([2, 4, 6, 6]);
    expect(F.conv2d).toBe(coreConv2d);
  });
  test("a non-contiguous input gives the same result as its contiguous copy", () => {
    const t = randn([3, 2, 8, 8]).transpose(0, 1);
    const a = F.conv2d(t, w, null, { padding: 1 }).dataSync();
    const b = F.conv2d(t.contiguous(), w, null, { padding: 1 }).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
  });
  test("backward accumulates into weight, bias and input", () => {
    const xi = ones([1, 1, 3, 3], { requiresGrad: true });
    const c = new Conv2d(1, 1, 2);
    c.forward(xi).sum().backward();
    expect(c.bias!.grad!.tolist()).toEqual([4]);
    expect(c.weight.grad!.tolist()).toEqual([[[[4, 4], [4, 4]]]]);
    expect((xi.grad as Tensor).shape).toEqual([1, 1, 3, 3]);
  });
});
