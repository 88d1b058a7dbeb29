import { Tensor, isGradEnabled, noGrad, setGradEnabled, tensor, zeros } from "@tapegrad/core";
import {
  Optimizer,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamsInput,
  registerOptimizerStepPostHook,
  registerOptimizerStepPreHook,
  required,
} from "@tapegrad/optim";
import { afterEach, describe, expect, test } from "vitest";

interface SgdGroup extends ParamGroup {
  lr: number;
  momentum: number;
  differentiable: boolean;
}

interface SgdOptions {
  lr?: number | typeof required;
  momentum?: number;
  differentiable?: boolean;
}

/** Test-only SGD: p -= lr * d with d = g, or with momentum d = b = momentum * b + g. */
class TestSGD extends Optimizer<SgdGroup> {
  readonly gradModes: boolean[] = [];
  constructor(params: ParamsInput, options: SgdOptions = {}) {
    super(params, { lr: options.lr ?? 0.1, momentum: options.momentum ?? 0, differentiable: options.differentiable ?? false });
  }
  protected override validateGroup(group: SgdGroup): void {
    if (typeof group.lr !== "number" || !(group.lr >= 0)) throw new RangeError(`TestSGD: invalid learning rate: ${String(group.lr)}`);
  }
  protected override loadParamState(_p: Tensor, saved: Record<string, unknown>): Record<string, unknown> {
    if (!(saved.momentumBuffer instanceof Tensor)) throw new TypeError("TestSGD: loaded state has no momentumBuffer tensor");
    return saved;
  }
  protected override updateGroups(): void {
    this.gradModes.push(isGradEnabled());
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (p.grad === null) continue;
        let d = p.grad;
        if (group.momentum !== 0) {
          const st = this.state.get(p);
          if (st === undefined) {
            this.state.set(p, { momentumBuffer: d.clone() });
            d = this.state.get(p)!.momentumBuffer as Tensor;
          } else {
            d = (st.momentumBuffer as Tensor).mul_(group.momentum).add_(d);
          }
        }
        if (group.differentiable) p.sub_(d.mul(group.lr));
        else p.sub_(d, { alpha: group.lr });
      }
    }
  }
}

const param = (values: number[]) => tensor(values, { requiresGrad: true });
const setGrads = (...ps: Tensor[]) => {
  for (const p of ps) p.grad = noGrad(() => p.mul(0).add(1));
};

function serialize(v: unknown): unknown {
  if (v instanceof Tensor) return { dtype: v.dtype, shape: [...v.shape], values: v.tolist(), requiresGrad: v.requiresGrad };
  if (Array.isArray(v)) return v.map(serialize);
  if (v !== null && typeof v === "object") return Object.entries(v).map(([k, x]) => [k, serialize(x)]);
  return v;
}

/** Everything observable about an optimizer: object identities plus values. */
function snapshot(opt: Optimizer<SgdGroup>) {
  const refs: unknown[] = [opt.paramGroups, opt.state];
  for (const g of opt.paramGroups) refs.push(g, g.params, ...g.params, ...Object.values(g));
  for (const [p, st] of opt.state) refs.push(p, st, ...Object.values(st));
  return {
    refs,
    values: serialize({
      groups: opt.paramGroups,
      state: [...opt.state].map(([p, st]) => [opt.paramGroups.findIndex((g) => g.params.includes(p)), serialize(p), st]),
      stepCount: opt.stepCount,
    }),
  };
}

function expectUnchanged(opt: Optimizer<SgdGroup>, before: ReturnType<typeof snapshot>): void {
  const after = snapshot(opt);
  expect(after.values).toEqual(before.values);
  expect(after.refs.length).toBe(before.refs.length);
  after.refs.forEach((r, i) => expect(r).toBe(before.refs[i]));
}

