// Model-based tests of the optimizers (issue 9): fast-check generates random command sequences —
// step, zeroGrad, gradients that come and go, addParamGroup, lr changes, stateDict/loadStateDict
// (into the same optimizer or a fresh one, through the checkpoint bytes), step-hook registration and
// removal — and runs them against ASGD / SGD and against a small model written here with plain
// numbers. After every command the parameters, gradients, per-parameter state, group lrs, stepCount
// and the hook call log must match the model bit for bit.
//
// The ASGD model is the float32 emulation of spec/pytorch-semantics.md B.4 (single-tensor path) and
// B.6 (foreach path): each tensor op computed in double and rounded once with Math.fround. The SGD
// model follows PyTorch's SGD op by op with the same emulation (`a + alpha*b` rounds once, the
// scalar operand first rounded to float32).
import { Tensor, fromBytes, tensor, toBytes } from "@tapegrad/core";
import { ASGD, type Optimizer, type OptimizerStateDict, type RemovableHandle, SGD } from "@tapegrad/optim";
import fc from "fast-check";
import { describe, expect, test } from "vitest";

const f32 = Math.fround;

// ------------------------------------------------------------------------------------------------
// The model: plain numbers, float32 values stored as doubles.

type Kind = "asgd" | "sgd";

interface AsgdHyper {
  lr: number;
  lambd: number;
  alpha: number;
  t0: number;
  weightDecay: number;
  maximize: boolean;
  foreach: boolean;
}
interface SgdHyper {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
  foreach: boolean;
}
type Hyper = AsgdHyper | SgdHyper;

interface AsgdState {
  step: number;
  eta: number;
  mu: number;
  ax: number[];
}
interface SgdState {
  momentumBuffer: number[];
}

interface ParamModel {
  shape: number[];
  value: number[];
  grad: number[] | null;
  state: AsgdState | SgdState | null;
}

interface Hook {
  kind: "pre" | "post";
  active: boolean;
}

interface Model {
  kind: Kind;
  defaults: Hyper;
  groups: Array<{ params: number[]; hyper: Hyper }>;
  params: ParamModel[];
  hooks: Hook[];
  log: string[];
  stepCount: number;
}

/** One ASGD update of one parameter, spec B.4 (single tensor) or B.6 (foreach), float32 emulation. */
function asgdModelStep(p: ParamModel, h: AsgdHyper): void {
  if (p.state === null) p.state = { step: 0, eta: f32(h.lr), mu: 1, ax: p.value.map(() => 0) };
  const st = p.state as AsgdState;
  const grad = p.grad!.map((g) => (h.maximize ? -g : g));
  st.step += 1;
  const t = st.step;
  const e = st.eta;
  if (!h.foreach) {
    const c = f32(1 - h.lambd * e);
    p.value = p.value.map((v, i) => {
      const g1 = h.weightDecay !== 0 ? f32(grad[i]! + f32(h.weightDecay) * v) : grad[i]!;
      return f32(f32(v * c) + f32(-e) * g1);
    });
    st.ax = st.mu !== 1 ? st.ax.map((a, i) => f32(a + f32(f32(p.value[i]! - a) * st.mu))) : [...p.value];
    st.eta = f32(h.lr / Math.pow(1 + h.lambd * h.lr * t, h.alpha));
  } else {
    p.value = p.value.map((v, i) => {
      const withDecay = h.weightDecay !== 0 ? f32(grad[i]! + f32(h.weightDecay) * v) : grad[i]!;
      const I = f32(withDecay + f32(h.lambd) * v);
      return f32(v - f32(I * e));
    });
    st.ax = st.ax.map((a, i) => f32(a + f32(f32(p.value[i]! - a) * st.mu)));
    const k = h.lambd * h.lr;
    const w = f32(Math.pow(f32(1 + f32(f32(k) * t)), h.alpha));
    st.eta = f32(f32(1 / w) * f32(h.lr));
  }
  st.mu = f32(1 / Math.max(1, t - h.t0));
}

