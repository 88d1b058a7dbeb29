// The fused cross-entropy (F.crossEntropy with class-index targets, one recorded op) against
// PyTorch's F.cross_entropy (test/golden/cross_entropy.json, made by
// test/golden/generate/cross_entropy.py): outputs, first derivatives and Hessian-vector products
// in float64 for every reduction, k-dim and unbatched inputs, ignored targets, class weights and
// label smoothing; and the loss of float32 logits, which must be the float64 loss rounded once.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { type Tensor, grad, tensor } from "@tapegrad/core";
import { F } from "@tapegrad/nn";

type Num = number | "NaN" | "Infinity" | "-Infinity";
interface Encoded {
  shape: number[];
  data: Num[];
}
interface Case {
  name: string;
  dtype: "float32" | "float64";
  args: { reduction?: "mean" | "sum" | "none"; weight?: number[]; ignore_index?: number; label_smoothing?: number };
  target: { shape: number[]; data: number[] };
  x: Encoded;
  output: Encoded;
  output_f64?: Encoded;
  u?: Encoded;
  first?: Encoded;
  v?: Encoded;
  hvp?: Encoded;
}

const golden = JSON.parse(readFileSync(new URL("./golden/cross_entropy.json", import.meta.url), "utf8")) as { cases: Case[] };
const RTOL = 1e-12;
const ATOL = 1e-13;

const num = (v: Num): number => (typeof v === "number" ? v : Number(v));
const decode = (e: Encoded, dtype: "float32" | "float64"): Tensor => tensor(e.data.map(num), { dtype }).reshape(e.shape);

function close(got: Tensor, want: Encoded, what: string): void {
  expect(got.shape, `${what}: shape`).toEqual(want.shape);
  const values = got.dataSync();
  want.data.forEach((w, i) => {
    const v = values[i]!;
    const expected = num(w);
    const ok = Number.isNaN(expected) ? Number.isNaN(v) : Math.abs(v - expected) <= ATOL + RTOL * Math.abs(expected);
    if (!ok) expect.fail(`${what}: element ${i} is ${v}, expected ${expected}`);
  });
}

function options(c: Case): F.CrossEntropyOptions {
  const a = c.args;
  return {
    ...(a.reduction === undefined ? {} : { reduction: a.reduction }),
    ...(a.weight === undefined ? {} : { weight: tensor(a.weight, { dtype: c.dtype }) }),
    ...(a.ignore_index === undefined ? {} : { ignoreIndex: a.ignore_index }),
    ...(a.label_smoothing === undefined ? {} : { labelSmoothing: a.label_smoothing }),
  };
}

describe("F.crossEntropy (fused) against PyTorch", () => {
  test("the file has float64 and float32 cases", () => {
    expect(golden.cases.filter((c) => c.dtype === "float64").length).toBe(20);
    expect(golden.cases.filter((c) => c.dtype === "float32").length).toBe(3);
  });

  for (const c of golden.cases.filter((k) => k.dtype === "float64")) {
    test(`${c.name}: output, gradient and Hessian-vector product; one recorded op`, () => {
      const x = decode(c.x, "float64").requiresGrad_(true);
      const target = tensor(c.target.data, { dtype: "int32" }).reshape(c.target.shape);
      const out = F.crossEntropy(x, target, options(c));
      expect(out.gradFn!.name).toBe("CrossEntropyBackward");
      expect(out.gradFn!.nextFunctions[0]!.name).toBe("AccumulateGrad");
      close(out, c.output, "output");
      const [first] = grad([out.mul(decode(c.u!, "float64")).sum()], [x], { createGraph: true });
      close(first!, c.first!, "first");
      const [hvp] = grad([first!.mul(decode(c.v!, "float64")).sum()], [x]);
      close(hvp!, c.hvp!, "hvp");
      // The first-order backward (a single pass over the saved softmax) gives the recorded one's bits.
      const [plain] = grad([F.crossEntropy(x, target, options(c)).mul(decode(c.u!, "float64")).sum()], [x]);
      expect(Array.from(plain!.dataSync())).toEqual(Array.from(first!.dataSync()));
    });
  }

  for (const c of golden.cases.filter((k) => k.dtype === "float32")) {
    test(`${c.name}: the float32 loss is the float64 loss of the same logits rounded once`, () => {
      const target = tensor(c.target.data, { dtype: "int32" }).reshape(c.target.shape);
      const loss = F.crossEntropy(decode(c.x, "float32"), target, options(c)).item();
      const exact = num(c.output_f64!.data[0]!);
      expect(loss).toBe(Math.fround(exact));
      // PyTorch's float32 loss rounds more often; it is within a few float32 ulps of ours.
      expect(Math.abs(loss - num(c.output.data[0]!))).toBeLessThan(4 * 2 ** -23 * Math.abs(exact));
    });
  }
});
