// Hypergradient descent (Baydin et al., 2018) on ASGD's learning rate: while training a digits MLP,
// adapt lr online with the derivative of the next minibatch loss with respect to lr through the last
// ASGD step, lr <- lr - beta * d loss_{t+1} / d lr. Starts from a poor lr and prints lr and the
// validation loss as they evolve, beside a run that keeps the initial lr.
// Run: npx tsx examples/hypergradient-descent-lr.ts [--quick]
import { fileURLToPath } from "node:url";
import { type Tensor, grad, manualSeed, noGrad, tensor } from "@tapegrad/core";
import { F, Linear, ReLU, Sequential, functionalCall } from "@tapegrad/nn";
import { type AsgdParamState, asgdInitState, asgdUpdatePure } from "@tapegrad/optim";
import { cli } from "./support/cli.js";
import { readDigits, splitDigits } from "./support/digits-data.js";

const { quick } = cli("Usage: npx tsx examples/hypergradient-descent-lr.ts [--quick]\n\nHypergradient descent on ASGD's learning rate while training a digits MLP.", {
  quick: { type: "boolean", help: "60 steps instead of 600" },
});
const steps = quick ? 60 : 600;
const batch = 64;
const lr0 = 0.005; // deliberately small
const beta = 0.02; // the hyper-learning rate
const hp = { lambd: 1e-4, alpha: 0.75, t0: 1e6, weightDecay: 0 };

manualSeed(0);
const { train, test } = splitDigits(readDigits(fileURLToPath(new URL("./data/digits.csv.gz", import.meta.url))), 0.2, 0);
const model = new Sequential(new Linear(64, 64), new ReLU(), new Linear(64, 10));
const names = model.namedParameters().map(([n]) => n);
const lossOn = (ps: Tensor[], x: Tensor, y: Tensor): Tensor =>
  F.crossEntropy(functionalCall(model, Object.fromEntries(names.map((n, i) => [n, ps[i]!])), x) as Tensor, y);
const batchAt = (t: number) => {
  const start = (t * batch) % (train.y.shape[0]! - batch);
  return { x: train.x.narrow(0, start, batch), y: train.y.narrow(0, start, batch) };
};
const valLoss = (ps: Tensor[]): number => noGrad(() => lossOn(ps, test.x, test.y).item());

/** Train for `steps` ASGD steps; with `adapt`, lr follows its hypergradient. Returns the final lr and validation loss. */
function train_(adapt: boolean): { lr: number; val: number } {
  let params = model.parameters().map((p) => p.detach().clone());
  let states: AsgdParamState[] = params.map((p) => asgdInitState(p, lr0));
  let lr = lr0;
  for (let t = 0; t < steps; t++) {
    const lrT = tensor(lr, { requiresGrad: adapt });
    // ASGD's eta as a function of the current lr: the step size this update uses (docs/hypergradients.md).
    const stateT = states.map((s) => ({ ...s, eta: lrT.div(lrT.mul(hp.lambd * s.step.item()).add(1).pow(hp.alpha)) }));
    const inputs = params.map((p) => p.requiresGrad_(true));
    const { x, y } = batchAt(t);
    const grads = grad([lossOn(inputs, x, y)], inputs); // first order: the current gradient is a constant for lr
    const next = asgdUpdatePure(inputs, grads, stateT, { lr: lrT, ...hp });
    if (adapt) {
      const ahead = batchAt(t + 1);
      const [h] = grad([lossOn(next.params, ahead.x, ahead.y)], [lrT]);
      lr = Math.max(1e-4, lr - beta * h!.item());
    }
    params = next.params.map((p) => p.detach());
    states = next.states.map((s) => ({ step: s.step, eta: s.eta.detach(), mu: s.mu, ax: s.ax.detach() }));
    if (adapt && (t % (steps / 6) === 0 || t === steps - 1)) {
      console.log(`  step ${String(t + 1).padStart(3)}  lr ${lr.toFixed(4)}  validation loss ${valLoss(params).toFixed(4)}`);
    }
  }
  return { lr, val: valLoss(params) };
}

console.log(`hypergradient descent on ASGD's lr (start ${lr0}, beta ${beta}), ${steps} steps of ${batch} digits:`);
const adapted = train_(true);
const fixed = train_(false);
console.log(`fixed lr ${lr0}: validation loss ${fixed.val.toFixed(4)}; adapted lr (final ${adapted.lr.toFixed(4)}): validation loss ${adapted.val.toFixed(4)}`);
