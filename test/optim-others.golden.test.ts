// SGD, Adam, AdamW, RMSprop and Adagrad against PyTorch (test/golden/optim_others.json, float32,
// fed gradients; tolerances from test/golden/README.md: rtol = atol = 1e-5 for params and state).
import { readFileSync } from "node:fs";
import { Tensor, tensor } from "@tapegrad/core";
import { Adagrad, Adam, AdamW, RMSprop, SGD, type Optimizer } from "@tapegrad/optim";
import { describe, expect, test } from "vitest";

interface GoldenTensor {
  shape: number[];
  data: number[];
}
type GoldenState = Record<string, GoldenTensor | number | null>;
interface GoldenGroup {
  params: number[];
  overrides: Record<string, unknown>;
  resolved: Record<string, unknown>;
}
interface GoldenCase {
  name: string;
  optimizer: "SGD" | "Adam" | "AdamW" | "RMSprop" | "Adagrad";
  constructor: { params_arg: "list_of_tensors" | "list_of_group_dicts"; kwargs: Record<string, unknown> };
  param_groups: GoldenGroup[];
  num_steps: number;
  params_init: GoldenTensor[];
  steps: Array<{ step: number; grads: Array<GoldenTensor | null>; params: GoldenTensor[]; state: Array<GoldenState | null> }>;
}

const golden = JSON.parse(readFileSync(new URL("./golden/optim_others.json", import.meta.url), "utf8")) as {
  dtype: string;
  cases: GoldenCase[];
};

const RTOL = 1e-5;
const ATOL = 1e-5;

/** torch's snake_case names -> tapegrad's camelCase names. */
const camel = (key: string): string => key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

function fromGolden(t: GoldenTensor): Tensor {
  return tensor(Float32Array.from(t.data)).reshape(t.shape);
}

function expectClose(got: Tensor, want: GoldenTensor, what: string): void {
  expect(got.shape, `${what}: shape`).toEqual(want.shape);
  const values = got.dataSync();
  want.data.forEach((w, i) => {
    const g = values[i]!;
    if (!(Math.abs(g - w) <= ATOL + RTOL * Math.abs(w))) {
      throw new Error(`${what}[${i}]: got ${g}, want ${w} (|diff| ${Math.abs(g - w)})`);
    }
  });
}

/** Translate a torch kwargs/overrides object; `foreach: false` is torch's explicit for-loop choice. */
function translate(kwargs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(kwargs)) {
    if (k === "foreach") continue;
    out[camel(k)] = v;
  }
  return out;
}

const constructors: Record<GoldenCase["optimizer"], (params: never, options: never) => Optimizer> = {
  SGD: (p, o) => new SGD(p, o),
  Adam: (p, o) => new Adam(p, o),
  AdamW: (p, o) => new AdamW(p, o),
  RMSprop: (p, o) => new RMSprop(p, o),
  Adagrad: (p, o) => new Adagrad(p, o),
};

function build(c: GoldenCase): { opt: Optimizer; params: Tensor[] } {
  const params = c.params_init.map((t) => fromGolden(t).requiresGrad_(true));
  const kwargs = translate(c.constructor.kwargs);
  const input =
    c.constructor.params_arg === "list_of_tensors"
      ? params
      : c.param_groups.map((g) => ({ params: g.params.map((i) => params[i]!), ...translate(g.overrides) }));
  const opt = constructors[c.optimizer](input as never, kwargs as never);
  return { opt, params };
}

function checkState(opt: Optimizer, param: Tensor, want: GoldenState | null, what: string): void {
  const got = opt.state.get(param);
  if (want === null) {
    expect(got, `${what}: no state yet`).toBeUndefined();
    return;
  }
  for (const [key, value] of Object.entries(want)) {
    const name = camel(key);
    if (value === null) {
      // torch 1.13 stores momentum_buffer = None for SGD without momentum; 2.x stores nothing.
      expect(got?.[name] ?? null, `${what}.${name}`).toBeNull();
    } else if (typeof value === "number") {
      const v = got?.[name];
      expect(v, `${what}.${name}`).toBeInstanceOf(Tensor);
      expect((v as Tensor).item(), `${what}.${name}`).toBe(value);
    } else {
      const v = got?.[name];
      expect(v, `${what}.${name}`).toBeInstanceOf(Tensor);
      expectClose(v as Tensor, value, `${what}.${name}`);
    }
  }
  const extra = Object.keys(got ?? {}).filter((k) => !Object.keys(want).map(camel).includes(k));
  expect(extra, `${what}: unexpected state keys`).toEqual([]);
}

describe("optim_others.json", () => {
  test("file layout", () => {
    expect(golden.dtype).toBe("float32");
    expect(golden.cases).toHaveLength(17);
  });

  test.each(golden.cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const { opt, params } = build(c);
    // Group hyperparameters resolve as in torch.
    c.param_groups.forEach((g, gi) => {
      for (const [key, value] of Object.entries(translate(g.resolved))) {
        expect(opt.paramGroups[gi]![key], `group ${gi} ${key}`).toEqual(value);
      }
      expect(opt.paramGroups[gi]!.params).toEqual(g.params.map((i) => params[i]));
    });
    expect(c.steps).toHaveLength(c.num_steps);
    for (const s of c.steps) {
      params.forEach((p, i) => {
        const g = s.grads[i];
        p.grad = g === null || g === undefined ? null : fromGolden(g);
      });
      opt.step();
      params.forEach((p, i) => {
        expectClose(p, s.params[i]!, `step ${s.step} param ${i}`);
        checkState(opt, p, s.state[i] ?? null, `step ${s.step} state ${i}`);
      });
    }
    expect(opt.stepCount).toBe(c.num_steps);
  });
});
