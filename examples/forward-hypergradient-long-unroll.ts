// A learning-rate hypergradient through 1,000 ASGD steps in constant memory, by forward mode.
// Reverse mode must keep every unrolled step alive until the outer backward pass (about 350 KiB per
// step for this model: 350 MB for 1,000 steps). Forward mode carries d(params)/d(lr) along with the
// params instead: each step's gradient gets its tangent by forward-over-reverse (a Hessian-vector
// product), and nothing of a step outlives it. docs/hypergradients.md, "Forward mode".
// Run: npx tsx examples/forward-hypergradient-long-unroll.ts [--quick]   (node --expose-gc --import tsx ... prints memory too)
import { fileURLToPath } from "node:url";
import { type Tensor, dualLevel, makeDual, manualSeed, noGrad, setDefaultDtype, tensor, unpackDual } from "@tapegrad/core";
import { F, Linear, Sequential, Tanh, functionalCall } from "@tapegrad/nn";
import { asgdInitState, asgdUpdatePure, unrollSteps } from "@tapegrad/optim";
import { cli } from "./support/cli.js";
import { readDigits, splitDigits } from "./support/digits-data.js";

const { quick } = cli(
  "Usage: npx tsx examples/forward-hypergradient-long-unroll.ts [--quick]\n\nA learning-rate hypergradient through 1,000 ASGD steps in constant memory, by forward mode.",
  { quick: { type: "boolean", help: "100 inner steps and smaller data instead of 1,000" } },
);
const K = quick ? 100 : 1000; // inner steps (the short mode, for the test suite, runs 100)
const gc = (globalThis as { gc?: () => void }).gc;

setDefaultDtype("float64"); // hypergradient work in float64
manualSeed(0);
const digits = splitDigits(readDigits(fileURLToPath(new URL("./data/digits.csv.gz", import.meta.url))), 0.5, 0);
const take = (s: { x: Tensor; y: Tensor }, n: number) => ({ x: s.x.narrow(0, 0, n).to("float64"), y: s.y.narrow(0, 0, n) });
const train = take(digits.train, quick ? 64 : 256);
const val = take(digits.test, quick ? 100 : 400);

const model = new Sequential(new Linear(64, 16, { dtype: "float64" }), new Tanh(), new Linear(16, 10, { dtype: "float64" }));
const names = model.namedParameters().map(([n]) => n);
const init = model.parameters().map((p) => p.detach().clone());
const lossOn = (ps: Tensor[], d: { x: Tensor; y: Tensor }): Tensor =>
  F.crossEntropy(functionalCall(model, Object.fromEntries(names.map((n, i) => [n, ps[i]!])), d.x) as Tensor, d.y);

/** Bytes in use (JS heap + typed arrays) after a full GC, when node runs with --expose-gc. */
function bytesInUse(): number | null {
  if (gc === undefined) return null;
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Validation loss after K ASGD steps, with its derivative with respect to lr by forward mode. */
function valLossAndHypergradient(lr0: number): { loss: number; dLr: number; memory: Array<[number, number]> } {
  const memory: Array<[number, number]> = [];
  return dualLevel(() => {
    const lr = makeDual(tensor(lr0), tensor(1)); // the direction: d/d lr
    const options = { lr, lambd: 1e-4, alpha: 0.75, t0: 1e6, weightDecay: 0 };
    const { params } = unrollSteps(init, init.map((p) => asgdInitState(p, lr, { differentiable: true })), {
      steps: K,
      loss: (ps, k) => {
        if (k % (K / 4) === 0) {
          const b = bytesInUse();
          if (b !== null) memory.push([k, b]);
        }
        return lossOn(ps, train);
      },
      update: (ps, gs, st) => asgdUpdatePure(ps, gs, st, options),
      mode: "forward",
    });
    const { primal, tangent } = unpackDual(lossOn(params, val));
    return { loss: primal.item(), dLr: tangent!.item(), memory };
  });
}

/** The same K steps with a plain number lr (no tangents), for the finite-difference check. */
function valLoss(lr: number): number {
  const options = { lr, lambd: 1e-4, alpha: 0.75, t0: 1e6, weightDecay: 0 };
  return noGrad(() => {
    const { params } = unrollSteps(init, init.map((p) => asgdInitState(p, lr)), {
      steps: K,
      loss: (ps) => lossOn(ps, train),
      update: (ps, gs, st) => asgdUpdatePure(ps, gs, st, options),
    });
    return lossOn(params, val).item();
  });
}

const lr = 0.05;
const { loss, dLr, memory } = valLossAndHypergradient(lr);
console.log(`${K} ASGD steps with lr ${lr}: validation loss ${loss.toFixed(6)}`);
for (const [k, b] of memory) console.log(`  before step ${String(k + 1).padStart(4)}: ${(b / 1024).toFixed(0)} KiB in use`);
if (memory.length === 0) console.log("  (run with node --expose-gc --import tsx to print the memory in use along the unroll)");
const h = 1e-5;
const fd = (valLoss(lr + h) - valLoss(lr - h)) / (2 * h);
console.log(`d(val loss)/d(lr) by forward mode: ${dLr.toFixed(6)}; central finite difference: ${fd.toFixed(6)}`);
console.log(Math.abs(dLr - fd) <= 1e-4 * (1 + Math.abs(fd)) ? "forward mode agrees with the finite difference" : "MISMATCH with the finite difference");
