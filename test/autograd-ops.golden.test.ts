// Forward values, gradients and Hessian-vector products of single ops and composites against
// PyTorch (test/golden/autograd_ops.json, float64; tolerances from test/golden/README.md).
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { Tensor, add, cat, div, grad, jvp, mul, onesLike, pow, stack, sub, tensor, where, zerosLike } from "@tapegrad/core";
import { F } from "@tapegrad/nn";

const RTOL = 1e-8;
const ATOL = 1e-10;

interface Encoded {
  shape: number[];
  data: Array<number | boolean>;
}
interface GoldenInput extends Encoded {
  name: string;
  requires_grad: boolean;
  dtype?: "int64" | "bool";
}
interface OpCase {
  name: string;
  kind: "op";
  op: string;
  expr: string;
  args: Record<string, unknown>;
  inputs: GoldenInput[];
  output: Encoded;
  upstream: Encoded;
  grads: Record<string, Encoded | null>;
  extra_outputs?: { indices: Encoded };
}
interface SecondOrderCase {
  name: string;
  kind: "second_order";
  expr: string;
  inputs: GoldenInput[];
  differentiable_inputs: string[];
  f: number;
  first_grads: Record<string, Encoded>;
  vectors: Record<string, Encoded>;
  hvp: Record<string, Encoded>;
  hvp_ones?: Record<string, Encoded>;
}
type GoldenCase = OpCase | SecondOrderCase;

const golden = JSON.parse(readFileSync(new URL("./golden/autograd_ops.json", import.meta.url), "utf8")) as {
  dtype: string;
  cases: GoldenCase[];
};

function decode(e: Encoded): Tensor {
  return tensor(e.data as number[], { dtype: "float64" }).reshape(e.shape);
}

function makeInputs(inputs: GoldenInput[]): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const inp of inputs) {
    const dtype = inp.dtype === "int64" ? "int32" : inp.dtype === "bool" ? "bool" : "float64";
    // clone(): a leaf with its own storage rather than a view of the flat data.
    const t = tensor(inp.data as number[], { dtype }).reshape(inp.shape).clone();
    if (inp.requires_grad) t.requiresGrad_(true);
    out[inp.name] = t;
  }
  return out;
}

/** `|got - want| <= atol + rtol * |want|` elementwise, with the same shape. */
function expectClose(got: Tensor | null, want: Encoded, what: string): void {
  expect(got, `${what}: missing`).not.toBeNull();
  const g = got!;
  expect(g.shape, `${what}: shape`).toEqual(want.shape);
  expect(g.dtype, `${what}: dtype`).toBe("float64");
  const values = g.dataSync();
  want.data.forEach((w, i) => {
    const v = values[i]!;
    const ok = Math.abs(v - (w as number)) <= ATOL + RTOL * Math.abs(w as number);
    if (!ok) expect.fail(`${what}: element ${i} is ${v}, expected ${w as number}`);
  });
}

type Inputs = Record<string, Tensor>;
type Args = Record<string, unknown>;
interface OpResult {
  out: Tensor;
  indices?: Tensor;
}
const num = (args: Args, key: string): number => args[key] as number;
const dims = (args: Args, key: string): number | number[] => args[key] as number | number[];

/** The tensor on the left of a binary op in `expr` (`a + 2.5` vs `2.5 - a`). */
function scalarOnLeft(expr: string): boolean {
  return /^[-\d.]/.test(expr.trim());
}

function binary(fn: (x: Tensor | number, y: Tensor | number) => Tensor) {
  // Free functions take a JS number on either side, as Python scalars in torch expressions.
  return ({ a, b }: Inputs, args: Args, expr: string): OpResult => {
    if (args.scalar === undefined) return { out: fn(a!, b!) };
    const s = num(args, "scalar");
    return { out: scalarOnLeft(expr) ? fn(s, a!) : fn(a!, s) };
  };
}

/** PyTorch reductions: `dim` absent means all elements. */
function reduction(kind: "sum" | "mean") {
  return ({ a }: Inputs, args: Args): OpResult => {
    const keepdim = (args.keepdim as boolean | undefined) ?? false;
    return { out: args.dim === undefined ? a![kind]() : a![kind](dims(args, "dim"), keepdim) };
  };
}

function extremum(kind: "max" | "min") {
  return ({ a }: Inputs, args: Args): OpResult => {
    if (args.dim === undefined) return { out: a![kind]() };
    const { values, indices } = a![kind](num(args, "dim"), (args.keepdim as boolean | undefined) ?? false);
    return { out: values, indices };
  };
}

