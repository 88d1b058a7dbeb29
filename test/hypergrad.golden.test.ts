import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Tensor, dualLevel, getDefaultDtype, grad, makeDual, randn, setDefaultDtype, tensor, unpackDual, type DType, Generator } from "@tapegrad/core";
import { F, Linear, Module, Sequential, Tanh, functionalCall } from "@tapegrad/nn";
import { ASGD, asgdInitState, asgdUpdatePure, unrollSteps, type AsgdParamState } from "@tapegrad/optim";

// Golden vectors from PyTorch (test/golden/README.md, "hypergrad.json"): hypergradients through K
// unrolled ASGD steps in float64, eta a differentiable function of lr and lambd. Tolerances from
// the README's table: values and hypergradients rtol 1e-7 / atol 1e-9, against the finite
// differences rtol 1e-5 / atol 1e-7.
interface Enc {
  shape: number[];
  data: number[];
}
interface Hyper {
  lr: number;
  lambd: number;
  alpha: number;
  t0: number;
  weight_decay: number;
  K: number;
}
interface Hypergrads {
  lr: number;
  lambd: number;
  params_init: Record<string, Enc>;
}
interface GoldenCase {
  name: string;
  task: "linreg" | "softmax" | "mlp_tanh";
  param_names: string[];
  data: { X_train: Enc; y_train: Enc; X_val: Enc; y_val: Enc; y_dtype?: string };
  hyper: Hyper;
  outer_on: "params" | "ax";
  params_init: Record<string, Enc>;
  inner_losses: number[];
  etas_used: number[];
  mus_used: number[];
  final_params: Record<string, Enc>;
  final_ax: Record<string, Enc>;
  outer_loss: number;
  hypergrad: Hypergrads;
  finite_difference: Hypergrads & { h: number };
  alternative_eta0_detached: { lr: number; lambd: number };
}

const golden = JSON.parse(readFileSync(new URL("./golden/hypergrad.json", import.meta.url), "utf8")) as { dtype: string; cases: GoldenCase[] };

const TOL = { rtol: 1e-7, atol: 1e-9 };
const FD_TOL = { rtol: 1e-5, atol: 1e-7 };

