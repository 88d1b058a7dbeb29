import { Tensor, noGrad, tensor, zeros } from "@tapegrad/core";
import { Optimizer, type OptimizerStateDict, type ParamGroup, type ParamsInput } from "@tapegrad/optim";
import fc from "fast-check";
import { describe, expect, test } from "vitest";

interface SgdGroup extends ParamGroup {
  lr: number;
  momentum: number;
}

/** Test-only SGD with momentum: b = momentum * b + g; p -= lr * b. Its state must have a momentumBuffer tensor. */
class TestSGD extends Optimizer<SgdGroup> {
  constructor(params: ParamsInput, options: { lr?: number; momentum?: number } = {}) {
    super(params, { lr: options.lr ?? 0.1, momentum: options.momentum ?? 0.9, differentiable: false });
  }
  protected override validateGroup(group: SgdGroup): void {
    if (typeof group.lr !== "number" || !(group.lr >= 0)) throw new RangeError(`TestSGD: invalid learning rate: ${String(group.lr)}`);
  }
  protected override loadParamState(_p: Tensor, saved: Record<string, unknown>): Record<string, unknown> {
    if (!(saved.momentumBuffer instanceof Tensor)) throw new TypeError("TestSGD: loaded state has no momentumBuffer tensor");
    return saved;
  }
  protected override updateGroups(): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (p.grad === null) continue;
        const st = this.state.get(p);
        const buf = st === undefined ? p.grad.clone() : (st.momentumBuffer as Tensor).mul_(group.momentum).add_(p.grad);
        if (st === undefined) this.state.set(p, { momentumBuffer: buf });
        p.sub_(buf, { alpha: group.lr });
      }
    }
  }
}

const SHAPES = [[2], [2], [3]] as const;

/** Groups [[a, b], [c]] with a, b of shape [2] and c of shape [3]; `steps` steps of gradient `seed`. */
function build(seed: number, steps: number, options: { lr?: number; momentum?: number } = {}) {
  const ps = SHAPES.map((s, i) => noGrad(() => zeros([...s]).add(seed + i)).requiresGrad_(true));
  const opt = new TestSGD([{ params: [ps[0]!, ps[1]!] }, { params: [ps[2]!], lr: 0.2 }], options);
  for (let k = 0; k < steps; k++) {
    ps.forEach((p, i) => (p.grad = noGrad(() => zeros([...p.shape]).add(seed * (i + 1) + k))));
    opt.step();
  }
  return { opt, ps };
}

function serialize(v: unknown): unknown {
  if (v instanceof Tensor) return { dtype: v.dtype, shape: [...v.shape], values: v.tolist() };
  if (Array.isArray(v)) return v.map(serialize);
  if (v !== null && typeof v === "object") return Object.entries(v).map(([k, x]) => [k, serialize(x)]);
  return v;
}

function snapshot(opt: TestSGD) {
  const refs: unknown[] = [opt.paramGroups, opt.state];
  for (const g of opt.paramGroups) refs.push(g, g.params, ...g.params, ...Object.values(g));
  for (const [p, st] of opt.state) refs.push(p, st, ...Object.values(st));
  const values = serialize({ groups: opt.paramGroups, state: [...opt.state], stepCount: opt.stepCount });
  return { refs, values };
}

type Sd = Record<string, unknown> & { state: Record<string, Record<string, unknown>>; paramGroups: Array<Record<string, unknown>> };

/** A copy of the containers of a state dict (tensors are shared: mutations replace them, never write into them). */
function copyContainers(sd: OptimizerStateDict): Sd {
  const state: Record<string, Record<string, unknown>> = {};
  for (const [k, v] of Object.entries(sd.state)) state[k] = { ...v };
  return { state, paramGroups: sd.paramGroups.map((g) => ({ ...g, params: [...g.params] })) };
}

interface Mutation {
  name: string;
  /** Whether the state dict stays loadable when this is the only mutation of a valid one. */
  valid: boolean;
  apply(sd: Sd): Sd | unknown;
}