/** One SGD update of one parameter (PyTorch's op order, float32 emulation). */
function sgdModelStep(p: ParamModel, h: SgdHyper): void {
  let g = p.grad!.map((x) => (h.maximize ? -x : x));
  if (h.weightDecay !== 0) g = g.map((x, i) => f32(x + f32(h.weightDecay) * p.value[i]!));
  if (h.momentum !== 0) {
    let buf: number[];
    if (p.state === null) {
      buf = [...g];
    } else {
      const old = (p.state as SgdState).momentumBuffer;
      buf = old.map((b, i) => f32(f32(b * f32(h.momentum)) + f32(1 - h.dampening) * g[i]!));
    }
    p.state = { momentumBuffer: buf };
    g = h.nesterov ? g.map((x, i) => f32(x + f32(h.momentum) * buf[i]!)) : buf;
  }
  p.value = p.value.map((v, i) => f32(v + f32(-h.lr) * g[i]!));
}

function modelStep(m: Model): void {
  m.hooks.forEach((hook, id) => {
    if (hook.active && hook.kind === "pre") m.log.push(`pre${id}@${m.stepCount}`);
  });
  for (const group of m.groups) {
    for (const pi of group.params) {
      const p = m.params[pi]!;
      if (p.grad === null) continue;
      if (m.kind === "asgd") asgdModelStep(p, group.hyper as AsgdHyper);
      else sgdModelStep(p, group.hyper as SgdHyper);
    }
  }
  m.stepCount++;
  m.hooks.forEach((hook, id) => {
    if (hook.active && hook.kind === "post") m.log.push(`post${id}@${m.stepCount}`);
  });
}

// ------------------------------------------------------------------------------------------------
// The real system and the comparison.

interface Real {
  opt: Optimizer;
  params: Tensor[];
  handles: RemovableHandle[];
  log: string[];
}

const construct = (kind: Kind, groups: Array<Record<string, unknown>>, defaults: Hyper): Optimizer =>
  kind === "asgd" ? new ASGD(groups as never, defaults as AsgdHyper) : new SGD(groups as never, defaults as SgdHyper);

const bits = (xs: ArrayLike<number>): number[] => Array.from(xs, (x) => (Object.is(x, -0) ? -0 : x));

function compare(m: Model, r: Real): void {
  expect(r.params).toHaveLength(m.params.length);
  expect(r.opt.stepCount).toBe(m.stepCount);
  expect(r.log).toEqual(m.log);
  expect(r.opt.paramGroups.map((g) => g.params.map((p) => r.params.indexOf(p)))).toEqual(m.groups.map((g) => g.params));
  r.opt.paramGroups.forEach((g, gi) => {
    const want = m.groups[gi]!.hyper;
    expect(g.lr).toBe(want.lr);
    expect(g.weightDecay).toBe(want.weightDecay);
    expect(g.maximize).toBe(want.maximize);
  });
  m.params.forEach((pm, i) => {
    const p = r.params[i]!;
    expect(p.shape).toEqual(pm.shape);
    expect(bits(p.dataSync()), `param ${i}`).toEqual(pm.value);
    if (pm.grad === null) expect(p.grad, `grad ${i}`).toBeNull();
    else expect(bits(p.grad!.dataSync()), `grad ${i}`).toEqual(pm.grad);
    const st = r.opt.state.get(p);
    if (pm.state === null) {
      expect(st, `state ${i}`).toBeUndefined();
      return;
    }
    expect(st, `state ${i}`).toBeDefined();
    if (m.kind === "asgd") {
      const want = pm.state as AsgdState;
      expect(Object.keys(st!)).toEqual(["step", "eta", "mu", "ax"]);
      expect((st!.step as Tensor).item(), `step ${i}`).toBe(want.step);
      expect((st!.eta as Tensor).item(), `eta ${i}`).toBe(want.eta);
      expect((st!.mu as Tensor).item(), `mu ${i}`).toBe(want.mu);
      expect(bits((st!.ax as Tensor).dataSync()), `ax ${i}`).toEqual(want.ax);
    } else {
      expect(bits((st!.momentumBuffer as Tensor).dataSync()), `momentumBuffer ${i}`).toEqual((pm.state as SgdState).momentumBuffer);
    }
  });
}

