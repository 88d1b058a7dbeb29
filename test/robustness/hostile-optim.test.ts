// Hostile inputs at the optimizer and scheduler entry points (issue 9), as a JavaScript caller
// without a type checker would pass them: wrong types, NaN/Infinity hyperparameters, state dicts
// from another optimizer or model, JSON with extra or missing keys. Each case must throw a specific
// error and leave every object exactly as it was (parameters, gradients, groups, state, stepCount,
// scheduler state: compared deeply, and by identity where objects must survive).
import { Tensor, fromBytes, tensor, toBytes } from "@tapegrad/core";
import {
  ASGD, Adagrad, Adam, AdamW, CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR, MultiStepLR, type Optimizer,
  type OptimizerStateDict, RMSprop, ReduceLROnPlateau, SGD, SequentialLR, StepLR,
} from "@tapegrad/optim";
import { describe, expect, test } from "vitest";

type AnyOptimizer = Optimizer;
type Ctor = new (params: unknown, options?: unknown) => AnyOptimizer;
const CLASSES: Array<[string, Ctor]> = [
  ["ASGD", ASGD as unknown as Ctor], ["SGD", SGD as unknown as Ctor], ["Adam", Adam as unknown as Ctor],
  ["AdamW", AdamW as unknown as Ctor], ["RMSprop", RMSprop as unknown as Ctor], ["Adagrad", Adagrad as unknown as Ctor],
];
const OPTIONS: Record<string, Record<string, unknown>> = {
  ASGD: { lr: 0.1, t0: 1 }, SGD: { lr: 0.1, momentum: 0.9 }, Adam: { lr: 0.1, amsgrad: true }, AdamW: { lr: 0.1 },
  RMSprop: { lr: 0.1, momentum: 0.5, centered: true }, Adagrad: { lr: 0.1 },
};

/** A plain-data picture of a value: tensors by dtype, shape and bits; everything else recursively. */
function picture(value: unknown): unknown {
  if (value instanceof Tensor) return { dtype: value.dtype, shape: value.shape, data: Array.from(value.dataSync(), (x) => (Object.is(x, -0) ? "-0" : x)) };
  if (Array.isArray(value)) return value.map(picture);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, picture(v)]));
  return typeof value === "number" && Number.isNaN(value) ? "NaN" : value;
}

/** Everything observable about an optimizer and its parameters, plus the identities that must survive. */
function snapshot(opt: AnyOptimizer, params: Tensor[]) {
  return {
    data: picture({
      params: params.map((p) => ({ value: p, grad: p.grad })),
      groups: opt.paramGroups.map((g) => ({ ...g, params: g.params.map((p) => params.indexOf(p)) })),
      state: [...opt.state].map(([p, s]) => [params.indexOf(p), s]),
      stepCount: opt.stepCount,
    }),
    identities: { groups: opt.paramGroups, each: [...opt.paramGroups], state: opt.state, entries: [...opt.state.values()] },
  };
}

function expectUnchanged(before: ReturnType<typeof snapshot>, opt: AnyOptimizer, params: Tensor[]): void {
  const after = snapshot(opt, params);
  expect(after.data).toEqual(before.data);
  expect(opt.paramGroups).toBe(before.identities.groups);
  opt.paramGroups.forEach((g, i) => expect(g).toBe(before.identities.each[i]));
  expect(opt.state).toBe(before.identities.state);
  [...opt.state.values()].forEach((s, i) => expect(s).toBe(before.identities.entries[i]));
}

/** An optimizer of class `name` over two groups, stepped twice so that every kind of state exists. */
function trained(name: string): { opt: AnyOptimizer; params: Tensor[] } {
  const Cls = CLASSES.find(([n]) => n === name)![1];
  const params = [tensor([1, -2, 3], { requiresGrad: true }), tensor([[0.5, 0.25]], { requiresGrad: true }), tensor([4], { requiresGrad: true })];
  const opt = new Cls([{ params: [params[0], params[1]] }, { params: [params[2]], lr: 0.05 }], OPTIONS[name]);
  for (let k = 1; k <= 2; k++) {
    params.forEach((p, i) => (p.grad = p.detach().mul(0.1 * k).add(i)));
    opt.step();
  }
  return { opt, params };
}

interface Case {
  name: string;
  act: (opt: AnyOptimizer, params: Tensor[]) => unknown;
  error: RegExp;
}