describe("constructor", () => {
  test("a flat list of tensors becomes one group with defaults in defaults order", () => {
    const a = param([1]);
    const b = param([2]);
    const opt = new TestSGD([a, b], { lr: 0.5 });
    expect(opt.paramGroups).toHaveLength(1);
    expect(Object.keys(opt.paramGroups[0]!)).toEqual(["params", "lr", "momentum", "differentiable"]);
    expect(opt.paramGroups[0]!.params).toEqual([a, b]);
    expect(opt.paramGroups[0]!.lr).toBe(0.5);
    expect(opt.defaults).toEqual({ lr: 0.5, momentum: 0, differentiable: false });
    expect(opt.state.size).toBe(0);
    expect(opt.stepCount).toBe(0);
  });

  test("accepts any iterable, including a generator", () => {
    const a = param([1]);
    const b = param([2]);
    function* gen() {
      yield a;
      yield b;
    }
    expect(new TestSGD(gen()).paramGroups[0]!.params).toEqual([a, b]);
    expect(new TestSGD(new Map([["x", a]]).values()).paramGroups[0]!.params).toEqual([a]);
  });

  test("[name, tensor] pairs give paramNames", () => {
    const a = param([1]);
    const b = param([2]);
    const opt = new TestSGD([["fc.weight", a], ["fc.bias", b]] as const);
    expect(opt.paramGroups[0]!.params).toEqual([a, b]);
    expect(opt.paramGroups[0]!.paramNames).toEqual(["fc.weight", "fc.bias"]);
    expect(Object.keys(opt.paramGroups[0]!)).toEqual(["params", "paramNames", "lr", "momentum", "differentiable"]);
  });

  test("group objects: group values win, missing keys appended in defaults order, caller's object untouched", () => {
    const a = param([1]);
    const b = param([2]);
    const g0 = { params: [a], momentum: 0.5, extra: "kept" };
    const g1 = { params: b, lr: 0.01 };
    const opt = new TestSGD([g0, g1]);
    expect(Object.keys(opt.paramGroups[0]!)).toEqual(["params", "momentum", "extra", "lr", "differentiable"]);
    expect(opt.paramGroups[0]).toMatchObject({ momentum: 0.5, extra: "kept", lr: 0.1 });
    expect(opt.paramGroups[1]!.params).toEqual([b]);
    expect(opt.paramGroups[1]!.lr).toBe(0.01);
    expect(g0).toEqual({ params: [a], momentum: 0.5, extra: "kept" });
    expect(opt.paramGroups[0]).not.toBe(g0);
    expect(opt.paramGroups[0]!.params).not.toBe(g0.params);
    expect(g1.params).toBe(b);
  });

  test("a key given as undefined takes the default", () => {
    const opt = new TestSGD([{ params: [param([1])], lr: undefined, momentum: 0.3 }], { lr: 0.2 });
    expect(opt.paramGroups[0]!.lr).toBe(0.2);
    expect(Object.keys(opt.paramGroups[0]!)).toEqual(["params", "lr", "momentum", "differentiable"]);
  });

  test("required hyperparameters must be given by every group", () => {
    const a = param([1]);
    expect(() => new TestSGD([a], { lr: required })).toThrow(
      new Error("TestSGD: param group 0 didn't specify a value of required optimization parameter lr"),
    );
    const opt = new TestSGD([{ params: [a], lr: 0.3 }], { lr: required });
    expect(opt.paramGroups[0]!.lr).toBe(0.3);
    expect(() => opt.addParamGroup({ params: [param([2])] })).toThrow(
      "TestSGD.addParamGroup: param group 1 didn't specify a value of required optimization parameter lr",
    );
    expect(opt.paramGroups).toHaveLength(1);
  });

  test.each([
    ["a single Tensor", () => param([1]), TypeError, /should be an iterable of Tensors or param groups, but got a single Tensor/],
    ["a Set", () => new Set([param([1])]), TypeError, /ordering of tensors in sets will change between runs/],
    ["null", () => null, TypeError, /params must be an iterable .* got null/],
    ["a number", () => 3, TypeError, /params must be an iterable .* got 3/],
    ["a string", () => "weights", TypeError, /params must be an iterable .* got "weights"/],
    ["a plain object", () => ({ params: [] }), TypeError, /params must be an iterable .* got an object/],
    ["an empty list", () => [], Error, /^TestSGD: optimizer got an empty parameter list$/],
    ["an empty generator", () => (function* () {})(), Error, /optimizer got an empty parameter list/],
    ["a non-tensor param", () => [param([1]), 2], TypeError, /^TestSGD: param group 0: optimizer can only optimize Tensors, but params\[1\] is 2$/],
    ["a group in a flat list", () => [param([1]), { params: [] }], TypeError, /params\[1\] is an object/],
    ["a non-group after a group", () => [{ params: [param([1])] }, param([2])], TypeError, /^TestSGD: param group 1 must be an object with a "params" key, got a float32 Tensor of shape \[1\]$/],
    ["a group without params", () => [{ lr: 1 }], Error, /^TestSGD: param group 0 has no "params"$/],
    ["a group whose params is a Set", () => [{ params: new Set([param([1])]) }], TypeError, /param group 0: optimizer parameters need to be organized in ordered collections/],
    ["a group whose params is a number", () => [{ params: 5 }], TypeError, /param group 0: "params" must be a Tensor or an iterable .* got 5/],
    ["a malformed pair", () => [["w", param([1]), "extra"]], TypeError, /params\[0\] must be a Tensor or a \[name, Tensor\] pair, got an array of length 3/],
    ["a pair with a non-string name", () => [[1, param([1])]], TypeError, /params\[0\] must be a Tensor or a \[name, Tensor\] pair/],
    ["mixed named and unnamed params", () => [["w", param([1])], param([2])], Error, /all optimizer params should be with\/without names, but params\[1\] has no name/],
    ["a duplicate param in one group", () => { const a = param([1]); return [param([0]), a, a]; }, Error, /^TestSGD: param group 0: the same parameter appears twice in the group \(params\[1\] and params\[2\]\)$/],
    ["a param in two groups", () => { const a = param([1]); return [{ params: [a] }, { params: [param([2]), a] }]; }, Error, /^TestSGD: param group 1: some parameters appear in more than one parameter group \(params\[1\] is already in group 0\)$/],
    ["groups with and without names", () => [{ params: [["w", param([1])]] }, { params: [param([2])] }], Error, /param group 1: all optimizer param groups should be with\/without names. cannot add param group without names to the optimizer \(group 0 is with names\)/],
    ["paramNames of the wrong length", () => [{ params: [param([1])], paramNames: ["a", "b"] }], TypeError, /param group 0: paramNames must be an array of 1 strings, got an array of length 2/],
    ["a failing subclass validation", () => [{ params: [param([1])], lr: -1 }], RangeError, /^TestSGD: invalid learning rate: -1$/],
  ])("rejects %s", (_name, make, type, message) => {
    let error: unknown;
    try {
      new TestSGD(make() as ParamsInput);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
  });

  test("rejects a non-leaf tensor unless differentiable", () => {
    const a = param([1, 2]);
    const y = a.mul(2);
    expect(() => new TestSGD([param([0]), y])).toThrow(
      /^TestSGD: param group 0: can't optimize a non-leaf Tensor \(params\[1\], produced by MulBackward\)/,
    );
    expect(new TestSGD([y], { differentiable: true }).paramGroups[0]!.params[0]).toBe(y);
    y.retainGrad();
    expect(new TestSGD([y]).paramGroups[0]!.params[0]).toBe(y);
  });

  test("rejects non-object defaults", () => {
    class Bad extends Optimizer {
      constructor(d: unknown) {
        super([param([1])], d as Record<string, unknown>);
      }
      protected updateGroups(): void {}
    }
    expect(() => new Bad(null)).toThrow(new TypeError("Bad: defaults must be an object of hyperparameters, got null"));
    expect(() => new Bad([1])).toThrow(/defaults must be an object of hyperparameters, got an array of length 1/);
  });

  test("defaults is a copy of the subclass's object", () => {
    const defaults = { lr: 1 };
    class Plain extends Optimizer {
      constructor() {
        super([param([1])], defaults);
      }
      protected updateGroups(): void {}
    }
    const opt = new Plain();
    defaults.lr = 2;
    expect(opt.defaults.lr).toBe(1);
  });

  test("a subclass optimizer is usable where an Optimizer is expected", () => {
    const opt: Optimizer = new TestSGD([param([1])]);
    expect(opt.paramGroups[0]!.lr).toBe(0.1);
  });
});

describe("addParamGroup", () => {
  test("adds a copied group with defaults filled in", () => {
    const a = param([1]);
    const opt = new TestSGD([a], { momentum: 0.9 });
    const b = param([2, 3]);
    const g = { params: [b], lr: 0.01 };
    opt.addParamGroup(g);
    expect(opt.paramGroups).toHaveLength(2);
    expect(opt.paramGroups[1]).toEqual({ params: [b], lr: 0.01, momentum: 0.9, differentiable: false });
    expect(g).toEqual({ params: [b], lr: 0.01 });
    expect(opt.paramGroups[1]).not.toBe(g);
  });

  test("explicit paramNames without pairs are copied and count as a named group", () => {
    const opt = new TestSGD([{ params: [param([1]), param([2])], paramNames: ["w", "b"] }]);
    const names = opt.paramGroups[0]!.paramNames!;
    expect(names).toEqual(["w", "b"]);
    expect(() => opt.addParamGroup({ params: [param([3])] })).toThrow(/cannot add param group without names/);
    opt.addParamGroup({ params: [param([3])], paramNames: ["x"] });
    expect(opt.paramGroups[1]!.paramNames).toEqual(["x"]);
  });

  test("pairs override an explicit paramNames key in place", () => {
    const a = param([1]);
    const opt = new TestSGD([{ paramNames: ["old"], params: [["new", a]] as const, lr: 0.3 }]);
    expect(Object.keys(opt.paramGroups[0]!)).toEqual(["params", "paramNames", "lr", "momentum", "differentiable"]);
    expect(opt.paramGroups[0]!.paramNames).toEqual(["new"]);
  });

  test("a single tensor as params is wrapped", () => {
    const opt = new TestSGD([param([1])]);
    const b = param([2]);
    opt.addParamGroup({ params: b });
    expect(opt.paramGroups[1]!.params).toEqual([b]);
  });

  test("named groups can be added to named optimizers", () => {
    const opt = new TestSGD([["a", param([1])]] as const);
    opt.addParamGroup({ params: [["b", param([2])]] as const, lr: 0.3 });
    expect(opt.paramGroups[1]!.paramNames).toEqual(["b"]);
  });

  test.each([
    ["a non-object", () => 5, TypeError, /^TestSGD.addParamGroup: param group 1 must be an object with a "params" key, got 5$/],
    ["a tensor", () => param([9]), TypeError, /param group 1 must be an object with a "params" key, got a float32 Tensor/],
    ["a missing params key", () => ({ lr: 1 }), Error, /^TestSGD.addParamGroup: param group 1 has no "params"$/],
    ["a non-tensor param", () => ({ params: [param([9]), "w"] }), TypeError, /param group 1: optimizer can only optimize Tensors, but params\[1\] is "w"/],
    ["a Set", () => ({ params: new Set([param([9])]) }), TypeError, /param group 1: optimizer parameters need to be organized in ordered collections/],
    ["a duplicate", () => { const x = param([9]); return { params: [x, x] }; }, Error, /param group 1: the same parameter appears twice in the group \(params\[0\] and params\[1\]\)/],
    ["a named group into an unnamed optimizer", () => ({ params: [["x", param([9])]] }), Error, /cannot add param group with names to the optimizer \(group 0 is without names\)/],
    ["an invalid hyperparameter", () => ({ params: [param([9])], lr: "fast" }), RangeError, /^TestSGD: invalid learning rate: fast$/],
    ["a non-leaf", () => ({ params: [param([9]).add(1)] }), Error, /param group 1: can't optimize a non-leaf Tensor \(params\[0\], produced by AddBackward\)/],
  ])("rejects %s and leaves the optimizer unchanged", (_name, make, type, message) => {
    const a = param([1]);
    const b = param([2]);
    const opt = new TestSGD([a, b], { momentum: 0.9 });
    setGrads(a, b);
    opt.step();
    const before = snapshot(opt);
    let error: unknown;
    try {
      opt.addParamGroup(make() as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
    expectUnchanged(opt, before);
  });

  test("rejects a parameter already in a group, naming it, and leaves everything unchanged", () => {
    const a = param([1]);
    const b = param([2]);
    const opt = new TestSGD([{ params: [a] }, { params: [b] }]);
    const before = snapshot(opt);
    const input = { params: [param([3]), b], lr: 0.5 };
    expect(() => opt.addParamGroup(input)).toThrow(
      new Error("TestSGD.addParamGroup: param group 2: some parameters appear in more than one parameter group (params[1] is already in group 1)"),
    );
    expectUnchanged(opt, before);
    expect(input.params).toHaveLength(2);
    expect(input).toEqual({ params: input.params, lr: 0.5 });
  });
});

describe("zeroGrad", () => {
  test("setToNone (default) sets every grad to null and skips params without grads", () => {
    const a = param([1, 2]);
    const b = param([3]);
    const opt = new TestSGD([a, b]);
    setGrads(a);
    opt.zeroGrad();
    expect(a.grad).toBeNull();
    expect(b.grad).toBeNull();
  });

  test("setToNone=false zeroes the same grad tensor in place and detaches it", () => {
    const a = param([1, 2]);
    const b = param([3]);
    const opt = new TestSGD([a, b]);
    const w = tensor([2, 3], { requiresGrad: true });
    a.grad = noGrad(() => a.mul(0).add(5));
    const ga = a.grad!;
    b.grad = setGradEnabled(true, () => w.narrow(0, 0, 1).mul(1));
    const gb = b.grad!;
    expect(gb.gradFn).not.toBeNull();
    opt.zeroGrad(false);
    expect(a.grad).toBe(ga);
    expect(ga.tolist()).toEqual([0, 0]);
    expect(b.grad).toBe(gb);
    expect(gb.gradFn).toBeNull();
    expect(gb.requiresGrad).toBe(false);
    expect(gb.tolist()).toEqual([0]);
    expect(w.tolist()).toEqual([2, 3]);
  });

  test("setToNone=false turns off requiresGrad of a leaf gradient", () => {
    const a = param([1]);
    const opt = new TestSGD([a]);
    const g = tensor([4], { requiresGrad: true });
    a.grad = g;
    opt.zeroGrad(false);
    expect(a.grad).toBe(g);
    expect(g.requiresGrad).toBe(false);
    expect(g.tolist()).toEqual([0]);
  });

  test("rejects a non-boolean flag", () => {
    const a = param([1]);
    const opt = new TestSGD([a]);
    setGrads(a);
    expect(() => opt.zeroGrad(0 as unknown as boolean)).toThrow(new TypeError("TestSGD.zeroGrad: setToNone must be a boolean, got 0"));
    expect(a.grad).not.toBeNull();
  });
});

describe("step", () => {
  afterEach(() => {
    for (const h of globalHandles.splice(0)) h.remove();
  });
  const globalHandles: Array<{ remove(): void }> = [];

  test("runs the closure under grad mode, the update under no-grad, returns the loss and counts steps", () => {
    const a = param([1, 2]);
    const opt = new TestSGD([a], { lr: 0.5 });
    let closureGradMode: boolean | undefined;
    const loss = noGrad(() =>
      opt.step(() => {
        closureGradMode = isGradEnabled();
        opt.zeroGrad();
        const l = a.mul(a).sum();
        l.backward();
        return l;
      }),
    );
    expect(closureGradMode).toBe(true);
    expect(opt.gradModes).toEqual([false]);
    expect((loss as Tensor).item()).toBe(5);
    expect(a.tolist()).toEqual([0, 0]);
    expect(opt.stepCount).toBe(1);
    expect(opt.state.get(a)).toBeUndefined();
    expect(opt.state.size).toBe(0);
    expect(isGradEnabled()).toBe(true);
    expect(opt.step(() => 7)).toBe(7);
    expect(opt.stepCount).toBe(2);
  });

  test("differentiable: the update runs with grad mode on, and the caller's mode is restored", () => {
    const a = param([1, 2]);
    const y = a.mul(1);
    const opt = new TestSGD([y], { differentiable: true });
    y.grad = tensor([1, 1]);
    noGrad(() => opt.step());
    expect(opt.gradModes).toEqual([true]);
    expect(isGradEnabled()).toBe(true);
  });

  test("a failing update restores grad mode and does not count a step", () => {
    class Failing extends Optimizer {
      constructor() {
        super([param([1])], { lr: 1 });
      }
      protected updateGroups(): void {
        throw new Error("boom");
      }
    }
    const opt = new Failing();
    let post = 0;
    opt.registerStepPostHook(() => {
      post++;
    });
    expect(() => opt.step()).toThrow("boom");
    expect(isGradEnabled()).toBe(true);
    expect(opt.stepCount).toBe(0);
    expect(post).toBe(0);
  });

  test("hooks run in the order global pre, instance pre, step, instance post, global post; prepend puts first", () => {
    const a = param([1]);
    const opt = new TestSGD([a]);
    const other = new TestSGD([param([1])]);
    const log: string[] = [];
    globalHandles.push(registerOptimizerStepPreHook((o) => void log.push(`gpre1:${o === opt}`)));
    globalHandles.push(registerOptimizerStepPostHook(() => void log.push("gpost1")));
    globalHandles.push(registerOptimizerStepPreHook(() => void log.push("gpre0"), { prepend: true }));
    opt.registerStepPostHook((o) => void log.push(`post1:${o.stepCount}`));
    opt.registerStepPreHook((o) => void log.push(`pre1:${o.stepCount}`));
    opt.registerStepPreHook(() => void log.push("pre2"));
    opt.registerStepPreHook(() => void log.push("pre0"), { prepend: true });
    opt.registerStepPostHook(() => void log.push("post0"), { prepend: true });
    other.registerStepPreHook(() => void log.push("other"));
    class Logged extends TestSGD {
      protected override updateGroups(): void {
        log.push("update");
        super.updateGroups();
      }
    }
    const logged = new Logged([param([1])]);
    logged.registerStepPreHook(() => void log.push("lpre"));
    opt.step();
    expect(log).toEqual(["gpre0", "gpre1:true", "pre0", "pre1:0", "pre2", "post0", "post1:1", "gpost1"]);
    log.length = 0;
    logged.step();
    expect(log).toEqual(["gpre0", "gpre1:false", "lpre", "update", "gpost1"]);
  });

  test("hooks get args without the optimizer and kwargs {}", () => {
    const opt = new TestSGD([param([1])]);
    const seen: unknown[] = [];
    opt.registerStepPreHook((_o, args, kwargs) => void seen.push(["pre", args, kwargs]));
    opt.registerStepPostHook((_o, args, kwargs) => void seen.push(["post", args, kwargs]));
    const closure = () => 3;
    opt.step();
    opt.step(closure);
    expect(seen).toEqual([["pre", [], {}], ["post", [], {}], ["pre", [closure], {}], ["post", [closure], {}]]);
  });

  test("a pre-hook may replace the arguments; later hooks, the step and the post-hooks see the replacement", () => {
    const opt = new TestSGD([param([1])]);
    const replacement = () => 42;
    const seen: unknown[] = [];
    opt.registerStepPreHook(() => [[], { closure: replacement }]);
    opt.registerStepPreHook((_o, args, kwargs) => void seen.push(["pre2", args, kwargs]));
    opt.registerStepPostHook((_o, args, kwargs) => void seen.push(["post", args, kwargs]));
    expect(opt.step(() => 1)).toBe(42);
    expect(seen).toEqual([["pre2", [], { closure: replacement }], ["post", [], { closure: replacement }]]);
    const h = opt.registerStepPreHook(() => [[() => 9], {}], { prepend: true });
    expect(opt.step()).toBe(42);
    h.remove();
    const h2 = opt.registerStepPreHook(() => [[() => 9], {}]);
    expect(opt.step()).toBe(9);
    h2.remove();
  });

  test.each([
    ["a number", 1, /^TestSGD.step: a step pre-hook must return undefined or a pair \[args \(array\), kwargs \(object\)\], but got 1$/],
    ["null", null, /but got null$/],
    ["a one-element array", [[]], /but got an array of length 1$/],
    ["a pair with non-array args", ["x", {}], /but got an array of length 2$/],
    ["a pair with non-object kwargs", [[], null], /but got an array of length 2$/],
  ])("a pre-hook returning %s throws before the update", (_name, value, message) => {
    const a = param([1]);
    const opt = new TestSGD([a]);
    setGrads(a);
    opt.registerStepPreHook(() => value as never);
    expect(() => opt.step()).toThrow(message);
    expect(a.tolist()).toEqual([1]);
    expect(opt.stepCount).toBe(0);
  });

  test.each([
    ["too many args", [[() => 1, () => 2], {}], TypeError, /^TestSGD.step: takes at most 1 argument \(closure\) but 2 were given$/],
    ["an unknown kwarg", [[], { epoch: 1 }], TypeError, /^TestSGD.step: got an unexpected keyword argument "epoch"$/],
    ["closure twice", [[() => 1], { closure: () => 2 }], TypeError, /got multiple values for argument "closure"/],
    ["a non-function closure", [[3], {}], TypeError, /^TestSGD.step: closure must be a function, got 3$/],
  ])("replaced arguments with %s are rejected", (_name, value, type, message) => {
    const opt = new TestSGD([param([1])]);
    opt.registerStepPreHook(() => value as never);
    let error: unknown;
    try {
      opt.step();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
    expect(opt.stepCount).toBe(0);
  });

  test("removed hooks no longer run; remove() is idempotent; global hooks reach every optimizer", () => {
    const o1 = new TestSGD([param([1])]);
    const o2 = new TestSGD([param([1])]);
    const seen: Optimizer[] = [];
    const g = registerOptimizerStepPostHook((o) => void seen.push(o));
    globalHandles.push(g);
    let count = 0;
    const h = o1.registerStepPreHook(() => {
      count++;
    });
    o1.step();
    o2.step();
    expect(seen).toEqual([o1, o2]);
    h.remove();
    h.remove();
    g.remove();
    g.remove();
    o1.step();
    expect(count).toBe(1);
    expect(seen).toHaveLength(2);
  });

  test("a hook that removes itself or registers another during step takes effect next step", () => {
    const opt = new TestSGD([param([1])]);
    const log: string[] = [];
    const h = opt.registerStepPreHook(() => {
      log.push("once");
      h.remove();
      opt.registerStepPreHook(() => void log.push("added"));
    });
    opt.step();
    opt.step();
    expect(log).toEqual(["once", "added"]);
  });
});

describe("stateDict", () => {
  test("layout: ids in group order, params last, live state objects, paramNames kept", () => {
    const [a, b, c] = [param([1, 2]), param([3]), param([4, 5, 6])];
    const lr = tensor(0.25);
    const opt = new TestSGD([{ params: [["a", a], ["b", b]] as const, lr: 0.2 }, { params: [["c", c]] as const, extra: [1, 2] }], {
      momentum: 0.9,
    });
    opt.paramGroups[0]!.initialLr = lr;
    setGrads(c, a);
    opt.step();
    const sd = opt.stateDict();
    expect(Object.keys(sd)).toEqual(["state", "paramGroups"]);
    expect(sd.paramGroups).toEqual([
      { lr: 0.2, paramNames: ["a", "b"], momentum: 0.9, differentiable: false, initialLr: lr, params: [0, 1] },
      { paramNames: ["c"], extra: [1, 2], lr: 0.1, momentum: 0.9, differentiable: false, params: [2] },
    ]);
    expect(Object.keys(sd.paramGroups[0]!)).toEqual(["lr", "paramNames", "momentum", "differentiable", "initialLr", "params"]);
    expect(sd.paramGroups[0]!.initialLr).toBe(lr);
    expect(sd.paramGroups[0]).not.toBe(opt.paramGroups[0]);
    expect(Object.keys(sd.state)).toEqual(["0", "2"]);
    expect(sd.state[0]).toBe(opt.state.get(a));
    expect(sd.state[2]).toBe(opt.state.get(c));
  });

  test("state of a tensor that is in no group is an error naming it", () => {
    const a = param([1]);
    const opt = new TestSGD([a]);
    opt.state.set(zeros([2, 3]), {});
    expect(() => opt.stateDict()).toThrow(
      new Error("TestSGD.stateDict: the optimizer holds state for a float32 tensor of shape [2,3] that is in no parameter group"),
    );
  });

  test("pre-hooks run first; post-hooks may replace the result; prepend works", () => {
    const opt = new TestSGD([param([1])]);
    const log: string[] = [];
    opt.registerStateDictPreHook(() => void log.push("pre1"));
    opt.registerStateDictPreHook(() => void log.push("pre0"), { prepend: true });
    opt.registerStateDictPostHook((_o, sd) => {
      log.push("post1");
      return { ...sd, paramGroups: sd.paramGroups.map((g) => ({ ...g, tagged: true })) };
    });
    opt.registerStateDictPostHook((_o, sd) => void log.push(`post0:${"tagged" in sd.paramGroups[0]!}`), { prepend: true });
    const h = opt.registerStateDictPostHook((_o, sd) => void log.push(`post2:${"tagged" in sd.paramGroups[0]!}`));
    const sd = opt.stateDict();
    expect(log).toEqual(["pre0", "pre1", "post0:false", "post1", "post2:true"]);
    expect(sd.paramGroups[0]!.tagged).toBe(true);
    h.remove();
    opt.registerStateDictPostHook(() => 5 as never);
    expect(() => opt.stateDict()).toThrow(
      new TypeError("TestSGD.stateDict: a state-dict post-hook must return undefined or a state dict object, got 5"),
    );
  });
});

describe("loadStateDict", () => {
  function trained() {
    const [a, b, c] = [param([1, 2]), param([3]), param([4, 5, 6])];
    const opt = new TestSGD([{ params: [a, b] }, { params: [c], lr: 0.2 }], { momentum: 0.9 });
    setGrads(a, b, c);
    opt.step();
    opt.step();
    return { opt, a, b, c };
  }
  function fresh(options: SgdOptions = {}) {
    const [a, b, c] = [param([1, 2]), param([3]), param([4, 5, 6])];
    const opt = new TestSGD([{ params: [a, b], lr: 0.05 }, { params: [c], note: "current only" }], options);
    return { opt, a, b, c };
  }

  test("round trip into a fresh optimizer: hyperparameters from the checkpoint, params current, state copied", () => {
    const src = trained();
    const sd = src.opt.stateDict();
    const dst = fresh();
    const oldGroups = dst.opt.paramGroups;
    dst.opt.loadStateDict(sd);
    expect(dst.opt.paramGroups).not.toBe(oldGroups);
    expect(dst.opt.paramGroups.map((g) => g.params)).toEqual([[dst.a, dst.b], [dst.c]]);
    expect(dst.opt.paramGroups[0]!.params).toBe(oldGroups[0]!.params);
    expect(dst.opt.paramGroups[1]).toEqual({ params: [dst.c], lr: 0.2, momentum: 0.9, differentiable: false });
    expect(dst.opt.paramGroups[0]!.lr).toBe(0.1);
    for (const [s, d] of [[src.a, dst.a], [src.b, dst.b], [src.c, dst.c]] as const) {
      const saved = src.opt.state.get(s)!.momentumBuffer as Tensor;
      const loaded = dst.opt.state.get(d)!.momentumBuffer as Tensor;
      expect(loaded.tolist()).toEqual(saved.tolist());
      expect(loaded).not.toBe(saved);
      expect(loaded.dtype).toBe("float32");
    }
    expect(dst.opt.stepCount).toBe(0);
    expect(serialize(dst.opt.stateDict())).toEqual(serialize(sd));
    // Training both on the same gradients keeps them in lockstep: no shared buffers.
    for (const p of [src.a, src.b, src.c, dst.a, dst.b, dst.c]) p.grad = noGrad(() => p.mul(0).add(0.5));
    noGrad(() => {
      src.a.copy_(dst.a);
      src.b.copy_(dst.b);
      src.c.copy_(dst.c);
    });
    src.opt.step();
    dst.opt.step();
    expect(dst.a.tolist()).toEqual(src.a.tolist());
    expect(dst.c.tolist()).toEqual(src.c.tolist());
  });

  test("the state dict passed in is not modified", () => {
    const src = trained();
    const sd = src.opt.stateDict();
    const copy = serialize(sd);
    fresh().opt.loadStateDict(sd);
    expect(serialize(sd)).toEqual(copy);
  });

  test("paramNames: kept from the current group when the checkpoint has none", () => {
    const src = trained();
    const sd = src.opt.stateDict();
    const [x, y, z] = [param([1, 2]), param([3]), param([4, 5, 6])];
    const opt = new TestSGD([{ params: [["x", x], ["y", y]] as const }, { params: [["z", z]] as const }]);
    opt.loadStateDict(sd);
    expect(opt.paramGroups[0]!.paramNames).toEqual(["x", "y"]);
    const named = opt.stateDict();
    named.paramGroups[1]!.paramNames = ["renamed"];
    opt.loadStateDict(named);
    expect(opt.paramGroups[1]!.paramNames).toEqual(["renamed"]);
  });

  test("floating state is cast to the param's dtype, step keeps its dtype, tensors are copied", () => {
    const p = tensor([1, 2], { dtype: "float64", requiresGrad: true });
    const opt = new TestSGD([p]);
    const buf = tensor([0.1, 0.2]);
    const step = tensor(3);
    const lr = tensor(0.5, { dtype: "float64", requiresGrad: true });
    opt.loadStateDict({
      state: { 0: { momentumBuffer: buf, step, count: 4, nested: { inner: tensor([1, 1]) } } },
      paramGroups: [{ lr: 0.3, lrTensor: lr, params: [0] }],
    });
    const st = opt.state.get(p)!;
    expect((st.momentumBuffer as Tensor).dtype).toBe("float64");
    expect((st.momentumBuffer as Tensor).tolist()).toEqual([Math.fround(0.1), Math.fround(0.2)]);
    expect((st.step as Tensor).dtype).toBe("float32");
    expect(st.step).not.toBe(step);
    expect(st.count).toBe(4);
    expect(((st.nested as Record<string, Tensor>).inner).dtype).toBe("float64");
    const loadedLr = opt.paramGroups[0]!.lrTensor as Tensor;
    expect(loadedLr).not.toBe(lr);
    expect(loadedLr.item()).toBe(0.5);
    expect(loadedLr.requiresGrad).toBe(true);
    expect(loadedLr.isLeaf).toBe(true);
    expect(Object.keys(opt.paramGroups[0]!)).toEqual(["lr", "lrTensor", "params", "momentum", "differentiable"]);
  });

  test("an empty state dict state clears the optimizer's state", () => {
    const src = trained();
    const sd = src.opt.stateDict();
    src.opt.loadStateDict({ state: {}, paramGroups: sd.paramGroups });
    expect(src.opt.state.size).toBe(0);
  });

  test("load hooks: pre-hooks get a shallow copy and may replace it, post-hooks run after; prepend works", () => {
    const src = trained();
    const sd = src.opt.stateDict();
    const dst = fresh();
    const log: string[] = [];
    dst.opt.registerLoadStateDictPreHook((_o, given) => {
      log.push(`pre1:${given === sd}`);
      return { ...given, paramGroups: given.paramGroups.map((g) => ({ ...g, lr: 0.7 })) };
    });
    dst.opt.registerLoadStateDictPreHook((o) => void log.push(`pre0:${o === dst.opt}`), { prepend: true });
    dst.opt.registerLoadStateDictPostHook((o) => void log.push(`post:${(o as TestSGD).paramGroups[0]!.lr}`));
    dst.opt.loadStateDict(sd);
    expect(log).toEqual(["pre0:true", "pre1:false", "post:0.7"]);
    expect(sd.paramGroups[0]!.lr).toBe(0.1);
  });

  test("post-hooks do not run when the load is rejected", () => {
    const dst = fresh();
    let ran = false;
    dst.opt.registerLoadStateDictPostHook(() => {
      ran = true;
    });
    expect(() => dst.opt.loadStateDict({ state: {}, paramGroups: [] })).toThrow(/different number of parameter groups/);
    expect(ran).toBe(false);
  });

  type Mutate = (sd: OptimizerStateDict & Record<string, unknown>) => unknown;
  const cases: Array<[string, Mutate, ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor, RegExp]> = [
    ["a non-object", () => 7, TypeError, /^TestSGD.loadStateDict: the state dict must be an object with "state" and "paramGroups", got 7$/],
    ["an array", () => [], TypeError, /the state dict must be an object .* got an array of length 0/],
    ["no paramGroups", (sd) => ({ state: sd.state }), TypeError, /^TestSGD.loadStateDict: stateDict.paramGroups must be an array, got undefined$/],
    ["no state", (sd) => ({ paramGroups: sd.paramGroups }), TypeError, /^TestSGD.loadStateDict: stateDict.state must be an object keyed by parameter ids, got undefined$/],
    ["state as a Map", (sd) => ({ ...sd, state: new Map() }), TypeError, /stateDict.state must be an object keyed by parameter ids, got a Map/],
    ["one group too few", (sd) => ({ ...sd, paramGroups: sd.paramGroups.slice(0, 1) }), Error, /^TestSGD.loadStateDict: loaded state dict has a different number of parameter groups \(1\) than the optimizer \(2\)$/],
    ["a group that is not an object", (sd) => { sd.paramGroups[1] = null as never; }, TypeError, /stateDict.paramGroups\[1\] must be an object, got null/],
    ["a group without params", (sd) => { delete (sd.paramGroups[0] as Record<string, unknown>).params; }, TypeError, /stateDict.paramGroups\[0\].params must be an array of parameter ids, got undefined/],
    ["a group of the wrong size", (sd) => { sd.paramGroups[0]!.params.pop(); }, Error, /doesn't match the size of optimizer's group: paramGroups\[0\] has 1 params, the optimizer's group 0 has 2$/],
    ["a non-integer id", (sd) => { sd.paramGroups[1]!.params[0] = 2.5; }, TypeError, /stateDict.paramGroups\[1\].params\[0\] must be a non-negative integer id, got 2.5/],
    ["a string id", (sd) => { (sd.paramGroups[0]!.params as unknown[])[1] = "1"; }, TypeError, /paramGroups\[0\].params\[1\] must be a non-negative integer id, got "1"/],
    ["a negative id", (sd) => { sd.paramGroups[0]!.params[0] = -1; }, TypeError, /must be a non-negative integer id, got -1/],
    ["a repeated id", (sd) => { sd.paramGroups[1]!.params[0] = 0; }, Error, /parameter id 0 appears twice in stateDict.paramGroups \(paramGroups\[0\].params\[0\] and paramGroups\[1\].params\[0\]\)/],
    ["a state id that is in no group", (sd) => { sd.state[7] = { momentumBuffer: tensor([1]) }; }, Error, /stateDict.state has key "7", which is not a parameter id of stateDict.paramGroups/],
    ["a non-numeric state key", (sd) => { (sd.state as Record<string, unknown>).abc = {}; }, Error, /stateDict.state has key "abc"/],
    ["a non-canonical state key", (sd) => { const s = sd.state[1]!; delete sd.state[1]; (sd.state as Record<string, unknown>)["01"] = s; }, Error, /stateDict.state has key "01"/],
    ["a state entry that is not an object", (sd) => { (sd.state as Record<number, unknown>)[1] = 3; }, TypeError, /stateDict.state\[1\] must be an object, got 3/],
    ["a state tensor of the wrong shape", (sd) => { sd.state[2]!.momentumBuffer = zeros([2]); }, Error, /^TestSGD.loadStateDict: state of parameter 2 has "momentumBuffer" of shape \[2\], but the parameter has shape \[3\]$/],
    ["a state entry the subclass rejects", (sd) => { delete sd.state[1]!.momentumBuffer; }, TypeError, /^TestSGD: loaded state has no momentumBuffer tensor$/],
    ["an invalid hyperparameter", (sd) => { sd.paramGroups[1]!.lr = -3; }, RangeError, /^TestSGD: invalid learning rate: -3$/],
    ["paramNames of the wrong length", (sd) => { sd.paramGroups[0]!.paramNames = ["x"]; }, TypeError, /stateDict.paramGroups\[0\].paramNames must be an array of 2 strings, got an array of length 1/],
  ];

  test.each(cases)("rejects %s and leaves the optimizer exactly as it was", (_name, mutate, type, message) => {
    const src = trained();
    const sd = src.opt.stateDict();
    const candidate = { state: { ...sd.state }, paramGroups: sd.paramGroups.map((g) => ({ ...g, params: [...g.params] })) };
    for (const k of Object.keys(candidate.state)) {
      const id = Number(k);
      candidate.state[id] = { ...candidate.state[id] };
    }
    const replaced = mutate(candidate as OptimizerStateDict & Record<string, unknown>);
    const input = replaced === undefined ? candidate : replaced;
    const dst = trained();
    dst.opt.paramGroups[0]!.lr = 0.01;
    const before = snapshot(dst.opt);
    let error: unknown;
    try {
      dst.opt.loadStateDict(input as OptimizerStateDict);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
    expectUnchanged(dst.opt, before);
  });

  test("a required hyperparameter missing from the checkpoint is rejected", () => {
    const [a] = [param([1])];
    const opt = new TestSGD([{ params: [a], lr: 0.4 }], { lr: required });
    const before = snapshot(opt);
    expect(() => opt.loadStateDict({ state: {}, paramGroups: [{ momentum: 0, params: [0] }] })).toThrow(
      new Error("TestSGD.loadStateDict: stateDict.paramGroups[0] didn't specify a value of required optimization parameter lr"),
    );
    expectUnchanged(opt, before);
  });
});

test("toString renders groups like PyTorch's repr, keys sorted, params omitted", () => {
  const opt = new TestSGD([{ params: [param([1])], lr: 0.01 }, { params: [param([2])], betas: [0.9, 0.99] }], { momentum: 0.9 });
  expect(opt.toString()).toBe(
    "TestSGD (\n" +
      "Parameter Group 0\n    differentiable: false\n    lr: 0.01\n    momentum: 0.9\n" +
      "\nParameter Group 1\n    betas: [0.9, 0.99]\n    differentiable: false\n    lr: 0.1\n    momentum: 0.9\n" +
      ")",
  );
});
