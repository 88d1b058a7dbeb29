// Every recorded primitive's forward (tangent) rule, checked two ways in float64 on random inputs:
// against the finite-difference directional derivative, and against its reverse rule
// (<v, J u> = <J^T v, u>). The last test fails for a `...Backward` name in the sources that no case
// here exercises, so a new op cannot land without its forward rule being checked.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  Generator, type Node, type Tensor, amax, amin, cat, cumsum, dot, gather, indexAdd, indexSelect, jvp, linear, logSoftmax, logsumexp, matmul,
  max, min, noGrad, norm, randn, rand, scatterAdd, softmax, stack, std, tensor, variance, vjp, where, clamp,
} from "@tapegrad/core";
import { unaryRules } from "../src/autograd/rules/unary-rules.js";
import { embed, extract, scatterView } from "../src/ops/movement.js";
import { reluMask } from "../src/ops/relu-mask.js";
import { crossEntropyLogits } from "../src/ops/cross-entropy.js";
import { adaptiveAvgPool2d, avgPool2d, conv2d, maxPool2d } from "../src/index.js";
import { convolutionInputGrad, convolutionWeightGrad } from "../src/ops/conv-primitives.js";
import { windowAverageAdjoint } from "../src/ops/pool-primitives.js";
import type { ConvGeometry } from "../src/kernels/conv.js";

/** A 2-channel 5 x 4 input, 2 kernels of 2 x 2: output 4 x 3. */
const convGeo: ConvGeometry = { N: 1, C: 2, H: 5, W: 4, OC: 2, KH: 2, KW: 2, OH: 4, OW: 3, sH: 1, sW: 1, pH: 0, pW: 0, dH: 1, dW: 1, groups: 1 };
const axis = { start: Int32Array.from([0, 1]), end: Int32Array.from([2, 3]), factor: Float64Array.from([2, 2]) };

type Kind = "any" | "pos";
interface Case {
  name: string;
  inputs: Array<[number[], Kind]>;
  fn: (...xs: Tensor[]) => Tensor;
  /** Finite-difference step and tolerance (defaults 1e-6, 1e-6). */
  eps?: number;
  tol?: number;
}

const f64 = { dtype: "float64" } as const;
const idx = (values: number[][] | number[]) => tensor(values, { dtype: "int32" });

const unaryPositive = new Set(["log", "log1p", "sqrt", "rsqrt", "reciprocal"]);
const unaryCases: Case[] = Object.keys(unaryRules).map((op) => ({
  name: op,
  inputs: [[[2, 3], unaryPositive.has(op) ? "pos" : "any"]],
  fn: (x) => (x as unknown as Record<string, () => Tensor>)[op]!.call(x),
}));