// ------------------------------------------------------------------------------------------------
// Commands.

type Cmd = fc.Command<Model, Real>;
const fill = (values: number[], n: number): number[] => Array.from({ length: n }, (_, i) => values[i % values.length]!);

class SetGrad implements Cmd {
  constructor(readonly which: number, readonly values: number[] | null) {}
  check = (m: Readonly<Model>) => m.params.length > 0;
  run(m: Model, r: Real): void {
    const i = this.which % m.params.length;
    const pm = m.params[i]!;
    pm.grad = this.values === null ? null : fill(this.values, pm.value.length);
    r.params[i]!.grad = pm.grad === null ? null : tensor(pm.grad).reshape(pm.shape);
    compare(m, r);
  }
  toString = () => `setGrad(${this.which}, ${this.values === null ? "null" : `[${this.values.join(",")}]`})`;
}

/** Gradients for every parameter at once (values cycled, shifted per parameter). */
class SetAllGrads implements Cmd {
  constructor(readonly values: number[]) {}
  check = () => true;
  run(m: Model, r: Real): void {
    m.params.forEach((pm, i) => {
      pm.grad = fill(this.values, pm.value.length).map((v, k) => f32(v * (1 + ((i + k) % 3)) - i / 16));
      r.params[i]!.grad = tensor(pm.grad).reshape(pm.shape);
    });
    compare(m, r);
  }
  toString = () => `setAllGrads([${this.values.join(",")}])`;
}

class ZeroGrad implements Cmd {
  constructor(readonly setToNone: boolean) {}
  check = () => true;
  run(m: Model, r: Real): void {
    for (const pm of m.params) if (pm.grad !== null) pm.grad = this.setToNone ? null : pm.grad.map(() => 0);
    r.opt.zeroGrad(this.setToNone);
    compare(m, r);
  }
  toString = () => `zeroGrad(${this.setToNone})`;
}

class Step implements Cmd {
  check = () => true;
  run(m: Model, r: Real): void {
    modelStep(m);
    r.opt.step();
    compare(m, r);
  }
  toString = () => "step()";
}

class SetLr implements Cmd {
  constructor(readonly group: number, readonly lr: number) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const gi = this.group % m.groups.length;
    m.groups[gi]!.hyper = { ...m.groups[gi]!.hyper, lr: this.lr };
    r.opt.paramGroups[gi]!.lr = this.lr;
    compare(m, r);
  }
  toString = () => `paramGroups[${this.group}].lr = ${this.lr}`;
}

class AddGroup implements Cmd {
  constructor(readonly shapes: number[][], readonly values: number[], readonly overrides: Partial<Hyper>) {}
  check = (m: Readonly<Model>) => m.params.length < 12;
  run(m: Model, r: Real): void {
    const first = m.params.length;
    const tensors = this.shapes.map((shape) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const value = fill(this.values, n).map((v, k) => f32(v + k / 8));
      m.params.push({ shape, value, grad: null, state: null });
      return tensor(value, { requiresGrad: true }).reshape(shape).detach().requiresGrad_(true);
    });
    m.groups.push({ params: tensors.map((_, k) => first + k), hyper: { ...m.defaults, ...this.overrides } as Hyper });
    r.params.push(...tensors);
    r.opt.addParamGroup({ params: tensors, ...this.overrides });
    compare(m, r);
  }
  toString = () => `addParamGroup(${JSON.stringify(this.shapes)}, ${JSON.stringify(this.overrides)})`;
}

class RegisterHook implements Cmd {
  constructor(readonly kind: "pre" | "post") {}
  check = () => true;
  run(m: Model, r: Real): void {
    const id = m.hooks.length;
    m.hooks.push({ kind: this.kind, active: true });
    const hook = (o: Optimizer) => void r.log.push(`${this.kind}${id}@${o.stepCount}`);
    r.handles.push(this.kind === "pre" ? r.opt.registerStepPreHook(hook) : r.opt.registerStepPostHook(hook));
    compare(m, r);
  }
  toString = () => `register${this.kind === "pre" ? "StepPre" : "StepPost"}Hook()`;
}

