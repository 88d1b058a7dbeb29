// Reading test/golden/layers.json (PyTorch 1.13, float64) and comparing tapegrad against it: the
// shared part of the layers golden tests.
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { Tensor, grad, tensor } from "@tapegrad/core";

/** The file's tolerances (float64 throughout; see test/golden/README.md). */
export const RTOL = 1e-8;
export const ATOL = 1e-10;

/** A tensor as the golden file encodes it. */
export interface Encoded {
  shape: number[];
  data: Array<number | boolean>;
}
/** A named input of a case. */
export interface GoldenInput extends Encoded {
  name: string;
  requires_grad: boolean;
  dtype?: "int64" | "bool";
}
/** A function of named inputs, its outputs, gradients and Hessian-vector products. */
export interface OpCase {
  name: string;
  kind: "op";
  op: string;
  args: Record<string, unknown>;
  inputs: GoldenInput[];
  outputs: Encoded[];
  upstreams?: Encoded[];
  grads?: Record<string, Encoded | null>;
  hvp?: { vectors: Record<string, Encoded>; values: Record<string, Encoded> };
}

/** Every case of test/golden/layers.json (one `kind` per case). */
export function loadLayersGolden<T = OpCase>(): T[] {
  const file = JSON.parse(readFileSync(new URL("../golden/layers.json", import.meta.url), "utf8")) as { cases: T[] };
  return file.cases;
}

/** A float64 tensor (or int32 / bool for those encodings) with its own storage. */
export function decode(e: Encoded, dtype: "float64" | "int32" | "bool" = "float64"): Tensor {
  return tensor(e.data as number[], { dtype }).reshape(e.shape).clone();
}

/** The case's inputs by name; those marked `requires_grad` are leaves that require grad. */
export function makeInputs(inputs: GoldenInput[]): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const inp of inputs) {
    const t = decode(inp, inp.dtype === "int64" ? "int32" : inp.dtype === "bool" ? "bool" : "float64");
    if (inp.requires_grad) t.requiresGrad_(true);
    out[inp.name] = t;
  }
  return out;
}

/** `|got - want| <= atol + rtol * |want|` elementwise (exact for ints and bools), with the same shape. */
export function expectClose(got: Tensor | null | undefined, want: Encoded, what: string, rtol = RTOL, atol = ATOL): void {
  expect(got, `${what}: missing`).toBeTruthy();
  const g = got!;
  expect(g.shape, `${what}: shape`).toEqual(want.shape);
  const values = g.dataSync();
  want.data.forEach((w, i) => {
    const v = values[i]!;
    const target = typeof w === "boolean" ? (w ? 1 : 0) : w;
    const ok = Number.isNaN(target) ? Number.isNaN(v) : Math.abs(v - target) <= atol + rtol * Math.abs(target);
    if (!ok) expect.fail(`${what}: element ${i} is ${v}, expected ${target}`);
  });
}

/** A tapegrad function of the inputs returning one tensor or several. */
export type GoldenFn = (t: Record<string, Tensor>, args: Record<string, any>) => Tensor | Tensor[];

/** Check one op case: outputs, gradients of every input, and the Hessian-vector product if recorded. */
export function checkOpCase(c: OpCase, fn: GoldenFn): void {
  const inputs = makeInputs(c.inputs);
  const raw = fn(inputs, c.args);
  const outs = Array.isArray(raw) ? raw : [raw];
  expect(outs.length, `${c.name}: number of outputs`).toBe(c.outputs.length);
  outs.forEach((o, i) => expectClose(o, c.outputs[i]!, `${c.name} output ${i}`));
  if (c.grads === undefined) return;
  const names = Object.keys(c.grads);
  const xs = names.map((n) => inputs[n]!);
  const floatOuts = outs.filter((o) => o.dtype === "float64");
  const differentiable = floatOuts.filter((o) => o.requiresGrad);
  const ups = c.upstreams!.map((u) => decode(u)).filter((_, i) => floatOuts[i]!.requiresGrad);
  const hvp = c.hvp !== undefined;
  const gs = grad(differentiable, xs, { gradOutputs: ups, createGraph: hvp, allowUnused: true });
  names.forEach((n, i) => {
    const want = c.grads![n];
    if (want === null || want === undefined) expect(gs[i], `${c.name} grad ${n}`).toBeNull();
    else expectClose(gs[i], want, `${c.name} grad ${n}`);
  });
  if (!hvp) return;
  let total: Tensor | null = null;
  names.forEach((n, i) => {
    const g = gs[i];
    if (g === null || g === undefined || !g.requiresGrad) return;
    const term = g.mul(decode(c.hvp!.vectors[n]!)).sum();
    total = total === null ? term : total.add(term);
  });
  const hs: Array<Tensor | null> = total === null ? names.map(() => null) : grad(total, xs, { allowUnused: true });
  names.forEach((n, i) => {
    const want = c.hvp!.values[n]!;
    const h = hs[i] ?? tensor(new Array(want.data.length).fill(0), { dtype: "float64" }).reshape(want.shape);
    expectClose(h, want, `${c.name} hvp ${n}`);
  });
}
