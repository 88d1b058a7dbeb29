import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Tensor, dualLevel, getDefaultDtype, grad, makeDual, setDefaultDtype, tensor, unpackDual } from "@tapegrad/core";
import {
  ASGD, Adagrad, Adam, AdamW, CosineAnnealingLR, LambdaLR, LinearLR, type LRScheduler, type Optimizer, RMSprop, SGD, adagradInitState,
  adagradUpdatePure, adamInitState, adamUpdatePure, asgdInitState, asgdUpdatePure, rmspropInitState, rmspropUpdatePure, sgdUpdatePure,
  unrollSteps,
} from "@tapegrad/optim";

// Golden vectors from PyTorch (test/golden/hypergrad_tensor_hparams.json, generator
// test/golden/generate/hypergrad_tensor_hparams.py): hypergradients with respect to every
// hyperparameter of SGD, Adam, AdamW, RMSprop, Adagrad and ASGD as a tensor, elementwise learning
// rates (Meta-SGD), and lr schedulers on a tensor lr, by hand-unrolled update formulas in torch.
// tapegrad's pure path, its differentiable class path (with the scheduler) and forward mode (through
// the pure update and through the class) must give the same numbers (1e-10 relative: the formulas
// associate a few sums differently).
interface Enc {
  shape: number[];
  data: number[];
}
interface Schedule {
  kind: "linear" | "cosine" | "lambda_warmup";
  start_factor?: number;
  end_factor?: number;
  total_iters?: number;
  T_max?: number;
  eta_min?: number;
  warm?: number;
}
interface GoldenCase {
  name: string;
  problem: string;
  optimizer: "sgd" | "adam" | "rmsprop" | "adagrad" | "asgd";
  K: number;
  flags: Record<string, number | boolean>;
  schedule: Schedule | null;
  hyper: Record<string, number | unknown[]>;
  lrs: number[];
  outer_loss: number;
  params_final: Enc[];
  hypergrad: Record<string, Enc> & { params_init: Enc[] };
  finite_difference: Record<string, number>;
}
interface Golden {
  problems: Record<string, Record<string, Enc | Enc[]>>;
  cases: GoldenCase[];
}

const golden = JSON.parse(readFileSync(new URL("./golden/hypergrad_tensor_hparams.json", import.meta.url), "utf8")) as Golden;
const f64 = (e: Enc, requiresGrad = false): Tensor => tensor(e.data, { dtype: "float64", requiresGrad }).reshape(e.shape);
const values = (t: Tensor): number[] => Array.from(t.dataSync());

let savedDtype: "float32" | "float64";
beforeAll(() => {
  savedDtype = getDefaultDtype();
  setDefaultDtype("float64");
});
afterAll(() => setDefaultDtype(savedDtype));

interface Problem {
  init: Enc[];
  inner: (ps: Tensor[]) => Tensor;
  outer: (ps: Tensor[]) => Tensor;
}

function problem(name: string): Problem {
  const d = golden.problems[name]!;
  const init = d.init as Enc[];
  if (name === "quad3") {
    const [x, c, target] = [f64(d.x as Enc), f64(d.c as Enc), f64(d.target as Enc)];
    return {
      init,
      inner: ([w]) => x.mul(w!).matmul(w!.reshape([3, 1])).square().sum().mul(0.05).add(w!.sub(c).square().sum().mul(0.5)),
      outer: ([w]) => w!.sub(target).square().sum(),
    };
  }
  const net = ([W1, b1, W2, b2]: Tensor[], x: Tensor): Tensor => x.matmul(W1!.transpose(0, 1)).add(b1!).tanh().matmul(W2!.transpose(0, 1)).add(b2!);
  const [X, Y, Xv, Yv] = [f64(d.X as Enc), f64(d.Y as Enc), f64(d.X_val as Enc), f64(d.Y_val as Enc)];
  return { init, inner: (ps) => net(ps, X).sub(Y).square().mean(), outer: (ps) => net(ps, Xv).sub(Yv).square().mean() };
}

type H = Record<string, Tensor | number>;
const camel = (k: string): string => k.replace(/_(\w)/g, (_, ch: string) => ch.toUpperCase());

/** The hyperparameters of a case as float64 leaves that require grad (elementwise lrs `lr[i]` included). */
function leaves(c: GoldenCase): Record<string, Tensor> {
  return Object.fromEntries(
    Object.entries(c.hyper).map(([k, v]) => [k, typeof v === "number" ? tensor(v, { dtype: "float64", requiresGrad: true }) : tensor(v as number[], { dtype: "float64", requiresGrad: true })]),
  );
}

