/**
 * The tensor printer against PyTorch's repr (test/golden/tensor_repr.json, from
 * test/golden/generate/tensor_repr.py): the same values and print options must give PyTorch's text
 * after tapegrad's documented naming substitutions (dtype=torch.float64 → dtype=float64,
 * requires_grad=True → requiresGrad=true, grad_fn=<MulBackward0> → gradFn=<MulBackward>, True/False
 * elements → true/false, size=(2, 0) → size=[2, 0]; PyTorch's int64 stands for tapegrad's int32).
 */
import { readFileSync } from "node:fs";
import { type DType, type Tensor, format, getPrintOptions, setPrintOptions, tensor } from "@tapegrad/core";
import { describe, expect, test } from "vitest";

type Value = number | boolean | string | Value[];
interface Case {
  name: string;
  dtype: DType;
  data?: Value;
  shape?: number[];
  gen?: { start: number; step: number; div: number; mod: number };
  requires_grad?: boolean;
  op?: "mul2" | "sum" | "add1";
  options?: { precision?: number; threshold?: number; edgeitems?: number; linewidth?: number; sci_mode?: boolean };
  repr: string;
}
const golden = JSON.parse(readFileSync(new URL("./golden/tensor_repr.json", import.meta.url), "utf8")) as { cases: Case[] };

const special: Record<string, number> = { nan: Number.NaN, inf: Number.POSITIVE_INFINITY, "-inf": Number.NEGATIVE_INFINITY };
const decode = (v: Value): Value => (Array.isArray(v) ? v.map(decode) : typeof v === "string" ? special[v]! : v);

function build(c: Case): Tensor {
  let t: Tensor;
  if (c.gen !== undefined) {
    const { start, step, div, mod } = c.gen;
    const n = c.shape!.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: n }, (_, i) => ((i % mod) * step + start) / div);
    t = tensor(values, { dtype: c.dtype }).reshape(c.shape!);
  } else {
    t = tensor(decode(c.data!) as never, { dtype: c.dtype });
  }
  if (c.requires_grad) t.requiresGrad_(true);
  if (c.op === "mul2") t = t.mul(2);
  else if (c.op === "sum") t = t.sum();
  else if (c.op === "add1") t = t.add(1);
  return t;
}

function substitute(text: string): string {
  return text
    .replace(/dtype=torch\.int64/g, "dtype=int32")
    .replace(/dtype=torch\.(\w+)/g, "dtype=$1")
    .replace(/requires_grad=True/g, "requiresGrad=true")
    .replace(/grad_fn=<(\w+?)Backward0>/g, "gradFn=<$1Backward>")
    .replace(/size=\(([\d, ]+)\)/g, "size=[$1]")
    .replace(/\bTrue\b/g, "true")
    .replace(/\bFalse\b/g, "false");
}

describe("tensor printing against PyTorch's repr", () => {
  test.each(golden.cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const t = build(c);
    const o = c.options ?? {};
    const options = { precision: o.precision, threshold: o.threshold, edgeitems: o.edgeitems, linewidth: o.linewidth, sciMode: o.sci_mode };
    const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    const expected = substitute(c.repr);
    expect(format(t, defined)).toBe(expected);
    // setPrintOptions then String() gives the same text
    const before = getPrintOptions();
    setPrintOptions(defined);
    try {
      expect(String(t)).toBe(expected);
    } finally {
      setPrintOptions({ ...before, profile: "default" });
      setPrintOptions(before);
    }
  });
});
