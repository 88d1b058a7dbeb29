// The hypergradient panel's recipe: the validation loss after K unrolled, differentiable ASGD steps is a
// function of the learning rate, so d(val loss)/d(lr) is exact; gradient descent on log(lr) learns lr,
// and a grid of fixed lrs shows the curve it descends. Runs unchanged in Node.
import { type Tensor, getDefaultDtype, manualSeed, noGrad, setDefaultDtype, tensor } from "@tapegrad/core";
import { F, Linear, Sequential, Tanh, functionalCall } from "@tapegrad/nn";
import { Adam, asgdInitState, asgdUpdatePure, unrollSteps } from "@tapegrad/optim";
import { moons, splitDataset } from "./datasets.js";

/** What the panel lets a learner choose. */
export interface HypergradConfig {
  /** Unrolled inner ASGD steps. */
  innerSteps: number;
  /** Steps of Adam on log(lr). */
  hyperSteps: number;
  /** Starting learning rate. */
  lr0: number;
  /** Points of the grid of fixed lrs (log-spaced in [1e-3, 10]). */
  gridSize: number;
  seed: number;
}

/** The defaults the page starts from. */
export const DEFAULT_HYPERGRAD: HypergradConfig = { innerSteps: 10, hyperSteps: 15, lr0: 0.01, gridSize: 9, seed: 0 };

/** One step of the lr descent. */
export interface HyperStep {
  iteration: number;
  lr: number;
  valLoss: number;
  /** d(val loss)/d(lr) at this lr. */
  hypergradient: number;
}

/** Everything the panel shows. */
export interface HypergradResult {
  steps: HyperStep[];
  grid: Array<{ lr: number; valLoss: number }>;
}

/**
 * Learn ASGD's lr on two moons through `innerSteps` unrolled full-batch steps, and evaluate a grid of
 * fixed lrs. `onStep` sees each descent step as it happens.
 */
export function learnLearningRate(config: HypergradConfig, onStep: (step: HyperStep) => void = () => {}): HypergradResult {
  const previousDtype = getDefaultDtype();
  setDefaultDtype("float64"); // hypergradient work in float64
  try {
    manualSeed(config.seed);
    const { train, val } = splitDataset(moons(200, config.seed), 0.5, config.seed);
    const asTensors = (d: typeof train) => ({ x: tensor(d.x).reshape(d.y.length, 2).to("float64"), y: tensor(d.y) });
    const trainSet = asTensors(train);
    const valSet = asTensors(val);
    const model = new Sequential(new Linear(2, 16, { dtype: "float64" }), new Tanh(), new Linear(16, 2, { dtype: "float64" }));
    const names = model.namedParameters().map(([n]) => n);
    const init = model.parameters().map((p) => p.detach().clone());
    const lossOn = (ps: Tensor[], d: { x: Tensor; y: Tensor }): Tensor =>
      F.crossEntropy(functionalCall(model, Object.fromEntries(names.map((n, i) => [n, ps[i]!])), d.x) as Tensor, d.y);

    /** Validation loss after the inner ASGD steps with learning rate `lr` (a tensor to differentiate, or a number). */
    const valLossAfter = (lr: number | Tensor): Tensor => {
      const options = { lr, lambd: 1e-4, alpha: 0.75, t0: 1e6, weightDecay: 0 };
      const { params } = unrollSteps(init, init.map((p) => asgdInitState(p, lr, { differentiable: true })), {
        steps: config.innerSteps,
        loss: (ps) => lossOn(ps, trainSet),
        update: (ps, gs, st) => asgdUpdatePure(ps, gs, st, options),
      });
      return lossOn(params, valSet);
    };

    const u = tensor(Math.log(config.lr0), { requiresGrad: true }); // descend on log(lr): scale-free steps
    const hyperOpt = new Adam([u], { lr: 0.3, betas: [0.5, 0.9] });
    const steps: HyperStep[] = [];
    for (let iteration = 0; iteration < config.hyperSteps; iteration++) {
      hyperOpt.zeroGrad();
      const lr = u.exp();
      lr.retainGrad();
      const loss = valLossAfter(lr);
      loss.backward();
      const step = { iteration, lr: lr.item(), valLoss: loss.item(), hypergradient: lr.grad!.item() };
      steps.push(step);
      onStep(step);
      hyperOpt.step();
    }
    const grid = Array.from({ length: config.gridSize }, (_, i) => 10 ** (-3 + (4 * i) / Math.max(1, config.gridSize - 1)));
    return { steps, grid: grid.map((lr) => ({ lr, valLoss: noGrad(() => valLossAfter(lr).item()) })) };
  } finally {
    setDefaultDtype(previousDtype);
  }
}
