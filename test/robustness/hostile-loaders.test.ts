// Issue 14, hostile inputs at the loaders: cyclic and deeply nested state trees, keys that would
// reach a prototype, and scheduler lists of the wrong length. Each must fail with a clear error
// (depth limit, cycle, forbidden key, list length) before anything changes, never with
// "Maximum call stack size exceeded", and never pollute a prototype.
import { crc32 } from "node:zlib";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Tensor, fromBytes, load, save, tensor, toBytes } from "@tapegrad/core";
import { Linear } from "@tapegrad/nn";
import {
  ASGD, Adagrad, Adam, AdamW, ConstantLR, CosineAnnealingLR, ExponentialLR, LinearLR, MultiStepLR, type Optimizer, RMSprop,
  ReduceLROnPlateau, SGD, SequentialLR, StepLR,
} from "@tapegrad/optim";
import { afterAll, describe, expect, test } from "vitest";

const scratch = mkdtempSync(join(tmpdir(), "tapegrad-loaders-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Ctor = new (params: unknown, options?: unknown) => Optimizer;
const OPTIMIZERS: Array<[string, Ctor]> = [
  ["ASGD", ASGD as unknown as Ctor], ["SGD", SGD as unknown as Ctor], ["Adam", Adam as unknown as Ctor],
  ["AdamW", AdamW as unknown as Ctor], ["RMSprop", RMSprop as unknown as Ctor], ["Adagrad", Adagrad as unknown as Ctor],
];

/** A plain-data picture of a value: tensors by dtype, shape and values; everything else recursively. */
function picture(value: unknown): unknown {
  if (value instanceof Tensor) return { dtype: value.dtype, shape: value.shape, data: Array.from(value.dataSync()) };
  if (Array.isArray(value)) return value.map(picture);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, picture(v)]));
  return value;
}

function deepArray(depth: number): unknown[] {
  let x: unknown[] = [];
  for (let i = 0; i < depth; i++) x = [x];
  return x;
}

function deepObject(depth: number): Record<string, unknown> {
  let x: Record<string, unknown> = {};
  for (let i = 0; i < depth; i++) x = { a: x };
  return x;
}

function cyclic(): unknown[] {
  const a: unknown[] = [];
  a.push(a);
  return a;
}

/** An optimizer with one step of state (so every state entry exists). */
function stepped(Opt: Ctor): { opt: Optimizer; p: Tensor } {
  const p = tensor([1, 2, 3]).requiresGrad_(true);
  const opt = new Opt([p], { lr: 0.1 });
  p.grad = tensor([0.1, -0.2, 0.3]);
  opt.step();
  return { opt, p };
}

/** A JSON round trip of a state dict, tensors as number lists (what a hand-edited file looks like). */
function jsonClone(sd: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(sd, (_k, v: unknown) => (v instanceof Tensor ? v.tolist() : v))) as Record<string, unknown>;
}

const NOT_STACK = /Maximum call stack/;