/** Each golden `op` mapped to the tapegrad call, with the case's non-tensor `args`. */
const OPS: Record<string, (x: Inputs, args: Args, expr: string) => OpResult> = {
  add: binary(add),
  sub: binary(sub),
  mul: binary(mul),
  div: binary(div),
  neg: ({ a }) => ({ out: a!.neg() }),
  pow: ({ a, b }, args) => {
    if (args.exponent !== undefined) return { out: a!.pow(num(args, "exponent")) };
    if (args.base !== undefined) return { out: pow(num(args, "base"), a!) };
    return { out: a!.pow(b!) };
  },
  exp: ({ a }) => ({ out: a!.exp() }),
  log: ({ a }) => ({ out: a!.log() }),
  sqrt: ({ a }) => ({ out: a!.sqrt() }),
  tanh: ({ a }) => ({ out: a!.tanh() }),
  sigmoid: ({ a }) => ({ out: a!.sigmoid() }),
  relu: ({ a }) => ({ out: a!.relu() }),
  abs: ({ a }) => ({ out: a!.abs() }),
  reciprocal: ({ a }) => ({ out: a!.reciprocal() }),
  clamp: ({ a }, args) => ({ out: a!.clamp(args.min as number | undefined, args.max as number | undefined) }),
  maximum: ({ a, b }) => ({ out: a!.maximum(b!) }),
  minimum: ({ a, b }) => ({ out: a!.minimum(b!) }),
  sum: reduction("sum"),
  mean: reduction("mean"),
  max: extremum("max"),
  min: extremum("min"),
  matmul: ({ a, b }) => ({ out: a!.matmul(b!) }),
  transpose: ({ a }, args) => ({ out: args.dim0 === undefined ? a!.t() : a!.transpose(num(args, "dim0"), num(args, "dim1")) }),
  permute: ({ a }, args) => ({ out: a!.permute(args.dims as number[]) }),
  reshape: ({ a }, args, expr) => {
    if (args.shape !== undefined) return { out: a!.reshape(args.shape as number[]) };
    if (expr === "a.t().reshape(-1)") return { out: a!.t().reshape(-1) };
    throw new Error(`no mapping for reshape expression ${expr}`);
  },
  unsqueeze: ({ a }, args) => ({ out: a!.unsqueeze(num(args, "dim")) }),
  squeeze: ({ a }, args) => ({ out: args.dim === undefined ? a!.squeeze() : a!.squeeze(num(args, "dim")) }),
  expand: ({ a }, args) => ({ out: a!.expand(args.size as number[]) }),
  select: ({ a }, args) => ({ out: a!.select(num(args, "dim"), num(args, "index")) }),
  slice: ({ a }, args) => {
    const specs: Array<null | [number, number, number]> = [];
    for (let d = 0; d < num(args, "dim"); d++) specs.push(null);
    specs.push([num(args, "start"), num(args, "end"), (args.step as number | undefined) ?? 1]);
    return { out: a!.slice(...specs) };
  },
  narrow: ({ a }, args) => ({ out: a!.narrow(num(args, "dim"), num(args, "start"), num(args, "length")) }),
  index_select: ({ a, idx }, args) => ({ out: a!.indexSelect(num(args, "dim"), idx!) }),
  where: ({ cond, a, b }) => ({ out: where(cond!, a!, b!) }),
  cat: (x, args) => ({ out: cat(Object.values(x), num(args, "dim")) }),
  stack: (x, args) => ({ out: stack(Object.values(x), num(args, "dim")) }),
  softmax: ({ a }, args) => ({ out: (args.scale === undefined ? a! : a!.mul(num(args, "scale"))).softmax(num(args, "dim")) }),
  log_softmax: ({ a }, args) => ({ out: a!.logSoftmax(num(args, "dim")) }),
  mse_loss: ({ a, b }, args) => ({ out: F.mseLoss(a!, b!, { reduction: args.reduction as "mean" | "sum" | "none" }) }),
  cross_entropy: ({ logits, target }, args) => ({
    out: F.crossEntropy(logits!, target!, { reduction: args.reduction as "mean" | "sum" | "none" }),
  }),
  linear: ({ x, W, b }) => ({ out: F.linear(x!, W!, b) }),
};

