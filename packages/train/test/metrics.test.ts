import { describe, expect, test } from "vitest";
import { tensor } from "@tapegrad/core";
import { RunningMean, accuracy, formatMetric } from "@tapegrad/train";

describe("accuracy", () => {
  test("counts rows whose arg-max is the label; ties go to the first index", () => {
    const scores = tensor([[0.1, 0.9], [0.8, 0.2], [0.5, 0.5], [0.3, 0.7]]);
    expect(accuracy(scores, tensor([1, 0, 0, 0], { dtype: "int32" }))).toBe(0.75);
    expect(accuracy(tensor([0.2, 0.1, 0.7]), tensor(2, { dtype: "int32" }))).toBe(1);
  });

  test("refuses float labels and mismatched shapes", () => {
    expect(() => accuracy(tensor([[1, 2]]), tensor([1]))).toThrow(/labels must be int32 class indices, got float32/);
    expect(() => accuracy(tensor([[1, 2]]), tensor([1, 0], { dtype: "int32" }))).toThrow(/need labels \[N\], got \[1, 2\] and \[2\]/);
  });
});

describe("RunningMean", () => {
  test("weights each value (a smaller last batch counts for what it is)", () => {
    const m = new RunningMean();
    expect(Number.isNaN(m.value)).toBe(true);
    m.add(1, 64);
    m.add(4, 16);
    expect(m.value).toBeCloseTo((64 + 64) / 80, 15);
    expect(m.count).toBe(2);
    m.reset();
    expect(m.count).toBe(0);
    expect(() => m.add(1, 0)).toThrow(/weight must be a positive finite number, got 0/);
    expect(() => m.add(Number.NaN)).toThrow(/value must be a number/);
  });
});

test("formatMetric keeps four significant digits and switches to exponents at the ends", () => {
  expect(formatMetric(0.123456)).toBe("0.1235");
  expect(formatMetric(12.3456)).toBe("12.35");
  expect(formatMetric(3)).toBe("3");
  expect(formatMetric(123456.7)).toBe("123457");
  expect(formatMetric(3e-5)).toBe("3.00e-5");
  expect(formatMetric(Number.NaN)).toBe("NaN");
});
