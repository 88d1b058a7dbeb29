// Every op with a branch (abs, relu, sign, clamp, maximum/minimum, where, pow, logSigmoid,
// bceWithLogits, l1Loss, amax/amin, max/min, norm, std): first and second derivatives at the kink
// and beside it against PyTorch (test/golden/kinks.json, test/golden/generate/kinks.py), and
// gradgradcheck at the points beside the kinks.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import {
  Tensor, abs, amax, amin, clamp, grad, gradcheck, gradgradcheck, max, maximum, min, minimum, norm, pow, relu, sign, std,
  tensor, where, zerosLike,
} from "@tapegrad/core";
import { F } from "@tapegrad/nn";

type Num = number | "NaN" | "Infinity" | "-Infinity";
interface Encoded {
  shape: number[];
  data: Num[];
}
interface KinkCase {
  name: string;
  op: string;
  args: Record<string, number | string | null>;
  inputs: Array<Encoded & { name: string; requires_grad: boolean }>;
  output: Encoded;
  first: Record<string, Encoded>;
  second: Record<string, Encoded>;
  /** Documented deviations: PyTorch's NaN replaced by the analytic value at these indices. */
  tapegrad_deviation?: { second: Record<string, { indices: number[]; value: number }>; reason: string };
}

const golden = JSON.parse(readFileSync(new URL("./golden/kinks.json", import.meta.url), "utf8")) as { cases: KinkCase[] };
const num = (v: Num): number => (typeof v === "number" ? v : v === "NaN" ? NaN : v === "Infinity" ? Infinity : -Infinity);

const DIST = 1e-3;

/** The op of a case as a function of its inputs. */
function opOf(c: KinkCase): (...xs: Tensor[]) => Tensor {
  const a = c.args;
  switch (c.op) {
    case "abs": return (x) => abs(x);
    case "relu": return (x) => relu(x);
    case "sign": return (x) => sign(x);
    case "clamp": return (x) => clamp(x, a.min as number | null, a.max as number | null);
    case "maximum": return (x, y) => maximum(x!, y!);
    case "minimum": return (x, y) => minimum(x!, y!);
    case "maximum_scalar": return (x) => maximum(x!, a.other as number);
    case "minimum_scalar": return (x) => minimum(x!, a.other as number);
    case "where_gt0_cube_square": return (x) => where(x!.gt(0), pow(x!, 3), pow(x!, 2));
    case "pow_scalar": return (x) => pow(x!, a.exponent as number);
    case "pow_tensor": return (x, y) => pow(x!, y!);
    case "logSigmoid": return (x) => F.logSigmoid(x!);
    case "bceWithLogits": return (x, t) => F.binaryCrossEntropyWithLogits(x!, t!, { reduction: "none" });
    case "l1Loss": return (x, t) => F.l1Loss(x!, t!, { reduction: "none" });
    case "amax": return (x) => amax(x!, a.dim as number);
    case "amin": return (x) => amin(x!, a.dim as number);
    case "max_all": return (x) => max(x!);
    case "min_all": return (x) => min(x!);
    case "max_dim": return (x) => max(x!, a.dim as number).values;
    case "min_dim": return (x) => min(x!, a.dim as number).values;
    case "norm": return (x) => norm(x!, num(a.p as Num));
    case "std": return (x) => std(x!);
    default: throw new Error(`no op for ${c.op}`);
  }
}

function leaves(c: KinkCase): Tensor[] {
  return c.inputs.map((i) => tensor(i.data.map(num), { dtype: "float64" }).reshape(i.shape).clone().requiresGrad_(i.requires_grad));
}

function expectSame(got: Tensor, want: Encoded, what: string, deviation?: { indices: number[]; value: number }): void {
  expect(got.shape, what).toEqual(want.shape);
  const g = Array.from(got.dataSync());
  want.data.forEach((w, i) => {
    const e = deviation?.indices.includes(i) ? deviation.value : num(w);
    if (Number.isNaN(e) || !Number.isFinite(e)) expect(g[i], `${what}[${i}]`).toBe(e);
    else expect(Math.abs(g[i]! - e), `${what}[${i}]: got ${g[i]}, PyTorch ${e}`).toBeLessThanOrEqual(1e-10 + 1e-8 * Math.abs(e));
  });
}

describe("first and second derivatives at and beside kinks match PyTorch", () => {
  for (const c of golden.cases) {
    test(c.name, () => {
      const xs = leaves(c);
      const diff = xs.filter((x) => x.requiresGrad);
      const names = c.inputs.filter((i) => i.requires_grad).map((i) => i.name);
      const out = opOf(c)(...xs);
      expectSame(out, c.output, "output");
      const firsts = grad(out.sum(), diff, { createGraph: true, allowUnused: true }).map((g, i) => g ?? zerosLike(diff[i]!));
      firsts.forEach((g, i) => expectSame(g, c.first[names[i]!]!, `first[${names[i]}]`));
      const dependent = firsts.filter((g) => g.requiresGrad);
      const seconds =
        dependent.length === 0
          ? diff.map((x) => zerosLike(x))
          : grad(dependent.map((g) => g.sum()).reduce((s, t) => s.add(t)), diff, { allowUnused: true }).map((g, i) => g ?? zerosLike(diff[i]!));
      seconds.forEach((g, i) => expectSame(g, c.second[names[i]!]!, `second[${names[i]}]`, c.tapegrad_deviation?.second[names[i]!]));
    });
  }
});

describe("gradcheck and gradgradcheck beside the kinks", () => {
  for (const c of golden.cases) {
    test(c.name, () => {
      const f = opOf(c);
      const xs = leaves(c);
      // Shift every value by its own amount (about DIST/4 to DIST, alternating in sign) so that no
      // point sits on a kink or a tie; finite differences with eps 1e-7 then stay on one side.
      let k = 0;
      const positive = c.op.startsWith("pow");
      const beside = (t: Tensor): Tensor => {
        const shift = Array.from({ length: t.numel() }, () => {
          const sign = positive || k % 2 === 0 ? 1 : -1;
          return (DIST / 4) * (1 + 0.37 * k++) * sign;
        });
        return t.detach().add(tensor(shift, { dtype: "float64" }).reshape(t.shape)).requiresGrad_(t.requiresGrad);
      };
      const all = xs.map(beside);
      // Inputs that need no gradient (loss targets) are constants of the checked function.
      const g = (...ts: Tensor[]): Tensor => {
        let j = 0;
        return f(...all.map((t) => (t.requiresGrad ? ts[j++]! : t)));
      };
      const inputs = all.filter((t) => t.requiresGrad);
      expect(gradcheck(g, inputs, { eps: 1e-7, atol: 1e-5, rtol: 1e-4 })).toBe(true);
      expect(gradgradcheck(g, inputs, { eps: 1e-7, atol: 1e-4, rtol: 1e-3 })).toBe(true);
    });
  }
});
