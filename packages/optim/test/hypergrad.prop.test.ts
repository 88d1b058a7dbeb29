import { Generator, Tensor, getDefaultDtype, grad, noGrad, randn, setDefaultDtype, tensor } from "@tapegrad/core";
import { F } from "@tapegrad/nn";
import {
  ASGD, Adagrad, Adam, Optimizer, RMSprop, SGD, type AdagradParamState, type AsgdParamState, type AdamParamState, type RmspropParamState,
  type SgdParamState,
  adamInitState, adamUpdatePure, adagradInitState, adagradUpdatePure, asgdInitState, asgdUpdatePure, rmspropInitState, rmspropUpdatePure,
  sgdUpdatePure, unrollSteps,
} from "@tapegrad/optim";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

// Hypergradients on random small linear-regression problems, float64 throughout: autograd through
// the unrolled steps against central finite differences of plain (non-recorded) training runs, and
// the class path against the functional path.
const RUNS = { numRuns: 40 };
const H = 1e-6;
const FD_TOL = { rtol: 1e-5, atol: 1e-7 };

let saved: "float32" | "float64";
beforeAll(() => {
  saved = getDefaultDtype();
  setDefaultDtype("float64");
});
afterAll(() => setDefaultDtype(saved));

const values = (t: Tensor): number[] => Array.from(t.dataSync());

function expectClose(got: number, want: number, label: string): void {
  const diff = Math.abs(got - want);
  if (!(diff <= FD_TOL.atol + FD_TOL.rtol * Math.abs(want))) expect.fail(`${label}: autograd ${got}, finite difference ${want} (|diff| ${diff})`);
}

interface Problem {
  Xt: Tensor;
  yt: Tensor;
  Xv: Tensor;
  yv: Tensor;
  W: number[];
  b: number[];
  d: number;
  K: number;
}

const problemArb = fc
  .record({ seed: fc.integer({ min: 0, max: 2 ** 30 }), n: fc.integer({ min: 3, max: 6 }), d: fc.integer({ min: 1, max: 3 }), K: fc.integer({ min: 1, max: 5 }) })
  .map(({ seed, n, d, K }): Problem => {
    const gen = new Generator().manualSeed(seed);
    const r = (shape: number[], scale = 1): Tensor => randn(shape, { dtype: "float64", generator: gen }).mul(scale);
    return { Xt: r([n, d]), yt: r([n, 1]), Xv: r([n, d]), yv: r([n, 1]), W: values(r([1, d], 0.5)), b: values(r([1], 0.5)), d, K };
  });

const asgdHyperArb = fc.record({
  lr: fc.double({ min: 0.01, max: 0.3, noNaN: true }),
  lambd: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.1, noNaN: true })),
  alpha: fc.double({ min: 0.5, max: 1, noNaN: true }),
  t0: fc.integer({ min: 0, max: 3 }),
  weightDecay: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.05, noNaN: true })),
  outerOnAx: fc.boolean(),
});
type AsgdHyper = typeof asgdHyperArb extends fc.Arbitrary<infer T> ? T : never;

const loss = (ps: Tensor[], X: Tensor, y: Tensor): Tensor => F.mseLoss(F.linear(X, ps[0]!, ps[1]!), y);
const initParams = (pb: Problem, W = pb.W, b = pb.b): Tensor[] => [tensor(W, { requiresGrad: true }).reshape([1, pb.d]), tensor(b, { requiresGrad: true })];

/** The outer loss after K plain ASGD steps (the class, differentiable: false: fused kernel, nothing recorded). */
function asgdPlain(pb: Problem, hp: AsgdHyper, W = pb.W, b = pb.b): number {
  const ps = [tensor(W, { requiresGrad: true }).reshape([1, pb.d]).detach().requiresGrad_(true), tensor(b, { requiresGrad: true })];
  const { outerOnAx, ...options } = hp;
  const opt = new ASGD(ps, options);
  for (let k = 0; k < pb.K; k++) {
    opt.zeroGrad();
    loss(ps, pb.Xt, pb.yt).backward();
    opt.step();
  }
  const final = outerOnAx ? ps.map((p) => (opt.state.get(p) as unknown as AsgdParamState).ax) : ps;
  return noGrad(() => loss(final, pb.Xv, pb.yv).item());
}

