/**
 * Memory held by an unroll of K ASGD steps (docs/hypergradients.md, "Memory"), K = 1..20: the
 * retained bytes (JS heap + ArrayBuffers, after a full GC) while the outer loss still holds the
 * graph, the fitted bytes per unrolled step, and what is left after the outer backward pass.
 * Then forward mode (`unrollSteps(..., { mode: "forward" })`, d/d lr) for K up to 1,000: the bytes
 * in use sampled along the unroll (the largest sample) and held at its end, beside the reverse-mode
 * figure extrapolated from the fitted bytes per step.
 *
 *     npm run build && node --expose-gc --import tsx bench/hypergrad-memory.ts [--quick]
 *
 * Model: a float64 MLP 64-32-10 (tanh, 2410 parameters) on a batch of 64 random inputs, cross-entropy,
 * functional path (asgdUpdatePure through unrollSteps), tensor lr and lambd; exact second order
 * (createGraph) and the first-order shortcut.
 * @module
 */
import { Generator, type Tensor, dualLevel, grad, makeDual, randint, randn, setDefaultDtype, tensor, unpackDual } from "@tapegrad/core";
import { F } from "@tapegrad/nn";
import { asgdInitState, asgdUpdatePure, unrollSteps } from "@tapegrad/optim";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("hypergrad-memory: run with node --expose-gc");

/** JS heap in use plus ArrayBuffer backing stores (typed arrays live outside the heap), after a full GC. */
function used(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

setDefaultDtype("float64");
const gen = new Generator(0);
const x = randn([64, 64], { generator: gen });
const y = randint(0, 10, [64], { generator: gen, dtype: "int32" });
const init = [randn([32, 64], { generator: gen }).mul(0.1), randn([32], { generator: gen }).mul(0.1), randn([10, 32], { generator: gen }).mul(0.1), randn([10], { generator: gen }).mul(0.1)];
const loss = (ps: Tensor[]): Tensor => F.crossEntropy(F.linear(F.linear(x, ps[0]!, ps[1]!).tanh(), ps[2]!, ps[3]!), y);

/** Build a K-step unroll and its outer loss, measure, then backpropagate; returns the retained bytes with the graph alive. */
function unroll(K: number, firstOrder: boolean, baseline: number): number {
  const lr = tensor(0.1, { requiresGrad: true });
  const lambd = tensor(1e-4, { requiresGrad: true });
  const leaves = init.map((p) => p.detach().clone().requiresGrad_(true));
  const options = { lr, lambd, alpha: 0.75, t0: 1e6, weightDecay: 0 };
  const { params } = unrollSteps(leaves, leaves.map((p) => asgdInitState(p, lr!, { differentiable: true })), {
    steps: K,
    loss,
    update: (ps, gs, st) => asgdUpdatePure(ps, gs, st, options),
    firstOrder,
  });
  const outer = loss(params);
  params.length = 0;
  const held = used() - baseline;
  grad([outer], [lr, lambd, ...leaves]);
  return held;
}

/** Least-squares slope of `ys` against `xs`. */
function slope(xs: number[], ys: number[]): number {
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  xs.forEach((v, i) => {
    num += (v - mx) * (ys[i]! - my);
    den += (v - mx) ** 2;
  });
  return num / den;
}

const maxK = process.argv.includes("--quick") ? 5 : 20;
const ks = Array.from({ length: maxK }, (_, i) => i + 1);
let exactPerStep = 0;
for (const firstOrder of [false, true]) {
  unroll(3, firstOrder, 0); // warm-up: lazily created caches and compiled code
  const baseline = used();
  const held: number[] = [];
  const after: number[] = [];
  for (const K of ks) {
    held.push(unroll(K, firstOrder, baseline));
    after.push(used() - baseline);
  }
  const perStep = slope(ks, held);
  if (!firstOrder) exactPerStep = perStep;
  console.log(`${firstOrder ? "first-order" : "exact (createGraph)"}: K -> KiB held with the graph alive`);
  console.log("  " + ks.map((K, i) => `${K}:${(held[i]! / 1024).toFixed(0)}`).join(" "));
  console.log(`  per unrolled step: ${(perStep / 1024).toFixed(1)} KiB (${(perStep / 19280).toFixed(1)}x the parameters' 19280 bytes)`);
  console.log(`  after backward (everything out of scope), KiB above the baseline: ${after.map((a) => (a / 1024).toFixed(0)).join(" ")}`);
}

/** Forward mode: the largest bytes-in-use sample along a K-step unroll (every `every` steps) and the bytes held at its end. */
function forwardUnroll(K: number, every: number, baseline: number): { peak: number; end: number; dLr: number } {
  return dualLevel(() => {
    const lr = makeDual(tensor(0.1), tensor(1));
    const lambd = tensor(1e-4);
    const options = { lr, lambd, alpha: 0.75, t0: 1e6, weightDecay: 0 };
    let peak = 0;
    const { params } = unrollSteps(init, init.map((p) => asgdInitState(p, lr, { differentiable: true })), {
      steps: K,
      loss: (ps, k) => {
        if (k % every === 0) peak = Math.max(peak, used() - baseline);
        return loss(ps);
      },
      update: (ps, gs, st) => asgdUpdatePure(ps, gs, st, options),
      mode: "forward",
    });
    const outer = loss(params);
    const end = used() - baseline;
    return { peak: Math.max(peak, end), end, dLr: unpackDual(outer).tangent!.item() };
  });
}

const forwardKs = process.argv.includes("--quick") ? [1, 10, 50] : [1, 10, 100, 1000];
forwardUnroll(3, 1, 0); // warm-up
const forwardBaseline = used();
console.log("forward mode (d/d lr): K -> KiB in use above the baseline, largest sample along the unroll / at its end");
for (const K of forwardKs) {
  const r = forwardUnroll(K, Math.max(1, Math.floor(K / 20)), forwardBaseline);
  const reverse = (exactPerStep * K) / 1024;
  console.log(`  K = ${String(K).padStart(4)}: reverse mode would hold about ${reverse.toFixed(0)} KiB;`);
  console.log(`            forward peak ${(r.peak / 1024).toFixed(0)} KiB, end ${(r.end / 1024).toFixed(0)} KiB (d outer/d lr ${r.dLr.toExponential(6)})`);
}
