import { describe, expect, test } from "vitest";
import { tensor, toDot, toMermaid } from "@tapegrad/core";

describe("toDot", () => {
  test("one node per op with name, shape and dtype; leaves by name; edges from inputs to outputs", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const w = tensor([[3, 4]], { dtype: "float32", requiresGrad: true });
    const y = x.mul(w).add(x).sum();
    expect(toDot(y, { names: { x, w } })).toBe(
      [
        "digraph tapegrad {",
        '  node [shape=box, fontname="monospace"];',
        '  n0 [label="SumBackward\\n[] float32", style=filled, fillcolor=lightyellow];',
        '  n1 [label="AddBackward\\n[1,2] float32"];',
        '  n2 [label="MulBackward\\n[1,2] float32"];',
        '  n3 [label="x\\n[2] float32", shape=ellipse, style=filled, fillcolor=lightblue];',
        '  n4 [label="w\\n[1,2] float32", shape=ellipse, style=filled, fillcolor=lightblue];',
        "  n1 -> n0;",
        "  n2 -> n1;",
        "  n3 -> n1;",
        "  n3 -> n2;",
        "  n4 -> n2;",
        "}",
        "",
      ].join("\n"),
    );
  });

  test("unnamed leaves show AccumulateGrad; a Map can name intermediate tensors; labels are escaped", () => {
    const x = tensor([1, 2], { dtype: "float64", requiresGrad: true });
    const h = x.exp();
    const out = h.mul(2);
    const dot = toDot(out, { names: new Map([[h, 'hidden "h"']]) });
    expect(dot).toContain('n1 [label="hidden \\"h\\"\\nExpBackward\\n[2] float64"];');
    expect(dot).toContain('n2 [label="AccumulateGrad\\n[2] float64", shape=ellipse');
    // A constant operand (no grad) adds no node.
    expect(dot.match(/\[label=/g)).toHaveLength(3);
  });

  test("is deterministic and handles very deep graphs without recursion", () => {
    const x = tensor([1], { dtype: "float64", requiresGrad: true });
    let y = x;
    for (let i = 0; i < 20000; i++) y = y.add(1);
    const dot = toDot(y);
    expect(dot).toBe(toDot(y));
    expect(dot.match(/AddBackward/g)).toHaveLength(20000);
    expect(dot).toContain("n20000 -> n19999;");
  });

  test("a leaf on its own is one node; tensors without grad are rejected", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    expect(toDot(x, { names: { x } })).toContain('n0 [label="x\\n[3] float32", shape=ellipse');
    expect(() => toDot(tensor([1]))).toThrow("toDot: the tensor does not require grad, so it has no gradient graph");
    expect(() => toDot([1] as never)).toThrow(/toDot: expected a Tensor, got an array of length 1/);
    expect(() => toDot(x, { names: { x: 3 as never } })).toThrow(/toDot: names.x must be a Tensor, got 3/);
    expect(() => toDot(x, { names: new Map([[x, 5 as never]]) })).toThrow(/toDot: names must map tensors to strings/);
  });
});

describe("toMermaid", () => {
  test("the same graph as a Mermaid flowchart", () => {
    const a = tensor([[1, 2]], { requiresGrad: true });
    const b = a.t().mul(a);
    const out = b.sum();
    expect(toMermaid(out, { names: { a } })).toBe(
      [
        "flowchart TD",
        '  n0["SumBackward<br/>[] float32"]',
        '  n1["MulBackward<br/>[2,2] float32"]',
        '  n2["TransposeBackward<br/>[2,1] float32"]',
        '  n3(["a<br/>[1,2] float32"])',
        "  n1 --> n0",
        "  n2 --> n1",
        "  n3 --> n1",
        "  n3 --> n2",
        "  classDef leaf fill:#add8e6;",
        "  class n3 leaf;",
        "",
      ].join("\n"),
    );
  });

  test("escapes quotes and angle brackets in names", () => {
    const a = tensor([1], { requiresGrad: true });
    expect(toMermaid(a.neg(), { names: { 'a<"#1">': a } })).toContain('n1(["a#60;#34;#35;1#34;#62;<br/>[1] float32"])');
    expect(() => toMermaid(tensor([1]))).toThrow(/toMermaid: the tensor does not require grad/);
  });
});