/** The pure update of a case as a function of its hyperparameters. */
function pureRun(c: GoldenCase, pb: Problem, h: H, w0: Tensor[], mode: "reverse" | "forward" = "reverse"): Tensor[] {
  const f = c.flags;
  const lr = "lr" in h ? h.lr! : w0.map((_, i) => h[`lr[${i}]`]!);
  const g = (k: string, dflt = 0): Tensor | number => h[k] ?? dflt;
  const run = <S>(init: (p: Tensor) => S, update: (ps: Tensor[], gs: Array<Tensor | null>, st: S[]) => { params: Tensor[]; states: S[] }): Tensor[] =>
    unrollSteps<S>(w0, w0.map(init), { steps: c.K, loss: pb.inner, update, mode }).params;
  switch (c.optimizer) {
    case "sgd":
      return run(() => ({ momentumBuffer: null as Tensor | null }), (ps, gs, st) =>
        sgdUpdatePure(ps, gs, st, { lr: lr as Tensor, momentum: g("momentum"), dampening: g("dampening"), weightDecay: g("weight_decay"), nesterov: f.nesterov === true, maximize: false }));
    case "adam":
      return run((p) => adamInitState(p, { amsgrad: f.amsgrad === true }), (ps, gs, st) =>
        adamUpdatePure(ps, gs, st, {
          lr: lr as Tensor, beta1: g("beta1"), beta2: g("beta2"), eps: g("eps"), weightDecay: g("weight_decay"), amsgrad: f.amsgrad === true, maximize: false,
          decoupledWeightDecay: f.decoupled === true,
        }));
    case "rmsprop":
      return run((p) => rmspropInitState(p, { momentum: g("momentum"), centered: f.centered === true }), (ps, gs, st) =>
        rmspropUpdatePure(ps, gs, st, { lr: lr as Tensor, alpha: g("alpha"), eps: g("eps"), weightDecay: g("weight_decay"), momentum: g("momentum"), centered: f.centered === true, maximize: false }));
    case "adagrad":
      return run((p) => adagradInitState(p, { initialAccumulatorValue: (f.initial_accumulator_value as number | undefined) ?? 0 }), (ps, gs, st) =>
        adagradUpdatePure(ps, gs, st, { lr: lr as Tensor, lrDecay: g("lr_decay"), eps: g("eps"), weightDecay: g("weight_decay"), maximize: false }));
    case "asgd":
      return run((p) => asgdInitState(p, lr as Tensor, { differentiable: true }), (ps, gs, st) =>
        asgdUpdatePure(ps, gs, st, { lr: lr as Tensor, lambd: g("lambd"), alpha: g("alpha"), t0: f.t0 as number, weightDecay: g("weight_decay") }));
  }
}

/**
 * The class of a case with `differentiable: true` (and its scheduler): the params after K steps and
 * the lrs used. Forward mode takes the inner gradients without `createGraph`, as unrollSteps' does.
 */
function classRun(c: GoldenCase, pb: Problem, h: H, w0: Tensor[], mode: "reverse" | "forward" = "reverse"): { params: Tensor[]; lrs: number[] } {
  const f = c.flags;
  const ps = w0.map((p) => p.clone());
  const o: Record<string, unknown> = { lr: h.lr, differentiable: true };
  for (const [k, v] of Object.entries(h)) if (!["lr", "scale", "beta1", "beta2", "start_factor"].includes(k)) o[camel(k)] = v;
  let opt: Optimizer;
  if (c.optimizer === "sgd") opt = new SGD(ps, { ...o, nesterov: f.nesterov === true });
  else if (c.optimizer === "adam") {
    const options = { ...o, betas: [h.beta1!, h.beta2!] as [Tensor, Tensor], amsgrad: f.amsgrad === true };
    opt = f.decoupled === true ? new AdamW(ps, options) : new Adam(ps, options);
  } else if (c.optimizer === "rmsprop") opt = new RMSprop(ps, { ...o, centered: f.centered === true });
  else if (c.optimizer === "adagrad") opt = new Adagrad(ps, { ...o, initialAccumulatorValue: (f.initial_accumulator_value as number | undefined) ?? 0 });
  else opt = new ASGD(ps, { ...o, t0: f.t0 as number });
  const s = c.schedule;
  let sched: LRScheduler | null = null;
  if (s?.kind === "linear") sched = new LinearLR(opt, { startFactor: h.start_factor ?? s.start_factor, endFactor: s.end_factor, totalIters: s.total_iters });
  else if (s?.kind === "cosine") sched = new CosineAnnealingLR(opt, { tMax: s.T_max!, etaMin: s.eta_min });
  else if (s?.kind === "lambda_warmup") {
    const scale = h.scale!;
    sched = new LambdaLR(opt, { lrLambda: (e) => (scale instanceof Tensor ? scale.mul(Math.min(1, (e + 1) / s.warm!)) : scale * Math.min(1, (e + 1) / s.warm!)) });
  }
  const lrs: number[] = [];
  for (let k = 0; k < c.K; k++) {
    const gs = grad([pb.inner(ps)], ps, { createGraph: mode === "reverse" });
    ps.forEach((p, i) => (p.grad = gs[i]!));
    const lr = opt.paramGroups[0]!.lr;
    lrs.push(lr instanceof Tensor ? lr.item() : lr);
    opt.step();
    sched?.step();
  }
  return { params: ps, lrs };
}

