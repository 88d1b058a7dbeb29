/**
 * Registration order of module members against PyTorch (test/golden/module_state_dict.json, made by
 * test/golden/generate/module_state_dict.py): `stateDict()` keys and the `named*` lists keep the
 * order in which names were registered, also for integer-like names ("1", "10", "2") that a plain
 * JavaScript object would list first and in numeric order.
 */
import { readFileSync } from "node:fs";
import { type Tensor, ones, zeros } from "@tapegrad/core";
import { Linear, Module, Parameter, ReLU, Sequential, Tanh } from "@tapegrad/nn";
import { describe, expect, test } from "vitest";

interface OrderCase {
  name: string;
  state_dict: string[];
  named_parameters: string[];
  named_buffers: string[];
  named_modules: string[];
  named_children: string[];
}

const golden = JSON.parse(readFileSync(new URL("./golden/module_state_dict.json", import.meta.url), "utf8")) as { cases: OrderCase[] };

function sequentialNamed(): Sequential {
  return new Sequential(
    new Map<string, Module>([
      ["embed", new Linear(2, 3)],
      ["1", new ReLU()],
      ["10", new Linear(3, 3)],
      ["2", new Linear(3, 2)],
    ]),
  );
}

function sequentialAddModule(): Sequential {
  const s = new Sequential(new Linear(2, 2), new Tanh(), new Linear(2, 2));
  s.registerModule("head", new Linear(2, 1));
  s.registerModule("7", new Linear(1, 1));
  return s;
}

class Mixed extends Module {
  b = new Linear(2, 2);
  declare a: Linear;
  constructor() {
    super();
    this.registerBuffer("running", zeros([2]));
    this.registerModule("0", new Linear(2, 2));
    this.registerParameter("10", new Parameter(zeros([3])));
    this.registerBuffer("5", zeros([1]));
    this.registerParameter("scale", new Parameter(ones([1])));
    this.a = new Linear(2, 2);
    this.registerBuffer("3", zeros([1]), { persistent: false });
  }
  forward(x: Tensor): Tensor {
    return x;
  }
}

const builders: Record<string, () => Module> = {
  sequential_ordered_dict: sequentialNamed,
  sequential_add_module: sequentialAddModule,
  custom_mixed_names: () => new Mixed(),
  nested: () => new Sequential(new Map<string, Module>([["enc", sequentialNamed()], ["0", new Mixed()]])),
};

describe("member names keep registration order (PyTorch)", () => {
  test.each(golden.cases.map((c) => [c.name, c] as const))("%s", (name, c) => {
    const m = builders[name]!();
    expect(m.stateDictEntries().map(([n]) => n)).toEqual(c.state_dict);
    // The plain-object form keeps the same order, except that JavaScript lists a root-level
    // integer-like key ("10", no dot) first: the one documented deviation.
    const rootInteger = (k: string) => /^(0|[1-9][0-9]*)$/.test(k);
    const keys = Object.keys(m.stateDict());
    expect(keys.filter((k) => !rootInteger(k))).toEqual(c.state_dict.filter((k) => !rootInteger(k)));
    expect([...keys].sort()).toEqual([...c.state_dict].sort());
    expect(m.namedParameters().map(([n]) => n)).toEqual(c.named_parameters);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(c.named_buffers);
    expect(m.namedModules().map(([n]) => n)).toEqual(c.named_modules);
    expect(m.namedChildren().map(([n]) => n)).toEqual(c.named_children);
  });

  test("a Sequential runs its modules in registration order, integer-like names included", () => {
    const s = new Sequential(
      new Map<string, Module>([
        ["embed", new Linear(2, 3)],
        ["1", new ReLU()],
        ["10", new Linear(3, 4)],
        ["2", new Linear(4, 1)],
      ]),
    );
    expect(s.length).toBe(4);
    expect(s.at(1)).toBeInstanceOf(ReLU);
    expect([...s].map((m) => m.constructor.name)).toEqual(["Linear", "ReLU", "Linear", "Linear"]);
    expect(s.forward(zeros([5, 2])).shape).toEqual([5, 1]);
  });

  test("a state dict loads back by name and a deleted name moves to the end when registered again", () => {
    const m = new Mixed();
    const sd = m.stateDict();
    expect(new Mixed().loadStateDict(sd)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    delete (m as unknown as Record<string, unknown>)["0"];
    m.registerModule("0", new Linear(2, 2));
    expect(m.namedChildren().map(([n]) => n)).toEqual(["b", "a", "0"]);
  });
});
