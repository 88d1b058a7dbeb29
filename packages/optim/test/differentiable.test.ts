import { Tensor, getDefaultDtype, grad, setDefaultDtype, tensor } from "@tapegrad/core";
import {
  ASGD, Adagrad, type AdagradParamState, Adam, AdamW, type AdamParamState, type AsgdParamState, Optimizer, RMSprop,
  type RmspropParamState, SGD, type SgdParamState, adagradInitState, adagradUpdatePure, adamInitState, adamUpdatePure,
  asgdInitState, asgdUpdatePure, rmspropInitState, rmspropUpdatePure, sgdUpdatePure, unrollSteps,
} from "@tapegrad/optim";
import { afterEach, beforeEach, describe, expect, test } from "vitest";

const f64 = (data: number[], requiresGrad = false): Tensor => tensor(data, { dtype: "float64", requiresGrad });
const values = (t: Tensor): number[] => Array.from(t.dataSync());

let savedDtype: "float32" | "float64";
beforeEach(() => {
  savedDtype = getDefaultDtype();
});
afterEach(() => setDefaultDtype(savedDtype));

// Inner loss 0.5 * sum(d * (w - c)^2) (saves no parameter itself, so in-place class steps can be
// backpropagated through) and outer loss ||w - target||^2.
const d = f64([1, 3, 0.5]);
const c = f64([0.2, -0.4, 1]);
const target = f64([0.3, -0.2, 0.1]);
const inner = (w: Tensor): Tensor => w.sub(c).square().mul(d).sum().mul(0.5);
const outer = (w: Tensor): Tensor => w.sub(target).square().sum();

type Make = (params: Tensor[], lr: number | Tensor) => Optimizer;
const OPTIMIZERS: Array<[string, Make]> = [
  ["ASGD", (ps, lr) => new ASGD(ps, { lr, lambd: 0.01, t0: 1, differentiable: true })],
  ["SGD", (ps, lr) => new SGD(ps, { lr, momentum: 0.9, differentiable: true })],
  ["Adam", (ps, lr) => new Adam(ps, { lr, differentiable: true })],
  ["AdamW", (ps, lr) => new AdamW(ps, { lr, differentiable: true })],
  ["RMSprop", (ps, lr) => new RMSprop(ps, { lr, differentiable: true })],
  ["Adagrad", (ps, lr) => new Adagrad(ps, { lr, differentiable: true })],
];

describe("what a step records", () => {
  for (const [name, make] of OPTIMIZERS) {
    test(`${name}: differentiable: false records nothing, differentiable: true records the update`, () => {
      const lr = tensor(0.1, { dtype: "float64", requiresGrad: true });
      const leaf = f64([1, -1, 0.5], true);
      const plain = (make([leaf], 0.1).constructor as new (ps: Tensor[], o: object) => Optimizer);
      // differentiable: false, even with a recorded gradient and a tensor lr that requires grad.
      const off = new plain([leaf], { lr });
      const [g] = grad([inner(leaf)], [leaf], { createGraph: true });
      leaf.grad = g!;
      off.step();
      expect(leaf.gradFn).toBeNull();
      expect(leaf.isLeaf).toBe(true);
      for (const v of Object.values(off.state.get(leaf) ?? {})) if (v instanceof Tensor) expect(v.gradFn, `${name} state`).toBeNull();

      const w0 = f64([1, -1, 0.5], true);
      const w = w0.clone();
      const on = make([w], lr);
      const [g2] = grad([inner(w)], [w], { createGraph: true });
      w.grad = g2!;
      const before = w.gradFn;
      on.step();
      expect(w.gradFn).not.toBeNull();
      expect(w.gradFn).not.toBe(before);
      outer(w).backward();
      expect(lr.grad, `${name}: d/d lr`).not.toBeNull();
      expect(w0.grad, `${name}: d/d w0`).not.toBeNull();
    });
  }

  test("ASGD's state carries its history: eta from lr, ax from the params", () => {
    setDefaultDtype("float64");
    const lr = tensor(0.1, { dtype: "float64", requiresGrad: true });
    const w = f64([1, 2, 3], true).clone();
    const opt = new ASGD([w], { lr, differentiable: true });
    w.grad = f64([1, 1, 1]);
    opt.step();
    const st = opt.state.get(w) as unknown as AsgdParamState;
    expect(st.eta.gradFn).not.toBeNull();
    expect(st.ax.gradFn).not.toBeNull();
    expect(st.step.requiresGrad).toBe(false);
    expect(st.mu.requiresGrad).toBe(false);
  });
});