function expectClose(actual: number[], expected: number[], label: string, rtol = 1e-10): void {
  expect(actual.length, label).toBe(expected.length);
  actual.forEach((a, i) => expect(Math.abs(a - expected[i]!), `${label}[${i}]: ${a} vs ${expected[i]}`).toBeLessThanOrEqual(rtol * Math.max(1, Math.abs(expected[i]!))));
}

/** The golden outer loss, final params and hypergradients of `names` (and the initial params) against tapegrad's. */
function check(c: GoldenCase, pb: Problem, h: Record<string, Tensor>, w0: Tensor[], final: Tensor[], label: string): number[][] {
  const out = pb.outer(final);
  expectClose([out.item()], [c.outer_loss], `${label} outer loss`);
  final.forEach((p, i) => expectClose(values(p), c.params_final[i]!.data, `${label} params_final[${i}]`));
  const names = Object.keys(c.hyper);
  const grads = grad([out], [...names.map((n) => h[n]!), ...w0]).map((g) => values(g!));
  names.forEach((n, i) => expectClose(grads[i]!, c.hypergrad[n]!.data, `${label} d/d ${n}`));
  w0.forEach((_, i) => expectClose(grads[names.length + i]!, c.hypergrad.params_init[i]!.data, `${label} d/d params_init[${i}]`));
  return [...final.map(values), ...grads];
}

describe.each(golden.cases)("$name", (c) => {
  const pb = problem(c.problem);
  const elementwise = Object.keys(c.hyper).some((k) => k.startsWith("lr["));

  test("the golden file's autograd hypergradients agree with its finite differences", () => {
    for (const [n, fd] of Object.entries(c.finite_difference)) expect(Math.abs(c.hypergrad[n]!.data[0]! - fd)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(fd)));
  });

  // Only the applicable checks are registered (schedulers act on the class path; the classes take one lr per group).
  if (c.schedule === null) test("pure path: outer loss, params and every hypergradient equal PyTorch's", () => {
    const h = leaves(c);
    const w0 = pb.init.map((e) => f64(e, true));
    check(c, pb, h, w0, pureRun(c, pb, h, w0), "pure");
  });

  if (!elementwise) test("class path with differentiable: true (and its lr scheduler): the same, and bit for bit the pure path", () => {
    const h = leaves(c);
    const w0 = pb.init.map((e) => f64(e, true));
    const run = classRun(c, pb, h, w0);
    if (c.schedule !== null) expect(run.lrs).toEqual(c.lrs);
    const fromClass = check(c, pb, h, w0, run.params, "class");
    if (c.schedule !== null) return;
    const h2 = leaves(c);
    const w02 = pb.init.map((e) => f64(e, true));
    expect(fromClass).toEqual(check(c, pb, h2, w02, pureRun(c, pb, h2, w02), "pure"));
  });

  if (c.schedule === null && !elementwise) test("forward mode: d outer / d lr from a dual lr", () => {
    const tangent = dualLevel(() => {
      const h: H = { ...(c.hyper as Record<string, number>), lr: makeDual(tensor(c.hyper.lr as number, { dtype: "float64" }), tensor(1, { dtype: "float64" })) };
      const w0 = pb.init.map((e) => f64(e));
      return unpackDual(pb.outer(pureRun(c, pb, h, w0, "forward"))).tangent!.item();
    });
    expectClose([tangent], c.hypergrad.lr!.data, "forward d/d lr");
  });

  if ("lr" in c.hyper && !elementwise) test("forward mode through the class path (and its lr scheduler): d outer / d lr equals PyTorch's, and bit for bit the pure path's", () => {
    const run = (path: "class" | "pure"): number[][] =>
      dualLevel(() => {
        const h: H = { ...(c.hyper as Record<string, number>), lr: makeDual(tensor(c.hyper.lr as number, { dtype: "float64" }), tensor(1, { dtype: "float64" })) };
        // The class steps non-leaf clones of w0 (they need a grad to take), the pure path w0 itself.
        const w0 = pb.init.map((e) => f64(e, path === "class"));
        let ps: Tensor[];
        if (path === "pure") ps = pureRun(c, pb, h, w0, "forward");
        else {
          const run = classRun(c, pb, h, w0, "forward");
          if (c.schedule !== null) expect(run.lrs).toEqual(c.lrs);
          ps = run.params;
        }
        return [...ps.map(values), [unpackDual(pb.outer(ps)).tangent!.item()]];
      });
    const fromClass = run("class");
    expectClose(fromClass.at(-1)!, c.hypergrad.lr!.data, "class forward d/d lr");
    if (c.schedule === null) expect(fromClass).toEqual(run("pure"));
  });
});
