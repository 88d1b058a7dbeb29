import { Tensor, getDefaultDtype, grad, noGrad, setDefaultDtype, tensor, zeros } from "@tapegrad/core";
import { ASGD, type AsgdParamState, asgdInitState, asgdUpdate, asgdUpdatePure, type OptimizerStateDict } from "@tapegrad/optim";
import { afterEach, describe, expect, test } from "vitest";

const stateOf = (opt: ASGD, p: Tensor): AsgdParamState => opt.state.get(p) as unknown as AsgdParamState;
const values = (t: Tensor): number[] => Array.from(t.dataSync());
const hyper = { lr: 0.1, lambd: 0.01, alpha: 0.75, t0: 2, weightDecay: 0.05 };

afterEach(() => setDefaultDtype("float32"));

describe("ASGD constructor", () => {
  test("PyTorch's defaults, in PyTorch's key order", () => {
    const p = zeros([2]);
    const opt = new ASGD([p]);
    const g = opt.paramGroups[0]!;
    expect(Object.keys(g)).toEqual(["params", "lr", "lambd", "alpha", "t0", "weightDecay", "foreach", "maximize", "differentiable", "capturable"]);
    expect([g.lr, g.lambd, g.alpha, g.t0, g.weightDecay, g.foreach, g.maximize, g.differentiable, g.capturable]).toEqual([
      1e-2, 1e-4, 0.75, 1e6, 0, undefined, false, false, false,
    ]);
    expect(opt.state.size).toBe(0);
  });

  test.each([
    [{ lr: -0.1 }, RangeError, /^ASGD: Invalid learning rate: -0\.1$/],
    [{ lr: NaN }, RangeError, /Invalid learning rate: NaN/],
    [{ lr: Infinity }, RangeError, /Invalid learning rate: Infinity \(lr must be finite\)/],
    [{ lr: tensor([0.1, 0.2]) }, RangeError, /ASGD: Tensor lr must be 1-element, got shape \[2\]/],
    [{ lr: tensor([-0.5]) }, RangeError, /Invalid learning rate: tensor\(-0\.5\)/],
    [{ lr: "0.1" }, TypeError, /ASGD: lr must be a number or a 1-element Tensor, got "0\.1"/],
    [{ weightDecay: -1 }, RangeError, /^ASGD: Invalid weight_decay value: -1$/],
    [{ weightDecay: Infinity }, RangeError, /Invalid weight_decay value: Infinity \(weightDecay must be finite\)/],
    [{ weightDecay: NaN }, RangeError, /Invalid weight_decay value: NaN/],
    [{ lambd: -1e-4 }, RangeError, /ASGD: Invalid lambd value: -0\.0001 \(lambd must be a finite number >= 0\)/],
    [{ lambd: NaN }, RangeError, /Invalid lambd value: NaN/],
    [{ lambd: Infinity }, RangeError, /Invalid lambd value: Infinity/],
    [{ alpha: -0.5 }, RangeError, /ASGD: Invalid alpha value: -0\.5 \(alpha must be a finite number >= 0\)/],
    [{ alpha: Infinity }, RangeError, /Invalid alpha value: Infinity/],
    [{ t0: NaN }, RangeError, /ASGD: Invalid t0 value: NaN \(t0 must be a finite number\)/],
    [{ t0: -Infinity }, RangeError, /Invalid t0 value: -Infinity/],
    [{ alpha: "1" }, TypeError, /ASGD: alpha must be a number or a 1-element Tensor, got "1"/],
    [{ maximize: 1 }, TypeError, /ASGD: maximize must be a boolean, got 1/],
    [{ foreach: "yes" }, TypeError, /ASGD: foreach must be a boolean, null or undefined/],
    [{ foreach: true, differentiable: true }, Error, /foreach: true is not supported with differentiable: true/],
    [{ momentum: 0.9 }, TypeError, /ASGD: unknown option "momentum"/],
  ])("rejects %o", (options, kind, message) => {
    expect(() => new ASGD([zeros([2])], options as never)).toThrow(kind);
    expect(() => new ASGD([zeros([2])], options as never)).toThrow(message);
  });

  test("negative t0 and lr 0 are valid", () => {
    expect(() => new ASGD([zeros([1])], { t0: -3, lr: 0 })).not.toThrow();
  });

  test("group overrides are validated, and a rejected addParamGroup changes nothing", () => {
    const a = zeros([2]);
    const b = zeros([2]);
    expect(() => new ASGD([{ params: [a], lambd: -1 }])).toThrow(/Invalid lambd value: -1/);
    const opt = new ASGD([a]);
    expect(() => opt.addParamGroup({ params: [b], alpha: NaN })).toThrow(/Invalid alpha value: NaN/);
    expect(() => opt.addParamGroup({ params: [b], lr: -2 })).toThrow(/Invalid learning rate: -2/);
    expect(opt.paramGroups.length).toBe(1);
    opt.addParamGroup({ params: [b], lr: 0.5 });
    expect(opt.paramGroups[1]!.lr).toBe(0.5);
    expect(opt.paramGroups[1]!.lambd).toBe(1e-4);
  });

  test("a hyperparameter made invalid after construction is reported by step() before anything changes", () => {
    const p = tensor([1, 2]);
    const q = tensor([3]);
    const opt = new ASGD([{ params: [p] }, { params: [q] }]);
    p.grad = tensor([1, 1]);
    q.grad = tensor([1]);
    opt.paramGroups[1]!.lambd = -1;
    expect(() => opt.step()).toThrow(/ASGD\.step: param group 1: Invalid lambd value: -1/);
    expect(values(p)).toEqual([1, 2]);
    expect(opt.state.size).toBe(0);
    expect(opt.stepCount).toBe(0);
  });
});