describe("leaf parameters with differentiable: true", () => {
  for (const [name, make] of OPTIMIZERS) {
    test(`${name}: rejected before any state changes, with what to do instead`, () => {
      const p = f64([1, 2, 3], true);
      const opt = make([p], 0.1);
      p.grad = f64([1, 1, 1]);
      const stateBefore = opt.state.size;
      expect(() => opt.step()).toThrow(
        new RegExp(`${name}\\.step: param group 0, params\\[0\\] is a leaf tensor that requires grad; .*Optimize non-leaf clones \\(p\\.clone\\(\\)\\) or use differentiable: false`),
      );
      expect(opt.state.size).toBe(stateBefore);
      for (const v of Object.values(opt.state.get(p) ?? {})) if (v instanceof Tensor && v.numel() === 1) expect(v.item()).toBe(0);
      expect(values(p)).toEqual([1, 2, 3]);
      expect(opt.stepCount).toBe(0);
    });
  }
});

/** K differentiable class steps from w0 with a tensor lr; returns the final params and d(outer)/d(lr, w0). */
function classRun(make: Make, K: number, innerLoss: (w: Tensor) => Tensor = inner): { w: number[]; dLr: number; dW0: number[] } {
  const lr = tensor(0.05, { dtype: "float64", requiresGrad: true });
  const w0 = f64([1, -1, 0.5], true);
  const w = w0.clone();
  const opt = make([w], lr);
  for (let k = 0; k < K; k++) {
    const [g] = grad([innerLoss(w)], [w], { createGraph: true });
    w.grad = g!;
    opt.step();
  }
  outer(w).backward();
  return { w: values(w), dLr: lr.grad!.item(), dW0: values(w0.grad!) };
}

/** The same through a pure update. */
function pureRun<S>(
  init: (w: Tensor, lr: Tensor) => S,
  update: (lr: Tensor) => (ps: Tensor[], gs: Array<Tensor | null>, st: S[]) => { params: Tensor[]; states: S[] },
  K: number,
  innerLoss: (w: Tensor) => Tensor = inner,
) {
  const lr = tensor(0.05, { dtype: "float64", requiresGrad: true });
  const w0 = f64([1, -1, 0.5], true);
  const { params } = unrollSteps([w0], [init(w0, lr)], { steps: K, loss: ([w]) => innerLoss(w!), update: update(lr) });
  outer(params[0]!).backward();
  return { w: values(params[0]!), dLr: lr.grad!.item(), dW0: values(w0.grad!) };
}

