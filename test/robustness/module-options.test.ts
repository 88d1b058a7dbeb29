// Issue 14: porting hazards and option checks of nn and optim.
// - zeroGrad takes the same forms on modules and optimizers: a boolean or { setToNone }, validated.
// - setDefaultDtype("float64") reaches the parameters layers create, unless a dtype option says otherwise.
// - unknown option keys are refused by layers, functional forms, init functions and
//   Module.loadStateDict; a null option is not "use the default" for any optimizer or scheduler.
import { Tensor, getDefaultDtype, ones, setDefaultDtype, tensor, zeros } from "@tapegrad/core";
import { CrossEntropyLoss, Dropout, F, GELU, Linear, MSELoss, Sequential, init } from "@tapegrad/nn";
import {
  ASGD, Adagrad, Adam, AdamW, ConstantLR, CosineAnnealingLR, ExponentialLR, LinearLR, MultiStepLR, type Optimizer, RMSprop,
  ReduceLROnPlateau, SGD, StepLR,
} from "@tapegrad/optim";
import { afterEach, describe, expect, test } from "vitest";

afterEach(() => setDefaultDtype("float32"));

type Ctor = new (params: unknown, options?: unknown) => Optimizer;
const OPTIMIZERS: Array<[string, Ctor]> = [
  ["ASGD", ASGD as unknown as Ctor], ["SGD", SGD as unknown as Ctor], ["Adam", Adam as unknown as Ctor],
  ["AdamW", AdamW as unknown as Ctor], ["RMSprop", RMSprop as unknown as Ctor], ["Adagrad", Adagrad as unknown as Ctor],
];

function withGrad(): Tensor {
  const p = tensor([1, 2, 3]).requiresGrad_(true);
  p.grad = tensor([0.5, 0.5, 0.5]);
  return p;
}

describe("zeroGrad: the same forms on Module and Optimizer", () => {
  test("Module.zeroGrad accepts a boolean like Optimizer.zeroGrad, and { setToNone } like Module", () => {
    const m = new Linear(2, 2);
    m.weight.grad = ones([2, 2]);
    m.zeroGrad(false);
    expect(m.weight.grad).not.toBeNull();
    expect(Array.from(m.weight.grad!.dataSync())).toEqual([0, 0, 0, 0]);
    m.zeroGrad(true);
    expect(m.weight.grad).toBeNull();
  });

  test.each(OPTIMIZERS)("%s.zeroGrad accepts { setToNone } like Module.zeroGrad", (_name, Opt) => {
    const p = withGrad();
    const opt = new Opt([p], { lr: 0.1 });
    const g = p.grad;
    opt.zeroGrad({ setToNone: false });
    expect(p.grad).toBe(g);
    expect(Array.from(p.grad!.dataSync())).toEqual([0, 0, 0]);
    opt.zeroGrad({});
    expect(p.grad).toBeNull();
  });

  test("both refuse the same bad forms, naming the value, and change nothing", () => {
    const m = new Linear(2, 2);
    const p = withGrad();
    const opt = new SGD([p], { lr: 0.1 });
    m.weight.grad = ones([2, 2]);
    for (const [zero, where] of [[(x: unknown) => m.zeroGrad(x as boolean), "Linear.zeroGrad"], [(x: unknown) => opt.zeroGrad(x as boolean), "SGD.zeroGrad"]] as const) {
      expect(() => zero(0)).toThrow(new TypeError(`${where}: setToNone must be a boolean, got 0`));
      expect(() => zero("no")).toThrow(/setToNone must be a boolean, got "no"/);
      expect(() => zero({ setToNone: 1 })).toThrow(/setToNone must be a boolean, got 1/);
      expect(() => zero({ setTonone: false })).toThrow(/unknown option "setTonone"/);
    }
    expect(Array.from(m.weight.grad!.dataSync())).toEqual([1, 1, 1, 1]);
    expect(Array.from(p.grad!.dataSync())).toEqual([0.5, 0.5, 0.5]);
  });
});

describe("setDefaultDtype reaches the layers (PyTorch's factory kwargs)", () => {
  test("new Linear(2, 3) has float64 weight and bias under a float64 default, and a dtype option wins", () => {
    setDefaultDtype("float64");
    const fc = new Linear(2, 3);
    expect(fc.weight.dtype).toBe("float64");
    expect(fc.bias!.dtype).toBe("float64");
    expect(fc.forward(zeros([4, 2])).dtype).toBe("float64");
    expect(new Linear(2, 3, { dtype: "float32" }).weight.dtype).toBe("float32");
    expect(new Sequential(new Linear(2, 2), new Linear(2, 1)).parameters().map((p) => p.dtype)).toEqual(["float64", "float64", "float64", "float64"]);
    setDefaultDtype("float32");
    expect(new Linear(2, 3).weight.dtype).toBe("float32");
    expect(new Linear(2, 3, { dtype: "float64" }).bias!.dtype).toBe("float64");
  });

  test("float64 default: init keeps the parameter's dtype and bounds, and the weights are not float32-rounded", () => {
    setDefaultDtype("float64");
    expect(getDefaultDtype()).toBe("float64");
    const fc = new Linear(1000, 4);
    const w = Array.from(fc.weight.dataSync());
    const bound = 1 / Math.sqrt(1000);
    expect(w.every((v) => Math.abs(v) <= bound)).toBe(true);
    // float64 draws: almost none of them is exactly representable in float32.
    expect(w.filter((v) => Math.fround(v) !== v).length).toBeGreaterThan(3990);
    init.xavierUniform_(fc.weight);
    expect(fc.weight.dtype).toBe("float64");
  });
});