function close(got: ArrayLike<number>, want: ArrayLike<number>, tol: { rtol: number; atol: number }, label: string): void {
  expect(got.length, `${label}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const diff = Math.abs(got[i]! - want[i]!);
    if (!(diff <= tol.atol + tol.rtol * Math.abs(want[i]!))) {
      expect.fail(`${label}[${i}]: got ${got[i]}, want ${want[i]} (|diff| ${diff} > ${tol.atol} + ${tol.rtol}*|want|)`);
    }
  }
}

function checkTensor(got: Tensor, want: Enc, tol: { rtol: number; atol: number }, label: string): void {
  expect(got.shape, `${label}: shape`).toEqual(want.shape);
  close(Array.from(got.dataSync()), want.data, tol, label);
}

const decode = (e: Enc, dtype: DType = "float64"): Tensor =>
  tensor(dtype === "int32" ? Int32Array.from(e.data) : Float64Array.from(e.data)).reshape(e.shape);

/** The case's model as an nn module, with its parameters' dotted names in `param_names` order. */
function makeModel(c: GoldenCase): { model: Module; names: string[] } {
  const [, d] = c.data.X_train.shape as [number, number];
  const shape = (n: string): number[] => c.params_init[n]!.shape;
  if (c.task === "mlp_tanh") {
    const model = new Sequential(new Linear(d, shape("W1")[0]!), new Tanh(), new Linear(shape("W1")[0]!, shape("W2")[0]!));
    return { model, names: ["0.weight", "0.bias", "2.weight", "2.bias"] };
  }
  return { model: new Linear(d, shape("W")[0]!), names: ["weight", "bias"] };
}

interface Problem {
  c: GoldenCase;
  /** The loss of the case's model with parameters `ps` (param_names order) on the training or validation data. */
  loss: (ps: Tensor[], split: "train" | "val") => Tensor;
  /** The same through an nn module and functionalCall (the functional path). */
  moduleLoss: (ps: Tensor[], split: "train" | "val") => Tensor;
  options: (lr: Tensor, lambd: Tensor) => { lr: Tensor; lambd: Tensor; alpha: number; t0: number; weightDecay: number };
}

function problem(c: GoldenCase): Problem {
  const labels: DType = c.data.y_dtype === "int64" ? "int32" : "float64";
  const data = {
    train: { X: decode(c.data.X_train), y: decode(c.data.y_train, labels) },
    val: { X: decode(c.data.X_val), y: decode(c.data.y_val, labels) },
  };
  const criterion = (out: Tensor, y: Tensor): Tensor => (c.task === "linreg" ? F.mseLoss(out, y) : F.crossEntropy(out, y));
  const forward = (ps: Tensor[], X: Tensor): Tensor =>
    c.task === "mlp_tanh" ? F.linear(F.linear(X, ps[0]!, ps[1]!).tanh(), ps[2]!, ps[3]!) : F.linear(X, ps[0]!, ps[1]!);
  const { model, names } = makeModel(c);
  const h = c.hyper;
  return {
    c,
    loss: (ps, split) => criterion(forward(ps, data[split].X), data[split].y),
    moduleLoss: (ps, split) => {
      const out = functionalCall(model, Object.fromEntries(names.map((n, i) => [n, ps[i]!])), data[split].X) as Tensor;
      return criterion(out, data[split].y);
    },
    options: (lr, lambd) => ({ lr, lambd, alpha: h.alpha, t0: h.t0, weightDecay: h.weight_decay }),
  };
}

/** Fresh differentiable inputs: lr, lambd and the initial params as float64 leaves that require grad. */
function leaves(c: GoldenCase): { lr: Tensor; lambd: Tensor; init: Tensor[] } {
  return {
    lr: tensor(c.hyper.lr, { dtype: "float64", requiresGrad: true }),
    lambd: tensor(c.hyper.lambd, { dtype: "float64", requiresGrad: true }),
    init: c.param_names.map((n) => decode(c.params_init[n]!).requiresGrad_(true)),
  };
}

interface Run {
  innerLosses: number[];
  etasUsed: number[];
  musUsed: number[];
  finalParams: Tensor[];
  finalAx: Tensor[];
  outer: Tensor;
  hypergrad: Tensor[];
}

/** The class path: ASGD with differentiable: true on non-leaf clones, inner gradients with createGraph. */
function runClass(pb: Problem): Run {
  const { c } = pb;
  const { lr, lambd, init } = leaves(c);
  const params = init.map((p) => p.clone());
  const opt = new ASGD(params, { ...pb.options(lr, lambd), differentiable: true });
  const state = (p: Tensor): AsgdParamState | undefined => opt.state.get(p) as AsgdParamState | undefined;
  // The MLP reads the params straight (h @ W2^T saves W2): a differentiable step rebinds each param
  // to a new storage, so the graphs of earlier steps keep the values they saved.
  const read = (ps: Tensor[]): Tensor[] => ps;
  const run: Omit<Run, "finalParams" | "finalAx" | "outer" | "hypergrad"> = { innerLosses: [], etasUsed: [], musUsed: [] };
  for (let k = 0; k < c.hyper.K; k++) {
    const loss = pb.loss(read(params), "train");
    run.innerLosses.push(loss.item());
    const grads = grad([loss], params, { createGraph: true });
    params.forEach((p, i) => (p.grad = grads[i]!));
    run.etasUsed.push(state(params[0]!)?.eta.item() ?? lr.item());
    run.musUsed.push(state(params[0]!)?.mu.item() ?? 1);
    opt.step();
  }
  const finalAx = params.map((p) => state(p)!.ax);
  const outer = pb.loss(read(c.outer_on === "ax" ? finalAx : params), "val");
  const hypergrad = grad([outer], [lr, lambd, ...init]) as Tensor[];
  return { ...run, finalParams: params, finalAx, outer, hypergrad };
}

/** The functional path: asgdUpdatePure on an nn module through functionalCall, written out step by step. */
function runFunctional(pb: Problem, eta0: "differentiable" | "detached" = "differentiable"): Run {
  const { c } = pb;
  const { lr, lambd, init } = leaves(c);
  const options = pb.options(lr, lambd);
  let params = init;
  // eta of step 1 is lr itself (tapegrad), or a constant copy of lr's value (PyTorch 2.8 on CPU).
  let states = init.map((p) => asgdInitState(p, lr, { differentiable: eta0 === "differentiable" }));
  const run: Omit<Run, "finalParams" | "finalAx" | "outer" | "hypergrad"> = { innerLosses: [], etasUsed: [], musUsed: [] };
  for (let k = 0; k < c.hyper.K; k++) {
    const loss = pb.moduleLoss(params, "train");
    run.innerLosses.push(loss.item());
    run.etasUsed.push(states[0]!.eta.item());
    run.musUsed.push(states[0]!.mu.item());
    const grads = grad([loss], params, { createGraph: true });
    ({ params, states } = asgdUpdatePure(params, grads, states, options));
  }
  const finalAx = states.map((s) => s.ax);
  const outer = pb.moduleLoss(c.outer_on === "ax" ? finalAx : params, "val");
  // With a detached eta of step 1 and K = 1, the outer loss does not depend on lr at all.
  const hypergrad = grad([outer], [lr, lambd, ...init], { allowUnused: eta0 === "detached" });
  return { ...run, finalParams: params, finalAx, outer, hypergrad: hypergrad.map((g) => g ?? tensor(0, { dtype: "float64" })) };
}

/** The functional path through the unrollSteps helper. */
function runUnrolled(pb: Problem): Run {
  const { c } = pb;
  const { lr, lambd, init } = leaves(c);
  const options = pb.options(lr, lambd);
  const { params, states, losses } = unrollSteps(init, init.map((p) => asgdInitState(p, lr, { differentiable: true })), {
    steps: c.hyper.K,
    loss: (ps) => pb.loss(ps, "train"),
    update: (ps, gs, st) => asgdUpdatePure(ps, gs, st, options),
  });
  const finalAx = states.map((s) => s.ax);
  const outer = pb.loss(c.outer_on === "ax" ? finalAx : params, "val");
  const hypergrad = grad([outer], [lr, lambd, ...init]) as Tensor[];
  return { innerLosses: losses, etasUsed: [], musUsed: [], finalParams: params, finalAx, outer, hypergrad };
}

/**
 * Forward mode through unrollSteps: the derivative of the outer loss along one direction of
 * (lr, lambd, params_init), with the tangents carried through the steps (memory constant in K).
 */
function runForward(pb: Problem, direction: { lr: number; lambd: number; init: Tensor[] | null }, path: "unrollSteps" | "class" = "unrollSteps"): number {
  const { c } = pb;
  return dualLevel(() => {
    const scalarDual = (v: number, t: number): Tensor => makeDual(tensor(v, { dtype: "float64" }), tensor(t, { dtype: "float64" }));
    const lr = scalarDual(c.hyper.lr, direction.lr);
    const lambd = scalarDual(c.hyper.lambd, direction.lambd);
    // The class steps non-leaf clones (they need a grad to take), dual along the direction too.
    const init = c.param_names.map((n, i) => {
      const p = path === "class" ? decode(c.params_init[n]!).requiresGrad_(true) : decode(c.params_init[n]!);
      return direction.init === null ? p : makeDual(p, direction.init[i]!);
    });
    const options = pb.options(lr, lambd);
    let params: Tensor[];
    let axs: Tensor[];
    if (path === "unrollSteps") {
      const run = unrollSteps(init, init.map((p) => asgdInitState(p, lr, { differentiable: true })), {
        steps: c.hyper.K,
        loss: (ps) => pb.loss(ps, "train"),
        update: (ps, gs, st) => asgdUpdatePure(ps, gs, st, options),
        mode: "forward",
      });
      params = run.params;
      axs = run.states.map((s) => s.ax);
    } else {
      // unrollSteps' forward mode written with the class: inner gradients without createGraph
      // (their tangents from forward-over-reverse), then a differentiable step.
      params = init.map((p) => p.clone());
      const opt = new ASGD(params, { ...options, differentiable: true });
      for (let k = 0; k < c.hyper.K; k++) {
        const grads = grad([pb.loss(params, "train")], params);
        params.forEach((p, i) => (p.grad = grads[i]!));
        opt.step();
      }
      axs = params.map((p) => (opt.state.get(p) as unknown as AsgdParamState).ax);
    }
    const outer = pb.loss(c.outer_on === "ax" ? axs : params, "val");
    close([outer.item()], [c.outer_loss], TOL, `forward (${path}) outer_loss`);
    return unpackDual(outer).tangent!.item();
  });
}

function checkRun(c: GoldenCase, r: Run, label: string): void {
  close(r.innerLosses, c.inner_losses, TOL, `${label} inner_losses`);
  if (r.etasUsed.length > 0) {
    close(r.etasUsed, c.etas_used, TOL, `${label} etas_used`);
    close(r.musUsed, c.mus_used, { rtol: 0, atol: 0 }, `${label} mus_used`);
  }
  c.param_names.forEach((n, i) => {
    checkTensor(r.finalParams[i]!, c.final_params[n]!, TOL, `${label} final_params.${n}`);
    checkTensor(r.finalAx[i]!, c.final_ax[n]!, TOL, `${label} final_ax.${n}`);
  });
  close([r.outer.item()], [c.outer_loss], TOL, `${label} outer_loss`);
  const [dLr, dLambd, ...dInit] = r.hypergrad;
  for (const [want, tol, what] of [[c.hypergrad, TOL, "hypergrad"], [c.finite_difference, FD_TOL, "finite_difference"]] as const) {
    close([dLr!.item()], [want.lr], tol, `${label} ${what}.lr`);
    close([dLambd!.item()], [want.lambd], tol, `${label} ${what}.lambd`);
    c.param_names.forEach((n, i) => checkTensor(dInit[i]!, want.params_init[n]!, tol, `${label} ${what}.params_init.${n}`));
  }
}

describe("hypergrad.json: hypergradients through unrolled ASGD steps", () => {
  let saved: "float32" | "float64";
  // Hypergradient work runs in float64, ASGD's step/eta/mu included (PyTorch: torch.set_default_dtype(torch.float64)).
  beforeAll(() => {
    saved = getDefaultDtype();
    setDefaultDtype("float64");
  });
  afterAll(() => setDefaultDtype(saved));

  test("the file holds the 10 documented float64 cases (K = 1, 3, 10; params and ax outer losses)", () => {
    expect(golden.dtype).toBe("float64");
    expect(golden.cases.length).toBe(10);
    expect(new Set(golden.cases.map((c) => c.hyper.K))).toEqual(new Set([1, 3, 10]));
    expect(new Set(golden.cases.map((c) => c.outer_on))).toEqual(new Set(["params", "ax"]));
  });

  for (const c of golden.cases) {
    describe(c.name, () => {
      test("class path: ASGD with differentiable: true", () => {
        checkRun(c, runClass(problem(c)), "class");
      });

      test("functional path: asgdUpdatePure with functionalCall", () => {
        checkRun(c, runFunctional(problem(c)), "functional");
      });

      test("functional path through unrollSteps", () => {
        checkRun(c, runUnrolled(problem(c)), "unrollSteps");
      });

      test("forward mode: unrollSteps({ mode: 'forward' }) gives d/d lr, d/d lambd and a directional d/d params_init", () => {
        const pb = problem(c);
        const dLr = runForward(pb, { lr: 1, lambd: 0, init: null });
        const dLambd = runForward(pb, { lr: 0, lambd: 1, init: null });
        for (const [want, tol, what] of [[c.hypergrad, TOL, "hypergrad"], [c.finite_difference, FD_TOL, "finite_difference"]] as const) {
          close([dLr], [want.lr], tol, `forward ${what}.lr`);
          close([dLambd], [want.lambd], tol, `forward ${what}.lambd`);
        }
        // The reverse-mode unroll on the same problem: the same numbers up to rounding order.
        const reverse = runUnrolled(pb).hypergrad;
        close([dLr, dLambd], [reverse[0]!.item(), reverse[1]!.item()], { rtol: 1e-12, atol: 1e-15 }, "forward vs reverse");
        // A random direction (u_lr, u_lambd, U) gives <hypergrad, direction>.
        const g = new Generator(7);
        const init = c.param_names.map((n) => randn(c.params_init[n]!.shape, { dtype: "float64", generator: g }));
        const along = runForward(pb, { lr: 0.5, lambd: -2, init });
        let want = 0.5 * c.hypergrad.lr - 2 * c.hypergrad.lambd;
        c.param_names.forEach((n, i) => {
          const u = init[i]!.dataSync();
          c.hypergrad.params_init[n]!.data.forEach((v, k) => (want += v * u[k]!));
        });
        close([along], [want], TOL, "forward along a direction");
      });

      test("forward mode through the class path: ASGD with differentiable: true gives unrollSteps' forward mode bit for bit", () => {
        const pb = problem(c);
        const g = new Generator(7);
        const init = c.param_names.map((n) => randn(c.params_init[n]!.shape, { dtype: "float64", generator: g }));
        for (const direction of [{ lr: 1, lambd: 0, init: null }, { lr: 0, lambd: 1, init: null }, { lr: 0.5, lambd: -2, init }]) {
          const fromClass = runForward(pb, direction, "class");
          expect(fromClass, `direction ${direction.lr}, ${direction.lambd}`).toBe(runForward(pb, direction));
          if (direction.init === null) close([fromClass], [direction.lr === 1 ? c.hypergrad.lr : c.hypergrad.lambd], TOL, "class forward hypergrad");
        }
      });

      test("the class and the functional path agree bit for bit (the MLP read straight from the params)", () => {
        const pb = problem(c);
        const a = runClass(pb);
        const b = runFunctional(pb);
        expect(a.outer.item()).toBe(b.outer.item());
        a.finalParams.forEach((p, i) => expect(Array.from(p.dataSync())).toEqual(Array.from(b.finalParams[i]!.dataSync())));
        a.hypergrad.forEach((g, i) => expect(Array.from(g.dataSync()), `hypergrad ${i}`).toEqual(Array.from(b.hypergrad[i]!.dataSync())));
      });

      test("alternative_eta0_detached: PyTorch 2.8's convention (eta of step 1 a constant copy of lr)", () => {
        const r = runFunctional(problem(c), "detached");
        close([r.hypergrad[0]!.item()], [c.alternative_eta0_detached.lr], TOL, "alternative lr");
        close([r.hypergrad[1]!.item()], [c.alternative_eta0_detached.lambd], TOL, "alternative lambd");
        c.param_names.forEach((n, i) => checkTensor(r.hypergrad[2 + i]!, c.hypergrad.params_init[n]!, TOL, `alternative params_init.${n}`));
      });
    });
  }
});