describe("class and pure paths agree exactly (values and hypergradients)", () => {
  const sgd = { momentum: 0.9, dampening: 0.1, weightDecay: 0.01, nesterov: false, maximize: false };
  const adam = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, amsgrad: true, maximize: false };
  // alpha 0.3 < 0.5 would take lerp's other branch: 0.99 (PyTorch's default) takes w = 0.01 < 0.5.
  const rmsprop = { alpha: 0.99, eps: 1e-8, weightDecay: 0.01, momentum: 0.9, centered: true, maximize: false };
  const adagrad = { lrDecay: 0.1, weightDecay: 0.01, eps: 1e-10, maximize: false };
  const cases: Array<[string, Make, (innerLoss?: (w: Tensor) => Tensor) => ReturnType<typeof classRun>]> = [
    ["SGD with momentum, dampening, weight decay", (ps, lr) => new SGD(ps, { lr, ...sgd, differentiable: true }),
      (l) => pureRun<SgdParamState>(() => ({ momentumBuffer: null }), (lr) => (ps, gs, st) => sgdUpdatePure(ps, gs, st, { lr, ...sgd }), 4, l)],
    ["SGD nesterov, maximize", (ps, lr) => new SGD(ps, { lr, momentum: 0.5, nesterov: true, maximize: true, differentiable: true }),
      (l) => pureRun<SgdParamState>(() => ({ momentumBuffer: null }), (lr) => (ps, gs, st) =>
        sgdUpdatePure(ps, gs, st, { lr, momentum: 0.5, dampening: 0, weightDecay: 0, nesterov: true, maximize: true }), 4, l)],
    ["Adam amsgrad, weight decay", (ps, lr) => new Adam(ps, { lr, weightDecay: 0.01, amsgrad: true, differentiable: true }),
      (l) => pureRun<AdamParamState>((w) => adamInitState(w, { amsgrad: true }), (lr) => (ps, gs, st) => adamUpdatePure(ps, gs, st, { lr, ...adam }), 4, l)],
    ["AdamW (decoupled weight decay through lr)", (ps, lr) => new AdamW(ps, { lr, weightDecay: 0.1, differentiable: true }),
      (l) => pureRun<AdamParamState>((w) => adamInitState(w), (lr) => (ps, gs, st) =>
        adamUpdatePure(ps, gs, st, { lr, ...adam, amsgrad: false, weightDecay: 0.1, decoupledWeightDecay: true }), 4, l)],
    ["ASGD", (ps, lr) => new ASGD(ps, { lr, lambd: 0.05, t0: 1, weightDecay: 0.01, differentiable: true }),
      (l) => pureRun<AsgdParamState>((w, lr) => asgdInitState(w, lr, { differentiable: true }), (lr) => (ps, gs, st) =>
        asgdUpdatePure(ps, gs, st, { lr, lambd: 0.05, alpha: 0.75, t0: 1, weightDecay: 0.01 }), 4, l)],
    ["RMSprop centered, momentum, weight decay", (ps, lr) => new RMSprop(ps, { lr, ...rmsprop, differentiable: true }),
      (l) => pureRun<RmspropParamState>((w) => rmspropInitState(w, rmsprop), (lr) => (ps, gs, st) => rmspropUpdatePure(ps, gs, st, { lr, ...rmsprop }), 4, l)],
    ["RMSprop plain, maximize", (ps, lr) => new RMSprop(ps, { lr, alpha: 0.3, maximize: true, differentiable: true }),
      (l) => pureRun<RmspropParamState>((w) => rmspropInitState(w), (lr) => (ps, gs, st) =>
        rmspropUpdatePure(ps, gs, st, { lr, alpha: 0.3, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: true }), 4, l)],
    ["Adagrad with lr decay, weight decay, initial accumulator", (ps, lr) => new Adagrad(ps, { lr, ...adagrad, initialAccumulatorValue: 0.1, differentiable: true }),
      (l) => pureRun<AdagradParamState>((w) => adagradInitState(w, { initialAccumulatorValue: 0.1 }), (lr) => (ps, gs, st) =>
        adagradUpdatePure(ps, gs, st, { lr, ...adagrad }), 4, l)],
  ];
  // A loss whose recorded gradient saves the param itself (as an MLP's second layer saves its
  // weight): the class path rebinds the param at each step, so it needs no copies either.
  const x = f64([0.5, -1, 2]).reshape([1, 3]);
  const savingLoss = (w: Tensor): Tensor => x.mul(w).matmul(w.reshape([3, 1])).square().sum().mul(0.1).add(inner(w));
  for (const [label, make, pure] of cases) {
    for (const [what, innerLoss] of [["", inner], [", with a loss that saves the param", savingLoss]] as const) {
      test(label + what, () => {
        setDefaultDtype("float64");
        const a = classRun(make, 4, innerLoss);
        const b = pure(innerLoss);
        expect(b.w).toEqual(a.w);
        expect(b.dW0).toEqual(a.dW0);
        expect(b.dLr).toBe(a.dLr);
        expect(a.dLr).not.toBe(0);
      });
    }
  }
});

