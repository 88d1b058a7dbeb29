import { Tensor, tensor } from "@tapegrad/core";
import { SGD, sgdUpdate } from "@tapegrad/optim";
import { describe, expect, test } from "vitest";

const f64 = (data: number[], requiresGrad = false): Tensor => tensor(data, { dtype: "float64", requiresGrad });

function expectValues(t: Tensor, want: number[], digits = 12): void {
  const got = t.tolist() as number[];
  want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, digits));
}

describe("SGD validation", () => {
  test.each([
    [{ lr: -0.1 }, RangeError, "SGD: Invalid learning rate: -0.1"],
    [{ lr: Number.NaN }, RangeError, "SGD: Invalid learning rate: NaN"],
    [{ lr: "0.1" }, TypeError, 'SGD: lr must be a number or a 1-element Tensor, got "0.1"'],
    [{ momentum: -1 }, RangeError, "SGD: Invalid momentum value: -1"],
    [{ weightDecay: -0.5 }, RangeError, "SGD: Invalid weightDecay value: -0.5"],
    [{ nesterov: true }, Error, "SGD: Nesterov momentum requires a momentum and zero dampening (momentum 0, dampening 0)"],
    [{ nesterov: true, momentum: 0.9, dampening: 0.1 }, Error, "Nesterov momentum requires a momentum and zero dampening"],
    [{ maximize: 1 }, TypeError, "SGD: maximize must be a boolean, got 1"],
    [{ foreach: "yes" }, TypeError, 'SGD: foreach must be a boolean or undefined, got "yes"'],
    [{ weight_decay: 0.1 }, TypeError, 'SGD: unknown option "weight_decay"'],
  ])("%o is rejected", (options, type, message) => {
    expect(() => new SGD([f64([1])], options as never)).toThrow(type);
    expect(() => new SGD([f64([1])], options as never)).toThrow(message);
  });

  test("a tensor lr must have one element", () => {
    expect(() => new SGD([f64([1])], { lr: f64([0.1, 0.2]) })).toThrow("SGD: Tensor lr must be 1-element, got shape [2]");
  });

  test("group hyperparameters are validated too, and a rejected group is not added", () => {
    const opt = new SGD([f64([1])], { lr: 0.1 });
    expect(() => opt.addParamGroup({ params: [f64([2])], lr: -1 })).toThrow("SGD: Invalid learning rate: -1");
    expect(() => new SGD([{ params: [f64([1])], momentum: -0.5 }])).toThrow("Invalid momentum value: -0.5");
    expect(opt.paramGroups).toHaveLength(1);
  });

  test("defaults follow PyTorch 2.8", () => {
    const opt = new SGD([f64([1])]);
    expect(opt.paramGroups[0]).toMatchObject({ lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, differentiable: false });
  });
});

