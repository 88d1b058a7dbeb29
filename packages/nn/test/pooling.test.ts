import { randn, tensor } from "@tapegrad/core";
import { AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, F, MaxPool1d, MaxPool2d, Sequential } from "@tapegrad/nn";
import { describe, expect, test } from "vitest";

describe("pooling layers", () => {
  test("shapes, defaults and repr", () => {
    const x = randn([2, 3, 9, 8]);
    expect(new MaxPool2d(2).forward(x).shape).toEqual([2, 3, 4, 4]);
    expect(new MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }).forward(x).shape).toEqual([2, 3, 5, 5]);
    expect(new AvgPool2d([3, 2]).forward(x).shape).toEqual([2, 3, 3, 4]);
    expect(new AdaptiveAvgPool2d([null, 2]).forward(x).shape).toEqual([2, 3, 9, 2]);
    expect(new AdaptiveAvgPool2d(1).forward(randn([3, 5, 5])).shape).toEqual([3, 1, 1]);
    expect(new MaxPool1d(2).forward(randn([2, 3, 9])).shape).toEqual([2, 3, 4]);
    expect(new AvgPool1d(3, { stride: 1 }).forward(randn([3, 9])).shape).toEqual([3, 7]);
    expect(new MaxPool2d(2).toString()).toBe("MaxPool2d(kernelSize=2, stride=2, padding=0, dilation=1, ceilMode=false)");
    expect(new AvgPool2d([2, 3], { padding: 1 }).toString()).toBe("AvgPool2d(kernelSize=[2, 3], stride=[2, 3], padding=1)");
    expect(new AdaptiveAvgPool2d([3, null]).toString()).toBe("AdaptiveAvgPool2d(outputSize=[3, ])");
  });

  test("the functional forms compute max and mean of each window", () => {
    const x = tensor([[[1, 5, 2, 0], [3, 4, 6, 1], [0, 0, 1, 1], [2, 2, 1, 9]]]);
    expect(F.maxPool2d(x, 2).tolist()).toEqual([[[5, 6], [2, 9]]]);
    expect(F.avgPool2d(x, 2).tolist()).toEqual([[[3.25, 2.25], [1, 3]]]);
    expect(F.adaptiveAvgPool2d(x, 1).tolist()).toEqual([[[2.375]]]);
    expect(F.maxPool1d(tensor([[1, 3, 2, 5]]), 2).tolist()).toEqual([[3, 5]]);
  });

  test("layers have no parameters and fit in a Sequential", () => {
    const seq = new Sequential(new MaxPool2d(2), new AdaptiveAvgPool2d(1));
    expect(seq.parameters()).toHaveLength(0);
    expect(seq.forward(randn([1, 2, 6, 6])).shape).toEqual([1, 2, 1, 1]);
  });

  test("bad constructor arguments", () => {
    expect(() => new MaxPool2d(0)).toThrow(/MaxPool2d: kernelSize must be a positive integer/);
    expect(() => new AvgPool2d([2, -1])).toThrow(/AvgPool2d: kernelSize must be a positive integer/);
    expect(() => new AdaptiveAvgPool2d(0)).toThrow(/AdaptiveAvgPool2d: outputSize must be a positive integer/);
  });
});
