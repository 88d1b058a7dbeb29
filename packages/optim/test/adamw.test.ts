import { Tensor, tensor } from "@tapegrad/core";
import { Adam, AdamW } from "@tapegrad/optim";
import { describe, expect, test } from "vitest";

const f64 = (data: number[], requiresGrad = false): Tensor => tensor(data, { dtype: "float64", requiresGrad });

describe("AdamW", () => {
  test("defaults: weightDecay 1e-2, decoupled; is an Adam", () => {
    const opt = new AdamW([f64([1])]);
    expect(opt).toBeInstanceOf(Adam);
    expect(opt.paramGroups[0]).toMatchObject({ lr: 1e-3, weightDecay: 1e-2, decoupledWeightDecay: true });
  });

  test("decoupled decay: p * (1 - lr * wd), then the Adam step", () => {
    const a = f64([2, -3], true);
    const b = f64([2 * (1 - 0.1 * 0.5), -3 * (1 - 0.1 * 0.5)], true);
    const decoupled = new AdamW([a], { lr: 0.1, weightDecay: 0.5 });
    const plain = new Adam([b], { lr: 0.1 });
    a.grad = f64([0.4, 0.2]);
    b.grad = f64([0.4, 0.2]);
    decoupled.step();
    plain.step();
    (a.tolist() as number[]).forEach((v, i) => expect(v).toBeCloseTo((b.tolist() as number[])[i]!, 14));
  });

  test("rejects decoupledWeightDecay and validates like Adam, naming AdamW", () => {
    expect(() => new AdamW([f64([1])], { decoupledWeightDecay: false } as never)).toThrow('AdamW: unknown option "decoupledWeightDecay"');
    expect(() => new AdamW([f64([1])], { weightDecay: -1 })).toThrow("AdamW: Invalid weightDecay value: -1");
    expect(() => new AdamW([f64([1])], { betas: [0.9, 1] })).toThrow("AdamW: Invalid beta parameter at index 1: 1");
  });

  test("differentiable with a tensor lr: the decay factor depends on lr too", () => {
    const w = f64([1], true);
    const lr = tensor(0.1, { dtype: "float64", requiresGrad: true });
    const p = w.mul(1);
    const opt = new AdamW([p], { lr, weightDecay: 0.5, differentiable: true });
    p.grad = f64([2]);
    opt.step();
    // p1 = p0 (1 - lr wd) - lr g / (|g| + eps): d p1 / d lr = -wd p0 - g / (|g| + eps)
    p.sum().backward();
    expect(lr.grad!.item()).toBeCloseTo(-0.5 - 2 / (2 + 1e-8), 10);
    expect(p.item()).toBeCloseTo(1 * 0.95 - 0.1 * (2 / (2 + 1e-8)), 12);
  });
});