describe("pure updates", () => {
  const sgdOptions = { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };
  const adamOptions = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false };

  test("inputs are never mutated; a null gradient passes the param and its state through", () => {
    const p = f64([1, 2]);
    const q = f64([3]);
    const sgdStates: SgdParamState[] = [{ momentumBuffer: f64([0.5, 0.5]) }, { momentumBuffer: null }];
    const s = sgdUpdatePure([p, q], [f64([1, 1]), null], sgdStates, sgdOptions);
    expect(values(p)).toEqual([1, 2]);
    expect(values(sgdStates[0]!.momentumBuffer!)).toEqual([0.5, 0.5]);
    expect(values(s.states[0]!.momentumBuffer!)).toEqual([1.45, 1.45]);
    expect(values(s.params[0]!)).toEqual([1 - 0.1 * 1.45, 2 - 0.1 * 1.45]);
    expect(s.params[1]).toBe(q);
    expect(s.states[1]).toBe(sgdStates[1]);

    const adamStates = [adamInitState(p), adamInitState(q)];
    const a = adamUpdatePure([p, q], [f64([1, -1]), null], adamStates, adamOptions);
    expect(values(p)).toEqual([1, 2]);
    expect(adamStates[0]!.step.item()).toBe(0);
    expect(values(adamStates[0]!.expAvg)).toEqual([0, 0]);
    expect(a.states[0]!.step.item()).toBe(1);
    // First Adam step: about lr against the gradient's sign.
    values(a.params[0]!).forEach((v, i) => expect(v).toBeCloseTo([0.9, 2.1][i]!, 6));
    expect(a.params[1]).toBe(q);
    expect(a.states[1]).toBe(adamStates[1]);
  });

  test("invalid arguments are rejected with the function and argument named", () => {
    const p = f64([1, 2]);
    expect(() => sgdUpdatePure([p], [f64([1, 1])], [], sgdOptions)).toThrow("sgdUpdatePure: states has 0 entries but params has 1");
    expect(() => sgdUpdatePure([p], [f64([1])], [{ momentumBuffer: null }], sgdOptions)).toThrow(/sgdUpdatePure: grads\[0\] is a float64 Tensor of shape \[1\], but params\[0\]/);
    expect(() => sgdUpdatePure([p], [f64([1, 1])], [{ momentumBuffer: null }], { ...sgdOptions, momentum: -1 })).toThrow("sgdUpdatePure: momentum must be a finite number >= 0, got -1");
    expect(() => sgdUpdatePure([p], [f64([1, 1])], [{ momentumBuffer: null }], { ...sgdOptions, foreach: true })).toThrow(/not supported by the pure update/);
    expect(() => sgdUpdatePure([p], [f64([1, 1])], [{} as SgdParamState], sgdOptions)).toThrow("sgdUpdatePure: states[0].momentumBuffer must be a Tensor or null");
    expect(() => adamUpdatePure([p], [f64([1, 1])], [adamInitState(p)], { ...adamOptions, beta1: 1 })).toThrow("adamUpdatePure: beta1 must be a number in [0, 1), got 1");
    expect(() => adamUpdatePure([p], [f64([1, 1])], [adamInitState(p)], { ...adamOptions, amsgrad: true })).toThrow(/adamUpdatePure: states\.maxExpAvgSq\[0\] must be a Tensor/);
    expect(() => adamInitState(tensor([1, 2], { dtype: "int32" }))).toThrow(/adamInitState: param must be a float tensor/);
    const rms = { lr: 0.1, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0.9, centered: false, maximize: false };
    expect(() => rmspropUpdatePure([p], [f64([1, 1])], [rmspropInitState(p)], rms)).toThrow(/rmspropUpdatePure: states\.momentumBuffer\[0\] must be a Tensor/);
    expect(() => rmspropUpdatePure([p], [f64([1, 1])], [rmspropInitState(p, rms)], { ...rms, alpha: -1 })).toThrow("rmspropUpdatePure: alpha must be a finite number >= 0, got -1");
    expect(() => rmspropUpdatePure([p], [f64([1, 1])], [{ ...rmspropInitState(p, rms), step: f64([1, 2]) }], rms)).toThrow("rmspropUpdatePure: states[0].step must be a 1-element float tensor");
    const ada = { lr: 0.1, lrDecay: 0, weightDecay: 0, eps: 1e-10, maximize: false };
    expect(() => adagradUpdatePure([p], [f64([1, 1])], [adagradInitState(p)], { ...ada, maximize: "no" as never })).toThrow("adagradUpdatePure: maximize must be a boolean, got no");
    expect(() => adagradUpdatePure([p], [f64([1, 1])], [adagradInitState(p)], { ...ada, foreach: true } as never)).toThrow(/not supported by the pure update/);
    expect(() => adagradInitState(tensor([true]))).toThrow(/adagradInitState: param must be a float tensor/);
  });

  test("RMSprop and Adagrad pure steps leave their inputs alone", () => {
    const p = f64([1, 2]);
    const rs = rmspropInitState(p, { momentum: 0.5, centered: true });
    const r = rmspropUpdatePure([p], [f64([1, -1])], [rs], { lr: 0.1, alpha: 0.9, eps: 1e-8, weightDecay: 0, momentum: 0.5, centered: true, maximize: false });
    const as = adagradInitState(p, { initialAccumulatorValue: 0.5 });
    const a = adagradUpdatePure([p], [f64([1, -1])], [as], { lr: 0.1, lrDecay: 0, weightDecay: 0, eps: 1e-10, maximize: false });
    expect(values(p)).toEqual([1, 2]);
    expect([values(rs.squareAvg), values(rs.gradAvg!), values(rs.momentumBuffer!), values(as.sum)]).toEqual([[0, 0], [0, 0], [0, 0], [0.5, 0.5]]);
    expect([rs.step.item(), as.step.item(), r.states[0]!.step.item(), a.states[0]!.step.item()]).toEqual([0, 0, 1, 1]);
    expect(values(a.states[0]!.sum)).toEqual([1.5, 1.5]);
    const step = 0.1 / (Math.sqrt(1.5) + 1e-10);
    values(a.params[0]!).forEach((v, i) => expect(v).toBeCloseTo([1 - step, 2 + step][i]!, 12));
  });
});