const cases: Case[] = [
  ...unaryCases,
  { name: "clamp", inputs: [[[7], "any"]], fn: (x) => clamp(x, -0.4, 0.5) },
  { name: "cast", inputs: [[[4], "any"]], fn: (x) => x.to("float32").mul(3).to("float64"), eps: 1e-2, tol: 1e-4 },
  { name: "add broadcast alpha", inputs: [[[2, 3], "any"], [[3], "any"]], fn: (a, b) => a.add(b, { alpha: -0.7 }) },
  { name: "add scalar", inputs: [[[3], "any"]], fn: (a) => a.add(2) },
  { name: "sub broadcast alpha", inputs: [[[3], "any"], [[2, 3], "any"]], fn: (a, b) => a.sub(b, { alpha: 1.5 }) },
  { name: "mul broadcast", inputs: [[[2, 1], "any"], [[2, 3], "any"]], fn: (a, b) => a.mul(b) },
  { name: "div", inputs: [[[2, 3], "any"], [[3], "pos"]], fn: (a, b) => a.div(b) },
  { name: "pow tensor", inputs: [[[2, 3], "pos"], [[2, 3], "any"]], fn: (a, b) => a.pow(b) },
  { name: "pow scalar", inputs: [[[4], "any"]], fn: (a) => a.pow(3) },
  { name: "maximum", inputs: [[[2, 3], "any"], [[3], "any"]], fn: (a, b) => a.maximum(b) },
  { name: "minimum", inputs: [[[2, 3], "any"], [[2, 3], "any"]], fn: (a, b) => a.minimum(b) },
  { name: "where", inputs: [[[2, 3], "any"], [[3], "any"]], fn: (a, b) => where(tensor([[true, false, true], [false, false, true]]), a, b) },
  { name: "mm", inputs: [[[2, 3], "any"], [[3, 4], "any"]], fn: (a, b) => matmul(a, b) },
  { name: "bmm broadcast", inputs: [[[2, 2, 3], "any"], [[3, 2], "any"]], fn: (a, b) => matmul(a, b.unsqueeze(0).expand([2, 3, 2])) },
  { name: "dot", inputs: [[[5], "any"], [[5], "any"]], fn: (a, b) => dot(a, b) },
  { name: "linear", inputs: [[[2, 3, 4], "any"], [[5, 4], "any"], [[5], "any"]], fn: (x, w, b) => linear(x, w, b) },
  { name: "linear no bias", inputs: [[[3, 4], "any"], [[5, 4], "any"]], fn: (x, w) => linear(x, w) },
  { name: "sum dims", inputs: [[[2, 3, 4], "any"]], fn: (x) => x.sum([0, 2], true) },
  { name: "mean", inputs: [[[2, 3], "any"]], fn: (x) => x.mean(1) },
  { name: "max all", inputs: [[[2, 3], "any"]], fn: (x) => max(x) },
  { name: "min dim", inputs: [[[3, 4], "any"]], fn: (x) => min(x, 1).values },
  { name: "max dim keepdim", inputs: [[[3, 4], "any"]], fn: (x) => max(x, 0, true).values },
  { name: "amax", inputs: [[[3, 4], "any"]], fn: (x) => amax(x, [1]) },
  { name: "amin", inputs: [[[3, 4], "any"]], fn: (x) => amin(x, [0], true) },
  { name: "softmax", inputs: [[[3, 4], "any"]], fn: (x) => softmax(x, 1) },
  { name: "logSoftmax", inputs: [[[3, 4], "any"]], fn: (x) => logSoftmax(x, 0) },
  { name: "var", inputs: [[[3, 4], "any"]], fn: (x) => variance(x, { dim: 1 }) },
  { name: "std", inputs: [[[3, 4], "any"]], fn: (x) => std(x, { dim: 0, keepdim: true, correction: 0 }) },
  { name: "logsumexp", inputs: [[[3, 4], "any"]], fn: (x) => logsumexp(x, 1) },
  ...[0.5, 1, 2, 3, Infinity].map((p): Case => ({ name: `norm p=${p}`, inputs: [[[3, 4], "any"]], fn: (x) => norm(x, p, 1) })),
  { name: "cumsum", inputs: [[[3, 4], "any"]], fn: (x) => cumsum(x, 1) },
  { name: "cat", inputs: [[[2, 3], "any"], [[1, 3], "any"]], fn: (a, b) => cat([a, b], 0) },
  { name: "stack", inputs: [[[2, 3], "any"], [[2, 3], "any"]], fn: (a, b) => stack([a, b], 1) },
  { name: "gather", inputs: [[[3, 4], "any"]], fn: (x) => gather(x, 1, idx([[0, 3], [2, 2], [1, 0]])) },
  { name: "scatterAdd", inputs: [[[3, 4], "any"], [[2, 4], "any"]], fn: (x, s) => scatterAdd(x, 0, idx([[0, 1, 2, 0], [2, 2, 1, 0]]), s) },
  { name: "indexSelect", inputs: [[[4, 3], "any"]], fn: (x) => indexSelect(x, 0, idx([3, 0, 3])) },
  { name: "indexAdd", inputs: [[[4, 3], "any"], [[2, 3], "any"]], fn: (x, s) => indexAdd(x, 0, idx([1, 1]), s, { alpha: 2 }) },
  { name: "conv2d (stride, padding, dilation, groups, bias)", inputs: [[[2, 2, 5, 4], "any"], [[4, 1, 3, 2], "any"], [[4], "any"]],
    fn: (x, w, b) => conv2d(x, w, b, { stride: [2, 1], padding: 1, dilation: [1, 2], groups: 2 }) },
  { name: "conv2d input gradient", inputs: [[[1, 2, 4, 3], "any"], [[2, 2, 2, 2], "any"]], fn: (g, w) => convolutionInputGrad(g, w, convGeo) },
  { name: "conv2d weight gradient", inputs: [[[1, 2, 5, 4], "any"], [[1, 2, 4, 3], "any"]], fn: (x, g) => convolutionWeightGrad(x, g, convGeo) },
  { name: "maxPool2d", inputs: [[[1, 2, 5, 5], "any"]], fn: (x) => maxPool2d(x, 3, { stride: 2, padding: 1 }) },
  { name: "avgPool2d", inputs: [[[1, 2, 5, 4], "any"]], fn: (x) => avgPool2d(x, 2, { stride: 1, padding: 1, countIncludePad: false }) },
  { name: "adaptiveAvgPool2d", inputs: [[[1, 2, 5, 3], "any"]], fn: (x) => adaptiveAvgPool2d(x, 2) },
  { name: "average-pooling adjoint", inputs: [[[1, 2, 2, 2], "any"]], fn: (g) => windowAverageAdjoint(g, { planes: 2, H: 3, W: 3, rows: axis, cols: axis, divisor: null }) },
  { name: "clone", inputs: [[[3], "any"]], fn: (x) => x.clone() },
  { name: "view", inputs: [[[2, 6], "any"]], fn: (x) => x.view([3, 4]) },
  { name: "reshape non-contiguous", inputs: [[[2, 3], "any"]], fn: (x) => x.t().reshape([6]) },
  { name: "transpose", inputs: [[[2, 3], "any"]], fn: (x) => x.transpose(0, 1) },
  { name: "permute", inputs: [[[2, 3, 4], "any"]], fn: (x) => x.permute([2, 0, 1]) },
  { name: "unsqueeze/squeeze", inputs: [[[3, 1], "any"]], fn: (x) => x.unsqueeze(0).squeeze() },
  { name: "expand", inputs: [[[3, 1], "any"]], fn: (x) => x.expand([3, 4]) },
  { name: "narrow", inputs: [[[5, 2], "any"]], fn: (x) => x.narrow(0, 1, 3) },
  { name: "select", inputs: [[[5, 2], "any"]], fn: (x) => x.select(1, 1) },
  { name: "slice", inputs: [[[5, 4], "any"]], fn: (x) => x.slice([1, 5, 2], [0, 3]) },
  { name: "extract", inputs: [[[3, 4], "any"]], fn: (x) => extract(x, { shape: [2, 2], strides: [1, 4], offset: 1 }) },
  { name: "embed", inputs: [[[2, 2], "any"]], fn: (x) => embed(x, [3, 4], { shape: [2, 2], strides: [0, 4], offset: 1 }) },
  { name: "scatterView", inputs: [[[3, 4], "any"], [[2], "any"]], fn: (b, s) => scatterView(b, s, { shape: [2], strides: [4], offset: 2 }) },
  { name: "crossEntropyLogits mean", inputs: [[[4, 3], "any"]], fn: (x) =>
    crossEntropyLogits(x, { target: Int32Array.from([2, 0, 1, 1]), reduction: "mean", weight: null, ignoreIndex: -100, labelSmoothing: 0 }) },
  { name: "crossEntropyLogits none (k-dim, weight, ignored, smoothing)", inputs: [[[2, 3, 2], "any"]], fn: (x) =>
    crossEntropyLogits(x, { target: Int32Array.from([2, 1, 0, 2]), reduction: "none", weight: tensor([0.5, 2, 1.5], f64), ignoreIndex: 1, labelSmoothing: 0.2 }) },
  { name: "reluMask", inputs: [[[2, 3], "any"]], fn: (g) => reluMask(g, tensor([[1, -1, 2], [0, 3, -2]], f64)) },
  { name: "in-place on a view (CopySlices)", inputs: [[[3, 4], "any"], [[4], "any"]], fn: (x, s) => {
    const y = x.mul(1);
    y.select(0, 1).mul_(s);
    return y;
  } },
  { name: "fill_ (FillBackward)", inputs: [[[3], "any"], [[3], "any"]], fn: (x, s) => x.mul(1).fill_(2).add(s) },
];

