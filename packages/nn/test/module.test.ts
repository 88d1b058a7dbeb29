import { inspect } from "node:util";
import { Tensor, manualSeed, ones, randn, tensor, zeros } from "@tapegrad/core";
import { F, Identity, Linear, Module, ModuleList, Parameter, ReLU, Sequential } from "@tapegrad/nn";
import { describe, expect, test } from "vitest";

class MLP extends Module {
  fc1 = new Linear(4, 8);
  act = new ReLU();
  fc2 = new Linear(8, 3);
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.act.forward(this.fc1.forward(x)));
  }
}

class WithBuffers extends Module {
  scale = new Parameter(ones([3]));
  inner = new Linear(3, 2);
  declare runningMean: Tensor;
  declare scratch: Tensor;
  declare counter: Tensor;
  constructor() {
    super();
    this.registerBuffer("runningMean", zeros([3]));
    this.registerBuffer("scratch", zeros([2]), { persistent: false });
    this.registerBuffer("counter", tensor([0], { dtype: "int32" }));
  }
  forward(x: Tensor): Tensor {
    return this.inner.forward(x.sub(this.runningMean).mul(this.scale));
  }
}

function snapshot(m: Module): Record<string, number[]> {
  return Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, Array.from(v.dataSync())]));
}

describe("registration and names", () => {
  test("fields are registered in declaration order with dotted names", () => {
    const m = new MLP();
    expect(m.namedParameters().map(([n]) => n)).toEqual(["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]);
    expect(m.parameters()).toHaveLength(4);
    expect(m.parameters()[0]).toBe(m.fc1.weight);
    expect(m.namedChildren().map(([n]) => n)).toEqual(["fc1", "act", "fc2"]);
    expect(m.children()).toEqual([m.fc1, m.act, m.fc2]);
    expect(m.namedModules().map(([n]) => n)).toEqual(["", "fc1", "act", "fc2"]);
    expect(m.modules()[0]).toBe(m);
  });

  test("own parameters come before those of sub-modules (as PyTorch)", () => {
    const m = new WithBuffers();
    expect(m.namedParameters().map(([n]) => n)).toEqual(["scale", "inner.weight", "inner.bias"]);
    expect(m.parameters({ recurse: false })).toEqual([m.scale]);
    expect(m.namedParameters({ prefix: "model" }).map(([n]) => n)[1]).toBe("model.inner.weight");
  });

  test("ModuleList and Sequential use indices as names", () => {
    class Deep extends Module {
      layers = new ModuleList([new Linear(2, 2), new Linear(2, 2, { bias: false })]);
      head = new Sequential(new Linear(2, 1), new ReLU());
      forward(x: Tensor): Tensor {
        for (const l of this.layers) x = (l as Linear).forward(x);
        return this.head.forward(x);
      }
    }
    const m = new Deep();
    expect(m.namedParameters().map(([n]) => n)).toEqual(["layers.0.weight", "layers.0.bias", "layers.1.weight", "head.0.weight", "head.0.bias"]);
    expect(m.forward(randn([5, 2])).shape).toEqual([5, 1]);
    expect(m.layers.length).toBe(2);
    expect(m.layers.at(-1)).toBe(m.layers.at(1));
  });

  test("plain arrays, numbers and plain tensors are not registered", () => {
    class Odd extends Module {
      list = [new Linear(2, 2)];
      plain = randn([2]);
      n = 3;
      w = new Parameter(randn([2]));
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    expect(new Odd().namedParameters().map(([n]) => n)).toEqual(["w"]);
  });

  test("a shared parameter or module is listed once, but appears under each name in the state dict", () => {
    class Tied extends Module {
      a = new Linear(3, 3);
      b = new Linear(3, 3);
      c: Linear;
      constructor() {
        super();
        this.b.weight = this.a.weight;
        this.c = this.a;
      }
      forward(x: Tensor): Tensor {
        return this.b.forward(this.a.forward(x));
      }
    }
    const m = new Tied();
    expect(m.namedParameters().map(([n]) => n)).toEqual(["a.weight", "a.bias", "b.bias"]);
    expect(m.modules()).toHaveLength(3);
    expect(m.namedParameters({ removeDuplicate: false }).map(([n]) => n)).toEqual([
      "a.weight", "a.bias", "b.weight", "b.bias", "c.weight", "c.bias",
    ]);
    expect(Object.keys(m.stateDict())).toEqual(["a.weight", "a.bias", "b.weight", "b.bias", "c.weight", "c.bias"]);
  });

  test("registerParameter / registerModule for computed names; null registers an absent member", () => {
    class Dyn extends Module {
      constructor() {
        super();
        for (let i = 0; i < 2; i++) this.registerParameter(`w${i}`, new Parameter(randn([2])));
        this.registerModule("sub", new Identity());
        this.registerParameter("missing", null);
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    const m = new Dyn();
    expect(m.namedParameters().map(([n]) => n)).toEqual(["w0", "w1"]);
    expect(m.namedChildren().map(([n]) => n)).toEqual(["sub"]);
    expect(() => m.registerParameter("x", randn([2]) as Parameter)).toThrow(/registerParameter: "x" must be a Parameter or null/);
    expect(() => m.registerParameter("a.b", null)).toThrow(/can't contain "\."/);
    expect(() => m.registerParameter("", null)).toThrow(/can't be empty/);
    expect(() => m.registerParameter("forward", null)).toThrow(/would shadow a method/);
    expect(() => m.registerModule("y", {} as Module)).toThrow(/registerModule: "y" must be a Module or null/);
  });

  test("getSubmodule walks dotted paths and names the missing part", () => {
    const seq = new Sequential(new MLP());
    expect(seq.getSubmodule("0.fc2")).toBe((seq.at(0) as MLP).fc2);
    expect(seq.getSubmodule("")).toBe(seq);
    expect(() => seq.getSubmodule("0.fc9")).toThrow(/has no sub-module "fc9"/);
  });
});

describe("buffers", () => {
  test("are listed, kept out of parameters, and in the state dict only when persistent", () => {
    const m = new WithBuffers();
    expect(m.namedBuffers().map(([n]) => n)).toEqual(["runningMean", "scratch", "counter"]);
    expect(m.buffers()).toHaveLength(3);
    expect(Object.keys(m.stateDict())).toEqual(["scale", "runningMean", "counter", "inner.weight", "inner.bias"]);
  });

  test("registerBuffer validates its arguments", () => {
    const m = new WithBuffers();
    expect(() => m.registerBuffer("p", new Parameter(zeros([1])))).toThrow(/must be a Tensor \(not a Parameter\)/);
    expect(() => m.registerBuffer("scale", zeros([1]))).toThrow(/attribute "scale" already exists/);
    expect(() => m.registerBuffer("b", zeros([1]), { persistent: "yes" as unknown as boolean })).toThrow(/persistent must be a boolean/);
    expect(() => m.registerParameter("runningMean", null)).toThrow(/already a buffer/);
    m.registerBuffer("runningMean", null);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(["scratch", "counter"]);
  });
});

describe("modes, gradients, apply, to", () => {
  test("train / eval set the flag recursively", () => {
    const m = new MLP();
    expect(m.modules().every((x) => x.training)).toBe(true);
    expect(m.eval()).toBe(m);
    expect(m.modules().every((x) => !x.training)).toBe(true);
    m.train();
    expect(m.fc1.training).toBe(true);
    expect(() => m.train("no" as unknown as boolean)).toThrow(/train: mode must be a boolean/);
  });

  test("zeroGrad sets gradients to null by default, or zeroes them", () => {
    const m = new MLP();
    m.forward(randn([2, 4])).sum().backward();
    expect(m.parameters().every((p) => p.grad !== null)).toBe(true);
    const g = m.fc1.weight.grad!;
    m.zeroGrad({ setToNone: false });
    expect(m.fc1.weight.grad).toBe(g);
    expect(Array.from(g.dataSync()).every((v) => v === 0)).toBe(true);
    m.zeroGrad();
    expect(m.parameters().every((p) => p.grad === null)).toBe(true);
  });

  test("apply visits children before the module itself", () => {
    const m = new MLP();
    const seen: string[] = [];
    m.apply((x) => seen.push(x.constructor.name));
    expect(seen).toEqual(["Linear", "ReLU", "Linear", "MLP"]);
  });

  test("to({ dtype }) converts floating parameters and buffers, keeps integer buffers, keeps ties", () => {
    const m = new WithBuffers();
    const before = snapshot(m);
    m.forward(randn([2, 3])).sum().backward();
    m.to({ dtype: "float64" });
    expect(m.scale.dtype).toBe("float64");
    expect(m.scale).toBeInstanceOf(Parameter);
    expect(m.scale.requiresGrad).toBe(true);
    expect(m.scale.grad!.dtype).toBe("float64");
    expect(m.runningMean.dtype).toBe("float64");
    expect(m.counter.dtype).toBe("int32");
    expect(snapshot(m)).toEqual(before);
    expect(m.forward(randn([2, 3], { dtype: "float64" })).dtype).toBe("float64");
    m.float();
    expect(m.inner.weight.dtype).toBe("float32");
    expect(() => m.to({ dtype: "int32" as "float32" })).toThrow(/to: dtype must be "float32" or "float64"/);
  });

  test("call is an alias of forward", () => {
    manualSeed(3);
    const m = new MLP();
    const x = randn([2, 4]);
    expect(m.call(x).tolist()).toEqual(m.forward(x).tolist());
  });

  test("console.log / util.inspect print the tree; a ModuleList folds runs of identical modules as PyTorch 2 does", () => {
    expect(inspect(new MLP())).toBe(new MLP().toString());
    const list = new ModuleList([new Linear(8, 8), new Linear(8, 8), new Linear(8, 8), new ReLU(), new Linear(8, 2)]);
    // PyTorch 2.x: ModuleList(\n  (0-2): 3 x Linear(in_features=8, out_features=8, bias=True)\n  (3): ReLU()\n  (4): Linear(...)\n)
    expect(list.toString()).toBe(
      "ModuleList(\n  (0-2): 3 x Linear(inFeatures=8, outFeatures=8, bias=true)\n  (3): ReLU()\n  (4): Linear(inFeatures=8, outFeatures=2, bias=true)\n)",
    );
    expect(new ModuleList().toString()).toBe("ModuleList()");
  });

  test("toString renders the tree like PyTorch", () => {
    expect(new MLP().toString()).toBe(
      "MLP(\n  (fc1): Linear(inFeatures=4, outFeatures=8, bias=true)\n  (act): ReLU()\n  (fc2): Linear(inFeatures=8, outFeatures=3, bias=true)\n)",
    );
  });
});

describe("stateDict / loadStateDict", () => {
  test("stateDict tensors are detached and share storage", () => {
    const m = new MLP();
    const sd = m.stateDict();
    expect(sd["fc1.weight"]!.requiresGrad).toBe(false);
    expect(sd["fc1.weight"]).not.toBe(m.fc1.weight);
    sd["fc1.bias"]!.fill_(7);
    expect(Array.from(m.fc1.bias!.dataSync())).toEqual(new Array(8).fill(7));
  });

  test("a round trip into a fresh model copies values, converts dtypes, and keeps parameter identity", () => {
    const a = new WithBuffers();
    a.runningMean.fill_(0.5);
    a.counter.fill_(3);
    const b = new WithBuffers();
    const weight = b.inner.weight;
    const sd = a.stateDict();
    sd["inner.bias"] = sd["inner.bias"]!.double();
    expect(b.loadStateDict(sd)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(b.inner.weight).toBe(weight);
    expect(b.inner.bias!.dtype).toBe("float32");
    expect(snapshot(b)).toEqual(snapshot(a));
    expect(b.loadStateDict(new Map(Object.entries(a.stateDict())))).toEqual({ missingKeys: [], unexpectedKeys: [] });
  });

  test("missing, unexpected and mismatched keys are all reported in one error and nothing changes", () => {
    const m = new MLP();
    const before = snapshot(m);
    const sd = new MLP().stateDict();
    delete sd["fc2.bias"];
    sd["fc3.weight"] = zeros([1]);
    sd["fc1.weight"] = zeros([8, 5]);
    let message = "";
    try {
      m.loadStateDict(sd);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^loadStateDict: error\(s\) in loading the state dict for MLP/);
    expect(message).toContain('missing key(s): "fc2.bias"');
    expect(message).toContain('unexpected key(s): "fc3.weight"');
    expect(message).toContain('size mismatch for "fc1.weight": copying a tensor with shape [8,5] from the state dict, the shape in the current model is [8,4]');
    expect(snapshot(m)).toEqual(before);
  });

  test("each kind of problem alone is rejected and leaves the model unchanged", () => {
    const cases: Array<[string, (sd: Record<string, Tensor>) => void, RegExp]> = [
      ["missing", (sd) => delete sd["fc1.bias"], /missing key\(s\): "fc1.bias"/],
      ["unexpected", (sd) => (sd["extra"] = zeros([2])), /unexpected key\(s\): "extra"/],
      ["shape", (sd) => (sd["fc2.bias"] = zeros([4])), /size mismatch for "fc2.bias".*\[4\].*\[3\]/],
      ["not a tensor", (sd) => ((sd as Record<string, unknown>)["fc2.weight"] = [[1, 2]]), /value for "fc2.weight" must be a Tensor, got an array/],
    ];
    for (const [, edit, pattern] of cases) {
      const m = new MLP();
      const before = snapshot(m);
      const sd = new MLP().stateDict();
      edit(sd);
      expect(() => m.loadStateDict(sd)).toThrow(pattern);
      expect(snapshot(m)).toEqual(before);
    }
  });

  test("non-strict loading returns missing and unexpected keys and loads the rest; shape errors still throw", () => {
    const m = new MLP();
    const source = new MLP();
    const sd = source.stateDict();
    delete sd["fc2.weight"];
    sd["extra"] = zeros([1]);
    const fc2Before = Array.from(m.fc2.weight.dataSync());
    expect(m.loadStateDict(sd, { strict: false })).toEqual({ missingKeys: ["fc2.weight"], unexpectedKeys: ["extra"] });
    expect(Array.from(m.fc1.weight.dataSync())).toEqual(Array.from(source.fc1.weight.dataSync()));
    expect(Array.from(m.fc2.weight.dataSync())).toEqual(fc2Before);
    sd["fc1.bias"] = zeros([2]);
    const before = snapshot(m);
    expect(() => m.loadStateDict(sd, { strict: false })).toThrow(/size mismatch for "fc1.bias"/);
    expect(snapshot(m)).toEqual(before);
  });

  test("argument checks", () => {
    const m = new MLP();
    expect(() => m.loadStateDict(null as unknown as Record<string, Tensor>)).toThrow(/loadStateDict: stateDict must be a plain object/);
    expect(() => m.loadStateDict(m.stateDict(), { strict: 1 as unknown as boolean })).toThrow(/strict must be a boolean/);
  });

  test("a loaded model gives the same outputs as its source", () => {
    const a = new MLP();
    const b = new MLP();
    b.loadStateDict(a.stateDict());
    const x = randn([3, 4]);
    expect(b.forward(x).tolist()).toEqual(a.forward(x).tolist());
    // F is usable on the loaded parameters directly.
    expect(F.linear(x, b.fc1.weight, b.fc1.bias).tolist()).toEqual(a.fc1.forward(x).tolist());
  });
});

describe("Parameter", () => {
  test("shares storage, is a leaf that requires grad, and detaches a tensor with history", () => {
    const t = randn([2, 3], { requiresGrad: true });
    const h = t.mul(2);
    const p = new Parameter(h);
    expect(p.isLeaf).toBe(true);
    expect(p.requiresGrad).toBe(true);
    expect(p.gradFn).toBeNull();
    expect(p.tolist()).toEqual(h.tolist());
    const data = zeros([2]);
    const q = new Parameter(data, false);
    expect(q.requiresGrad).toBe(false);
    data.fill_(4);
    expect(q.tolist()).toEqual([4, 4]);
    expect(p.mul(1)).not.toBeInstanceOf(Parameter);
    expect(p.detach()).not.toBeInstanceOf(Parameter);
    expect(p.toString()).toMatch(/^Parameter containing: tensor\(/);
  });

  test("in-place updates need noGrad, as for any leaf", () => {
    const p = new Parameter(zeros([2]));
    expect(() => p.add_(1)).toThrow(/leaf/);
  });

  test("rejects bad arguments", () => {
    expect(() => new Parameter([1, 2] as unknown as Tensor)).toThrow(/Parameter: data must be a Tensor, got an array/);
    expect(() => new Parameter(tensor([1], { dtype: "int32" }))).toThrow(/only floating point tensors can require gradients, got dtype int32/);
    expect(new Parameter(tensor([1], { dtype: "int32" }), false).dtype).toBe("int32");
    expect(() => new Parameter(zeros([1]), 1 as unknown as boolean)).toThrow(/requiresGrad must be a boolean/);
  });
});
