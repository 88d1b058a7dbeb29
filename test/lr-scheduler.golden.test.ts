// LinearLR, CosineAnnealingLR and SequentialLR against PyTorch (test/golden/lr_scheduler.json):
// schedules, save/load/resume, and ASGD + scheduler on real gradients. Tolerances from
// test/golden/README.md: lrs rtol 1e-12; ASGD params/ax/state rtol = atol = 1e-5, step/mu exact,
// eta rtol 1e-7.
import { readFileSync } from "node:fs";
import { Tensor, full, tensor } from "@tapegrad/core";
import {
  ASGD, CosineAnnealingLR, LinearLR, type LRScheduler, type LRSchedulerStateDict, type Optimizer, type OptimizerStateDict,
  SGD, SequentialLR,
} from "@tapegrad/optim";
import { describe, expect, test } from "vitest";

interface GoldenTensor {
  shape: number[];
  data: number[];
}
type SchedulerSpec =
  | { type: "LinearLR" | "CosineAnnealingLR"; kwargs: Record<string, number> }
  | { type: "SequentialLR"; schedulers: SchedulerSpec[]; milestones: number[] };
interface OptimizerSpec {
  type: "SGD" | "ASGD";
  kwargs: Record<string, unknown>;
  group_lrs: number[];
  construction: string;
}
interface ScheduleCase {
  name: string;
  kind: "schedule";
  optimizer: OptimizerSpec;
  scheduler: SchedulerSpec;
  epochs: number;
  lr: number[][];
  last_lr: number[][];
  state_dicts: Array<{ epoch: number; state_dict: Record<string, unknown> }>;
  asgd_eta_after_optimizer_step?: Array<number[] | null>;
}
interface ResumeCase {
  name: string;
  kind: "save_load_resume";
  optimizer: OptimizerSpec;
  scheduler: SchedulerSpec;
  epochs: number;
  save_epoch: number;
  lr: number[][];
  last_lr: number[][];
  checkpoint: { optimizer: Record<string, unknown>; scheduler: Record<string, unknown> };
  lr_of_fresh_objects_before_load: number[];
  lr_after_load: number[];
  resumed_lr: number[][];
  resumed_last_lr: number[][];
}
interface AsgdState {
  step: number;
  eta: number;
  mu: number;
  ax: GoldenTensor;
}
interface AsgdCase {
  name: string;
  kind: "asgd_scheduler_real_grads";
  asgd_kwargs: Record<string, unknown>;
  scheduler: SchedulerSpec;
  data: { X: GoldenTensor; y: GoldenTensor };
  params_init: GoldenTensor[];
  lr_after_construction: number[];
  num_steps: number;
  steps: Array<{
    step: number;
    lr_during_step: number;
    eta_used: number[];
    loss: number;
    grads: GoldenTensor[];
    params: GoldenTensor[];
    state: AsgdState[];
    lr_after_scheduler_step: number;
    last_lr: number[];
  }>;
}
type GoldenCase = ScheduleCase | ResumeCase | AsgdCase;

const golden = JSON.parse(readFileSync(new URL("./golden/lr_scheduler.json", import.meta.url), "utf8")) as { cases: GoldenCase[] };

const LR_RTOL = 1e-12;

function close(got: number, want: number, rtol: number, atol: number, what: string): void {
  if (!(Math.abs(got - want) <= atol + rtol * Math.abs(want))) {
    throw new Error(`${what}: got ${got}, want ${want} (|diff| ${Math.abs(got - want)})`);
  }
}

function closeLrs(got: readonly number[], want: readonly number[], what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  want.forEach((w, i) => close(got[i]!, w, LR_RTOL, 0, `${what}[${i}]`));
}

function fromGolden(t: GoldenTensor): Tensor {
  return tensor(Float32Array.from(t.data)).reshape(t.shape);
}

function closeTensor(got: Tensor, want: GoldenTensor, what: string): void {
  expect(got.shape, `${what}: shape`).toEqual(want.shape);
  const values = got.dataSync();
  want.data.forEach((w, i) => close(values[i]!, w, 1e-5, 1e-5, `${what}[${i}]`));
}

/** torch's snake_case (and private `_x`) names -> tapegrad's names. */
const RENAMES: Record<string, string> = { T_max: "tMax", _step_count: "stepCount", _last_lr: "lastLr", _milestones: "milestones", _schedulers: "schedulers" };
/** Bookkeeping keys of torch 1.13's scheduler state dicts that tapegrad does not save. */
const VERSION_SPECIFIC = new Set(["verbose", "_get_lr_called_within_step", "_is_initial"]);
const camel = (key: string): string => RENAMES[key] ?? key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

function translateScheduler(sd: Record<string, unknown>): LRSchedulerStateDict {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(sd)) {
    if (VERSION_SPECIFIC.has(k)) continue;
    out[camel(k)] = k === "_schedulers" ? (v as Array<Record<string, unknown>>).map(translateScheduler) : v;
  }
  return out as LRSchedulerStateDict;
}

