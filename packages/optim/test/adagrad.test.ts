import { Tensor, tensor } from "@tapegrad/core";
import { Adagrad, adagradUpdate } from "@tapegrad/optim";
import { describe, expect, test } from "vitest";

const f64 = (data: number[], requiresGrad = false): Tensor => tensor(data, { dtype: "float64", requiresGrad });

describe("Adagrad validation", () => {
  test.each([
    [{ lr: -1 }, "Adagrad: Invalid learning rate: -1"],
    [{ lrDecay: -1 }, "Adagrad: Invalid lrDecay value: -1"],
    [{ weightDecay: -1 }, "Adagrad: Invalid weightDecay value: -1"],
    [{ initialAccumulatorValue: -1 }, "Adagrad: Invalid initialAccumulatorValue value: -1"],
    [{ eps: -1 }, "Adagrad: Invalid epsilon value: -1"],
  ])("%o is rejected", (options, message) => {
    expect(() => new Adagrad([f64([1])], options)).toThrow(RangeError);
    expect(() => new Adagrad([f64([1])], options)).toThrow(message);
  });

  test("defaults follow PyTorch 2.8", () => {
    expect(new Adagrad([f64([1])]).paramGroups[0]).toMatchObject({ lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 });
  });
});

describe("Adagrad update", () => {
  test("state exists from construction, also for groups added later", () => {
    const a = f64([1, 2], true);
    const opt = new Adagrad([a], { initialAccumulatorValue: 0.5 });
    expect((opt.state.get(a)!.sum as Tensor).tolist()).toEqual([0.5, 0.5]);
    expect((opt.state.get(a)!.step as Tensor).item()).toBe(0);
    const b = f64([3], true);
    opt.addParamGroup({ params: [b], initialAccumulatorValue: 2 });
    expect((opt.state.get(b)!.sum as Tensor).tolist()).toEqual([2]);
  });

  test("lr decay: step k uses lr / (1 + (k - 1) lrDecay)", () => {
    const p = f64([1], true);
    const opt = new Adagrad([p], { lr: 0.1, lrDecay: 0.5, eps: 0 });
    p.grad = f64([1]);
    opt.step(); // sum 1, p -= 0.1 * 1 / 1
    opt.step(); // sum 2, p -= 0.1 / 1.5 * 1 / sqrt(2)
    expect(p.item()).toBeCloseTo(1 - 0.1 - 0.1 / 1.5 / Math.SQRT2, 14);
  });

  test("a param without grad keeps its state untouched", () => {
    const a = f64([1], true);
    const b = f64([1], true);
    const opt = new Adagrad([a, b]);
    a.grad = f64([1]);
    opt.step();
    expect((opt.state.get(b)!.step as Tensor).item()).toBe(0);
    expect((opt.state.get(a)!.step as Tensor).item()).toBe(1);
  });

  test("adagradUpdate checks parallel lists", () => {
    const options = { lr: 0.1, lrDecay: 0, weightDecay: 0, eps: 1e-10, maximize: false };
    expect(() => adagradUpdate([f64([1])], [f64([1])], [], [tensor(0)], options)).toThrow("adagradUpdate: stateSums has 0 entries but params has 1");
  });
});