const clone = (sd: OptimizerStateDict): OptimizerStateDict => fromBytes(toBytes(sd)) as OptimizerStateDict;
const withEntry = (sd: OptimizerStateDict, edit: (entry: Record<string, unknown>) => void): OptimizerStateDict => {
  const copy = clone(sd);
  edit(copy.state[0]!);
  return copy;
};

// ------------------------------------------------------------------------------------------------

describe("constructors reject bad arguments with a specific error", () => {
  const generic: Array<[string, unknown, unknown, RegExp]> = [
    ["params: a single tensor", "tensor", {}, /should be an iterable of Tensors or param groups, but got a single Tensor/],
    ["params: null", null, {}, /params must be an iterable of Tensors, \[name, Tensor\] pairs or param groups, got null/],
    ["params: 42", 42, {}, /params must be an iterable .* got 42/],
    ["params: []", [], {}, /optimizer got an empty parameter list/],
    ["params: [1, 2]", [1, 2], {}, /optimizer can only optimize Tensors, but params\[0\] is 1/],
    ["params: a Set", "set", {}, /Please use an array instead of a Set/],
    ["params: the same tensor twice", "twice", {}, /the same parameter appears twice in the group \(params\[0\] and params\[1\]\)/],
    ["params: a non-leaf tensor", "nonleaf", {}, /can't optimize a non-leaf Tensor/],
    ["params: a group without params", [{ lr: 0.1 }], {}, /param group 0 has no "params"/],
    ["params: mixed names", "mixednames", {}, /all optimizer params should be with\/without names/],
    ["options: a string", "ok", "fast", /options must be an object, got "fast"/],
    ["options: unknown key", "ok", { learningRate: 0.1 }, /unknown option "learningRate"/],
    ["lr: NaN", "ok", { lr: Number.NaN }, /Invalid learning rate: NaN/],
    ["lr: -1", "ok", { lr: -1 }, /Invalid learning rate: -1/],
    ["lr: a string", "ok", { lr: "0.1" }, /lr must be a number or a 1-element Tensor, got "0.1"/],
    ["lr: a 2-element tensor", "ok", { lr: tensor([0.1, 0.2]) }, /Tensor lr must be 1-element/],
    ["weightDecay: NaN", "ok", { weightDecay: Number.NaN }, /Invalid weight_?[dD]ecay value: NaN/],
    ["weightDecay: -0.5", "ok", { weightDecay: -0.5 }, /Invalid weight_?[dD]ecay value: -0.5/],
    ["maximize: 1", "ok", { maximize: 1 }, /maximize must be a boolean, got 1/],
    ["foreach: \"yes\"", "ok", { foreach: "yes" }, /foreach must be a boolean.*got "yes"/],
  ];
  const specific: Array<[string, Record<string, unknown>, RegExp]> = [
    ["ASGD", { lr: Number.POSITIVE_INFINITY }, /Invalid learning rate: Infinity \(lr must be finite\)/],
    ["ASGD", { lambd: Number.NaN }, /Invalid lambd value: NaN/],
    ["ASGD", { lambd: -1e-4 }, /Invalid lambd value: -0.0001/],
    ["ASGD", { alpha: Number.POSITIVE_INFINITY }, /Invalid alpha value: Infinity/],
    ["ASGD", { t0: Number.NaN }, /Invalid t0 value: NaN/],
    ["ASGD", { t0: "5" }, /t0 must be a number, got "5"/],
    ["ASGD", { foreach: true, differentiable: true }, /foreach: true is not supported with differentiable: true/],
    ["SGD", { momentum: Number.NaN }, /Invalid momentum value: NaN/],
    ["SGD", { dampening: Number.NaN }, /dampening must be a number, got NaN/],
    ["SGD", { nesterov: true }, /Nesterov momentum requires a momentum and zero dampening/],
    ["SGD", { nesterov: true, momentum: 0.9, dampening: 0.1 }, /Nesterov momentum requires a momentum and zero dampening \(momentum 0.9, dampening 0.1\)/],
    ["Adam", { betas: [0.9] }, /betas must be a pair of numbers \[beta1, beta2\], got an array of length 1/],
    ["Adam", { betas: [1, 0.999] }, /Invalid beta parameter at index 0: 1/],
    ["Adam", { betas: [0.9, Number.NaN] }, /Invalid beta parameter at index 1: NaN/],
    ["Adam", { eps: Number.NaN }, /Invalid epsilon value: NaN/],
    ["Adam", { amsgrad: "no" }, /amsgrad must be a boolean, got "no"/],
    ["AdamW", { betas: "0.9,0.999" }, /betas must be a pair of numbers/],
    ["RMSprop", { alpha: Number.NaN }, /Invalid alpha value: NaN/],
    ["RMSprop", { eps: -1 }, /Invalid epsilon value: -1/],
    ["RMSprop", { centered: 1 }, /centered must be a boolean, got 1/],
    ["Adagrad", { lrDecay: Number.NaN }, /Invalid lrDecay value: NaN/],
    ["Adagrad", { initialAccumulatorValue: -1 }, /Invalid initialAccumulatorValue value: -1/],
  ];
  const cases: Array<[string, string, unknown, unknown, RegExp]> = [];
  for (const [cls] of CLASSES) for (const [what, params, options, error] of generic) cases.push([cls, what, params, options, error]);
  for (const [cls, options, error] of specific) cases.push([cls, JSON.stringify(options, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v)), "ok", options, error]);

  test.each(cases)("%s, %s", (cls, _what, paramsSpec, options, error) => {
    const Cls = CLASSES.find(([n]) => n === cls)![1];
    const p = tensor([1, 2, 3], { requiresGrad: true });
    p.grad = tensor([0.5, 0.5, 0.5]);
    const q = tensor([4, 5], { requiresGrad: true });
    const params =
      paramsSpec === "ok" ? [p] : paramsSpec === "tensor" ? p : paramsSpec === "set" ? new Set([p]) : paramsSpec === "twice" ? [p, p]
      : paramsSpec === "nonleaf" ? [p.mul(2)] : paramsSpec === "mixednames" ? [["a", p], q] : paramsSpec;
    const before = picture([p, p.grad, q]);
    expect(() => new Cls(params, options)).toThrow(error);
    expect(() => new Cls(params, options)).toThrow(new RegExp(`^${cls}`));
    expect(picture([p, p.grad, q])).toEqual(before);
    expect(p.grad).not.toBeNull();
  });
});