const groupsOf = (sd: Sd) => (Array.isArray(sd.paramGroups) ? sd.paramGroups : []);
const groupAt = (sd: Sd, gi: number) => {
  const g = groupsOf(sd)[gi];
  return g !== null && typeof g === "object" ? g : undefined;
};
const entryAt = (sd: Sd, id: number) => {
  const s = sd.state;
  const e = s !== null && typeof s === "object" ? (s as Record<string, unknown>)[id] : undefined;
  return e !== null && typeof e === "object" ? (e as Record<string, unknown>) : undefined;
};

const gi = fc.constantFrom(0, 1);
const id = fc.constantFrom(0, 1, 2);
const shapeOf = (i: number) => [...SHAPES[i]!];
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((n, k) => n === b[k]);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constantFrom("state", "paramGroups").map((key) => ({
    name: `drop top-level ${key}`,
    valid: false,
    apply: (sd: Sd) => void delete sd[key],
  })),
  fc.tuple(gi, fc.constantFrom("lr", "momentum", "differentiable", "params")).map(([g, key]) => ({
    name: `drop paramGroups[${g}].${key}`,
    valid: key !== "params",
    apply: (sd: Sd) => void (groupAt(sd, g) && delete groupAt(sd, g)![key]),
  })),
  fc.tuple(gi, fc.oneof(fc.double({ min: 0, max: 10, noNaN: true }), fc.double({ min: -10, max: -1e-3, noNaN: true }), fc.constant("fast"), fc.constant(null))).map(
    ([g, lr]) => ({
      name: `paramGroups[${g}].lr = ${String(lr)}`,
      valid: typeof lr === "number" && lr >= 0,
      apply: (sd: Sd) => void (groupAt(sd, g) && (groupAt(sd, g)!.lr = lr)),
    }),
  ),
  fc.tuple(gi, fc.double({ min: 0, max: 1, noNaN: true })).map(([g, m]) => ({
    name: `paramGroups[${g}].momentum = ${m} and a new key`,
    valid: true,
    apply: (sd: Sd) => {
      const group = groupAt(sd, g);
      if (group) Object.assign(group, { momentum: m, initialLr: tensor(0.5) });
    },
  })),
  id.map((i) => ({ name: `drop state[${i}]`, valid: true, apply: (sd: Sd) => void (entryAt(sd, i) && delete sd.state[i]) })),
  id.map((i) => ({ name: `drop state[${i}].momentumBuffer`, valid: false, apply: (sd: Sd) => void (entryAt(sd, i) && delete entryAt(sd, i)!.momentumBuffer) })),
  fc.tuple(id, fc.integer({ min: -5, max: 5 })).map(([i, n]) => ({
    name: `state[${i}].count = ${n}`,
    valid: true,
    apply: (sd: Sd) => void (entryAt(sd, i) && (entryAt(sd, i)!.count = n)),
  })),
  fc.tuple(id, fc.constantFrom([], [1], [2], [3], [2, 2], [3, 1])).map(([i, shape]) => ({
    name: `state[${i}].momentumBuffer has shape [${shape.join(",")}]`,
    valid: shape.length === 0 || sameShape(shape, shapeOf(i)),
    apply: (sd: Sd) => void (entryAt(sd, i) && (entryAt(sd, i)!.momentumBuffer = noGrad(() => zeros(shape).add(i + 0.25)))),
  })),
  fc.tuple(id, fc.constantFrom("float64", "int32", "bool") as fc.Arbitrary<"float64" | "int32" | "bool">).map(([i, dtype]) => ({
    name: `state[${i}].momentumBuffer is ${dtype}`,
    valid: true,
    apply: (sd: Sd) => {
      const e = entryAt(sd, i);
      if (e && e.momentumBuffer instanceof Tensor) e.momentumBuffer = e.momentumBuffer.to(dtype);
    },
  })),
  fc.tuple(gi, fc.constantFrom("push", "pop")).map(([g, op]) => ({
    name: `${op} an id of paramGroups[${g}]`,
    valid: false,
    apply: (sd: Sd) => {
      const params = groupAt(sd, g)?.params;
      if (Array.isArray(params)) op === "push" ? params.push(7) : params.pop();
    },
  })),
  fc.constant({
    name: "swap the ids of group 0",
    valid: true,
    apply: (sd: Sd) => {
      const params = groupAt(sd, 0)?.params;
      if (Array.isArray(params)) params.reverse();
    },
  }),
  fc.integer({ min: 1, max: 1000 }).map((offset) => ({
    name: `renumber every id by +${offset}`,
    valid: true,
    apply: (sd: Sd) => {
      for (const g of groupsOf(sd)) {
        if (g && Array.isArray(g.params)) g.params = g.params.map((x: unknown) => (typeof x === "number" ? x + offset : x));
      }
      if (sd.state !== null && typeof sd.state === "object") {
        const next: Record<string, Record<string, unknown>> = {};
        for (const [k, v] of Object.entries(sd.state)) next[/^\d+$/.test(k) ? String(Number(k) + offset) : k] = v;
        sd.state = next;
      }
    },
  })),
  fc.constantFrom(
    { name: "state is an array", apply: (sd: Sd) => void (sd.state = [] as never) },
    { name: "paramGroups is an object", apply: (sd: Sd) => void (sd.paramGroups = { 0: groupsOf(sd)[0] } as never) },
    { name: "paramGroups[1] is a number", apply: (sd: Sd) => void (Array.isArray(sd.paramGroups) && (sd.paramGroups[1] = 5 as never)) },
    { name: "paramGroups[0].params is a string", apply: (sd: Sd) => void (groupAt(sd, 0) && (groupAt(sd, 0)!.params = "0,1")) },
    { name: "an id is a string", apply: (sd: Sd) => void (Array.isArray(groupAt(sd, 1)?.params) && ((groupAt(sd, 1)!.params as unknown[])[0] = "2")) },
    { name: "an id is fractional", apply: (sd: Sd) => void (Array.isArray(groupAt(sd, 1)?.params) && ((groupAt(sd, 1)!.params as unknown[])[0] = 2.5)) },
    { name: "state[1] is a number", apply: (sd: Sd) => void (entryAt(sd, 1) && ((sd.state as Record<string, unknown>)[1] = 1)) },
    { name: "the whole dict is null", apply: () => null },
    { name: "the whole dict is an array", apply: () => [] },
  ).map((m) => ({ ...m, valid: false })),
  fc.constantFrom("9", "-1", "x", "1.0", "01").map((key) => ({
    name: `extra state key ${key}`,
    valid: false,
    apply: (sd: Sd) => void (sd.state !== null && typeof sd.state === "object" && (sd.state[key] = { momentumBuffer: zeros([2]) })),
  })),
  fc.constantFrom("extra", "drop").map((op) => ({
    name: `${op} a group`,
    valid: false,
    apply: (sd: Sd) => {
      if (!Array.isArray(sd.paramGroups)) return;
      if (op === "extra") sd.paramGroups.push({ lr: 1, params: [] });
      else sd.paramGroups.pop();
    },
  })),
  fc.constant({
    name: "id 0 in both groups",
    valid: false,
    apply: (sd: Sd) => void (Array.isArray(groupAt(sd, 1)?.params) && ((groupAt(sd, 1)!.params as unknown[])[0] = 0)),
  }),
  fc.tuple(fc.constantFrom(["x", "y"], ["x"], ["x", 3])).map(([names]) => ({
    name: `paramGroups[0].paramNames = ${JSON.stringify(names)}`,
    valid: names.length === 2 && names.every((n) => typeof n === "string"),
    apply: (sd: Sd) => void (groupAt(sd, 0) && (groupAt(sd, 0)!.paramNames = names)),
  })),
);