describe("unrollSteps", () => {
  const update = (lr: number | Tensor) => (ps: Tensor[], gs: Array<Tensor | null>, st: SgdParamState[]) =>
    sgdUpdatePure(ps, gs, st, { lr, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false });

  test("validates its arguments", () => {
    const w = f64([1, 2, 3], true);
    const ok = { steps: 1, loss: ([p]: Tensor[]) => inner(p!), update: update(0.1) };
    expect(() => unrollSteps([], [], ok)).toThrow("unrollSteps: params must be a non-empty array of tensors");
    expect(() => unrollSteps([w], [], ok)).toThrow("unrollSteps: states must be an array with one entry per param (1)");
    expect(() => unrollSteps([w], [{ momentumBuffer: null }], { ...ok, steps: 1.5 })).toThrow("unrollSteps: steps must be an integer >= 0, got 1.5");
    expect(() => unrollSteps([w], [{ momentumBuffer: null }], { ...ok, loss: () => f64([1, 2], true) })).toThrow("unrollSteps: loss at step 0 must be a one-element tensor");
    expect(() => unrollSteps([w], [{ momentumBuffer: null }], { ...ok, loss: () => f64([1]) })).toThrow("unrollSteps: the loss at step 0 does not depend on any parameter");
    expect(() => unrollSteps([w], [{ momentumBuffer: null }], { ...ok, update: () => ({ params: [], states: [] }) })).toThrow(
      "unrollSteps: update returned 0 params and 0 states for 1 params",
    );
  });

  test("returns the inner losses and leaves the initial tensors alone; constant params work too", () => {
    const w = f64([1, 2, 3]);
    const { params, losses } = unrollSteps([w], [{ momentumBuffer: null }], { steps: 3, loss: ([p]) => inner(p!), update: update(0.1) });
    expect(losses.length).toBe(3);
    expect(losses[0]).toBeCloseTo(inner(w).item(), 14);
    expect(losses[2]!).toBeLessThan(losses[0]!);
    expect(values(w)).toEqual([1, 2, 3]);
    expect(values(params[0]!)).not.toEqual([1, 2, 3]);
  });

  test("first order: exact for K = 1 (the first gradient does not depend on lr), approximate for K > 1", () => {
    const run = (K: number, firstOrder: boolean): number => {
      const lr = tensor(0.2, { dtype: "float64", requiresGrad: true });
      const w0 = f64([1, -1, 0.5], true);
      const { params } = unrollSteps([w0], [{ momentumBuffer: null }], { steps: K, loss: ([p]) => inner(p!), update: update(lr), firstOrder });
      outer(params[0]!).backward();
      return lr.grad!.item();
    };
    expect(run(1, true)).toBeCloseTo(run(1, false), 14);
    expect(Math.abs(run(5, true) - run(5, false))).toBeGreaterThan(1e-3);
  });

  test("backward frees the graph of every unrolled step", () => {
    const lr = tensor(0.2, { dtype: "float64", requiresGrad: true });
    const w0 = f64([1, -1, 0.5], true);
    const { params } = unrollSteps([w0], [{ momentumBuffer: null }], { steps: 3, loss: ([p]) => inner(p!), update: update(lr) });
    const loss = outer(params[0]!);
    loss.backward();
    expect(() => loss.backward()).toThrow(/backward through the graph a second time/);
  });
});