function draw(shape: number[], kind: Kind, g: Generator): Tensor {
  const t = kind === "pos" ? rand(shape, { ...f64, generator: g }).mul(1.5).add(0.5) : randn(shape, { ...f64, generator: g });
  return t;
}

const flat = (t: Tensor): number[] => Array.from(t.dataSync(), Number);
const inner = (a: Tensor, b: Tensor): number => {
  const x = flat(a);
  const y = flat(b);
  return x.reduce((s, v, i) => s + v * y[i]!, 0);
};

describe("forward-mode rules of every primitive (float64, random inputs)", () => {
  for (const c of cases) {
    it(`${c.name}: jvp = finite differences = transpose of vjp`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
          const g = new Generator(seed);
          const xs = c.inputs.map(([shape, kind]) => draw(shape, kind, g));
          const us = c.inputs.map(([shape]) => randn(shape, { ...f64, generator: g }));
          const [y, jy] = jvp(c.fn, xs, us);
          expect(jy.shape).toEqual(y.shape);
          const eps = c.eps ?? 1e-6;
          const tol = c.tol ?? 1e-6;
          const fd = noGrad(() => {
            const plus = c.fn(...xs.map((x, i) => x.add(us[i]!, { alpha: eps })));
            const minus = c.fn(...xs.map((x, i) => x.sub(us[i]!, { alpha: eps })));
            return flat(plus.sub(minus).div(2 * eps));
          });
          const j = flat(jy);
          fd.forEach((v, i) => expect(Math.abs(j[i]! - v)).toBeLessThan(tol * (1 + Math.abs(v))));
          const v = randn(y.shape.slice(), { ...f64, generator: g });
          const [, grads] = vjp(c.fn, xs, v);
          const lhs = inner(v, jy);
          const rhs = grads.reduce((s, gi, i) => s + inner(gi, us[i]!), 0);
          expect(Math.abs(lhs - rhs)).toBeLessThan((c.tol === undefined ? 1e-9 : c.tol) * (1 + Math.abs(lhs)));
        }),
        { numRuns: 4 },
      );
    });
  }

  it("every ...Backward name in the sources is exercised by a case above", () => {
    const seen = new Set<string>();
    const g = new Generator(1);
    for (const c of cases) {
      const xs = c.inputs.map(([shape, kind]) => draw(shape, kind, g).requiresGrad_());
      const visited = new Set<Node>();
      const stack: Array<Node | null> = [c.fn(...xs).gradFn];
      while (stack.length > 0) {
        const n = stack.pop();
        if (!n || visited.has(n)) continue;
        visited.add(n);
        seen.add(n.name);
        stack.push(...n.nextFunctions);
      }
    }
    const root = join(__dirname, "..", "..");
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir)) {
        const p = join(dir, e);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith(".ts")) files.push(p);
      }
    };
    for (const pkg of readdirSync(root)) {
      const src = join(root, pkg, "src");
      try {
        if (statSync(src).isDirectory()) walk(src);
      } catch {
        // a package without sources
      }
    }
    const names = new Set<string>();
    for (const f of files) for (const m of readFileSync(f, "utf8").matchAll(/"([A-Z][A-Za-z]*Backward[A-Za-z]*|CopySlices)"/g)) names.add(m[1]!);
    expect(names.size).toBeGreaterThan(30);
    const missing = [...names].filter((n) => !seen.has(n) && n !== "AccumulateGrad");
    expect(missing).toEqual([]);
  });
});