describe("cyclic and deeply nested state dicts", () => {
  test.each(OPTIMIZERS)("%s.loadStateDict: depth limit and cycle detected, optimizer unchanged", (_name, Opt) => {
    const { opt, p } = stepped(Opt);
    const before = picture(opt.stateDict());
    const params = picture(p);
    for (const [label, value, message] of [
      ["deep array", deepArray(100_000), /the state dict is nested deeper than 1000 levels \(at "paramGroups\.0\.note\.0\.0\.0\.0\.0\.\.\."\)/],
      ["deep object", deepObject(5_000), /nested deeper than 1000 levels/],
      ["cycle", cyclic(), /the state dict contains a cycle: the value at "paramGroups\.0\.note\.0" contains itself/],
    ] as const) {
      const sd = opt.stateDict();
      const bad = { state: sd.state, paramGroups: [{ ...sd.paramGroups[0], note: value }] };
      let error: unknown;
      try {
        opt.loadStateDict(bad as never);
      } catch (e) {
        error = e;
      }
      expect(error, label).toBeInstanceOf(RangeError);
      expect((error as Error).message, label).not.toMatch(NOT_STACK);
      expect((error as Error).message, label).toMatch(message);
    }
    // A cycle inside a parameter's state entry.
    const sd = opt.stateDict();
    const entry: Record<string, unknown> = { ...sd.state[0] };
    entry.self = entry;
    expect(() => opt.loadStateDict({ state: { 0: entry }, paramGroups: sd.paramGroups })).toThrow(/contains a cycle: the value at "state\.0\.self"/);
    expect(picture(opt.stateDict())).toEqual(before);
    expect(picture(p)).toEqual(params);
  });

  test("addParamGroup refuses a cyclic or too deep hyperparameter and adds nothing", () => {
    const opt = new SGD([tensor([1]).requiresGrad_(true)], { lr: 0.1 });
    expect(() => opt.addParamGroup({ params: [tensor([2]).requiresGrad_(true)], extra: cyclic() })).toThrow(/SGD.addParamGroup: param group 1: the param group contains a cycle/);
    expect(() => opt.addParamGroup({ params: [tensor([2]).requiresGrad_(true)], extra: deepArray(2_000) })).toThrow(/nested deeper than 1000 levels/);
    expect(opt.paramGroups).toHaveLength(1);
  });

  test("scheduler loadStateDict: depth limit and cycle detected, scheduler unchanged", () => {
    const opt = new SGD([tensor([1]).requiresGrad_(true)], { lr: 0.1 });
    const a = new LinearLR(opt, { totalIters: 4 });
    const b = new CosineAnnealingLR(opt, { tMax: 5 });
    const seq = new SequentialLR(opt, { schedulers: [a, b], milestones: [2] });
    const before = picture(seq.stateDict());
    const sd = seq.stateDict() as unknown as Record<string, unknown>;
    expect(() => seq.loadStateDict({ ...sd, milestones: deepArray(100_000) } as never)).toThrow(/SequentialLR.loadStateDict: the state dict is nested deeper than 1000 levels/);
    const children = [...(sd.schedulers as unknown[])];
    children.push(children);
    expect(() => seq.loadStateDict({ ...sd, schedulers: children } as never)).toThrow(/SequentialLR.loadStateDict: the state dict contains a cycle: the value at "schedulers\.2"/);
    expect(picture(seq.stateDict())).toEqual(before);
    const plateau = new ReduceLROnPlateau(opt);
    expect(() => plateau.loadStateDict({ ...plateau.stateDict(), minLrs: deepArray(100_000) } as never)).toThrow(/ReduceLROnPlateau.loadStateDict: the state dict is nested deeper/);
  });

  test("Module.loadStateDict: a cyclic or deep value is reported by name, nothing loaded", () => {
    const m = new Linear(2, 2);
    const before = picture(m.stateDict());
    const sd: Record<string, unknown> = { ...m.stateDict() };
    sd.weight = cyclic();
    expect(() => m.loadStateDict(sd as never)).toThrow(/value for "weight" must be a Tensor/);
    sd.weight = deepArray(100_000);
    expect(() => m.loadStateDict(sd as never)).toThrow(/value for "weight" must be a Tensor/);
    expect(picture(m.stateDict())).toEqual(before);
  });

  test("save refuses a 100,000-deep tree with a depth error and writes no file; a cycle stays refused", () => {
    const path = join(scratch, "deep.safetensors");
    expect(() => save({ a: deepArray(100_000) }, path)).toThrow(/save: the value is nested deeper than 1000 levels \(at "a\.0\.0\.0\.0\.0\.0\.0\.\.\."\)/);
    expect(() => save({ a: deepObject(100_000) }, path)).toThrow(/nested deeper than 1000 levels/);
    expect(() => toBytes(deepArray(100_000))).toThrow(/toBytes: the value is nested deeper than 1000 levels/);
    expect(() => save({ a: cyclic() }, path)).toThrow(/cyclic reference/);
    expect(() => readFileSync(path)).toThrow(/ENOENT/);
    // 1000 levels is the limit: 999 nested arrays inside the root object still round-trip.
    expect(fromBytes(toBytes({ a: deepArray(998) }))).toEqual({ a: deepArray(998) });
  });
});

/**
 * A checkpoint with a hand-written structure JSON and a valid checksum (what a forger would make):
 * safetensors header with only tapegrad's metadata, no tensors.
 */
function forge(structureJson: string): Uint8Array {
  const header = (crc: string) =>
    JSON.stringify({ __metadata__: { "tapegrad.format": "1", "tapegrad.structure": structureJson, "tapegrad.crc32": crc } });
  const build = (crc: string) => {
    let text = header(crc);
    while ((8 + text.length) % 8 !== 0) text += " ";
    const body = new TextEncoder().encode(text);
    const out = new Uint8Array(8 + body.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(body.length), true);
    out.set(body, 8);
    return out;
  };
  const crc = (crc32(build("00000000")) >>> 0).toString(16).padStart(8, "0");
  return build(crc);
}

