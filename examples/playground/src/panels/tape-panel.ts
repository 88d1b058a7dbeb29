// Panel 1, the tape: pick or type a computation, see the graph the tape recorded, every value and, after
// backward, every gradient; a toggle shows the graph of a gradient itself (second order).
import { instance } from "@viz-js/viz";
import expressionSource from "../recipes/expression.ts?raw";
import tapeSource from "../recipes/tape.ts?raw";
import { PRESETS, type TapeReport, customComputation, inspectComputation } from "../recipes/tape.js";
import { codeView } from "./code-view.js";
import { el, field, select } from "./dom.js";

const format = (values: number[]): string => values.map((v) => Number(v.toPrecision(6))).join(", ");

/** Fill `root` with the tape panel. */
export function mountTapePanel(root: HTMLElement): void {
  const choice = select([...Object.entries(PRESETS).map(([key, p]) => [key, p.label] as const), ["custom", "my own expression"]], "neuron");
  const expression = el("input", { type: "text", value: "tanh(w * x + b) ^ 2" });
  const values = el("input", { type: "text", value: "x = 0.5, w = -1.2, b = 0.3" });
  const secondOrder = el("input", { type: "checkbox" });
  const run = el("button", { type: "button", class: "primary", id: "tape-run" }, "Run forward and backward");
  const error = el("p", { class: "error", role: "alert" });
  const graph = el("div", { class: "graph", "aria-label": "recorded graph" });
  const table = el("table", { class: "leaves", "data-testid": "tape-leaves" });
  const custom = el("div", { class: "row", hidden: "" }, field("tape-expression", "Expression", expression), field("tape-values", "Values", values));
  choice.addEventListener("change", () => (custom.hidden = choice.value !== "custom"));

  const show = async (report: TapeReport): Promise<void> => {
    const viz = await instance();
    graph.replaceChildren(viz.renderSVGElement(secondOrder.checked ? report.secondOrderDot : report.dot));
    table.replaceChildren(
      el("caption", {}, `output y = ${Number(report.output.toPrecision(6))}`),
      el("tr", {}, el("th", { scope: "col" }, "leaf"), el("th", { scope: "col" }, "shape"), el("th", { scope: "col" }, "value"), el("th", { scope: "col" }, "gradient dy/dleaf")),
      ...report.leaves.map((l) => el("tr", {}, el("th", { scope: "row" }, l.name), el("td", {}, `[${l.shape.join(", ")}]`), el("td", {}, format(l.value)), el("td", { "data-testid": `grad-${l.name}` }, format(l.grad)))),
    );
  };
  const runOnce = (): void => {
    error.textContent = "";
    try {
      const computation = choice.value === "custom" ? customComputation(expression.value, values.value) : PRESETS[choice.value]!.build();
      show(inspectComputation(computation)).catch((e: unknown) => (error.textContent = String(e)));
    } catch (e) {
      error.textContent = e instanceof Error ? e.message : String(e);
    }
  };
  run.addEventListener("click", runOnce);
  secondOrder.addEventListener("change", runOnce);

  root.append(
    el("h2", {}, "The tape"),
    el("p", {}, "Every operation on a tensor that requires grad is recorded. backward() walks the record in reverse and leaves a gradient on each leaf."),
    el("div", { class: "row" }, field("tape-choice", "Computation", choice), el("div", { class: "field checkbox" }, secondOrder, el("label", { for: "tape-second-order" }, "show the graph of dy/d(first leaf), recorded with createGraph: true"))),
    custom,
    run,
    error,
    el("div", { class: "split" }, graph, table),
    codeView("recipes/tape.ts", tapeSource),
    codeView("recipes/expression.ts", expressionSource),
  );
  secondOrder.id = "tape-second-order";
  runOnce();
}
