import { Tensor, tensor } from "@tapegrad/core";
import { RMSprop, rmspropUpdate } from "@tapegrad/optim";
import { describe, expect, test } from "vitest";

const f64 = (data: number[], requiresGrad = false): Tensor => tensor(data, { dtype: "float64", requiresGrad });

describe("RMSprop validation", () => {
  test.each([
    [{ lr: -1 }, "RMSprop: Invalid learning rate: -1"],
    [{ eps: -1 }, "RMSprop: Invalid epsilon value: -1"],
    [{ momentum: -0.1 }, "RMSprop: Invalid momentum value: -0.1"],
    [{ weightDecay: -0.1 }, "RMSprop: Invalid weightDecay value: -0.1"],
    [{ alpha: -0.5 }, "RMSprop: Invalid alpha value: -0.5"],
  ])("%o is rejected", (options, message) => {
    expect(() => new RMSprop([f64([1])], options)).toThrow(RangeError);
    expect(() => new RMSprop([f64([1])], options)).toThrow(message);
  });

  test("wrong types and unknown options", () => {
    expect(() => new RMSprop([f64([1])], { centered: 1 } as never)).toThrow("RMSprop: centered must be a boolean, got 1");
    expect(() => new RMSprop([f64([1])], { rho: 0.9 } as never)).toThrow('RMSprop: unknown option "rho"');
  });

  test("defaults follow PyTorch 2.8", () => {
    expect(new RMSprop([f64([1])]).paramGroups[0]).toMatchObject({ lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false });
  });
});

describe("RMSprop update", () => {
  test("plain step: sq = (1 - alpha) g^2, p -= lr g / (sqrt(sq) + eps)", () => {
    const p = f64([1], true);
    const opt = new RMSprop([p], { lr: 0.01, alpha: 0.9 });
    p.grad = f64([2]);
    opt.step();
    const sq = 0.1 * 4;
    expect(p.item()).toBeCloseTo(1 - (0.01 * 2) / (Math.sqrt(sq) + 1e-8), 14);
    expect(Object.keys(opt.state.get(p)!)).toEqual(["step", "squareAvg"]);
  });

  test("centered with momentum keeps gradAvg and momentumBuffer", () => {
    const p = f64([1], true);
    const opt = new RMSprop([p], { lr: 0.01, alpha: 0.9, centered: true, momentum: 0.5 });
    p.grad = f64([2]);
    opt.step();
    const st = opt.state.get(p)!;
    expect(Object.keys(st)).toEqual(["step", "squareAvg", "momentumBuffer", "gradAvg"]);
    const avg = Math.sqrt(0.4 - 0.2 * 0.2) + 1e-8;
    expect((st.momentumBuffer as Tensor).item()).toBeCloseTo(2 / avg, 12);
    expect(p.item()).toBeCloseTo(1 - (0.01 * 2) / avg, 12);
  });

  test("momentum turned on later creates the buffer", () => {
    const p = f64([1], true);
    const opt = new RMSprop([p], { lr: 0.01 });
    p.grad = f64([1]);
    opt.step();
    opt.paramGroups[0]!.momentum = 0.9;
    opt.step();
    expect(opt.state.get(p)!.momentumBuffer).toBeInstanceOf(Tensor);
  });

  test("rmspropUpdate checks gradAvgs when centered", () => {
    const options = { lr: 0.1, alpha: 0.9, eps: 1e-8, weightDecay: 0, momentum: 0, centered: true, maximize: false };
    expect(() => rmspropUpdate([f64([1])], [f64([1])], [f64([0])], [], [], [tensor(0)], options)).toThrow(
      "rmspropUpdate: gradAvgs has 0 entries but params has 1",
    );
  });
});
