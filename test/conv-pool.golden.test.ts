// Convolution and pooling against PyTorch (test/golden/conv_pool.json, made by
// test/golden/generate/conv_pool.py): forward, the gradient of every input, and Hessian-vector
// products of L = <op(inputs), upstream> with respect to every input and the upstream gradient.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { type Tensor, grad, tensor } from "@tapegrad/core";
import { AdaptiveAvgPool2d, AvgPool2d, Conv1d, Conv2d, F, MaxPool2d } from "@tapegrad/nn";

interface Encoded {
  shape: number[];
  data: number[];
}
interface Case {
  name: string;
  op: string;
  dtype: "float32" | "float64";
  args: Record<string, unknown>;
  inputs: Record<string, Encoded>;
  output: Encoded;
  upstream: Encoded;
  grads: Record<string, Encoded | null>;
  hvp?: { v: Record<string, Encoded>; result: Record<string, Encoded> };
}
interface ModuleInfo {
  state_dict_keys: string[];
  shapes: Record<string, number[]>;
  init_bound: number | null;
}
const golden = JSON.parse(readFileSync(new URL("./golden/conv_pool.json", import.meta.url), "utf8")) as {
  cases: Case[];
  modules: Record<string, ModuleInfo>;
};

/** PyTorch's keyword names to tapegrad's option keys. */
const KEYS: Record<string, string> = { ceil_mode: "ceilMode", count_include_pad: "countIncludePad", divisor_override: "divisorOverride" };
function options(args: Record<string, unknown>, skip: string[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) if (!skip.includes(k)) o[KEYS[k] ?? k] = v;
  return o;
}

type Op = (inputs: Record<string, Tensor>, args: Record<string, unknown>) => Tensor;
const OPS: Record<string, Op> = {
  conv2d: ({ input, weight, bias }, a) => F.conv2d(input!, weight!, bias ?? null, options(a, [])),
  conv1d: ({ input, weight, bias }, a) => F.conv1d(input!, weight!, bias ?? null, options(a, [])),
  max_pool2d: ({ input }, a) => F.maxPool2d(input!, a.kernel_size as number, options(a, ["kernel_size"])),
  max_pool1d: ({ input }, a) => F.maxPool1d(input!, a.kernel_size as number, options(a, ["kernel_size"])),
  avg_pool2d: ({ input }, a) => F.avgPool2d(input!, a.kernel_size as number, options(a, ["kernel_size"])),
  avg_pool1d: ({ input }, a) => F.avgPool1d(input!, a.kernel_size as number, options(a, ["kernel_size"])),
  adaptive_avg_pool2d: ({ input }, a) => F.adaptiveAvgPool2d(input!, a.output_size as number),
};

const decode = (e: Encoded, dtype: "float32" | "float64"): Tensor => tensor(e.data, { dtype }).reshape(e.shape).clone();

function expectClose(got: Tensor | null, want: Encoded, dtype: "float32" | "float64", what: string): void {
  expect(got, what).not.toBeNull();
  expect(got!.shape, what).toEqual(want.shape);
  const g = got!.dataSync();
  const [rtol, atol] = dtype === "float64" ? [1e-9, 1e-10] : [1e-5, 1e-5];
  let worst = 0;
  want.data.forEach((w, i) => {
    worst = Math.max(worst, Math.abs(g[i]! - w) - (atol + rtol * Math.abs(w)));
  });
  expect(worst, `${what}: largest excess over the tolerance`).toBeLessThanOrEqual(0);
}

const cases = golden.cases.filter((c) => c.op in OPS);

describe("conv and pooling match PyTorch", () => {
  test("every golden case is covered", () => {
    expect(cases.length).toBe(golden.cases.length);
  });

  test.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const names = Object.keys(c.inputs);
    const leaves: Record<string, Tensor> = {};
    for (const n of names) leaves[n] = decode(c.inputs[n]!, c.dtype).requiresGrad_(true);
    const out = OPS[c.op]!(leaves, c.args);
    expect(out.dtype).toBe(c.dtype);
    expectClose(out, c.output, c.dtype, "output");
    const u = decode(c.upstream, c.dtype).requiresGrad_(true);
    const gs = grad([out], names.map((n) => leaves[n]!), { gradOutputs: [u], createGraph: c.hvp !== undefined, allowUnused: true });
    names.forEach((n, i) => expectClose(gs[i]!, c.grads[n]!, c.dtype, `grad ${n}`));
    if (c.hvp === undefined) return;
    let s: Tensor | null = null;
    names.forEach((n, i) => {
      const v = c.hvp!.v[n];
      if (v === undefined) return;
      const term = gs[i]!.mul(decode(v, c.dtype)).sum();
      s = s === null ? term : s.add(term);
    });
    const targets = [...names.map((n) => leaves[n]!), u];
    const hs = grad([s!], targets, { allowUnused: true });
    [...names, "upstream"].forEach((n, i) => {
      const want = c.hvp!.result[n]!;
      expectClose(hs[i] ?? tensor(new Array(want.data.length).fill(0), { dtype: c.dtype }).reshape(want.shape), want, c.dtype, `hvp ${n}`);
    });
  });
});

describe("conv modules match PyTorch's state dicts and init bounds", () => {
  const built: Record<string, () => Conv1d | Conv2d> = {
    Conv1d: () => new Conv1d(3, 4, 3),
    Conv2d: () => new Conv2d(3, 6, 5),
    Conv2d_nobias: () => new Conv2d(4, 8, [3, 2], { groups: 2, bias: false }),
  };
  test("pooling layers have no state, as in PyTorch", () => {
    for (const [name, m] of [["MaxPool2d", new MaxPool2d(2)], ["AvgPool2d", new AvgPool2d(2)], ["AdaptiveAvgPool2d", new AdaptiveAvgPool2d(1)]] as const) {
      expect(Object.keys(m.stateDict())).toEqual(golden.modules[name]!.state_dict_keys);
    }
  });
  test.each(Object.keys(built))("%s", (name) => {
    const info = golden.modules[name]!;
    const m = built[name]!();
    const sd = m.stateDict();
    expect(Object.keys(sd)).toEqual(info.state_dict_keys);
    for (const k of info.state_dict_keys) expect((sd[k] as Tensor).shape).toEqual(info.shapes[k]);
    const bound = info.init_bound!;
    for (const p of m.parameters()) {
      const v = p.dataSync();
      expect(Math.max(...Array.from(v, Math.abs))).toBeLessThanOrEqual(Math.fround(bound) * (1 + 1e-7));
    }
  });
});