class RemoveHook implements Cmd {
  constructor(readonly which: number) {}
  check = (m: Readonly<Model>) => m.hooks.length > 0;
  run(m: Model, r: Real): void {
    const id = this.which % m.hooks.length;
    m.hooks[id]!.active = false;
    r.handles[id]!.remove(); // idempotent: the hook may already be gone
    compare(m, r);
  }
  toString = () => `handles[${this.which}].remove()`;
}

/** stateDict -> checkpoint bytes -> loadStateDict, into the same optimizer or a fresh one (which has no hooks). */
class RoundTrip implements Cmd {
  constructor(readonly fresh: boolean) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const sd = r.opt.stateDict();
    const ids = m.groups.flatMap((g) => g.params);
    const withState = ids.map((pi, id) => [pi, id] as const).filter(([pi]) => m.params[pi]!.state !== null).map(([, id]) => String(id));
    expect(Object.keys(sd.state)).toEqual(withState);
    const copy = fromBytes(toBytes(sd)) as OptimizerStateDict;
    if (this.fresh) {
      const opt = construct(m.kind, r.opt.paramGroups.map((g) => ({ params: g.params })), m.defaults);
      opt.loadStateDict(copy);
      r.opt = opt;
      m.stepCount = 0;
      for (const h of m.hooks) h.active = false;
    } else {
      r.opt.loadStateDict(copy);
    }
    compare(m, r);
  }
  toString = () => `loadStateDict(stateDict()) into ${this.fresh ? "a fresh" : "the same"} optimizer`;
}

// ------------------------------------------------------------------------------------------------
// Arbitraries.

// fc.double/fc.float spread their draws over the binary exponents (most land near 0 or the bounds);
// hyperparameters and values also need "ordinary" numbers with full mantissas, so mix in uniform draws.
const uniform = (min: number, max: number): fc.Arbitrary<number> => fc.integer({ min: 0, max: 1 << 30 }).map((k) => min + ((max - min) * k) / (1 << 30));
const between = (min: number, max: number): fc.Arbitrary<number> =>
  fc.oneof({ arbitrary: uniform(min, max), weight: 4 }, { arbitrary: fc.double({ min, max, noNaN: true }), weight: 1 });
const valueArb = fc.oneof({ arbitrary: uniform(-4, 4).map(f32), weight: 4 }, { arbitrary: fc.float({ min: -4, max: 4, noNaN: true }), weight: 1 });
const valuesArb = fc.array(valueArb, { minLength: 1, maxLength: 6 });
const shapeArb = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 5 })).map(([n]) => [n]),
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })).map(([a, b]) => [a, b]),
);
const lrArb = between(1e-3, 0.3);

const asgdHyperArb: fc.Arbitrary<AsgdHyper> = fc.record({
  lr: lrArb,
  lambd: fc.oneof(fc.constant(0), between(0, 0.05)),
  alpha: between(0, 1),
  t0: fc.oneof(fc.integer({ min: 0, max: 5 }), between(-1, 6)),
  weightDecay: fc.oneof(fc.constant(0), between(0, 0.1)),
  maximize: fc.boolean(),
  foreach: fc.boolean(),
});
const sgdHyperArb: fc.Arbitrary<SgdHyper> = fc
  .record({
    lr: lrArb,
    momentum: fc.oneof(fc.constant(0), between(0, 0.95)),
    dampening: fc.oneof(fc.constant(0), between(0, 0.5)),
    weightDecay: fc.oneof(fc.constant(0), between(0, 0.1)),
    nesterov: fc.boolean(),
    maximize: fc.boolean(),
    foreach: fc.boolean(),
  })
  .map((h) => ({ ...h, nesterov: h.nesterov && h.momentum > 0 && h.dampening === 0 }));