const mlp = (act: (t: Tensor) => Tensor, { x, W1, b1, W2, b2 }: Inputs): Tensor => {
  const hidden = act(x!.matmul(W1!.T).add(b1!)).matmul(W2!.T);
  return b2 === undefined ? hidden : hidden.add(b2);
};

/** Composite and second-order expressions, keyed by the golden `expr`. */
const EXPRESSIONS: Record<string, (x: Inputs) => Tensor> = {
  "F.cross_entropy(relu(x @ W1.T + b1) @ W2.T + b2, y)": (x) => F.crossEntropy(mlp((t) => t.relu(), x), x.y!),
  "F.mse_loss(tanh(x @ W1.T + b1) @ W2.T + b2, t)": (x) => F.mseLoss(mlp((t) => t.tanh(), x), x.t!),
  "x * x + torch.exp(x) * y - x / y": ({ x, y }) => x!.mul(x!).add(x!.exp().mul(y!)).sub(x!.div(y!)),
  "torch.sigmoid(torch.tanh(x @ W) + b).mean(dim=0)": ({ x, W, b }) => x!.matmul(W!).tanh().add(b!).sigmoid().mean(0),
  "torch.log(torch.exp(x).sum(dim=1))": ({ x }) => x!.exp().sum(1).log(),
  "torch.softmax(q @ k.transpose(-1,-2) / sqrt(d), dim=-1) @ v": ({ q, k, v }) =>
    q!.matmul(k!.transpose(-1, -2)).div(Math.sqrt(q!.shape[1]!)).softmax(-1).matmul(v!),
  "(x - mean) / sqrt(var + 1e-5) per row (biased var)": ({ x }) => {
    const centered = x!.sub(x!.mean(1, true));
    return centered.div(centered.square().mean(1, true).add(1e-5).sqrt());
  },
  "torch.clamp(torch.maximum(x, y).abs(), max=1.0) * x": ({ x, y }) => x!.maximum(y!).abs().clamp(null, 1.0).mul(x!),
  "torch.tanh(x).sum()": ({ x }) => x!.tanh().sum(),
  "torch.sigmoid(x).sum()": ({ x }) => x!.sigmoid().sum(),
  "torch.exp(x).sum()": ({ x }) => x!.exp().sum(),
  "(x ** 3).sum()": ({ x }) => x!.pow(3).sum(),
  "(a ** b).sum() (a > 0)": ({ a, b }) => a!.pow(b!).sum(),
  "(x * y * x).sum()": ({ x, y }) => x!.mul(y!).mul(x!).sum(),
  "(torch.log(x) / y).sum()": ({ x, y }) => x!.log().div(y!).sum(),
  "F.cross_entropy(z, y)": ({ z, y }) => F.crossEntropy(z!, y!),
  "F.cross_entropy(tanh(x @ W1.T + b1) @ W2.T + b2, y)": (x) => F.crossEntropy(mlp((t) => t.tanh(), x), x.y!),
  "F.mse_loss(sigmoid(x @ W1.T + b1) @ W2.T, t)": (x) => F.mseLoss(mlp((t) => t.sigmoid(), x), x.t!),
  "(x @ A @ x) with A non-symmetric; also d/dA": ({ x, A }) => x!.matmul(A!).matmul(x!),
};

function runOp(c: OpCase, inputs: Inputs): OpResult {
  if (c.op === "composite") {
    const f = EXPRESSIONS[c.expr];
    if (f === undefined) throw new Error(`no mapping for composite expression ${c.expr}`);
    return { out: f(inputs) };
  }
  const f = OPS[c.op];
  if (f === undefined) throw new Error(`no mapping for op ${c.op}`);
  return f(inputs, c.args, c.expr);
}

function checkOpCase(c: OpCase): void {
  const inputs = makeInputs(c.inputs);
  const { out, indices } = runOp(c, inputs);
  expectClose(out, c.output, `${c.name} output`);
  if (c.extra_outputs !== undefined) {
    expect(indices, `${c.name}: indices`).toBeDefined();
    expect(indices!.shape).toEqual(c.extra_outputs.indices.shape);
    expect(Array.from(indices!.dataSync())).toEqual(c.extra_outputs.indices.data);
  }
  const differentiable = c.inputs.filter((i) => i.requires_grad);
  const grads = grad([out], differentiable.map((i) => inputs[i.name]!), { gradOutputs: [decode(c.upstream)] });
  differentiable.forEach((inp, k) => expectClose(grads[k]!, c.grads[inp.name]!, `${c.name} grad ${inp.name}`));
  for (const inp of c.inputs.filter((i) => !i.requires_grad)) {
    expect(c.grads[inp.name] ?? null).toBeNull();
    expect(inputs[inp.name]!.requiresGrad).toBe(false);
  }
}