describe("methods of a trained optimizer reject bad input and change nothing", () => {
  const cases: Case[] = [
    { name: "addParamGroup(\"x\")", act: (o) => o.addParamGroup("x" as never), error: /addParamGroup: param group 2 must be an object with a "params" key, got "x"/ },
    { name: "addParamGroup without params", act: (o) => o.addParamGroup({ lr: 1 } as never), error: /param group 2 has no "params"/ },
    { name: "addParamGroup with a param of group 0", act: (o, ps) => o.addParamGroup({ params: [tensor([1], { requiresGrad: true }), ps[0]!] }), error: /params\[1\] is already in group 0/ },
    { name: "addParamGroup with lr NaN", act: (o) => o.addParamGroup({ params: [tensor([1], { requiresGrad: true })], lr: Number.NaN }), error: /Invalid learning rate: NaN/ },
    { name: "addParamGroup with weightDecay -1", act: (o) => o.addParamGroup({ params: [tensor([1], { requiresGrad: true })], weightDecay: -1 }), error: /Invalid weight_?[dD]ecay value: -1/ },
    { name: "addParamGroup with names into unnamed groups", act: (o) => o.addParamGroup({ params: [["w", tensor([1], { requiresGrad: true })]] }), error: /cannot add param group with names/ },
    { name: "zeroGrad(\"yes\")", act: (o) => o.zeroGrad("yes" as never), error: /zeroGrad: setToNone must be a boolean, got "yes"/ },
    { name: "step(\"closure\")", act: (o) => o.step("closure" as never), error: /step: closure must be a function, got "closure"/ },
    { name: "step(closure that throws)", act: (o) => o.step(() => { throw new Error("data loader failed"); }), error: /^data loader failed$/ },
    { name: "step with a pre-hook returning garbage", act: (o) => { const h = o.registerStepPreHook(() => 42 as never); try { o.step(); } finally { h.remove(); } }, error: /a step pre-hook must return undefined or a pair/ },
    { name: "step after group.lr = NaN", act: (o) => { const g = o.paramGroups[1]!; const lr = g.lr; g.lr = Number.NaN; try { o.step(); } finally { g.lr = lr; } }, error: /step: param group 1: .*NaN/ },
    { name: "loadStateDict(null)", act: (o) => o.loadStateDict(null as never), error: /the state dict must be an object with "state" and "paramGroups", got null/ },
    { name: "loadStateDict without paramGroups", act: (o) => o.loadStateDict({ state: {} } as never), error: /stateDict.paramGroups must be an array, got undefined/ },
    { name: "loadStateDict without state", act: (o) => o.loadStateDict({ paramGroups: clone(o.stateDict()).paramGroups } as never), error: /stateDict.state must be an object keyed by parameter ids, got undefined/ },
    { name: "loadStateDict with one group fewer", act: (o) => { const sd = clone(o.stateDict()); sd.paramGroups.pop(); o.loadStateDict(sd); }, error: /different number of parameter groups \(1\) than the optimizer \(2\)/ },
    { name: "loadStateDict from a model with other group sizes", act: (o) => { const sd = clone(o.stateDict()); sd.paramGroups[0]!.params = [0]; sd.paramGroups[1]!.params = [1, 2]; o.loadStateDict(sd); }, error: /paramGroups\[0\] has 1 params, the optimizer's group 0 has 2/ },
    { name: "loadStateDict from a model with other shapes", act: (o) => o.loadStateDict(otherShapes(o)), error: /state of parameter 1 has "\w+" of shape \[2\], but the parameter has shape \[1,2\]/ },
    { name: "loadStateDict with duplicate ids", act: (o) => { const sd = clone(o.stateDict()); sd.paramGroups[1]!.params = [0]; o.loadStateDict(sd); }, error: /parameter id 0 appears twice/ },
    { name: "loadStateDict with a string id", act: (o) => { const sd = clone(o.stateDict()); (sd.paramGroups[0]!.params as unknown[])[0] = "0"; o.loadStateDict(sd); }, error: /params\[0\] must be a non-negative integer id, got "0"/ },
    { name: "loadStateDict with a state key that is no id", act: (o) => { const sd = clone(o.stateDict()); sd.state[7] = sd.state[0]!; o.loadStateDict(sd); }, error: /stateDict.state has key "7", which is not a parameter id/ },
    { name: "loadStateDict with an extra state key", act: (o) => o.loadStateDict(withEntry(o.stateDict(), (e) => (e.bogus = tensor(1)))), error: /unexpected state key "bogus"/ },
    { name: "loadStateDict with lr NaN", act: (o) => { const sd = clone(o.stateDict()); sd.paramGroups[1]!.lr = Number.NaN; o.loadStateDict(sd); }, error: /Invalid learning rate: NaN/ },
    { name: "loadStateDict with lr \"fast\"", act: (o) => { const sd = clone(o.stateDict()); sd.paramGroups[0]!.lr = "fast"; o.loadStateDict(sd); }, error: /lr must be a number or a 1-element Tensor, got "fast"/ },
    { name: "loadStateDict through JSON (tensors lost)", act: (o) => o.loadStateDict(JSON.parse(JSON.stringify(o.stateDict())) as OptimizerStateDict), error: /loadStateDict: .*(must be|got an object)/ },
    { name: "loadStateDict whose paramNames are not strings", act: (o) => { const sd = clone(o.stateDict()); sd.paramGroups[0]!.paramNames = [1, 2]; o.loadStateDict(sd); }, error: /paramNames must be an array of 2 strings/ },
  ];

  const crossCases: Array<[string, string, RegExp]> = [
    ["ASGD", "Adam", /unexpected state key "(expAvg|expAvgSq|maxExpAvgSq)"/],
    ["ASGD", "SGD", /unexpected state key "momentumBuffer"/],
    ["SGD", "ASGD", /unexpected state key "(step|eta|mu|ax)"/],
    ["Adam", "ASGD", /unexpected state key "(eta|mu|ax)"|missing/],
    ["Adam", "RMSprop", /unexpected state key|missing/],
    ["RMSprop", "Adagrad", /unexpected state key "sum"|missing/],
    ["Adagrad", "Adam", /unexpected state key "expAvg"|missing/],
  ];

  const all: Array<[string, string, Case]> = [];
  for (const [cls] of CLASSES) for (const c of cases) all.push([cls, c.name, c]);
  for (const [target, source, error] of crossCases) {
    all.push([target, `loadStateDict of a trained ${source}`, { name: "", act: (o) => o.loadStateDict(clone(trained(source).opt.stateDict())), error }]);
  }

  test.each(all)("%s: %s", (cls, _name, c) => {
    const { opt, params } = trained(cls);
    const before = snapshot(opt, params);
    expect(() => c.act(opt, params)).toThrow(c.error);
    expectUnchanged(before, opt, params);
    // Still fully usable afterwards.
    const sd = clone(opt.stateDict());
    opt.step();
    expect(opt.stepCount).toBe(3);
    opt.loadStateDict(sd);
  });
});

/** A state dict of the same class trained on a model whose second parameter has shape [2] instead of [1,2]. */
function otherShapes(o: AnyOptimizer): OptimizerStateDict {
  const Cls = o.constructor as Ctor;
  const ps = [tensor([1, 2, 3], { requiresGrad: true }), tensor([1, 2], { requiresGrad: true }), tensor([3], { requiresGrad: true })];
  const other = new Cls([{ params: [ps[0], ps[1]] }, { params: [ps[2]] }], OPTIONS[o.constructor.name]);
  ps.forEach((p) => (p.grad = p.detach().mul(0.5)));
  other.step();
  return clone(other.stateDict());
}

// ------------------------------------------------------------------------------------------------

describe("lr schedulers reject bad arguments and change nothing", () => {
  const fresh = () => {
    const p = tensor([1, 2], { requiresGrad: true });
    const opt = new ASGD([{ params: [p] }, { params: [tensor([3], { requiresGrad: true })], lr: 0.05 }], { lr: 0.1 });
    return { opt, params: [p, ...opt.paramGroups[1]!.params] };
  };
  const ctorCases: Array<[string, (o: AnyOptimizer) => unknown, RegExp]> = [
    ["LinearLR(startFactor NaN)", (o) => new LinearLR(o, { startFactor: Number.NaN }), /LinearLR.*startFactor/],
    ["LinearLR(startFactor 0)", (o) => new LinearLR(o, { startFactor: 0 }), /LinearLR.*start(_f|F)actor/],
    ["LinearLR(endFactor 2)", (o) => new LinearLR(o, { endFactor: 2 }), /LinearLR.*end(_f|F)actor/],
    ["LinearLR(totalIters 2.5)", (o) => new LinearLR(o, { totalIters: 2.5 }), /LinearLR.*totalIters/],
    ["LinearLR(unknown option)", (o) => new LinearLR(o, { warmup: 3 } as never), /LinearLR.*warmup/],
    ["LinearLR(not an optimizer)", () => new LinearLR({ paramGroups: [] } as never), /LinearLR.*Optimizer/],
    ["CosineAnnealingLR(tMax NaN)", (o) => new CosineAnnealingLR(o, { tMax: Number.NaN }), /CosineAnnealingLR.*tMax/],
    ["CosineAnnealingLR(etaMin Infinity)", (o) => new CosineAnnealingLR(o, { tMax: 10, etaMin: Number.POSITIVE_INFINITY }), /CosineAnnealingLR.*etaMin/],
    ["CosineAnnealingLR(no options)", (o) => new CosineAnnealingLR(o, undefined as never), /CosineAnnealingLR/],
    ["StepLR(stepSize 0)", (o) => new StepLR(o, { stepSize: 0 }), /StepLR.*stepSize/],
    ["StepLR(gamma Infinity)", (o) => new StepLR(o, { stepSize: 2, gamma: Number.POSITIVE_INFINITY }), /StepLR: gamma must be a finite number, got Infinity/],
    ["MultiStepLR(milestones [\"a\"])", (o) => new MultiStepLR(o, { milestones: ["a"] as never }), /MultiStepLR.*milestones/],
    ["ExponentialLR(gamma NaN)", (o) => new ExponentialLR(o, { gamma: Number.NaN }), /ExponentialLR.*gamma/],
    ["LambdaLR(lrLambda not a function)", (o) => new LambdaLR(o, { lrLambda: 0.5 as never }), /LambdaLR.*lrLambda/],
    ["LambdaLR(one lambda too many)", (o) => new LambdaLR(o, { lrLambda: [() => 1, () => 1, () => 1] }), /LambdaLR.*3/],
    ["ReduceLROnPlateau(mode sideways)", (o) => new ReduceLROnPlateau(o, { mode: "sideways" as never }), /ReduceLROnPlateau.*mode/],
    ["ReduceLROnPlateau(factor 1)", (o) => new ReduceLROnPlateau(o, { factor: 1 }), /ReduceLROnPlateau.*[fF]actor/],
    ["ReduceLROnPlateau(minLr wrong length)", (o) => new ReduceLROnPlateau(o, { minLr: [0, 0, 0] }), /ReduceLROnPlateau.*minLr|min_lrs/],
    ["SequentialLR(milestones mismatch)", (o) => new SequentialLR(o, { schedulers: [new ExponentialLR(o, { gamma: 0.9 })], milestones: [3] }), /SequentialLR.*milestones/],
  ];

  test.each(ctorCases)("%s", (_name, act, error) => {
    const { opt, params } = fresh();
    // The SequentialLR case builds a valid child first (which legitimately sets initialLr); snapshot after it.
    const before = _name.startsWith("SequentialLR") ? null : snapshot(opt, params);
    expect(() => act(opt)).toThrow(error);
    if (before !== null) expectUnchanged(before, opt, params);
  });

  const schedulers: Array<[string, (o: AnyOptimizer) => { stateDict(): unknown; loadStateDict(sd: never): void; step(...a: never[]): void }]> = [
    ["LinearLR", (o) => new LinearLR(o, { startFactor: 0.5, totalIters: 4 })],
    ["CosineAnnealingLR", (o) => new CosineAnnealingLR(o, { tMax: 10, etaMin: 0.001 })],
    ["StepLR", (o) => new StepLR(o, { stepSize: 2, gamma: 0.5 })],
    ["SequentialLR", (o) => new SequentialLR(o, { schedulers: [new LinearLR(o, { startFactor: 0.5, totalIters: 2 }), new ExponentialLR(o, { gamma: 0.9 })], milestones: [2] })],
    ["ReduceLROnPlateau", (o) => new ReduceLROnPlateau(o, { patience: 0 })],
  ];
  const loadCases: Array<[string, (sd: Record<string, unknown>) => unknown, RegExp]> = [
    ["null", () => null, /loadStateDict/],
    ["missing lastEpoch", (sd) => ({ ...sd, lastEpoch: undefined }), /loadStateDict.*(lastEpoch|last_epoch)/],
    ["lastEpoch \"3\"", (sd) => ({ ...sd, lastEpoch: "3" }), /loadStateDict.*(lastEpoch|last_epoch)/],
    ["lastEpoch NaN", (sd) => ({ ...sd, lastEpoch: Number.NaN }), /loadStateDict.*(lastEpoch|last_epoch)/],
    ["an extra key", (sd) => ({ ...sd, bogus: 1 }), /loadStateDict.*bogus/],
  ];
  const all: Array<[string, string, (typeof schedulers)[number][1], (typeof loadCases)[number][1], RegExp]> = [];
  for (const [s, make] of schedulers) for (const [what, edit, error] of loadCases) all.push([s, what, make, edit, error]);

  test.each(all)("%s.loadStateDict(%s)", (_s, _what, make, edit, error) => {
    const { opt, params } = fresh();
    const sched = make(opt);
    for (let i = 0; i < 3; i++) {
      opt.step();
      if (sched instanceof ReduceLROnPlateau) sched.step(1 as never);
      else sched.step();
    }
    const good = sched.stateDict() as Record<string, unknown>;
    const before = { opt: snapshot(opt, params), sched: picture(sched.stateDict()) };
    expect(() => sched.loadStateDict(edit(good) as never)).toThrow(error);
    expectUnchanged(before.opt, opt, params);
    expect(picture(sched.stateDict())).toEqual(before.sched);
  });

  test.each(schedulers)("%s.step with a hostile argument changes nothing", (name, make) => {
    const { opt, params } = fresh();
    const sched = make(opt);
    opt.step();
    const before = { opt: snapshot(opt, params), sched: picture(sched.stateDict()) };
    const bad = name === "ReduceLROnPlateau" ? () => sched.step("low" as never) : () => sched.step(2 as never);
    expect(bad).toThrow(new RegExp(`^${name}\\.step`));
    expectUnchanged(before.opt, opt, params);
    expect(picture(sched.stateDict())).toEqual(before.sched);
  });
});
