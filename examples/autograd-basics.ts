// Autograd basics: build a small computation, differentiate it, differentiate a derivative, and draw
// the tape as a picture (toDot's Graphviz text laid out by Graphviz itself, compiled to wasm).
// Run: npx tsx examples/autograd-basics.ts [--svg out/autograd-graph.svg]
// (--quick is accepted for CI and changes nothing: the example takes well under a second.)
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { instance } from "@viz-js/viz";
import { grad, manualSeed, randn, tensor, toDot } from "@tapegrad/core";
import { cli } from "./support/cli.js";

const flags = cli("Usage: npx tsx examples/autograd-basics.ts [--svg FILE]\n\nDifferentiate a small computation twice and draw its tape.", {
  svg: { type: "string", help: "where to write the graph picture (default out/autograd-graph.svg)" },
  quick: { type: "boolean", help: "accepted for CI; changes nothing (the example is fast)" },
});
const svgPath = flags.svg ?? fileURLToPath(new URL("../out/autograd-graph.svg", import.meta.url));

manualSeed(0);

// f(x, w, b) = sum(tanh(x @ w + b)): every op whose input requires grad is recorded on the tape.
const x = randn([4, 3]);
const w = randn([3, 2], { requiresGrad: true });
const b = randn([2], { requiresGrad: true });
const h = x.matmul(w).add(b);
const y = h.tanh().sum();
console.log("f(x, w, b)      =", y.item().toFixed(6), " gradFn:", y.gradFn?.name);

// The tape as Graphviz text: one box per recorded op, one ellipse per leaf that gets a gradient.
const dot = toDot(y, { names: { w, b, h, y } });
console.log(dot);

// backward() walks the tape from y and accumulates df/dw and df/db into the leaves' .grad.
y.backward();
console.log("df/dw           =", JSON.stringify(w.grad?.tolist()));
console.log("df/db           =", JSON.stringify(b.grad?.tolist()));

// By hand: df/dh = 1 - tanh(h)^2, df/db sums it over the rows. The tape agrees.
const dfdb = tensor(1).sub(h.detach().tanh().square()).sum(0);
console.log("df/db by hand   =", JSON.stringify(dfdb.tolist()));

// Second derivative of a scalar function, by differentiating a gradient (createGraph: true).
const a = tensor(0.5, { dtype: "float64", requiresGrad: true });
const [dfda] = grad([a.pow(3).sin()], [a], { createGraph: true });
const [d2fda2] = grad([dfda!], [a]);
console.log("d/da sin(a^3)   =", dfda!.item().toFixed(6), "(exact:", (3 * 0.25 * Math.cos(0.125)).toFixed(6) + ")");
console.log("d2/da2 sin(a^3) =", d2fda2!.item().toFixed(6), "(exact:", (6 * 0.5 * Math.cos(0.125) - 9 * 0.0625 * Math.sin(0.125)).toFixed(6) + ")");

// Lay the graph out with Graphviz (a real layout engine, not hand-placed boxes) and save the SVG.
const viz = await instance();
const svg = viz.renderString(dot, { format: "svg", engine: "dot" });
mkdirSync(dirname(svgPath), { recursive: true });
writeFileSync(svgPath, svg);
console.log(`wrote the graph to ${relative(process.cwd(), svgPath)} (Graphviz ${viz.graphvizVersion})`);