const DEFAULTS: Record<string, unknown> = { lr: 0.05, momentum: 0.5, differentiable: false };

/** After a successful load, the optimizer must hold exactly what `sd` describes. */
function expectLoaded(opt: TestSGD, ps: Tensor[], sd: Sd): void {
  const positions = new Map<number, Tensor>();
  const current = [[ps[0]!, ps[1]!], [ps[2]!]];
  sd.paramGroups.forEach((g, gi) => (g.params as number[]).forEach((pid, i) => positions.set(pid, current[gi]![i]!)));
  sd.paramGroups.forEach((saved, gi) => {
    const loaded = opt.paramGroups[gi]!;
    const expectedKeys = Object.keys(saved);
    for (const k of Object.keys(DEFAULTS)) if (!expectedKeys.includes(k)) expectedKeys.push(k);
    expect(Object.keys(loaded)).toEqual(expectedKeys);
    expect(loaded.params).toEqual(current[gi]);
    for (const k of expectedKeys) {
      if (k === "params") continue;
      const want = k in saved && saved[k] !== undefined ? saved[k] : DEFAULTS[k];
      expect(serialize(loaded[k])).toEqual(serialize(want));
      if (want instanceof Tensor) expect(loaded[k]).not.toBe(want);
    }
  });
  const entries = Object.entries(sd.state);
  expect(opt.state.size).toBe(entries.length);
  for (const [key, saved] of entries) {
    const p = positions.get(Number(key))!;
    const loaded = opt.state.get(p)!;
    expect(Object.keys(loaded)).toEqual(Object.keys(saved));
    for (const [k, v] of Object.entries(saved)) {
      if (v instanceof Tensor) {
        const got = loaded[k] as Tensor;
        expect(got).not.toBe(v);
        expect(got.dtype).toBe(v.isFloatingPoint() ? p.dtype : v.dtype);
        expect(got.tolist()).toEqual(v.to(got.dtype).tolist());
      } else {
        expect(loaded[k]).toEqual(v);
      }
    }
  }
}