/** Hypergradients [d/d lr, d/d lambd, d/d W, d/d b] through the functional path (or first-order). */
function asgdHypergrad(pb: Problem, hp: AsgdHyper, firstOrder = false): { dLr: number; dLambd: number; dInit: number[] } {
  const lr = tensor(hp.lr, { requiresGrad: true });
  const lambd = tensor(hp.lambd, { requiresGrad: true });
  const leaves = [tensor(pb.W, { requiresGrad: true }), tensor(pb.b, { requiresGrad: true })];
  const init = [leaves[0]!.reshape([1, pb.d]), leaves[1]!];
  const { params, states } = unrollSteps(init, init.map((p) => asgdInitState(p, lr, { differentiable: true })), {
    steps: pb.K,
    loss: (ps) => loss(ps, pb.Xt, pb.yt),
    update: (ps, gs, st) => asgdUpdatePure(ps, gs, st, { lr, lambd, alpha: hp.alpha, t0: hp.t0, weightDecay: hp.weightDecay }),
    firstOrder,
  });
  const outer = loss(hp.outerOnAx ? states.map((s) => s.ax) : params, pb.Xv, pb.yv);
  const g = grad([outer], [lr, lambd, ...leaves], { allowUnused: true });
  const num = (t: Tensor | null): number[] => (t === null ? [0] : values(t));
  return { dLr: num(g[0]!)[0]!, dLambd: num(g[1]!)[0]!, dInit: [...num(g[2]!), ...num(g[3]!)] };
}

describe("ASGD hypergradients agree with central finite differences", () => {
  test("d/d lr, d/d lambd and d/d initial params, outer loss on params or on ax", () => {
    fc.assert(
      fc.property(problemArb, asgdHyperArb, (pb, hp) => {
        const { dLr, dLambd, dInit } = asgdHypergrad(pb, hp);
        const fd = (f: (h: number) => number): number => (f(H) - f(-H)) / (2 * H);
        expectClose(dLr, fd((h) => asgdPlain(pb, { ...hp, lr: hp.lr + h })), "d/d lr");
        if (hp.lambd > H) expectClose(dLambd, fd((h) => asgdPlain(pb, { ...hp, lambd: hp.lambd + h })), "d/d lambd");
        const flat = [...pb.W, ...pb.b];
        flat.forEach((_, i) => {
          const at = (h: number): number => {
            const v = flat.slice();
            v[i]! += h;
            return asgdPlain(pb, hp, v.slice(0, pb.d), v.slice(pb.d));
          };
          expectClose(dInit[i]!, fd(at), `d/d params_init[${i}]`);
        });
      }),
      RUNS,
    );
  });

  test("first order: the hypergradient of the run with the inner gradients frozen at their values", () => {
    fc.assert(
      fc.property(problemArb, asgdHyperArb, (pb, hp) => {
        const { dLr, dLambd } = asgdHypergrad(pb, hp, true);
        // The gradients of the unperturbed run, then replayed as constants with a perturbed lr / lambd.
        const grads: Tensor[][] = [];
        unrollSteps(initParams(pb), initParams(pb).map((p) => asgdInitState(p, hp.lr)), {
          steps: pb.K,
          loss: (ps) => loss(ps, pb.Xt, pb.yt),
          update: (ps, gs, st) => {
            grads.push(gs as Tensor[]);
            return asgdUpdatePure(ps, gs, st, { ...hp, differentiable: false });
          },
          firstOrder: true,
        });
        const frozen = (lr: number, lambd: number): number =>
          noGrad(() => {
            let ps = initParams(pb);
            let st = ps.map((p) => asgdInitState(p, lr));
            for (const g of grads) ({ params: ps, states: st } = asgdUpdatePure(ps, g, st, { ...hp, lr, lambd }));
            return loss(hp.outerOnAx ? st.map((s) => s.ax) : ps, pb.Xv, pb.yv).item();
          });
        expectClose(dLr, (frozen(hp.lr + H, hp.lambd) - frozen(hp.lr - H, hp.lambd)) / (2 * H), "first-order d/d lr");
        if (hp.lambd > H) expectClose(dLambd, (frozen(hp.lr, hp.lambd + H) - frozen(hp.lr, hp.lambd - H)) / (2 * H), "first-order d/d lambd");
      }),
      RUNS,
    );
  });
});