describe("unknown option keys and null options are refused", () => {
  test("Linear refuses an unknown key (a typo of bias) and a bad dtype", () => {
    expect(() => new Linear(2, 3, { biass: false } as never)).toThrow(new TypeError('Linear: unknown option "biass" (expected one of bias, dtype, generator)'));
    expect(() => new Linear(2, 3, { dtype: "int32" } as never)).toThrow(/Linear: dtype must be "float32" or "float64"/);
  });

  test("Module.loadStateDict refuses an unknown option key (strick: false) and loads nothing", () => {
    const m = new Linear(2, 2);
    const before = Array.from(m.weight.dataSync());
    const sd = { weight: zeros([2, 2]) };
    expect(() => m.loadStateDict(sd, { strick: false } as never)).toThrow(/loadStateDict: unknown option "strick" \(expected one of strict\)/);
    expect(Array.from(m.weight.dataSync())).toEqual(before);
  });

  test("layers, functional forms and init functions refuse unknown keys", () => {
    const x = zeros([2, 3]);
    expect(() => new GELU({ approx: "tanh" } as never)).toThrow(/GELU: unknown option "approx"/);
    expect(() => new Dropout(0.5, { seed: 1 } as never)).toThrow(/Dropout: unknown option "seed"/);
    expect(() => new MSELoss({ reduce: "sum" } as never)).toThrow(/MSELoss: unknown option "reduce"/);
    expect(() => new CrossEntropyLoss({ label_smoothing: 0.1 } as never)).toThrow(/CrossEntropyLoss: unknown option "label_smoothing"/);
    expect(() => F.gelu(x, { approximation: "tanh" } as never)).toThrow(/gelu: unknown option "approximation"/);
    expect(() => F.mseLoss(x, x, { reduce: "sum" } as never)).toThrow(/mseLoss: unknown option "reduce"/);
    expect(() => F.crossEntropy(x, tensor([0, 1], { dtype: "int32" }), { ignore_index: 1 } as never)).toThrow(/crossEntropy: unknown option "ignore_index"/);
    expect(() => init.uniform_(zeros([3]), { low: 0 } as never)).toThrow(/uniform_: unknown option "low"/);
    expect(() => init.kaimingUniform_(zeros([3, 3]), { nonLinearity: "relu" } as never)).toThrow(/kaimingUniform_: unknown option "nonLinearity"/);
    const m = new Linear(2, 2);
    expect(() => m.parameters({ recursive: false } as never)).toThrow(/parameters: unknown option "recursive"/);
    expect(() => m.namedParameters({ prefx: "a" } as never)).toThrow(/namedParameters: unknown option "prefx"/);
  });

  test.each(OPTIMIZERS)("new %s(params, { lr: null }) is refused; foreach: null still means automatic", (name, Opt) => {
    expect(() => new Opt([withGrad()], { lr: null })).toThrow(new TypeError(`${name}: option "lr" is null; omit it (or pass undefined) to use the default`));
    expect(() => new Opt([withGrad()], { weightDecay: null })).toThrow(/option "weightDecay" is null/);
    expect(() => new Opt([withGrad()], { maximize: null })).toThrow(/option "maximize" is null/);
    expect(new Opt([withGrad()], { lr: 0.1, foreach: null }).paramGroups[0]!.foreach ?? null).toBeNull();
  });

  test("schedulers refuse a null option", () => {
    const opt = () => new SGD([withGrad()], { lr: 0.1 });
    expect(() => new LinearLR(opt(), { startFactor: null } as never)).toThrow(/LinearLR: option "startFactor" is null/);
    expect(() => new CosineAnnealingLR(opt(), { tMax: 10, etaMin: null } as never)).toThrow(/option "etaMin" is null/);
    expect(() => new ConstantLR(opt(), { factor: null } as never)).toThrow(/option "factor" is null/);
    expect(() => new StepLR(opt(), { stepSize: 2, gamma: null } as never)).toThrow(/option "gamma" is null/);
    expect(() => new MultiStepLR(opt(), { milestones: [1], gamma: null } as never)).toThrow(/option "gamma" is null/);
    expect(() => new ExponentialLR(opt(), { gamma: null } as never)).toThrow(/option "gamma" is null/);
    expect(() => new ReduceLROnPlateau(opt(), { factor: null } as never)).toThrow(/option "factor" is null/);
  });
});