describe("a forged checkpoint", () => {
  test("the forge is accepted when well-formed (the checksum is right)", () => {
    expect(fromBytes(forge(JSON.stringify({ root: { a: [1, 2] }, requiresGrad: [] })))).toEqual({ a: [1, 2] });
  });

  test("a 100,000-deep structure is corrupt: depth limit, not a stack overflow", () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const bytes = forge(`{"root":${deep},"requiresGrad":[]}`);
    expect(() => fromBytes(bytes)).toThrow(/^fromBytes: the data is corrupt: the structure is nested deeper than 1000 levels/);
    const path = join(scratch, "forged.safetensors");
    save({}, path);
    const { writeFileSync } = process.getBuiltinModule("node:fs") as typeof import("node:fs");
    writeFileSync(path, bytes);
    expect(() => load(path)).toThrow(/^load: ".*forged.safetensors" is corrupt: the structure is nested deeper than 1000 levels/);
  });

  test.each(["__proto__", "constructor", "prototype"])("a structure key %j is corrupt (forbidden key), nothing polluted", (key) => {
    const bytes = forge(`{"root":{"opt":{${JSON.stringify(key)}:{"lr":99}}},"requiresGrad":[]}`);
    expect(() => fromBytes(bytes)).toThrow(new RegExp(`^fromBytes: the data is corrupt: the structure has the forbidden key "${key}" at "opt"`));
    expect(({} as Record<string, unknown>).lr).toBeUndefined();
  });
});

describe("__proto__, constructor and prototype keys are refused by every loader", () => {
  const PROTO_GROUP = '{"params":[0],"lr":0.1,"__proto__":{"lr":99,"momentum":0}}';

  test.each(OPTIMIZERS)("%s.addParamGroup with a JSON group holding __proto__: refused, nothing added", (name, Opt) => {
    const opt = new Opt([tensor([1]).requiresGrad_(true)], { lr: 0.1 });
    const group = JSON.parse('{"lr":0.5,"__proto__":{"lr":99}}') as Record<string, unknown>;
    group.params = [tensor([2]).requiresGrad_(true)];
    expect(() => opt.addParamGroup(group as never)).toThrow(new RegExp(`${name}.addParamGroup: param group 1: the param group has the forbidden key "__proto__"`));
    expect(opt.paramGroups).toHaveLength(1);
    const ctor = JSON.parse('{"constructor":{"lr":99}}') as Record<string, unknown>;
    ctor.params = [tensor([2]).requiresGrad_(true)];
    expect(() => opt.addParamGroup(ctor as never)).toThrow(/forbidden key "constructor"/);
    expect(() => new Opt([ctor], { lr: 0.1 })).toThrow(/forbidden key "constructor"/);
  });

  test.each(OPTIMIZERS)("%s.loadStateDict with a JSON group holding __proto__: refused, step() unchanged", (_name, Opt) => {
    const { opt, p } = stepped(Opt);
    const before = picture(opt.stateDict());
    const sd = jsonClone(opt.stateDict());
    const proto = { state: {}, paramGroups: [JSON.parse(PROTO_GROUP)] };
    expect(() => opt.loadStateDict(proto as never)).toThrow(/loadStateDict: the state dict has the forbidden key "__proto__" at "paramGroups\.0"/);
    const inState = { state: { 0: JSON.parse('{"prototype":1}') }, paramGroups: sd.paramGroups };
    expect(() => opt.loadStateDict(inState as never)).toThrow(/forbidden key "prototype" at "state\.0"/);
    expect(picture(opt.stateDict())).toEqual(before);
    expect(Object.getPrototypeOf(opt.paramGroups[0])).toBe(Object.prototype);
    expect(p.requiresGrad).toBe(true);
  });

  test("scheduler loadStateDict refuses __proto__ and constructor keys (LinearLR, SequentialLR, ReduceLROnPlateau)", () => {
    const opt = new SGD([tensor([1]).requiresGrad_(true)], { lr: 0.1 });
    const lin = new LinearLR(opt, { totalIters: 4 });
    const sd = lin.stateDict() as unknown as Record<string, unknown>;
    const bad = JSON.parse(`{"__proto__":{"lastEpoch":7},${JSON.stringify(sd).slice(1)}`) as never;
    expect(() => lin.loadStateDict(bad)).toThrow(/LinearLR.loadStateDict: the state dict has the forbidden key "__proto__" at the root/);
    const seq = new SequentialLR(opt, { schedulers: [new ConstantLR(opt), new ExponentialLR(opt, { gamma: 0.9 })], milestones: [2] });
    const seqSd = JSON.parse(JSON.stringify(seq.stateDict())) as { schedulers: Array<Record<string, unknown>> };
    seqSd.schedulers[1] = JSON.parse(`{"constructor":1,${JSON.stringify(seqSd.schedulers[1]).slice(1)}`) as Record<string, unknown>;
    expect(() => seq.loadStateDict(seqSd as never)).toThrow(/forbidden key "constructor" at "schedulers\.1"/);
    const plateau = new ReduceLROnPlateau(opt);
    const psd = JSON.parse(`{"__proto__":{},${JSON.stringify(plateau.stateDict()).slice(1)}`) as never;
    expect(() => plateau.loadStateDict(psd)).toThrow(/ReduceLROnPlateau.loadStateDict: the state dict has the forbidden key "__proto__"/);
  });

  test("Module.loadStateDict refuses a forbidden key (plain object or Map, strict or not)", () => {
    const m = new Linear(2, 2);
    const before = picture(m.stateDict());
    const sd = JSON.parse('{"__proto__":1}') as Record<string, unknown>;
    Object.assign(sd, m.stateDict());
    expect(() => m.loadStateDict(sd as never, { strict: false })).toThrow(/Linear.loadStateDict: forbidden key "__proto__" in the state dict/);
    expect(() => m.loadStateDict(new Map<string, Tensor>([...Object.entries(m.stateDict()), ["fc.constructor", tensor([1])]]), { strict: false })).toThrow(/forbidden key "fc.constructor"/);
    expect(picture(m.stateDict())).toEqual(before);
  });

  test("save refuses a tree with a forbidden key (it could not be loaded back)", () => {
    const value = JSON.parse('{"meta":{"__proto__":{"x":1}}}') as unknown;
    expect(() => toBytes(value)).toThrow(/toBytes: unsupported value at "meta": the forbidden key "__proto__"/);
    expect(() => toBytes({ prototype: 1 })).toThrow(/forbidden key "prototype"/);
  });
});