function check(mutations: Mutation[]): { loaded: boolean } {
  const src = build(1, 2);
  const sd = copyContainers(src.opt.stateDict());
  let input: unknown = sd;
  for (const m of mutations) {
    // Once the whole dict was replaced by null or an array, there is nothing left to mutate.
    if (input === null || typeof input !== "object" || Array.isArray(input)) break;
    const replaced = m.apply(input as Sd);
    if (replaced !== undefined) input = replaced;
  }
  const inputBefore = serialize(input);
  const dst = build(5, 1, { lr: DEFAULTS.lr as number, momentum: DEFAULTS.momentum as number });
  dst.opt.paramGroups[1]!.lr = 0.3;
  const before = snapshot(dst.opt);
  let loaded = true;
  try {
    dst.opt.loadStateDict(input as OptimizerStateDict);
  } catch (e) {
    loaded = false;
    expect(e).toBeInstanceOf(Error);
    const after = snapshot(dst.opt);
    expect(after.values).toEqual(before.values);
    expect(after.refs.length).toBe(before.refs.length);
    after.refs.forEach((r, i) => expect(r).toBe(before.refs[i]));
  }
  if (loaded) {
    expectLoaded(dst.opt, dst.ps, input as Sd);
    expect(dst.opt.stepCount).toBe(1);
  }
  expect(serialize(input)).toEqual(inputBefore);
  return { loaded };
}

describe("loadStateDict under random mutations of a valid state dict", () => {
  test("the unmutated state dict loads", () => {
    expect(check([]).loaded).toBe(true);
  });

  test("a single mutation is loaded exactly when it keeps the dict valid; otherwise nothing changes", () => {
    fc.assert(
      fc.property(mutation, (m) => {
        const { loaded } = check([m]);
        expect({ name: m.name, loaded }).toEqual({ name: m.name, loaded: m.valid });
      }),
      { numRuns: 200 },
    );
  });

  test("several mutations: either loaded correctly or rejected with the optimizer unchanged", () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 2, maxLength: 4 }), (ms) => {
        check(ms);
      }),
      { numRuns: 150 },
    );
  });
});
