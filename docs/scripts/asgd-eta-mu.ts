// Draws docs/images/asgd-eta-mu.svg for docs/asgd-explained.md: ASGD's eta and mu over 500 steps for a
// few lambd and t0, read from a real optimizer's state (not re-derived from the formulas).
// Run: npx tsx docs/scripts/asgd-eta-mu.ts [--out docs/images/asgd-eta-mu.svg]
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type Tensor, zeros } from "@tapegrad/core";
import { ASGD } from "@tapegrad/optim";
import { lineChartSvg } from "@tapegrad/train";

const { values: flags } = parseArgs({ options: { out: { type: "string" } }, strict: true });
const outPath = flags.out ?? fileURLToPath(new URL("../images/asgd-eta-mu.svg", import.meta.url));
const steps = 500;
const lr = 0.1;

/** eta and mu as stored after each of `steps` steps of ASGD on a one-element parameter. */
function trace(lambd: number, t0: number): { eta: number[]; mu: number[] } {
  const p = zeros([1], { requiresGrad: true });
  p.grad = zeros([1]);
  const optimizer = new ASGD([p], { lr, lambd, t0 });
  const eta: number[] = [];
  const mu: number[] = [];
  for (let t = 1; t <= steps; t++) {
    optimizer.step();
    eta.push(optimizer.currentEta(p)!);
    mu.push((optimizer.state.get(p)!.mu as Tensor).item());
  }
  return { eta, mu };
}

const svg = lineChartSvg(
  [
    {
      title: `eta after step t (lr ${lr}, alpha 0.75)`,
      yLabel: "eta",
      legendAt: "bottom",
      series: [1e-4, 1e-2, 1e-1].map((lambd) => ({ name: `lambd = ${lambd}`, values: trace(lambd, 1e6).eta })),
    },
    {
      title: "mu after step t (the averaging weight)",
      yLabel: "mu",
      series: [0, 50, 200].map((t0) => ({ name: `t0 = ${t0}`, values: trace(1e-4, t0).mu })),
    },
  ],
  { xLabel: "step t" },
);
writeFileSync(outPath, svg);
console.log(`wrote ${outPath}`);
