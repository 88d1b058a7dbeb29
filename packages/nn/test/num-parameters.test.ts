import { describe, expect, test } from "vitest";
import { Linear, ReLU, Sequential, numParameters } from "@tapegrad/nn";

describe("numParameters", () => {
  test("sums numel over the parameters, shared ones once (PyTorch: 64*128+128 + 128*10+10 = 9610)", () => {
    const model = new Sequential(new Linear(64, 128), new ReLU(), new Linear(128, 10));
    expect(numParameters(model)).toBe(9610);
    const shared = new Linear(4, 4);
    expect(numParameters(new Sequential(shared, shared))).toBe(20);
  });

  test("trainableOnly skips frozen parameters", () => {
    const model = new Sequential(new Linear(4, 3), new Linear(3, 2, { bias: false }));
    model.at(0).parameters().forEach((p) => p.requiresGrad_(false));
    expect(numParameters(model)).toBe(15 + 6);
    expect(numParameters(model, { trainableOnly: true })).toBe(6);
  });

  test("refuses non-modules and bad options", () => {
    expect(() => numParameters({} as never)).toThrow(/numParameters: model must be a Module/);
    expect(() => numParameters(new Linear(1, 1), { trainableOnly: 1 as never })).toThrow(/trainableOnly must be a boolean/);
  });
});

test("numParameters refuses unknown options", () => {
  expect(() => numParameters(new Linear(1, 1), { trainable: true } as never)).toThrow(/unknown option "trainable"/);
});