describe("SGD update", () => {
  test("plain SGD: p - lr * g, params without grad are skipped, no state", () => {
    const a = f64([1, 2], true);
    const b = f64([3], true);
    const opt = new SGD([a, b], { lr: 0.1 });
    a.grad = f64([0.5, -1]);
    opt.step();
    expectValues(a, [0.95, 2.1]);
    expect(b.tolist()).toEqual([3]);
    expect(opt.state.size).toBe(0);
  });

  test("momentum: buf = g, then momentum * buf + (1 - dampening) * g", () => {
    const p = f64([1, 2], true);
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.5 });
    for (let k = 0; k < 2; k++) {
      p.grad = f64([0.5, -1]);
      opt.step();
    }
    // buf1 = g, buf2 = 0.9 g + 0.5 g = 1.4 g; p = p0 - 0.1 * 2.4 g
    expectValues(p, [1 - 0.12, 2 + 0.24]);
    expectValues(opt.state.get(p)!.momentumBuffer as Tensor, [0.7, -1.4]);
  });

  test("nesterov and weight decay", () => {
    const p = f64([1], true);
    const opt = new SGD([p], { lr: 0.1, momentum: 0.5, nesterov: true, weightDecay: 0.1 });
    p.grad = f64([1]);
    opt.step();
    // g = 1 + 0.1 * 1 = 1.1; buf = 1.1; g + 0.5 buf = 1.65
    expectValues(p, [1 - 0.165]);
  });

  test("maximize ascends", () => {
    const p = f64([1], true);
    const opt = new SGD([p], { lr: 0.5, maximize: true });
    p.grad = f64([2]);
    opt.step();
    expectValues(p, [2]);
  });

  test("foreach gives the same values as the single-tensor path", () => {
    const run = (foreach: boolean): number[][] => {
      const ps = [tensor([1, -2, 3], { requiresGrad: true }), tensor([0.5], { requiresGrad: true })];
      const opt = new SGD(ps, { lr: 0.05, momentum: 0.8, dampening: 0.1, weightDecay: 0.01, foreach });
      for (let k = 1; k <= 4; k++) {
        ps[0]!.grad = tensor([0.1 * k, -0.3, 0.2]);
        ps[1]!.grad = k === 2 ? null : tensor([k]);
        opt.step();
      }
      return ps.map((p) => p.tolist() as number[]);
    };
    expect(run(true)).toEqual(run(false));
  });

  test("a Tensor lr is read as its value; a scheduler-style assignment takes effect", () => {
    const p = f64([1], true);
    const opt = new SGD([p], { lr: f64([0.25]).reshape([]) });
    p.grad = f64([1]);
    opt.step();
    expectValues(p, [0.75]);
    opt.paramGroups[0]!.lr = 0.5;
    opt.step();
    expectValues(p, [0.25]);
  });

  test("state dicts round-trip; PyTorch 1.x's null momentum buffer is accepted", () => {
    const p = f64([1, 2], true);
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9 });
    p.grad = f64([1, 1]);
    opt.step();
    const q = f64([0.9, 1.9], true);
    const opt2 = new SGD([q], { lr: 0.1, momentum: 0.9 });
    opt2.loadStateDict(opt.stateDict());
    p.grad = f64([1, 1]);
    q.grad = f64([1, 1]);
    opt.step();
    opt2.step();
    expect(q.tolist()).toEqual(p.tolist());
    const opt3 = new SGD([f64([1])], { lr: 0.1 });
    opt3.loadStateDict({ state: { 0: { momentumBuffer: null } }, paramGroups: [{ ...opt3.stateDict().paramGroups[0]!, params: [0] }] });
    expect(() =>
      opt3.loadStateDict({ state: { 0: { momentum_buffer: null } }, paramGroups: [{ ...opt3.stateDict().paramGroups[0]!, params: [0] }] }),
    ).toThrow('SGD.loadStateDict: unexpected state key "momentum_buffer"');
  });
});

describe("differentiable SGD", () => {
  test("records the update: d(sum p_2)/d lr through two momentum steps", () => {
    const w = f64([1, 2], true);
    const lr = tensor(0.1, { dtype: "float64", requiresGrad: true });
    const p = w.mul(1);
    const opt = new SGD([p], { lr, momentum: 0.9, differentiable: true });
    for (let k = 0; k < 2; k++) {
      p.grad = f64([0.5, -1]);
      opt.step();
    }
    // p2 = p0 - lr * g - lr * 1.9 g, so d sum(p2) / d lr = -2.9 * sum(g) = 1.45
    p.sum().backward();
    expect(lr.grad!.item()).toBeCloseTo(1.45, 12);
    expect(w.grad!.tolist()).toEqual([1, 1]);
  });

  test("a leaf param that requires grad cannot be optimized differentiably (in-place on a leaf)", () => {
    const p = f64([1], true);
    const opt = new SGD([p], { lr: 0.1, differentiable: true });
    p.grad = f64([1]);
    expect(() => opt.step()).toThrow(/leaf tensor that requires grad/);
  });
});

describe("sgdUpdate", () => {
  test("checks that the lists are parallel", () => {
    const p = f64([1]);
    const options = { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };
    expect(() => sgdUpdate([p], [], [null], options)).toThrow("sgdUpdate: grads has 0 entries but params has 1");
    expect(() => sgdUpdate([p], [f64([1])], [], options)).toThrow("sgdUpdate: momentumBuffers has 0 entries but params has 1");
  });

  test("writes new momentum buffers into the list", () => {
    const p = f64([1]);
    const buffers: Array<Tensor | null> = [null];
    sgdUpdate([p], [f64([2])], buffers, { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false });
    expect(buffers[0]!.tolist()).toEqual([2]);
    expectValues(p, [0.8]);
  });
});
