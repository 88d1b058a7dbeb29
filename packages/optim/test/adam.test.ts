import { Tensor, tensor } from "@tapegrad/core";
import { Adam, adamUpdate } from "@tapegrad/optim";
import { describe, expect, test } from "vitest";

const f64 = (data: number[], requiresGrad = false): Tensor => tensor(data, { dtype: "float64", requiresGrad });

describe("Adam validation", () => {
  test.each([
    [{ lr: -1 }, RangeError, "Adam: Invalid learning rate: -1"],
    [{ eps: -1e-8 }, RangeError, "Adam: Invalid epsilon value: -1e-8"],
    [{ betas: [1, 0.999] }, RangeError, "Adam: Invalid beta parameter at index 0: 1"],
    [{ betas: [0.9, -0.1] }, RangeError, "Adam: Invalid beta parameter at index 1: -0.1"],
    [{ betas: [0.9] }, TypeError, "Adam: betas must be a pair of numbers [beta1, beta2], got an array of length 1"],
    [{ weightDecay: -1 }, RangeError, "Adam: Invalid weightDecay value: -1"],
    [{ amsgrad: "no" }, TypeError, 'Adam: amsgrad must be a boolean, got "no"'],
    [{ beta1: 0.9 }, TypeError, 'Adam: unknown option "beta1"'],
  ])("%o is rejected", (options, type, message) => {
    expect(() => new Adam([f64([1])], options as never)).toThrow(type);
    expect(() => new Adam([f64([1])], options as never)).toThrow(message);
  });

  test("groups added later are validated", () => {
    const opt = new Adam([f64([1])]);
    expect(() => opt.addParamGroup({ params: [f64([1])], betas: [0.9, 1.5] })).toThrow("Invalid beta parameter at index 1: 1.5");
  });

  test("defaults follow PyTorch 2.8", () => {
    const opt = new Adam([f64([1])]);
    expect(opt.paramGroups[0]).toMatchObject({
      lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, decoupledWeightDecay: false,
    });
  });
});

describe("Adam update", () => {
  test("the first step moves each coordinate by about lr against the gradient's sign", () => {
    const p = f64([1, -1, 0.5], true);
    const opt = new Adam([p], { lr: 0.01 });
    p.grad = f64([3, -0.2, 1e-3]);
    opt.step();
    // m_hat = g and v_hat = g^2 at step 1, so the step is lr * g / (|g| + eps).
    const got = p.tolist() as number[];
    [[1, 3], [-1, -0.2], [0.5, 1e-3]].forEach(([p0, g], i) => expect(got[i]).toBeCloseTo(p0! - (0.01 * g!) / (Math.abs(g!) + 1e-8), 12));
    const st = opt.state.get(p)!;
    expect(Object.keys(st)).toEqual(["step", "expAvg", "expAvgSq"]);
    expect((st.step as Tensor).item()).toBe(1);
    expect((st.step as Tensor).dtype).toBe("float32");
  });

  test("amsgrad keeps the running maximum of v", () => {
    const p = f64([0], true);
    const opt = new Adam([p], { lr: 0.1, amsgrad: true, betas: [0.5, 0.5] });
    p.grad = f64([2]);
    opt.step();
    p.grad = f64([0]);
    opt.step();
    const st = opt.state.get(p)!;
    // v1 = 0.5 * 4 = 2, v2 = 1; the maximum stays 2.
    expect((st.expAvgSq as Tensor).item()).toBeCloseTo(1, 14);
    expect((st.maxExpAvgSq as Tensor).item()).toBeCloseTo(2, 14);
  });

  test("L2 weight decay adds weightDecay * p to the gradient", () => {
    const a = f64([2], true);
    const b = f64([2], true);
    const withDecay = new Adam([a], { lr: 0.1, weightDecay: 0.5 });
    const plain = new Adam([b], { lr: 0.1 });
    a.grad = f64([1]);
    b.grad = f64([2]); // 1 + 0.5 * 2
    withDecay.step();
    plain.step();
    expect(a.item()).toBeCloseTo(b.item(), 14);
  });

  test("loads a state dict with a numeric step (PyTorch 1.x) and continues identically", () => {
    const p = f64([1, 2], true);
    const opt = new Adam([p], { lr: 0.05 });
    p.grad = f64([0.3, -0.7]);
    opt.step();
    const sd = opt.stateDict();
    const q = f64(p.tolist() as number[], true);
    const opt2 = new Adam([q], { lr: 0.05 });
    opt2.loadStateDict({ ...sd, state: { 0: { ...sd.state[0]!, step: 1 } } });
    expect((opt2.state.get(q)!.step as Tensor).item()).toBe(1);
    p.grad = f64([0.1, 0.1]);
    q.grad = f64([0.1, 0.1]);
    opt.step();
    opt2.step();
    expect(q.tolist()).toEqual(p.tolist());
    expect(() => opt2.loadStateDict({ ...sd, state: { 0: { step: 1 } } })).toThrow('Adam.loadStateDict: state "expAvg" must be a float tensor, got undefined');
  });
});

describe("differentiable Adam", () => {
  test("d(sum p_2)/d lr over two steps with a constant gradient is about -2 * sum(sign g)", () => {
    const w = f64([1, 2, 3], true);
    const lr = tensor(0.01, { dtype: "float64", requiresGrad: true });
    const p = w.mul(1);
    const opt = new Adam([p], { lr, differentiable: true, amsgrad: true, weightDecay: 0 });
    for (let k = 0; k < 2; k++) {
      p.grad = f64([0.5, -1, 2]);
      opt.step();
    }
    p.sum().backward();
    // Bias correction makes m_hat = g and v_hat = g^2 at every step for a constant gradient.
    expect(lr.grad!.item()).toBeCloseTo(-2 * (1 - 1 + 1), 6);
    expect(w.grad!.tolist()).toEqual([1, 1, 1]);
  });
});

describe("adamUpdate", () => {
  test("checks parallel lists (maxExpAvgSqs only with amsgrad)", () => {
    const p = f64([1]);
    const z = (): Tensor => f64([0]);
    const step = tensor(0);
    const options = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, amsgrad: true, maximize: false };
    expect(() => adamUpdate([p], [f64([1])], [z()], [z()], [], [step], options)).toThrow("adamUpdate: maxExpAvgSqs has 0 entries but params has 1");
    adamUpdate([p], [f64([1])], [z()], [z()], [], [step], { ...options, amsgrad: false });
    expect(step.item()).toBe(1);
  });
});
