import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { Tensor, tensor } from "@tapegrad/core";
import { ASGD, asgdInitState, asgdUpdate, type AsgdParamState, type OptimizerStateDict } from "@tapegrad/optim";

// Golden vectors from PyTorch (test/golden/README.md, "asgd.json"); tolerances from its table.
const golden = JSON.parse(readFileSync(new URL("./golden/asgd.json", import.meta.url), "utf8")) as { cases: GoldenCase[] };

interface Enc {
  shape: number[];
  data: number[];
}
interface GoldenState {
  step: number;
  eta: number;
  mu: number;
  ax: Enc;
}
interface GoldenStep {
  step: number;
  group_lr?: number[];
  grads: Array<Enc | null>;
  eta_used: Array<number | null>;
  params: Enc[];
  state: Array<GoldenState | null>;
  loss?: number;
}
interface GoldenGroup {
  params: number[];
  overrides: Record<string, unknown>;
  resolved: Record<string, unknown>;
}
interface Constructor {
  params_arg: "list_of_tensors" | "list_of_group_dicts";
  kwargs: Record<string, unknown>;
}
interface GoldenCase {
  name: string;
  kind: "fed_grads" | "loss_linreg_mse" | "loss_quadratic" | "state_dict_resume";
  constructor: Constructor;
  param_groups: GoldenGroup[];
  params_init: Enc[];
  lr_changes?: boolean;
  num_steps?: number;
  steps?: GoldenStep[];
  data?: Record<string, Enc>;
  final_loss?: number;
  param_names?: string[];
  N?: number;
  M?: number;
  grads?: Array<Array<Enc | null>>;
  trajectory_uninterrupted?: Array<{ step: number; params: Enc[]; state: Array<GoldenState | null> }>;
  state_dict_after_N?: { state: Record<string, { step: number; eta: number; mu: number; ax: unknown }>; param_groups: Array<Record<string, unknown>> };
  params_at_N?: Enc[];
  fresh_constructor?: Constructor;
  param_groups_after_load?: Array<Record<string, unknown>>;
  trajectory_resumed?: Array<{ step: number; params: Enc[]; state: Array<GoldenState | null> }>;
  resumed_equals_uninterrupted?: boolean;
}

const TORCH_KEYS: Record<string, string> = { weight_decay: "weightDecay", param_groups: "paramGroups", initial_lr: "initialLr", param_names: "paramNames" };

function camel(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[TORCH_KEYS[k] ?? k] = v;
  return out;
}

function decode(e: Enc): Tensor {
  return tensor(new Float32Array(e.data)).reshape(e.shape);
}

