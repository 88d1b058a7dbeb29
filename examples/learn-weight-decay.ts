// Learning the weight decay by gradient descent through unrolled SGD steps. The validation loss after
// K steps of SGD with momentum is a differentiable function of the weight decay when the weight decay
// is a tensor on the tape (docs/hypergradients.md, "Hyperparameters as tensors"); we descend on
// log(weightDecay) with its exact hypergradient, and compare with no weight decay.
import { fileURLToPath } from "node:url";
import { type Tensor, grad, manualSeed, noGrad, setDefaultDtype, tensor } from "@tapegrad/core";
import { F, Linear, Sequential, Tanh, functionalCall } from "@tapegrad/nn";
import { Adam, type SgdParamState, sgdUpdatePure, unrollSteps } from "@tapegrad/optim";
import { cli } from "./support/cli.js";
import { readDigits, splitDigits } from "./support/digits-data.js";

const { quick } = cli("Usage: npx tsx examples/learn-weight-decay.ts [--quick]\n\nLearn SGD's weight decay through unrolled steps, by its hypergradient.", {
  quick: { type: "boolean", help: "5 hyper-steps instead of 30" },
});
const K = 30; // unrolled inner steps
const hyperSteps = quick ? 5 : 30;

setDefaultDtype("float64"); // hypergradient work in float64
manualSeed(0);
const digits = splitDigits(readDigits(fileURLToPath(new URL("./data/digits.csv.gz", import.meta.url))), 0.5, 0);
const take = (s: { x: Tensor; y: Tensor }, n: number) => ({ x: s.x.narrow(0, 0, n).to("float64"), y: s.y.narrow(0, 0, n) });
const train = take(digits.train, 30); // few examples: a model that overfits, where weight decay helps
const val = take(digits.test, quick ? 200 : 500);

const model = new Sequential(new Linear(64, 32, { dtype: "float64" }), new Tanh(), new Linear(32, 10, { dtype: "float64" }));
const names = model.namedParameters().map(([n]) => n);
const init = model.parameters().map((p) => p.detach().clone());
const lossOn = (ps: Tensor[], d: { x: Tensor; y: Tensor }): Tensor =>
  F.crossEntropy(functionalCall(model, Object.fromEntries(names.map((n, i) => [n, ps[i]!])), d.x) as Tensor, d.y);

/** Validation loss after K SGD steps with this weight decay (a number, or a tensor to differentiate). */
function valLossAfterK(weightDecay: number | Tensor): Tensor {
  const options = { lr: 0.5, momentum: 0.9, dampening: 0, weightDecay, nesterov: false, maximize: false };
  const { params } = unrollSteps<SgdParamState>(init, init.map(() => ({ momentumBuffer: null })), {
    steps: K,
    loss: (ps) => lossOn(ps, train),
    update: (ps, gs, st) => sgdUpdatePure(ps, gs, st, options),
  });
  return lossOn(params, val);
}

// Check the hypergradient once against a central finite difference.
const wd0 = 0.05;
const wdT = tensor(wd0, { requiresGrad: true });
const [hg] = grad([valLossAfterK(wdT)], [wdT]);
const fd = noGrad(() => (valLossAfterK(wd0 + 1e-6).item() - valLossAfterK(wd0 - 1e-6).item()) / 2e-6);
console.log(`d(val loss)/d(weight decay) at ${wd0}: ${hg!.item().toFixed(6)} (central finite difference ${fd.toFixed(6)})`);

// Descend on u = log(weightDecay) with Adam.
const u = tensor(Math.log(wd0), { requiresGrad: true });
const hyperOpt = new Adam([u], { lr: 0.3 });
for (let i = 0; i <= hyperSteps; i++) {
  hyperOpt.zeroGrad();
  const loss = valLossAfterK(u.exp());
  if (i % Math.max(1, Math.floor(hyperSteps / 5)) === 0 || i === hyperSteps) {
    console.log(`  iter ${String(i).padStart(2)}  weight decay ${Math.exp(u.item()).toExponential(3)}  val loss ${loss.item().toFixed(4)}`);
  }
  if (i === hyperSteps) break;
  loss.backward();
  hyperOpt.step();
}
const learned = Math.exp(u.item());
const learnedLoss = noGrad(() => valLossAfterK(learned).item());
const noDecay = noGrad(() => valLossAfterK(0).item());
console.log(`learned weight decay ${learned.toExponential(3)}: validation loss ${learnedLoss.toFixed(4)} (no weight decay: ${noDecay.toFixed(4)})`);