describe("ASGD step", () => {
  test("reproduces PyTorch's reference trajectory (spec B.12)", () => {
    const p = tensor([1, -2, 3]);
    const opt = new ASGD([p], hyper);
    const want = [
      { p: [0.9440000057220459, -1.9630000591278076, 2.881999969482422], eta: 0.09992506355047226, mu: 1 },
      { p: [0.8384152054786682, -1.9012682437896729, 2.6648707389831543], eta: 0.09985025972127914, mu: 1 },
      { p: [0.6836168766021729, -1.8149900436401367, 2.3493547439575195], eta: 0.09977559000253677, mu: 1 },
      { p: [0.479973167181015, -1.7043489217758179, 1.9361878633499146], eta: 0.09970104694366455, mu: 0.5 },
      {
        p: [0.2278493195772171, -1.5695271492004395, 1.426100254058838],
        eta: 0.09962663054466248,
        mu: 0.3333333432674408,
        ax: [0.35391125082969666, -1.6369380950927734, 1.6811439990997314],
      },
      {
        p: [-0.07239256054162979, -1.4107052087783813, 0.8198157548904419],
        eta: 0.09955234825611115,
        mu: 0.25,
        ax: [0.21180997788906097, -1.561527132987976, 1.3940346240997314],
      },
    ];
    want.forEach((w, k) => {
      p.grad = tensor([0.5, -0.25, 1]).mul(k + 1);
      opt.step();
      const st = stateOf(opt, p);
      expect(values(p)).toEqual(w.p);
      expect(st.step.item()).toBe(k + 1);
      expect(st.eta.item()).toBe(w.eta);
      expect(st.mu.item()).toBe(w.mu);
      expect(values(st.ax)).toEqual(w.ax ?? w.p);
    });
  });

  test("eta lags the group lr by one step (spec B.8 scheduler example)", () => {
    const p = tensor([1]);
    const opt = new ASGD([p], { lr: 0.05, lambd: 0 });
    const lrs = [0.05, 0.075, 0.1, 0.1];
    const want = [0.949999988079071, 0.8999999761581421, 0.824999988079071, 0.7249999642372131];
    lrs.forEach((lr, k) => {
      opt.paramGroups[0]!.lr = lr;
      p.grad = tensor([1]);
      opt.step();
      expect(p.item()).toBe(want[k]);
      expect(opt.currentEta(p)).toBe(Math.fround(lr));
    });
  });

  test("state is lazy: created at the first step with a grad, in the order step, eta, mu, ax", () => {
    const a = tensor([1, 2]);
    const b = tensor([3]);
    const opt = new ASGD([a, b], { lr: 0.2 });
    a.grad = tensor([1, 1]);
    opt.step();
    expect(opt.state.has(b)).toBe(false);
    expect(values(b)).toEqual([3]);
    const st = stateOf(opt, a);
    expect(Object.keys(st)).toEqual(["step", "eta", "mu", "ax"]);
    expect([st.step.dtype, st.eta.dtype, st.mu.dtype, st.ax.dtype]).toEqual(["float32", "float32", "float32", "float32"]);
    expect(st.step.shape).toEqual([]);
    // A zero gradient is a gradient: the state advances and lambd still decays the param.
    b.grad = tensor([0]);
    a.grad = null;
    opt.step();
    expect(stateOf(opt, b).step.item()).toBe(1);
    expect(stateOf(opt, a).step.item()).toBe(1);
    expect(b.item()).toBe(Math.fround(3 * Math.fround(1 - 1e-4 * Math.fround(0.2))));
  });

  test("the scalar state is float64 when the default dtype is float64", () => {
    setDefaultDtype("float64");
    const p = tensor([1, 2], { dtype: "float32" });
    const opt = new ASGD([p], { lr: 0.1 });
    p.grad = tensor([1, 1], { dtype: "float32" });
    opt.step();
    const st = stateOf(opt, p);
    expect([st.step.dtype, st.eta.dtype, st.mu.dtype, st.ax.dtype]).toEqual(["float64", "float64", "float64", "float32"]);
    expect(st.eta.item()).toBe(0.1 / Math.pow(1 + 1e-4 * 0.1 * 1, 0.75));
  });

  test("float64 params are updated in double precision", () => {
    const p = tensor([1, -2], { dtype: "float64" });
    const opt = new ASGD([p], { ...hyper, weightDecay: 0 });
    p.grad = tensor([0.3, 0.7], { dtype: "float64" });
    opt.step();
    const e = Math.fround(0.1);
    expect(values(p)).toEqual([1 * (1 - 0.01 * e) - e * 0.3, -2 * (1 - 0.01 * e) - e * 0.7]);
  });

  test("step returns the closure's loss, computed with grad enabled", () => {
    const p = tensor([2], { requiresGrad: true });
    const opt = new ASGD([p], { lr: 0.1, lambd: 0 });
    const loss = opt.step(() => {
      opt.zeroGrad();
      const l = p.mul(p).sum();
      l.backward();
      return l;
    });
    expect((loss as Tensor).item()).toBe(4);
    expect(p.item()).toBe(Math.fround(2 - Math.fround(0.1) * 4));
    expect(opt.stepCount).toBe(1);
  });

  test("a 1-element tensor lr works (eta from its value, later etas from tensor maths)", () => {
    const p = tensor([1, 1]);
    const q = tensor([1, 1]);
    const a = new ASGD([p], { lr: tensor([0.1]) });
    const b = new ASGD([q], { lr: 0.1 });
    for (let k = 0; k < 3; k++) {
      p.grad = tensor([1, -1]);
      q.grad = tensor([1, -1]);
      a.step();
      b.step();
    }
    expect(values(p)).toEqual(values(q));
    expect(Math.abs(a.currentEta(p)! - b.currentEta(q)!)).toBeLessThan(2e-8);
  });

  test("the foreach path agrees with the single-tensor path within a few float32 ulps", () => {
    const make = () => [tensor([[0.5, -1.5], [2, 0.25]]), tensor([3, -0.75, 1.25]), tensor([1, 2], { dtype: "float64" })];
    const ps = make();
    const qs = make();
    const a = new ASGD(ps, { ...hyper, maximize: true });
    const b = new ASGD(qs, { ...hyper, maximize: true, foreach: true });
    for (let k = 1; k <= 20; k++) {
      ps.forEach((p, i) => (p.grad = p.mul(0.1 * k).add(i)));
      qs.forEach((p, i) => (p.grad = ps[i]!.grad!.clone()));
      a.step();
      b.step();
      ps.forEach((p, i) => {
        const x = values(p);
        const y = values(qs[i]!);
        x.forEach((v, j) => expect(Math.abs(v - y[j]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(v))));
        expect(stateOf(a, p).mu.item()).toBe(stateOf(b, qs[i]!).mu.item());
      });
    }
  });

  test("capturable: step, eta and mu from tensor ops, close to the default path", () => {
    const p = tensor([1, -2, 3]);
    const q = tensor([1, -2, 3]);
    const r = tensor([1, -2, 3]);
    const a = new ASGD([p], hyper);
    const b = new ASGD([q], { ...hyper, capturable: true });
    const c = new ASGD([r], { ...hyper, capturable: true, foreach: true });
    for (let k = 1; k <= 8; k++) {
      for (const t of [p, q, r]) t.grad = tensor([0.5, -0.25, 1]).mul(k);
      a.step();
      b.step();
      c.step();
    }
    for (const [opt, t] of [[b, q], [c, r]] as const) {
      const st = stateOf(opt, t);
      expect(st.step.item()).toBe(8);
      expect(st.mu.item()).toBe(stateOf(a, p).mu.item());
      expect(Math.abs(st.eta.item() - stateOf(a, p).eta.item())).toBeLessThan(3e-8);
      values(t).forEach((v, j) => expect(Math.abs(v - values(p)[j]!)).toBeLessThan(1e-5));
      values(st.ax).forEach((v, j) => expect(Math.abs(v - values(stateOf(a, p).ax)[j]!)).toBeLessThan(1e-5));
    }
  });
});