function close(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, atol: number, label: string): void {
  expect(got.length, `${label}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const diff = Math.abs(got[i]! - want[i]!);
    if (!(diff <= atol + rtol * Math.abs(want[i]!))) {
      expect.fail(`${label}[${i}]: got ${got[i]}, want ${want[i]} (|diff| ${diff} > ${atol} + ${rtol}*|want|)`);
    }
  }
}

function checkTensor(got: Tensor, want: Enc, label: string, tol = 1e-5): void {
  expect(got.shape, `${label}: shape`).toEqual(want.shape);
  close(Array.from(got.dataSync()), want.data, tol, tol, label);
}

function checkState(st: AsgdParamState | undefined, want: GoldenState | null, label: string, etaRtol = 1e-7): void {
  if (want === null) {
    expect(st, `${label}: no state expected`).toBeUndefined();
    return;
  }
  expect(st, `${label}: state expected`).toBeDefined();
  expect(st!.step.item(), `${label}.step`).toBe(want.step);
  expect(st!.mu.item(), `${label}.mu`).toBe(want.mu);
  close([st!.eta.item()], [want.eta], etaRtol, 0, `${label}.eta`);
  checkTensor(st!.ax, want.ax, `${label}.ax`);
}

function build(c: Constructor, groups: GoldenGroup[], params: Tensor[]): ASGD {
  const kwargs = camel(c.kwargs);
  if (c.params_arg === "list_of_tensors") return new ASGD(params, kwargs);
  return new ASGD(
    groups.map((g) => ({ params: g.params.map((i) => params[i]!), ...camel(g.overrides) })),
    kwargs,
  );
}

function checkResolved(opt: ASGD, c: GoldenCase): void {
  c.param_groups.forEach((g, gi) => {
    const group = opt.paramGroups[gi]!;
    for (const [k, v] of Object.entries(camel(g.resolved))) {
      // With lr_changes the recorded lr is the last one assigned, not the constructor's.
      if (k === "lr" && c.lr_changes) continue;
      expect(group[k], `group ${gi} ${k}`).toBe(v);
    }
  });
}

function groupOf(c: GoldenCase, pi: number): number {
  return c.param_groups.findIndex((g) => g.params.includes(pi));
}

const byKind = (kind: GoldenCase["kind"]) => golden.cases.filter((c) => c.kind === kind);

describe("asgd.json through the ASGD class", () => {
  test("the file holds the 23 documented cases", () => {
    expect(golden.cases.length).toBe(23);
  });

  for (const c of byKind("fed_grads")) {
    test(c.name, () => {
      const params = c.params_init.map((e) => decode(e).requiresGrad_(true));
      const opt = build(c.constructor, c.param_groups, params);
      checkResolved(opt, c);
      expect(c.steps!.length).toBe(c.num_steps);
      for (const s of c.steps!) {
        if (c.lr_changes) s.group_lr!.forEach((lr, gi) => (opt.paramGroups[gi]!.lr = lr));
        else s.group_lr!.forEach((lr, gi) => expect(opt.paramGroups[gi]!.lr).toBe(lr));
        params.forEach((p, i) => {
          const g = s.grads[i];
          p.grad = g === null || g === undefined ? null : decode(g);
          // The eta this step uses: the stored one, or float32(group lr) when the state is created now.
          const used = s.eta_used[i];
          if (used === null || used === undefined) return;
          const stored = opt.currentEta(p);
          expect(stored ?? Math.fround(opt.paramGroups[groupOf(c, i)]!.lr as number), `${c.name} step ${s.step} eta_used[${i}]`).toBe(used);
        });
        opt.step();
        params.forEach((p, i) => {
          checkTensor(p, s.params[i]!, `${c.name} step ${s.step} params[${i}]`);
          checkState(opt.state.get(p) as AsgdParamState | undefined, s.state[i]!, `${c.name} step ${s.step} state[${i}]`);
        });
      }
    });
  }

  for (const c of byKind("loss_linreg_mse").concat(byKind("loss_quadratic"))) {
    test(c.name, () => {
      const params = c.params_init.map((e) => decode(e).requiresGrad_(true));
      const named = params.map((p, i) => [c.param_names?.[i] ?? `p${i}`, p] as const);
      const opt = c.param_names ? new ASGD(named, camel(c.constructor.kwargs)) : build(c.constructor, c.param_groups, params);
      checkResolved(opt, c);
      const data = Object.fromEntries(Object.entries(c.data!).map(([k, v]) => [k, decode(v)]));
      const lossFn = (): Tensor => {
        if (c.kind === "loss_linreg_mse") {
          const [W, b] = params;
          const pred = data.X!.matmul(W!.T).add(b!);
          return pred.sub(data.y!).square().mean();
        }
        const p = params[0]!;
        return p.matmul(data.A!.matmul(p)).mul(0.5).sub(data.c!.matmul(p));
      };
      for (const s of c.steps!) {
        opt.zeroGrad(true);
        const loss = lossFn();
        close([loss.item()], [s.loss!], 1e-5, 1e-5, `${c.name} step ${s.step} loss`);
        loss.backward();
        params.forEach((p, i) => checkTensor(p.grad!, s.grads[i]!, `${c.name} step ${s.step} grads[${i}]`));
        opt.step();
        params.forEach((p, i) => {
          checkTensor(p, s.params[i]!, `${c.name} step ${s.step} params[${i}]`);
          checkState(opt.state.get(p) as AsgdParamState | undefined, s.state[i]!, `${c.name} step ${s.step} state[${i}]`);
        });
      }
      if (c.final_loss !== undefined) close([lossFn().item()], [c.final_loss], 1e-5, 1e-5, `${c.name} final loss`);
    });
  }

  for (const c of byKind("state_dict_resume")) {
    test(c.name, () => {
      const N = c.N!;
      const M = c.M!;
      const feed = (params: Tensor[], k: number): void => {
        params.forEach((p, i) => {
          const g = c.grads![k - 1]![i];
          p.grad = g === null || g === undefined ? null : decode(g);
        });
      };
      const checkStep = (opt: ASGD, params: Tensor[], want: { step: number; params: Enc[]; state: Array<GoldenState | null> }, label: string): void => {
        params.forEach((p, i) => {
          checkTensor(p, want.params[i]!, `${label} step ${want.step} params[${i}]`);
          checkState(opt.state.get(p) as AsgdParamState | undefined, want.state[i]!, `${label} step ${want.step} state[${i}]`);
        });
      };

      // 1. The uninterrupted run.
      const pa = c.params_init.map((e) => decode(e).requiresGrad_(true));
      const a = build(c.constructor, c.param_groups, pa);
      for (let k = 1; k <= N + M; k++) {
        feed(pa, k);
        a.step();
        checkStep(a, pa, c.trajectory_uninterrupted![k - 1]!, `${c.name} uninterrupted`);
      }

      // 2. N steps, then our own state dict must equal torch's.
      const pb = c.params_init.map((e) => decode(e).requiresGrad_(true));
      const b = build(c.constructor, c.param_groups, pb);
      for (let k = 1; k <= N; k++) {
        feed(pb, k);
        b.step();
      }
      const ours = b.stateDict();
      const theirs = c.state_dict_after_N!;
      expect(Object.keys(ours.state)).toEqual(Object.keys(theirs.state));
      for (const [id, st] of Object.entries(theirs.state)) {
        const mine = ours.state[Number(id)] as unknown as AsgdParamState;
        expect(mine.step.item()).toBe(st.step);
        expect(mine.mu.item()).toBe(st.mu);
        close([mine.eta.item()], [st.eta], 1e-7, 0, `${c.name} state_dict eta ${id}`);
        close(Array.from(mine.ax.dataSync()), (tensor(st.ax as number[]).dataSync() as Float32Array), 1e-5, 1e-5, `${c.name} state_dict ax ${id}`);
      }
      theirs.param_groups.forEach((g, gi) => {
        for (const [k, v] of Object.entries(camel(g))) expect(ours.paramGroups[gi]![k], `state_dict group ${gi} ${k}`).toEqual(v);
      });

      // 3. Fresh params at step N, a fresh optimizer (possibly other hyperparameters), load torch's state dict.
      const pc = c.params_at_N!.map((e) => decode(e).requiresGrad_(true));
      const fresh = build(c.fresh_constructor!, c.param_groups, pc);
      const sd: OptimizerStateDict = {
        state: Object.fromEntries(
          Object.entries(theirs.state).map(([id, st]) => [id, { step: st.step, eta: st.eta, mu: st.mu, ax: tensor(st.ax as number[]) }]),
        ),
        paramGroups: theirs.param_groups.map((g) => camel(g) as Record<string, unknown> & { params: number[] }),
      };
      fresh.loadStateDict(sd);
      c.param_groups_after_load!.forEach((g, gi) => {
        for (const [k, v] of Object.entries(camel(g))) expect(fresh.paramGroups[gi]![k], `after load group ${gi} ${k}`).toBe(v);
      });

      // 4. M more steps: torch's resumed trajectory, and bit-identical to our uninterrupted run.
      for (let k = N + 1; k <= N + M; k++) {
        feed(pc, k);
        fresh.step();
        checkStep(fresh, pc, c.trajectory_resumed![k - N - 1]!, `${c.name} resumed`);
      }
      expect(c.resumed_equals_uninterrupted).toBe(true);
      pc.forEach((p, i) => expect(Array.from(p.dataSync())).toEqual(Array.from(pa[i]!.dataSync())));
    });
  }
});

/** Replays a fed_grads case through the functional asgdUpdate (no class), in group order as torch does. */
function replayFunctional(c: GoldenCase, foreach: boolean): void {
  const params = c.params_init.map(decode);
  const states: Array<AsgdParamState | undefined> = params.map(() => undefined);
  const hyper = c.param_groups.map((g) => camel({ ...camel(c.constructor.kwargs), ...camel(g.overrides) }));
  for (const s of c.steps!) {
    c.param_groups.forEach((g, gi) => {
      const lr = s.group_lr![gi]!;
      const idx = g.params.filter((i) => s.grads[i] !== null && s.grads[i] !== undefined);
      for (const i of idx) states[i] ??= asgdInitState(params[i]!, lr);
      const st = idx.map((i) => states[i]!);
      const h = hyper[gi]!;
      asgdUpdate(
        idx.map((i) => params[i]!),
        idx.map((i) => decode(s.grads[i]!)),
        st.map((x) => x.ax),
        st.map((x) => x.mu),
        st.map((x) => x.eta),
        st.map((x) => x.step),
        { lr, lambd: h.lambd as number, alpha: h.alpha as number, t0: h.t0 as number, weightDecay: h.weightDecay as number, maximize: h.maximize as boolean, foreach },
      );
    });
    params.forEach((p, i) => {
      checkTensor(p, s.params[i]!, `${c.name} step ${s.step} params[${i}]`);
      // The foreach path rounds eta differently (a few float32 ulps, README "asgd.json" / spec B.6).
      checkState(states[i], s.state[i]!, `${c.name} step ${s.step} state[${i}]`, foreach ? 1e-6 : 1e-7);
    });
  }
}

describe("asgd.json fed_grads cases through the functional asgdUpdate", () => {
  for (const c of byKind("fed_grads")) {
    test(`single-tensor: ${c.name}`, () => replayFunctional(c, false));
    test(`foreach (agrees within the README tolerances): ${c.name}`, () => replayFunctional(c, true));
  }
});
