// Linear regression with ASGD on noisy minibatches: the last iterate (an SGD step with a slowly decaying
// size) keeps jittering around the answer, while ASGD's Polyak-Ruppert average (its `ax` state) settles
// on it. Compares both with the least-squares solution and plots their distance to it over the steps.
// Run: npx tsx examples/linear-regression-asgd.ts [--quick]   (writes out/linear-regression-asgd.svg)
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Generator, type Tensor, cat, noGrad, ones, randn, randint, tensor } from "@tapegrad/core";
import { F, Linear } from "@tapegrad/nn";
import { ASGD } from "@tapegrad/optim";
import { lineChartSvg } from "@tapegrad/train";
import { cli } from "./support/cli.js";

const flags = cli("Usage: npx tsx examples/linear-regression-asgd.ts [--quick]\n\nASGD on a noisy linear regression: the averaged parameters against the last iterate.", {
  quick: { type: "boolean", help: "400 steps instead of 3000" },
});
const steps = flags.quick ? 400 : 3000;
const t0 = 100; // averaging starts after step t0 + 2; PyTorch's default t0 = 1e6 would never average here
const batchSize = 4;
const generator = new Generator(0);

// Data: y = 2 x1 - 3 x2 + 0.5 + noise, with 256 samples.
const n = 256;
const x = randn([n, 2], { generator });
const y = x.matmul(tensor([[2], [-3]])).add(0.5).add(randn([n, 1], { generator }).mul(0.5));

// The least-squares solution in closed form: the normal equations (X^T X) theta = X^T y with X = [x, 1],
// three unknowns, solved by Cramer's rule.
const design = cat([x, ones([n, 1])], 1);
const gram = design.T.matmul(design).tolist() as number[][];
const rhs = (design.T.matmul(y).tolist() as number[][]).map((row) => row[0]!);
const det = ([a, b, c]: number[][]): number =>
  a![0]! * (b![1]! * c![2]! - b![2]! * c![1]!) - a![1]! * (b![0]! * c![2]! - b![2]! * c![0]!) + a![2]! * (b![0]! * c![1]! - b![1]! * c![0]!);
const best = [0, 1, 2].map((k) => det(gram.map((row, i) => row.map((v, j) => (j === k ? rhs[i]! : v)))) / det(gram));

const model = new Linear(2, 1, { generator });
const optimizer = new ASGD(model.parameters(), { lr: 0.05, lambd: 1e-4, t0 });

// [w1, w2, b] as numbers, and its distance to the least-squares solution.
const theta = (weight: Tensor, bias: Tensor): number[] => [...weight.reshape(-1).tolist() as number[], ...bias.tolist() as number[]];
const distance = (values: number[]): number => Math.hypot(...values.map((v, i) => v - best[i]!));

const last: number[][] = [];
const average: number[][] = [];
for (let step = 1; step <= steps; step++) {
  const batch = randint(0, n, [batchSize], { generator });
  optimizer.zeroGrad();
  F.mseLoss(model.forward(x.indexSelect(0, batch)), y.indexSelect(0, batch)).backward();
  optimizer.step();
  // averagedParams() maps each parameter to a copy of its running average ax.
  const averaged = optimizer.averagedParams();
  last.push(theta(model.weight, model.bias!));
  average.push(theta(averaged.get(model.weight)!, averaged.get(model.bias!)!));
}

// withAveraged() swaps the averages into the model for the duration of the callback.
const fullLoss = (): number => noGrad(() => F.mseLoss(model.forward(x), y).item());
const report = (name: string, values: number[], loss: number): void =>
  console.log(`  ${name.padEnd(14)} [${values.map((v) => v.toFixed(4)).join(", ")}]  distance ${distance(values).toExponential(2)}  loss ${loss.toFixed(5)}`);
console.log(`after ${steps} ASGD steps (batch ${batchSize}, lr 0.05, t0 ${t0}), [w1, w2, b]:`);
report("least squares", best, noGrad(() => design.matmul(tensor(best).reshape(3, 1)).sub(y).square().mean().item()));
report("last iterate", last.at(-1)!, fullLoss());
report("ASGD average", average.at(-1)!, optimizer.withAveraged(fullLoss));
const closer = distance(average.at(-1)!) < distance(last.at(-1)!);
console.log(closer ? "the averaged parameters are closer to the least-squares solution than the last iterate" : "the last iterate happened to be closer this time");

const svg = lineChartSvg(
  [
    {
      title: "weight w1",
      yLabel: "w1",
      legendAt: "bottom",
      series: [
        { name: "last iterate", values: last.map((v) => v[0]!) },
        { name: "ASGD average (ax)", values: average.map((v) => v[0]!) },
        { name: "least squares", values: last.map(() => best[0]!) },
      ],
    },
    {
      title: "distance to the least-squares solution",
      yLabel: "log10 |theta - theta*|",
      series: [
        { name: "last iterate", values: last.map((v) => Math.log10(distance(v))) },
        { name: "ASGD average (ax)", values: average.map((v) => Math.log10(distance(v))) },
      ],
    },
  ],
  { xLabel: "step" },
);
const out = fileURLToPath(new URL("../out/", import.meta.url));
mkdirSync(out, { recursive: true });
writeFileSync(`${out}linear-regression-asgd.svg`, svg);
console.log("wrote out/linear-regression-asgd.svg");