describe("asgdUpdate (functional)", () => {
  const opts = { lr: 0.1, lambd: 0.01, alpha: 0.75, t0: 0, weightDecay: 0.05 };

  test("a non-contiguous parameter takes the tensor-op path with the same values as the fused kernel", () => {
    const base = tensor([[1, 2, 3], [4, 5, 6]]);
    const pT = base.T; // [3, 2], non-contiguous view
    const dense = base.T.contiguous();
    expect(pT.isContiguous()).toBe(false);
    const s1 = asgdInitState(pT, 0.1);
    const s2 = asgdInitState(dense, 0.1);
    for (let k = 1; k <= 6; k++) {
      const g = tensor([[1, -1], [0.5, 2], [-3, 0.25]]).mul(k);
      asgdUpdate([pT], [g], [s1.ax], [s1.mu], [s1.eta], [s1.step], opts);
      asgdUpdate([dense], [g], [s2.ax], [s2.mu], [s2.eta], [s2.step], opts);
      expect(values(pT)).toEqual(values(dense));
      expect(values(s1.ax)).toEqual(values(s2.ax));
      expect(s1.eta.item()).toBe(s2.eta.item());
      expect(s1.mu.item()).toBe(s2.mu.item());
    }
    expect(values(base.T)).toEqual(values(dense));
  });

  test("validates its lists and leaves everything unchanged on error", () => {
    const p = tensor([1, 2]);
    const s = asgdInitState(p, 0.1);
    const call = (over: Partial<Record<string, unknown>>, o: Record<string, unknown> = opts) =>
      asgdUpdate(
        (over.params ?? [p]) as Tensor[],
        (over.grads ?? [tensor([1, 1])]) as Tensor[],
        (over.axs ?? [s.ax]) as Tensor[],
        (over.mus ?? [s.mu]) as Tensor[],
        [s.eta],
        [s.step],
        o as never,
      );
    expect(() => call({ grads: [] })).toThrow(/asgdUpdate: grads has 0 entries but params has 1/);
    expect(() => call({ grads: [tensor([1, 1, 1])] })).toThrow(/asgdUpdate: grads\[0\] has dtype float32 and shape \[3\], but params\[0\] has dtype float32 and shape \[2\]/);
    expect(() => call({ axs: [tensor([1, 1], { dtype: "float64" })] })).toThrow(/axs\[0\] has dtype float64/);
    expect(() => call({ mus: [tensor([1, 1])] })).toThrow(/mus\[0\] must be a 1-element float tensor/);
    expect(() => call({ params: [tensor([1, 2], { dtype: "int32" })] })).toThrow(/params\[0\] must be float32 or float64, got int32/);
    expect(() => call({}, { ...opts, lambd: -1 })).toThrow(/asgdUpdate: Invalid lambd value: -1/);
    expect(() => call({}, { ...opts, lr: undefined })).toThrow(/asgdUpdate: lr must be a number/);
    expect(values(p)).toEqual([1, 2]);
    expect(s.step.item()).toBe(0);
    call({});
    expect(s.step.item()).toBe(1);
  });

  test("differentiable: a leaf that requires grad is rejected with advice", () => {
    const p = tensor([1, 2], { requiresGrad: true });
    const s = asgdInitState(p, 0.1);
    expect(() => asgdUpdate([p], [tensor([1, 1])], [s.ax], [s.mu], [s.eta], [s.step], { ...opts, differentiable: true })).toThrow(
      /params\[0\] is a leaf tensor that requires grad.*Pass non-leaf clones \(p\.clone\(\)\) as params, or use differentiable: false/,
    );
    const opt = new ASGD([p.clone()], { differentiable: true });
    expect(() => new ASGD([p.mul(2)])).toThrow(/can't optimize a non-leaf Tensor/);
    const leafOpt = new ASGD([p], { differentiable: true });
    p.grad = tensor([1, 1]);
    expect(() => leafOpt.step()).toThrow(/ASGD\.step: param group 0, params\[0\] is a leaf tensor that requires grad/);
    expect(leafOpt.state.size).toBe(0);
    expect(opt.paramGroups.length).toBe(1);
  });
});

describe("differentiable ASGD and the pure update", () => {
  // Inner loss 0.5 * ||A w - y||^2 over a few unrolled steps; outer loss ||w - target||^2.
  const A = tensor([[1, 0.5], [0.2, 2], [-1, 0.3]], { dtype: "float64" });
  const y = tensor([1, -1, 0.5], { dtype: "float64" });
  const target = tensor([0.3, -0.2], { dtype: "float64" });
  const inner = (w: Tensor) => A.matmul(w).sub(y).square().sum().mul(0.5);
  const outer = (w: Tensor) => w.sub(target).square().sum();
  const hp = { lambd: 0.05, alpha: 0.75, t0: 1, weightDecay: 0.01 };
  const K = 4;

  /** The outer loss after K plain (non-differentiable) ASGD steps with a number lr, in float64. */
  function unrolled(lr: number): number {
    const w = tensor([0.5, 0.5], { dtype: "float64", requiresGrad: true });
    const opt = new ASGD([w], { lr, ...hp });
    for (let k = 0; k < K; k++) {
      opt.zeroGrad();
      inner(w).backward();
      opt.step();
    }
    return outer(w.detach()).item();
  }

  test("the class records the update: eta of step 1 is lr, d(outer)/d(lr) matches finite differences", () => {
    // The in-place update bumps w's version counter, so the inner loss must not save w itself for
    // backward (A.matmul(w) would; see asgdUpdate's documentation): a diagonal quadratic.
    const d = tensor([1, 3], { dtype: "float64" });
    const c = tensor([0.2, -0.4], { dtype: "float64" });
    const inner = (w: Tensor) => w.sub(c).square().mul(d).sum().mul(0.5);
    const unrolled = (lrValue: number): number => {
      const w = tensor([0.5, 0.5], { dtype: "float64", requiresGrad: true });
      const opt = new ASGD([w], { lr: lrValue, ...hp });
      for (let k = 0; k < K; k++) {
        opt.zeroGrad();
        inner(w).backward();
        opt.step();
      }
      return outer(w.detach()).item();
    };
    setDefaultDtype("float64");
    const lr = tensor(0.1, { dtype: "float64", requiresGrad: true });
    const w0 = tensor([0.5, 0.5], { dtype: "float64", requiresGrad: true });
    const w = w0.clone();
    const opt = new ASGD([w], { lr, ...hp, differentiable: true });
    for (let k = 0; k < K; k++) {
      const [g] = grad([inner(w)], [w], { createGraph: true });
      w.grad = g!;
      opt.step();
      if (k === 0) expect(stateOf(opt, w).eta.gradFn).not.toBeNull();
    }
    const loss = outer(w);
    expect(loss.item()).toBeCloseTo(unrolled(0.1), 12);
    loss.backward();
    const h = 1e-6;
    const fd = (unrolled(0.1 + h) - unrolled(0.1 - h)) / (2 * h);
    expect(Math.abs(lr.grad!.item() - fd)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
    expect(w0.grad).not.toBeNull();
  });

  test("asgdUpdatePure returns new params and state, leaves its inputs alone, and gives the same hypergradient", () => {
    setDefaultDtype("float64");
    const lr = tensor(0.1, { dtype: "float64", requiresGrad: true });
    const w0 = tensor([0.5, 0.5], { dtype: "float64", requiresGrad: true });
    let params = [w0];
    let states = [asgdInitState(w0, lr, { differentiable: true })];
    const first = states[0]!;
    for (let k = 0; k < K; k++) {
      const [g] = grad([inner(params[0]!)], params, { createGraph: true });
      ({ params, states } = asgdUpdatePure(params, [g!], states, { lr, ...hp }));
    }
    expect(values(w0)).toEqual([0.5, 0.5]);
    expect(first.step.item()).toBe(0);
    expect(states[0]!.step.item()).toBe(K);
    const loss = outer(params[0]!);
    expect(loss.item()).toBeCloseTo(unrolled(0.1), 12);
    loss.backward();
    const h = 1e-6;
    const fd = (unrolled(0.1 + h) - unrolled(0.1 - h)) / (2 * h);
    expect(Math.abs(lr.grad!.item() - fd)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
  });

  test("asgdUpdatePure with a null gradient returns the same param and state objects", () => {
    const p = tensor([1, 2]);
    const s = asgdInitState(p, 0.1);
    const out = asgdUpdatePure([p], [null], [s], { lr: 0.1, ...hp });
    expect(out.params[0]).toBe(p);
    expect(out.states[0]).toBe(s);
    expect(() => asgdUpdatePure([p], [tensor([1, 1])], [s], { lr: 0.1, ...hp, foreach: true })).toThrow(/not supported by the pure update/);
  });

  test("a tensor lambd stays on the tape too", () => {
    setDefaultDtype("float64");
    const lambd = tensor(0.05, { dtype: "float64", requiresGrad: true });
    const w = tensor([0.5, 0.5], { dtype: "float64" });
    let params = [w];
    let states = [asgdInitState(w, 0.1)];
    for (let k = 0; k < 2; k++) {
      const wk = params[0]!;
      const g = noGrad(() => A.T.matmul(A.matmul(wk).sub(y)));
      ({ params, states } = asgdUpdatePure(params, [g], states, { ...hp, lr: 0.1, lambd }));
    }
    outer(params[0]!).backward();
    expect(lambd.grad).not.toBeNull();
    expect(Number.isFinite(lambd.grad!.item())).toBe(true);
  });
});

describe("averaged parameters", () => {
  function trained(): { p: Tensor; opt: ASGD } {
    const p = tensor([1, -1]);
    const opt = new ASGD([p], { lr: 0.1, lambd: 0, t0: 0 });
    for (let k = 1; k <= 5; k++) {
      p.grad = tensor([k, -k]);
      opt.step();
    }
    return { p, opt };
  }

  test("averagedParams returns copies of ax for the params that have state", () => {
    const { p, opt } = trained();
    const q = tensor([7]);
    opt.addParamGroup({ params: [q] });
    const avg = opt.averagedParams();
    expect([...avg.keys()]).toEqual([p]);
    expect(values(avg.get(p)!)).toEqual(values(stateOf(opt, p).ax));
    avg.get(p)!.fill_(0);
    expect(values(stateOf(opt, p).ax)).not.toEqual([0, 0]);
  });

  test("withAveraged swaps ax in, restores the params (also on error), and leaves the state alone", async () => {
    const { p, opt } = trained();
    const before = values(p);
    const ax = values(stateOf(opt, p).ax);
    const sd = JSON.stringify(opt.stateDict().state[0]!.step);
    expect(opt.withAveraged(() => values(p))).toEqual(ax);
    expect(values(p)).toEqual(before);
    expect(() =>
      opt.withAveraged(() => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(values(p)).toEqual(before);
    const seen = await opt.withAveraged(async () => values(p));
    expect(seen).toEqual(ax);
    expect(values(p)).toEqual(before);
    expect(values(stateOf(opt, p).ax)).toEqual(ax);
    expect(JSON.stringify(opt.stateDict().state[0]!.step)).toBe(sd);
    expect(() => opt.withAveraged(42 as never)).toThrow(/ASGD\.withAveraged: fn must be a function/);
  });

  test("currentEta is undefined before the first step", () => {
    const p = tensor([1]);
    expect(new ASGD([p]).currentEta(p)).toBeUndefined();
  });
});

describe("ASGD state dicts", () => {
  function run(steps: number): { ps: Tensor[]; opt: ASGD } {
    const ps = [tensor([1, 2, 3]), tensor([[0.5, -0.5]])];
    const opt = new ASGD(ps, { lr: 0.05, t0: 1, lambd: 0.01 });
    for (let k = 1; k <= steps; k++) {
      ps[0]!.grad = tensor([1, -1, 0.5]).mul(k);
      ps[1]!.grad = k % 2 === 0 ? tensor([[0.2, 0.1]]) : null;
      opt.step();
    }
    return { ps, opt };
  }

  test("load deep-copies, converts numbers to scalar-dtype tensors, and restores the hyperparameters", () => {
    const { ps, opt } = run(3);
    const sd = opt.stateDict();
    const q = ps.map((p) => p.clone());
    const fresh = new ASGD(q, { lr: 0.9, t0: 50 });
    const st0 = sd.state[0] as unknown as AsgdParamState;
    fresh.loadStateDict({
      state: { 0: { step: st0.step.item(), eta: st0.eta.item(), mu: st0.mu, ax: st0.ax }, 1: sd.state[1]! },
      paramGroups: sd.paramGroups,
    });
    const loaded = stateOf(fresh, q[0]!);
    expect(loaded.step.dtype).toBe("float32");
    expect(loaded.step.shape).toEqual([]);
    expect(loaded.mu).not.toBe(st0.mu);
    expect(loaded.ax).not.toBe(st0.ax);
    expect(fresh.paramGroups[0]!.lr).toBe(0.05);
    expect(fresh.paramGroups[0]!.t0).toBe(1);
  });

  test.each([
    ["a missing key", (st: Record<string, unknown>) => delete st.mu, /state is missing "mu"/],
    ["an extra key", (st: Record<string, unknown>) => (st.momentumBuffer = zeros([3])), /unexpected state key "momentumBuffer"/],
    ["a fractional step", (st: Record<string, unknown>) => (st.step = 2.5), /state "step" must be a non-negative integer, got 2\.5/],
    ["mu = 0", (st: Record<string, unknown>) => (st.mu = 0), /state "mu" must be in \(0, 1\], got 0/],
    ["a negative eta", (st: Record<string, unknown>) => (st.eta = tensor(-1)), /state "eta" must be a finite number >= 0, got -1/],
    ["a string eta", (st: Record<string, unknown>) => (st.eta = "0.1"), /state "eta" must be a number or a 1-element float tensor/],
    ["an ax of the wrong shape", (st: Record<string, unknown>) => (st.ax = zeros([2])), /"ax" of shape \[2\], but the parameter has shape \[3\]/],
    ["a 0-dim ax", (st: Record<string, unknown>) => (st.ax = tensor(1)), /state "ax" has shape \[\], but the parameter has shape \[3\]/],
    ["an int ax", (st: Record<string, unknown>) => (st.ax = zeros([3], { dtype: "int32" })), /state "ax" must be a float32 tensor/],
  ])("rejects %s and stays unchanged", (_label, mutate, message) => {
    const { ps, opt } = run(2);
    const sd = opt.stateDict();
    const copy: OptimizerStateDict = { state: { 0: { ...sd.state[0]! } }, paramGroups: sd.paramGroups };
    mutate(copy.state[0]!);
    const target = run(1);
    const before = target.opt.stateDict();
    expect(() => target.opt.loadStateDict(copy)).toThrow(message);
    expect(target.opt.stateDict()).toEqual(before);
    expect(ps.length).toBe(2);
  });

  test("loaded hyperparameters are validated", () => {
    const { opt } = run(1);
    const sd = opt.stateDict();
    const bad: OptimizerStateDict = { state: {}, paramGroups: [{ ...sd.paramGroups[0]!, alpha: -1 }] };
    expect(() => opt.loadStateDict(bad)).toThrow(/Invalid alpha value: -1/);
    expect(opt.paramGroups[0]!.alpha).toBe(0.75);
  });

  test("defaults stay as constructed and the repr lists the group", () => {
    const opt = new ASGD([tensor([1])], { lr: 0.3 });
    expect(opt.defaults.lr).toBe(0.3);
    expect(getDefaultDtype()).toBe("float32");
    expect(opt.toString()).toContain("    lambd: 0.0001\n");
  });
});
