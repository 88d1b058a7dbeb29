// Panel 3, hypergradients: the exact d(val loss)/d(lr) through K unrolled, differentiable ASGD steps,
// gradient descent on log(lr) with it, and a grid of fixed lrs for comparison.
import { lineChartSvg } from "@tapegrad/train";
import hypergradSource from "../recipes/hypergrad.ts?raw";
import type { Reply } from "../protocol.js";
import { DEFAULT_HYPERGRAD, type HyperStep, type HypergradConfig } from "../recipes/hypergrad.js";
import { codeView } from "./code-view.js";
import { el, field, numberInput, readNumber } from "./dom.js";

/** Fill `root` with the hypergradient panel, driving `worker`. */
export function mountHyperPanel(root: HTMLElement, worker: Worker): void {
  const d = DEFAULT_HYPERGRAD;
  const innerSteps = numberInput(d.innerSteps, { step: "1", min: "1" });
  const hyperSteps = numberInput(d.hyperSteps, { step: "1", min: "1" });
  const lr0 = numberInput(d.lr0, { min: "0" });
  const run = el("button", { type: "button", class: "primary", id: "hyper-run" }, "Learn the learning rate");
  const status = el("p", { class: "status", "data-testid": "hyper-status", "aria-live": "polite" });
  const error = el("p", { class: "error", role: "alert" });
  const table = el("table", { class: "steps" });
  const chart = el("div", { class: "charts" });
  let steps: HyperStep[] = [];

  run.addEventListener("click", () => {
    error.textContent = "";
    try {
      const config: HypergradConfig = { ...d, innerSteps: readNumber(innerSteps, "inner steps"), hyperSteps: readNumber(hyperSteps, "hyper steps"), lr0: readNumber(lr0, "starting lr") };
      steps = [];
      table.replaceChildren();
      chart.replaceChildren();
      status.textContent = "unrolling...";
      delete status.dataset.result;
      worker.postMessage({ type: "hypergrad", config });
    } catch (e) {
      error.textContent = e instanceof Error ? e.message : String(e);
    }
  });

  worker.addEventListener("message", (event: MessageEvent<Reply>) => {
    const reply = event.data;
    if (reply.type === "hyperstep") {
      steps.push(reply.step);
      const s = reply.step;
      status.textContent = `step ${s.iteration}: lr ${s.lr.toPrecision(4)}, val loss ${s.valLoss.toFixed(4)}, d(val loss)/d(lr) ${s.hypergradient.toPrecision(4)}`;
      table.replaceChildren(
        el("tr", {}, ...["step", "lr", "val loss after K steps", "d(val loss)/d(lr)"].map((h) => el("th", { scope: "col" }, h))),
        ...steps.map((t) => el("tr", {}, el("td", {}, String(t.iteration)), el("td", {}, t.lr.toPrecision(4)), el("td", {}, t.valLoss.toFixed(4)), el("td", {}, t.hypergradient.toPrecision(4)))),
      );
    } else if (reply.type === "hypergrad-done") {
      const { grid, steps: all } = reply.result;
      const last = all.at(-1)!;
      const best = grid.reduce((a, b) => (b.valLoss < a.valLoss ? b : a));
      status.textContent = `learned lr ${last.lr.toPrecision(4)} (val loss ${last.valLoss.toFixed(4)}); best of the grid: lr ${best.lr.toPrecision(3)} (val loss ${best.valLoss.toFixed(4)})`;
      status.dataset.result = JSON.stringify(reply.result);
      chart.innerHTML =
        lineChartSvg(
          {
            title: "val loss after K steps, by lr",
            yLabel: "val loss",
            logY: true,
            series: [
              { name: "grid of fixed lrs", x: grid.map((g) => Math.log10(g.lr)), values: grid.map((g) => g.valLoss) },
              { name: "descent on log(lr)", x: all.map((s) => Math.log10(s.lr)), values: all.map((s) => s.valLoss) },
            ],
          },
          { xLabel: "log10 lr" },
        ) + lineChartSvg({ title: "the lr being learned", yLabel: "log10 lr", series: [{ name: "lr", x: all.map((s) => s.iteration), values: all.map((s) => Math.log10(s.lr)) }] }, { xLabel: "hyper step" });
    } else if (reply.type === "error") {
      error.textContent = reply.message;
    }
  });

  root.append(
    el("h2", {}, "Hypergradients"),
    el("p", {}, "The validation loss after K training steps is a differentiable function of the learning rate: tapegrad records the K optimizer steps (differentiable: true) and differentiates through them. Gradient descent on log(lr) then learns lr, shown against a grid of fixed lrs."),
    el("div", { class: "row" }, field("hyper-inner", "Inner steps K", innerSteps), field("hyper-steps", "Hyper steps", hyperSteps), field("hyper-lr0", "Starting lr", lr0)),
    run,
    error,
    status,
    el("div", { class: "split" }, chart, table),
    codeView("recipes/hypergrad.ts", hypergradSource),
  );
}
