// Learning ASGD's learning rate by gradient descent through 10 unrolled steps, compared with a grid
// search: the validation loss after 10 full-batch ASGD steps is a differentiable function of lr
// (docs/hypergradients.md), so we descend on log(lr) with its exact hypergradient.
// Run: npx tsx examples/learn-lr-unrolled.ts [--quick]
import { fileURLToPath } from "node:url";
import { type Tensor, manualSeed, noGrad, setDefaultDtype, tensor } from "@tapegrad/core";
import { F, Linear, Sequential, Tanh, functionalCall } from "@tapegrad/nn";
import { Adam, asgdInitState, asgdUpdatePure, unrollSteps } from "@tapegrad/optim";
import { cli } from "./support/cli.js";
import { readDigits, splitDigits } from "./support/digits-data.js";

const { quick } = cli("Usage: npx tsx examples/learn-lr-unrolled.ts [--quick]\n\nLearn ASGD's learning rate through 10 unrolled steps, against a grid search.", {
  quick: { type: "boolean", help: "8 hyper-steps and a 6-point grid instead of 40 and 25" },
});
const K = 10; // unrolled inner steps
const hyperSteps = quick ? 8 : 40;
const gridSize = quick ? 6 : 25;

setDefaultDtype("float64"); // hypergradient work in float64
manualSeed(0);
const digits = splitDigits(readDigits(fileURLToPath(new URL("./data/digits.csv.gz", import.meta.url))), 0.5, 0);
const take = (s: { x: Tensor; y: Tensor }, n: number) => ({ x: s.x.narrow(0, 0, n).to("float64"), y: s.y.narrow(0, 0, n) });
const train = take(digits.train, quick ? 200 : 600);
const val = take(digits.test, quick ? 200 : 600);

// A small MLP; its initial weights stay fixed, only lr changes between runs.
const model = new Sequential(new Linear(64, 32, { dtype: "float64" }), new Tanh(), new Linear(32, 10, { dtype: "float64" }));
const names = model.namedParameters().map(([n]) => n);
const init = model.parameters().map((p) => p.detach().clone());
const lossOn = (ps: Tensor[], d: { x: Tensor; y: Tensor }): Tensor =>
  F.crossEntropy(functionalCall(model, Object.fromEntries(names.map((n, i) => [n, ps[i]!])), d.x) as Tensor, d.y);

/** Validation loss after K ASGD steps with learning rate `lr` (a number, or a tensor to differentiate). */
function valLossAfterK(lr: number | Tensor): Tensor {
  const options = { lr, lambd: 1e-4, alpha: 0.75, t0: 1e6, weightDecay: 0 };
  const { params } = unrollSteps(init, init.map((p) => asgdInitState(p, lr, { differentiable: true })), {
    steps: K,
    loss: (ps) => lossOn(ps, train),
    update: (ps, gs, st) => asgdUpdatePure(ps, gs, st, options),
  });
  return lossOn(params, val);
}

// Descend on u = log(lr) (scale-free steps) with Adam, fed the exact hypergradient d val/du. Short
// moment memories (betas 0.5, 0.9): just past the best lr the loss rises steeply towards divergence,
// and one huge hypergradient there must not dominate the following steps.
const u = tensor(Math.log(0.01), { requiresGrad: true });
const hyperOpt = new Adam([u], { lr: 0.3, betas: [0.5, 0.9] });
console.log(`Adam on log(lr), hypergradients through ${K} unrolled ASGD steps:`);
for (let i = 0; i <= hyperSteps; i++) {
  hyperOpt.zeroGrad();
  const loss = valLossAfterK(u.exp());
  if (i % Math.max(1, Math.floor(hyperSteps / 8)) === 0 || i === hyperSteps) {
    console.log(`  iter ${String(i).padStart(2)}  lr ${Math.exp(u.item()).toFixed(4)}  val loss ${loss.item().toFixed(4)}`);
  }
  if (i === hyperSteps) break;
  loss.backward();
  hyperOpt.step();
}
const learned = Math.exp(u.item());
const learnedLoss = noGrad(() => valLossAfterK(learned).item());

// Grid search: log-spaced lrs from 1e-3 to 10, each a plain (number-lr) run of the same K steps.
const grid = Array.from({ length: gridSize }, (_, i) => 10 ** (-3 + (4 * i) / (gridSize - 1)));
const scores = grid.map((lr) => ({ lr, loss: valLossAfterK(lr).item() }));
const best = scores.reduce((a, b) => (b.loss < a.loss ? b : a));
console.log(`grid search over ${gridSize} log-spaced lrs in [0.001, 10]:`);
for (const s of scores) console.log(`  lr ${s.lr.toFixed(4).padStart(8)}  val loss ${Number.isFinite(s.loss) ? s.loss.toFixed(4) : "diverged"}${s === best ? "  <- best" : ""}`);
console.log(`learned lr ${learned.toFixed(4)} (val loss ${learnedLoss.toFixed(4)}, ${hyperSteps + 1} hypergradient evaluations); ` +
  `best grid lr ${best.lr.toFixed(4)} (val loss ${best.loss.toFixed(4)}, ${gridSize} runs)`);