const overridesArb = (hyperArb: fc.Arbitrary<Hyper>): fc.Arbitrary<Partial<Hyper>> =>
  fc.tuple(hyperArb, fc.subarray(["lr", "weightDecay", "maximize", "foreach", "lambd", "t0", "alpha", "momentum"])).map(([h, keys]) => {
    const out: Record<string, unknown> = {};
    for (const k of keys) if (k in h) out[k] = (h as unknown as Record<string, unknown>)[k];
    // SGD's Nesterov check couples momentum, dampening and nesterov: override them together.
    if ("momentum" in out && "nesterov" in h) Object.assign(out, { nesterov: h.nesterov, dampening: h.dampening });
    return out as Partial<Hyper>;
  });

function commandsArb(hyperArb: fc.Arbitrary<Hyper>): fc.Arbitrary<Iterable<Cmd>> {
  return fc.commands(
    [
      fc.tuple(fc.nat(), fc.option(valuesArb, { freq: 4 })).map(([i, v]) => new SetGrad(i, v)),
      fc.tuple(fc.nat(), valuesArb).map(([i, v]) => new SetGrad(i, v)),
      valuesArb.map((v) => new SetAllGrads(v)),
      valuesArb.map((v) => new SetAllGrads(v)),
      fc.boolean().map((b) => new ZeroGrad(b)),
      fc.constant(new Step()),
      fc.constant(new Step()),
      fc.constant(new Step()),
      fc.tuple(fc.nat(), lrArb).map(([g, lr]) => new SetLr(g, lr)),
      fc.tuple(fc.array(shapeArb, { minLength: 1, maxLength: 2 }), valuesArb, overridesArb(hyperArb)).map(([s, v, o]) => new AddGroup(s, v, o)),
      fc.constantFrom<"pre" | "post">("pre", "post").map((k) => new RegisterHook(k)),
      fc.nat().map((i) => new RemoveHook(i)),
      fc.boolean().map((fresh) => new RoundTrip(fresh)),
    ],
    { maxCommands: 40, size: "max" },
  );
}

interface Setup {
  defaults: Hyper;
  groups: Array<{ shapes: number[][]; values: number[]; overrides: Partial<Hyper> }>;
}

const setupArb = (hyperArb: fc.Arbitrary<Hyper>): fc.Arbitrary<Setup> =>
  fc.record({
    defaults: hyperArb,
    groups: fc.array(
      fc.record({ shapes: fc.array(shapeArb, { minLength: 1, maxLength: 3 }), values: valuesArb, overrides: overridesArb(hyperArb) }),
      { minLength: 1, maxLength: 2 },
    ),
  });

function start(kind: Kind, setup: Setup): { model: Model; real: Real } {
  const model: Model = { kind, defaults: setup.defaults, groups: [], params: [], hooks: [], log: [], stepCount: 0 };
  const tensorGroups: Array<Record<string, unknown>> = [];
  const params: Tensor[] = [];
  for (const g of setup.groups) {
    const first = model.params.length;
    const tensors = g.shapes.map((shape) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const value = fill(g.values, n).map((v, k) => f32(v - k / 4));
      model.params.push({ shape, value, grad: null, state: null });
      return tensor(value, { requiresGrad: true }).reshape(shape).detach().requiresGrad_(true);
    });
    model.groups.push({ params: tensors.map((_, k) => first + k), hyper: { ...setup.defaults, ...g.overrides } as Hyper });
    params.push(...tensors);
    tensorGroups.push({ params: tensors, ...g.overrides });
  }
  return { model, real: { opt: construct(kind, tensorGroups, setup.defaults), params, handles: [], log: [] } };
}

const RUNS = 120;

describe("optimizers against a reference model (fast-check commands)", () => {
  test.each([
    ["asgd", asgdHyperArb as fc.Arbitrary<Hyper>, 0x5eed01],
    ["sgd", sgdHyperArb as fc.Arbitrary<Hyper>, 0x5eed02],
  ] as const)(`%s: ${RUNS} random command sequences match the model bit for bit`, (kind, hyperArb, seed) => {
    fc.assert(
      fc.property(setupArb(hyperArb), commandsArb(hyperArb), (setup, cmds) => {
        fc.modelRun(() => start(kind, setup), cmds);
      }),
      { numRuns: RUNS, seed },
    );
  });
});
