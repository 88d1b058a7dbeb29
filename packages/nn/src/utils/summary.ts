/**
 * `summary`: a table of a model's layers with their output shapes and parameter counts (like
 * torchinfo's `summary`), from one forward pass on a zero input.
 * @module
 */
import { type DType, Tensor, isFloatingDtype, noGrad, zeros } from "@tapegrad/core";
import { Module } from "../module.js";
import { checkOptions, describe } from "../util.js";

/** Options of {@link summary}. */
export interface SummaryOptions {
  /** Dtype of the zero input built from a shape (default: the dtype of the model's first parameter, else float32). */
  dtype?: DType;
}

/** One layer of a {@link ModelSummary}. */
export interface SummaryRow {
  /** Dotted name ("" for the model itself). */
  name: string;
  /** Class name. */
  type: string;
  /** Nesting depth (0 for the model). */
  depth: number;
  /** Output shapes of its forward (one per tensor output), or null when it did not run. */
  outputShapes: number[][] | null;
  /** Scalars in its own parameters (not its children's). */
  params: number;
}

/** What {@link summary} returns; `toString()` gives the table, and `console.log` prints it. */
export interface ModelSummary {
  rows: SummaryRow[];
  totalParams: number;
  trainableParams: number;
  /** The table, torchinfo style. */
  toString(): string;
}

function outputShapes(output: unknown): number[][] {
  if (output instanceof Tensor) return [[...output.shape]];
  if (Array.isArray(output)) return output.flatMap(outputShapes);
  return [];
}

const thousands = (n: number): string => n.toLocaleString("en-US");

function renderTable(rows: SummaryRow[], total: number, trainable: number): string {
  const labelOf = (row: SummaryRow, i: number): string => {
    if (row.depth === 0) return row.type;
    const parent = row.name.includes(".") ? row.name.slice(0, row.name.lastIndexOf(".")) : "";
    const isLast = !rows.slice(i + 1).some((r) => r.depth === row.depth && r.name.startsWith(parent === "" ? "" : `${parent}.`));
    const own = row.name.slice(row.name.lastIndexOf(".") + 1);
    return `${"│  ".repeat(row.depth - 1)}${isLast ? "└─" : "├─"} ${own}: ${row.type}`;
  };
  const cells = rows.map((row, i) => [
    labelOf(row, i),
    row.outputShapes === null ? "--" : row.outputShapes.map((s) => `[${s.join(", ")}]`).join(", ") || "--",
    row.params === 0 ? "--" : thousands(row.params),
  ]);
  const header = ["Layer (type)", "Output shape", "Param #"];
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((r) => r[c]!.length)));
  const line = (r: string[]): string => r.map((cell, c) => (c === 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("   ").trimEnd();
  const rule = "=".repeat(widths.reduce((a, w) => a + w, 0) + 6);
  return [
    rule,
    line(header),
    rule,
    ...cells.map(line),
    rule,
    `Total params: ${thousands(total)}`,
    `Trainable params: ${thousands(trainable)}`,
    `Non-trainable params: ${thousands(total - trainable)}`,
    rule,
  ].join("\n");
}

/**
 * Run `model` once on `input` (a tensor, or a shape for a zero input) with gradients off and in eval
 * mode (so dropout and batch statistics are left alone; each module's mode is restored after), and
 * report every module's output shapes and own parameter count, with the totals. Output shapes are
 * read by forward hooks, so every module called through `call` (containers call their children that
 * way) is measured.
 *
 * @param model the model.
 * @param input an input tensor, or its shape (batch dim included) for a tensor of zeros.
 * @param options the dtype of the zero input.
 * @returns the rows and totals; print it for the table.
 * @throws TypeError for a non-module, a bad shape or option; whatever the forward pass throws.
 * @example
 * console.log(summary(new Sequential(new Linear(64, 128), new ReLU(), new Linear(128, 10)), [32, 64]).toString());
 */
export function summary(model: Module, input: Tensor | readonly number[], options?: SummaryOptions): ModelSummary {
  if (!(model instanceof Module)) throw new TypeError(`summary: model must be a Module, got ${describe(model)}`);
  const o = checkOptions(options, "summary", ["dtype"]);
  let x: Tensor;
  if (input instanceof Tensor) x = input;
  else {
    if (!Array.isArray(input) || !input.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new TypeError(`summary: input must be a Tensor or a shape of non-negative integers, got ${describe(input)}`);
    }
    const first = model.parameters()[0];
    const dtype = o.dtype ?? (first !== undefined && isFloatingDtype(first.dtype) ? first.dtype : undefined);
    x = zeros([...input], dtype === undefined ? {} : { dtype });
  }
  const modules = model.namedModules();
  const shapes = new Map<Module, number[][]>();
  const modes = modules.map(([, m]) => m.training);
  const handles = modules.map(([, m]) => m.registerForwardHook((_module, _args, output) => void shapes.set(m, outputShapes(output))));
  try {
    model.eval();
    noGrad(() => model.call(x));
  } finally {
    for (const h of handles) h.remove();
    modules.forEach(([, m], i) => (m.training = modes[i]!));
  }
  const rows: SummaryRow[] = modules.map(([name, m]) => ({
    name,
    type: m.constructor.name,
    depth: name === "" ? 0 : name.split(".").length,
    outputShapes: shapes.get(m) ?? null,
    params: m.parameters({ recurse: false }).reduce((a, p) => a + p.numel(), 0),
  }));
  const params = model.parameters();
  const totalParams = params.reduce((a, p) => a + p.numel(), 0);
  const trainableParams = params.filter((p) => p.requiresGrad).reduce((a, p) => a + p.numel(), 0);
  const table = renderTable(rows, totalParams, trainableParams);
  // Node's util.inspect (console.log) prints the table too.
  return { rows, totalParams, trainableParams, toString: () => table, [Symbol.for("nodejs.util.inspect.custom")]: () => table };
}