function translateOptimizer(sd: Record<string, unknown>): OptimizerStateDict {
  const groups = (sd.param_groups as Array<Record<string, unknown>>).map((g) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(g)) out[camel(k)] = v;
    return out as Record<string, unknown> & { params: number[] };
  });
  const state: Record<number, Record<string, unknown>> = {};
  for (const [id, entry] of Object.entries(sd.state as Record<string, Record<string, unknown>>)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(entry)) out[camel(k)] = v;
    state[Number(id)] = out;
  }
  return { state, paramGroups: groups };
}

/** Compare our state dict with torch's (translated): same keys, numbers within the lr tolerance. */
function expectStateDict(got: unknown, want: unknown, what: string): void {
  if (typeof want === "number") {
    expect(typeof got, what).toBe("number");
    close(got as number, want, LR_RTOL, 0, what);
  } else if (Array.isArray(want)) {
    expect(Array.isArray(got), what).toBe(true);
    expect((got as unknown[]).length, `${what}: length`).toBe(want.length);
    want.forEach((w, i) => expectStateDict((got as unknown[])[i], w, `${what}[${i}]`));
  } else if (want !== null && typeof want === "object") {
    expect(Object.keys(got as object).sort(), `${what}: keys`).toEqual(Object.keys(want).sort());
    for (const [k, w] of Object.entries(want)) expectStateDict((got as Record<string, unknown>)[k], w, `${what}.${k}`);
  } else {
    expect(got, what).toEqual(want);
  }
}

function buildOptimizer(spec: OptimizerSpec): { opt: Optimizer; params: Tensor[] } {
  const params = spec.group_lrs.map(() => full([2], 1).requiresGrad_(true));
  const kwargs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec.kwargs)) if (k !== "foreach") kwargs[camel(k)] = v;
  const single = spec.construction.includes("[p0]");
  const input = single ? params : params.map((p, i) => ({ params: [p], lr: spec.group_lrs[i] }));
  const options = { ...kwargs, lr: spec.group_lrs[0] };
  const opt = spec.type === "SGD" ? new SGD(input, options) : new ASGD(input, options);
  return { opt, params };
}

function buildScheduler(opt: Optimizer, spec: SchedulerSpec): LRScheduler {
  if (spec.type === "SequentialLR") {
    const schedulers = spec.schedulers.map((s) => buildScheduler(opt, s));
    return new SequentialLR(opt, { schedulers, milestones: spec.milestones });
  }
  const kwargs: Record<string, number> = {};
  for (const [k, v] of Object.entries(spec.kwargs)) kwargs[camel(k)] = v;
  return spec.type === "LinearLR" ? new LinearLR(opt, kwargs) : new CosineAnnealingLR(opt, kwargs as { tMax: number });
}

function groupLrs(opt: Optimizer): number[] {
  return opt.paramGroups.map((g) => g.lr as number);
}

/** One epoch of the golden loop: a small constant gradient, optimizer step, scheduler step. */
function epoch(opt: Optimizer, params: Tensor[], sched: LRScheduler): void {
  for (const p of params) p.grad = full([2], 0.01);
  opt.step();
  sched.step();
}

const byKind = <K extends GoldenCase["kind"]>(kind: K) =>
  golden.cases.filter((c): c is Extract<GoldenCase, { kind: K }> => c.kind === kind).map((c) => [c.name, c] as const);