describe("the class and the functional path agree exactly", () => {
  test("ASGD: final params, ax and every hypergradient, bit for bit", () => {
    fc.assert(
      fc.property(problemArb, asgdHyperArb, (pb, hp) => {
        const { outerOnAx, ...h } = hp;
        const run = (path: "class" | "pure"): number[] => {
          const lr = tensor(h.lr, { requiresGrad: true });
          const lambd = tensor(h.lambd, { requiresGrad: true });
          const init = initParams(pb);
          let final: Tensor[];
          if (path === "class") {
            const ps = init.map((p) => p.clone());
            const opt = new ASGD(ps, { ...h, lr, lambd, differentiable: true });
            for (let k = 0; k < pb.K; k++) {
              const gs = grad([loss(ps, pb.Xt, pb.yt)], ps, { createGraph: true });
              ps.forEach((p, i) => (p.grad = gs[i]!));
              opt.step();
            }
            final = outerOnAx ? ps.map((p) => (opt.state.get(p) as unknown as AsgdParamState).ax) : ps;
          } else {
            let ps = init;
            let st = init.map((p) => asgdInitState(p, lr, { differentiable: true }));
            for (let k = 0; k < pb.K; k++) {
              const gs = grad([loss(ps, pb.Xt, pb.yt)], ps, { createGraph: true });
              ({ params: ps, states: st } = asgdUpdatePure(ps, gs, st, { ...h, lr, lambd }));
            }
            final = outerOnAx ? st.map((s) => s.ax) : ps;
          }
          const outer = loss(final, pb.Xv, pb.yv);
          const g = grad([outer], [lr, lambd, ...init], { allowUnused: true });
          return [...final.flatMap(values), outer.item(), ...g.flatMap((t) => (t === null ? [0] : values(t)))];
        };
        expect(run("pure")).toEqual(run("class"));
      }),
      RUNS,
    );
  });

  const sgdArb = fc.record({
    lr: fc.double({ min: 0.01, max: 0.3, noNaN: true }),
    momentum: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.95, noNaN: true })),
    dampening: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.5, noNaN: true })),
    weightDecay: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.05, noNaN: true })),
    nesterov: fc.boolean(),
    maximize: fc.constant(false),
  }).map((o) => (o.nesterov && (o.momentum === 0 || o.dampening !== 0) ? { ...o, nesterov: false } : o));

  const adamArb = fc.record({
    lr: fc.double({ min: 0.001, max: 0.1, noNaN: true }),
    beta1: fc.double({ min: 0, max: 0.95, noNaN: true }),
    beta2: fc.double({ min: 0.5, max: 0.999, noNaN: true }),
    eps: fc.constant(1e-8),
    weightDecay: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.1, noNaN: true })),
    amsgrad: fc.boolean(),
    maximize: fc.boolean(),
    decoupledWeightDecay: fc.boolean(),
  });

  /** Class (differentiable) and pure runs of the same optimizer: final params and d/d(lr, W, b). */
  function both<S>(pb: Problem, makeClass: (ps: Tensor[], lr: Tensor) => Optimizer, init: (p: Tensor) => S,
    update: (ps: Tensor[], gs: Array<Tensor | null>, st: S[], lr: Tensor) => { params: Tensor[]; states: S[] }, lr0: number): [number[], number[]] {
    const out = (final: Tensor[], lr: Tensor, init0: Tensor[]): number[] => {
      const g = grad([loss(final, pb.Xv, pb.yv)], [lr, ...init0]);
      return [...final.flatMap(values), ...g.flatMap((t) => values(t!))];
    };
    const lrA = tensor(lr0, { requiresGrad: true });
    const initA = initParams(pb);
    const ps = initA.map((p) => p.clone());
    const opt = makeClass(ps, lrA);
    for (let k = 0; k < pb.K; k++) {
      const gs = grad([loss(ps, pb.Xt, pb.yt)], ps, { createGraph: true });
      ps.forEach((p, i) => (p.grad = gs[i]!));
      opt.step();
    }
    const lrB = tensor(lr0, { requiresGrad: true });
    const initB = initParams(pb);
    const { params } = unrollSteps(initB, initB.map(init), { steps: pb.K, loss: (q) => loss(q, pb.Xt, pb.yt), update: (q, gs, st) => update(q, gs, st, lrB) });
    return [out(ps, lrA, initA), out(params, lrB, initB)];
  }

  test("SGD (momentum, dampening, Nesterov, weight decay)", () => {
    fc.assert(
      fc.property(problemArb, sgdArb, (pb, o) => {
        const [a, b] = both<SgdParamState>(pb, (ps, lr) => new SGD(ps, { ...o, lr, differentiable: true }), () => ({ momentumBuffer: null }),
          (ps, gs, st, lr) => sgdUpdatePure(ps, gs, st, { ...o, lr }), o.lr);
        expect(b).toEqual(a);
      }),
      RUNS,
    );
  });

  test("RMSprop (centered, momentum, maximize, weight decay)", () => {
    const rmspropArb = fc.record({
      lr: fc.double({ min: 0.001, max: 0.05, noNaN: true }),
      alpha: fc.double({ min: 0.3, max: 0.99, noNaN: true }),
      eps: fc.constant(1e-8),
      weightDecay: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.1, noNaN: true })),
      momentum: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.9, noNaN: true })),
      centered: fc.boolean(),
      maximize: fc.boolean(),
    });
    fc.assert(
      fc.property(problemArb, rmspropArb, (pb, o) => {
        const [a, b] = both<RmspropParamState>(pb, (ps, lr) => new RMSprop(ps, { ...o, lr, differentiable: true }),
          (p) => rmspropInitState(p, o), (ps, gs, st, lr) => rmspropUpdatePure(ps, gs, st, { ...o, lr }), o.lr);
        // The differentiable class step is the pure update: parameters and hypergradients bit for bit.
        expect(b).toEqual(a);
      }),
      RUNS,
    );
  });

  test("Adagrad (lr decay, initial accumulator, maximize, weight decay)", () => {
    const adagradArb = fc.record({
      lr: fc.double({ min: 0.001, max: 0.3, noNaN: true }),
      lrDecay: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.5, noNaN: true })),
      weightDecay: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.1, noNaN: true })),
      initialAccumulatorValue: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })),
      eps: fc.constant(1e-10),
      maximize: fc.boolean(),
    });
    fc.assert(
      fc.property(problemArb, adagradArb, (pb, o) => {
        const { initialAccumulatorValue, ...hp } = o;
        const [a, b] = both<AdagradParamState>(pb, (ps, lr) => new Adagrad(ps, { ...o, lr, differentiable: true }),
          (p) => adagradInitState(p, { initialAccumulatorValue }), (ps, gs, st, lr) => adagradUpdatePure(ps, gs, st, { ...hp, lr }), o.lr);
        expect(b).toEqual(a);
      }),
      RUNS,
    );
  });

  test("Adam and AdamW (amsgrad, maximize, weight decay)", () => {
    fc.assert(
      fc.property(problemArb, adamArb, (pb, o) => {
        const { beta1, beta2, decoupledWeightDecay, ...rest } = o;
        const [a, b] = both<AdamParamState>(pb, (ps, lr) => new Adam(ps, { ...rest, lr, betas: [beta1, beta2], decoupledWeightDecay, differentiable: true }),
          (p) => adamInitState(p, { amsgrad: o.amsgrad }), (ps, gs, st, lr) => adamUpdatePure(ps, gs, st, { ...o, lr }), o.lr);
        expect(b).toEqual(a);
      }),
      RUNS,
    );
  });
});