describe("scheduler loadStateDict checks every list against the number of param groups", () => {
  function twoGroups(): SGD {
    return new SGD([{ params: [tensor([1]).requiresGrad_(true)] }, { params: [tensor([2]).requiresGrad_(true)], lr: 0.2 }], { lr: 0.1 });
  }
  const makers: Array<[string, (opt: SGD) => { stateDict(): unknown; loadStateDict(sd: never): void }]> = [
    ["LinearLR", (o) => new LinearLR(o, { totalIters: 4 })],
    ["CosineAnnealingLR", (o) => new CosineAnnealingLR(o, { tMax: 5 })],
    ["ConstantLR", (o) => new ConstantLR(o)],
    ["StepLR", (o) => new StepLR(o, { stepSize: 2 })],
    ["MultiStepLR", (o) => new MultiStepLR(o, { milestones: [2] })],
    ["ExponentialLR", (o) => new ExponentialLR(o, { gamma: 0.9 })],
    ["SequentialLR", (o) => new SequentialLR(o, { schedulers: [new ConstantLR(o), new ExponentialLR(o, { gamma: 0.9 })], milestones: [2] })],
    ["ReduceLROnPlateau", (o) => new ReduceLROnPlateau(o)],
  ];

  test.each(makers)("%s", (name, make) => {
    const opt = twoGroups();
    const s = make(opt);
    const good = s.stateDict() as Record<string, unknown>;
    const before = picture(good);
    const lists = Object.keys(good).filter((k) => Array.isArray(good[k]) && k !== "milestones" && k !== "schedulers");
    expect(lists.length, "per-group lists").toBeGreaterThan(0);
    for (const key of lists) {
      for (const wrong of [[], [5], [5, 5, 5]]) {
        expect(() => s.loadStateDict({ ...good, [key]: wrong } as never), `${key} = ${JSON.stringify(wrong)}`).toThrow(
          new RegExp(`${name}.loadStateDict: ${key} must have 2 entries \\(one per param group\\), got ${wrong.length}`),
        );
      }
    }
    if (name === "SequentialLR") {
      const children = (good.schedulers as Array<Record<string, unknown>>).map((c) => ({ ...c }));
      children[0]!.baseLrs = [1];
      expect(() => s.loadStateDict({ ...good, schedulers: children } as never)).toThrow(/schedulers\[0\]: baseLrs must have 2 entries/);
    }
    expect(picture(s.stateDict())).toEqual(before);
    s.loadStateDict(good as never);
  });
});