/** d/dx of sum_i (g_i * v_i).sum() for first gradients g recorded with createGraph. */
function hessianVector(first: Array<Tensor | null>, vs: Tensor[], xs: Tensor[]): Array<Tensor | null> {
  let s: Tensor | null = null;
  for (let i = 0; i < first.length; i++) {
    const g = first[i]!;
    if (g === null || !g.requiresGrad) continue;
    const term = g.mul(vs[i]!).sum();
    s = s === null ? term : s.add(term);
  }
  if (s === null) return xs.map(() => null);
  return grad([s], xs, { retainGraph: true, allowUnused: true });
}

function checkSecondOrder(c: SecondOrderCase): void {
  const inputs = makeInputs(c.inputs);
  const f = EXPRESSIONS[c.expr];
  if (f === undefined) throw new Error(`no mapping for second-order expression ${c.expr}`);
  const out = f(inputs);
  expect(out.shape).toEqual([]);
  expectClose(out, { shape: [], data: [c.f] }, `${c.name} f`);
  const xs = c.differentiable_inputs.map((n) => inputs[n]!);
  const first = grad([out], xs, { createGraph: true });
  c.differentiable_inputs.forEach((n, i) => expectClose(first[i]!, c.first_grads[n]!, `${c.name} first grad ${n}`));
  const zerosIfNull = (g: Tensor | null, x: Tensor): Tensor => g ?? zerosLike(x);
  const hvp = hessianVector(first, c.differentiable_inputs.map((n) => decode(c.vectors[n]!)), xs);
  c.differentiable_inputs.forEach((n, i) => expectClose(zerosIfNull(hvp[i]!, xs[i]!), c.hvp[n]!, `${c.name} hvp ${n}`));
  if (c.hvp_ones !== undefined) {
    const ones = hessianVector(first, xs.map((x) => onesLike(x)), xs);
    c.differentiable_inputs.forEach((n, i) => expectClose(zerosIfNull(ones[i]!, xs[i]!), c.hvp_ones![n]!, `${c.name} hvp_ones ${n}`));
  }
}

/**
 * The same Hessian-vector products by forward-over-reverse: the tangent (along the golden vectors)
 * of the first gradients, computed by `jvp` of a function calling `grad` (no createGraph).
 */
function checkForwardOverReverse(c: SecondOrderCase): void {
  const inputs = makeInputs(c.inputs);
  const f = EXPRESSIONS[c.expr]!;
  const names = c.differentiable_inputs;
  const gradients = (...duals: Tensor[]): Tensor[] => {
    const ins = { ...inputs };
    names.forEach((n, i) => (ins[n] = duals[i]!));
    return grad([f(ins)], duals, { allowUnused: true }).map((g, i) => g ?? zerosLike(duals[i]!));
  };
  const [first, hvp] = jvp(gradients, names.map((n) => inputs[n]!), names.map((n) => decode(c.vectors[n]!)));
  names.forEach((n, i) => expectClose(first[i]!, c.first_grads[n]!, `${c.name} first grad ${n} (inside jvp)`));
  names.forEach((n, i) => expectClose(hvp[i]!, c.hvp[n]!, `${c.name} forward-over-reverse hvp ${n}`));
}

describe("autograd_ops.json", () => {
  test("has the 124 cases the README lists, all float64", () => {
    expect(golden.dtype).toBe("float64");
    expect(golden.cases).toHaveLength(124);
  });

  test.each(golden.cases.filter((c): c is OpCase => c.kind === "op").map((c) => [c.name, c] as const))("op %s", (_name, c) => {
    checkOpCase(c);
  });

  test.each(golden.cases.filter((c): c is SecondOrderCase => c.kind === "second_order").map((c) => [c.name, c] as const))(
    "second order %s",
    (_name, c) => {
      checkSecondOrder(c);
    },
  );

  test.each(golden.cases.filter((c): c is SecondOrderCase => c.kind === "second_order").map((c) => [c.name, c] as const))(
    "second order %s, forward-over-reverse",
    (_name, c) => {
      checkForwardOverReverse(c);
    },
  );
});