describe("the class path rebinds params; ordinary in-place ops keep PyTorch's version errors", () => {
  test("a step leaves the storage a graph saved untouched: reading the param straight or through copies gives the same hypergradient", () => {
    setDefaultDtype("float64");
    const x = f64([0.5, -1, 2]).reshape([1, 3]);
    const run = (copy: boolean): number => {
      const lr = tensor(0.1, { dtype: "float64", requiresGrad: true });
      const w = f64([0.1, 0.2, -0.3], true).clone();
      const opt = new ASGD([w], { lr, differentiable: true });
      for (let k = 0; k < 2; k++) {
        // In the recorded gradient of ((x*w) @ w)^2, d/dh = 2(h @ w) @ w^T saves w itself unless the forward reads a copy.
        const wk = copy ? w.clone() : w;
        const [g] = grad([x.mul(wk).matmul(wk.reshape([3, 1])).square().sum()], [w], { createGraph: true });
        w.grad = g!;
        opt.step();
      }
      w.sum().backward();
      return lr.grad!.item();
    };
    const straight = run(false);
    expect(Number.isFinite(straight)).toBe(true);
    expect(straight).toBe(run(true));
  });

  test("the old storage keeps its values and version; the param gets a new storage and the update's history", () => {
    setDefaultDtype("float64");
    const lr = tensor(0.1, { dtype: "float64", requiresGrad: true });
    const w = f64([0.1, 0.2, -0.3], true).clone();
    const oldView = w.view([3]);
    const versionBefore = w.version;
    const opt = new SGD([w], { lr, differentiable: true });
    const [g] = grad([inner(w)], [w], { createGraph: true });
    w.grad = g!;
    opt.step();
    expect(values(oldView)).toEqual([0.1, 0.2, -0.3]);
    expect(oldView.version).toBe(versionBefore);
    expect(values(w)).not.toEqual([0.1, 0.2, -0.3]);
    expect(w.gradFn).not.toBeNull();
  });

  test("an ordinary in-place op on a saved tensor still fails at backward, with PyTorch's message", () => {
    const a = f64([1, 2, 3], true).clone();
    const y = a.mul(a).sum();
    a.mul_(2);
    expect(() => y.backward()).toThrow(
      /MulBackward: one of the tensors needed for gradient computation has been modified by an in-place operation: a float64 tensor of shape \[3\] is at version 1; expected version 0 instead/,
    );
    const b = f64([1, 2, 3], true).clone();
    const z = b.exp().sum(); // ExpBackward saves its result
    const e = b.exp();
    const s = e.mul(e).sum();
    e.add_(1);
    expect(() => s.backward()).toThrow(/modified by an in-place operation/);
    z.backward();
  });
});