describe("lr_scheduler.json", () => {
  test("file layout", () => {
    expect(golden.cases).toHaveLength(16);
  });

  test.each(byKind("schedule"))("schedule %s", (_name, c) => {
    const { opt, params } = buildOptimizer(c.optimizer);
    const sched = buildScheduler(opt, c.scheduler);
    const dicts = new Map(c.state_dicts.map((s) => [s.epoch, translateScheduler(s.state_dict)]));
    expect(c.lr).toHaveLength(c.epochs + 1);
    for (let e = 0; e <= c.epochs; e++) {
      if (e > 0) epoch(opt, params, sched);
      closeLrs(groupLrs(opt), c.lr[e]!, `epoch ${e} lr`);
      closeLrs(sched.getLastLr(), c.last_lr[e]!, `epoch ${e} lastLr`);
      const want = dicts.get(e);
      if (want !== undefined) expectStateDict(sched.stateDict(), want, `epoch ${e} stateDict`);
      const etas = c.asgd_eta_after_optimizer_step?.[e];
      if (etas) {
        params.forEach((p, i) => close((opt.state.get(p)!.eta as Tensor).item(), etas[i]!, 1e-7, 0, `epoch ${e} eta ${i}`));
      }
    }
  });

  test.each(byKind("save_load_resume"))("save/load/resume %s", (_name, c) => {
    // The uninterrupted run.
    const a = buildOptimizer(c.optimizer);
    const schedA = buildScheduler(a.opt, c.scheduler);
    const uninterrupted: number[][] = [];
    for (let e = 0; e <= c.epochs; e++) {
      if (e > 0) epoch(a.opt, a.params, schedA);
      uninterrupted.push(groupLrs(a.opt));
      closeLrs(groupLrs(a.opt), c.lr[e]!, `uninterrupted epoch ${e} lr`);
      closeLrs(schedA.getLastLr(), c.last_lr[e]!, `uninterrupted epoch ${e} lastLr`);
    }

    // Stop at save_epoch and take a checkpoint: it matches torch's.
    const b = buildOptimizer(c.optimizer);
    const schedB = buildScheduler(b.opt, c.scheduler);
    for (let e = 1; e <= c.save_epoch; e++) epoch(b.opt, b.params, schedB);
    const ours = { optimizer: b.opt.stateDict(), scheduler: schedB.stateDict() };
    expectStateDict(ours.scheduler, translateScheduler(c.checkpoint.scheduler), "checkpoint.scheduler");
    const wantGroups = translateOptimizer(c.checkpoint.optimizer).paramGroups;
    ours.optimizer.paramGroups.forEach((g, i) => {
      for (const key of ["lr", "initialLr", "params"]) expectStateDict(g[key], wantGroups[i]![key], `checkpoint.optimizer group ${i} ${key}`);
    });

    // Resume from torch's checkpoint and from ours: fresh objects, scheduler first, then optimizer.
    for (const [source, ckpt] of [
      ["torch", { optimizer: translateOptimizer(c.checkpoint.optimizer), scheduler: translateScheduler(c.checkpoint.scheduler) }],
      ["tapegrad", ours],
    ] as const) {
      const r = buildOptimizer(c.optimizer);
      const schedR = buildScheduler(r.opt, c.scheduler);
      closeLrs(groupLrs(r.opt), c.lr_of_fresh_objects_before_load, `${source}: fresh lr`);
      schedR.loadStateDict(ckpt.scheduler);
      r.opt.loadStateDict(ckpt.optimizer);
      closeLrs(groupLrs(r.opt), c.lr_after_load, `${source}: lr after load`);
      for (let e = c.save_epoch + 1; e <= c.epochs; e++) {
        epoch(r.opt, r.params, schedR);
        const k = e - c.save_epoch - 1;
        closeLrs(groupLrs(r.opt), c.resumed_lr[k]!, `${source}: resumed epoch ${e} lr`);
        closeLrs(schedR.getLastLr(), c.resumed_last_lr[k]!, `${source}: resumed epoch ${e} lastLr`);
        // Resuming reproduces our own uninterrupted run bit for bit.
        expect(groupLrs(r.opt), `${source}: resumed epoch ${e} equals uninterrupted`).toEqual(uninterrupted[e]);
      }
    }
  });

  test.each(byKind("asgd_scheduler_real_grads"))("ASGD + scheduler %s", (_name, c) => {
    const X = fromGolden(c.data.X);
    const y = fromGolden(c.data.y);
    const [W, b] = c.params_init.map((t) => fromGolden(t).requiresGrad_(true)) as [Tensor, Tensor];
    const kwargs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(c.asgd_kwargs)) if (k !== "foreach") kwargs[camel(k)] = v;
    const opt = new ASGD([W, b], kwargs);
    const sched = buildScheduler(opt, c.scheduler);
    closeLrs(groupLrs(opt), c.lr_after_construction, "lr after construction");
    expect(c.steps).toHaveLength(c.num_steps);
    for (const s of c.steps) {
      opt.zeroGrad(true);
      // pred = X @ W^T + b, written with broadcasting; loss = mean((pred - y)^2).
      const pred = X.mul(W).sum(1, true).add(b);
      const loss = pred.sub(y).pow(2).mean();
      close(loss.item(), s.loss, 1e-5, 1e-5, `step ${s.step} loss`);
      loss.backward();
      closeTensor(W.grad!, s.grads[0]!, `step ${s.step} grad W`);
      closeTensor(b.grad!, s.grads[1]!, `step ${s.step} grad b`);
      close(opt.paramGroups[0]!.lr as number, s.lr_during_step, LR_RTOL, 0, `step ${s.step} lr during step`);
      const etaBefore = [W, b].map((p) => opt.state.get(p)?.eta as Tensor | undefined);
      etaBefore.forEach((eta, i) => {
        const used = eta === undefined ? Math.fround(opt.paramGroups[0]!.lr as number) : eta.item();
        close(used, s.eta_used[i]!, 1e-7, 0, `step ${s.step} eta used ${i}`);
      });
      opt.step();
      [W, b].forEach((p, i) => {
        closeTensor(p, s.params[i]!, `step ${s.step} param ${i}`);
        const st = opt.state.get(p)!;
        const want = s.state[i]!;
        expect((st.step as Tensor).item(), `step ${s.step} state.step`).toBe(want.step);
        expect((st.mu as Tensor).item(), `step ${s.step} state.mu`).toBe(want.mu);
        close((st.eta as Tensor).item(), want.eta, 1e-7, 0, `step ${s.step} state.eta`);
        closeTensor(st.ax as Tensor, want.ax, `step ${s.step} state.ax`);
      });
      sched.step();
      close(opt.paramGroups[0]!.lr as number, s.lr_after_scheduler_step, LR_RTOL, 0, `step ${s.step} lr after scheduler step`);
      closeLrs(sched.getLastLr(), s.last_lr, `step ${s.step} lastLr`);
    }
  });
});
