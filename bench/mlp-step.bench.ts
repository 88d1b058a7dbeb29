/**
 * Family 2: one training step (forward, cross-entropy loss, backward, SGD update) of a two-layer
 * ReLU MLP, steps/s, tapegrad against TF.js cpu and wasm, jax-js (the step under `jit`) and
 * PyTorch (one thread and every core) from identical weights and data. The first steps' losses
 * are cross-checked between all sides.
 * @module
 */
import { type Tensor, noGrad, tensor } from "@tapegrad/core";
import { F, Linear, ReLU, Sequential } from "@tapegrad/nn";
import { SGD } from "@tapegrad/optim";
import type { BenchConfig } from "./config.js";
import { type Contender, type FamilyReport, type Target, check, compare, ratio, relativeMaxDiff, seededData } from "./harness.js";
import { jaxStep } from "./jaxjs.js";
import { pytorchPeers, tapegradContenders } from "./peers.js";
import { b64 } from "./pytorch.js";
import { type TfBackend, tf, useBackend } from "./tfjs.js";

const FAMILY = "mlp step";
const LR = 0.05;
/** Steps whose losses are cross-checked between the sides. */
const CHECK_STEPS = 3;

/** Sizes of one MLP case. */
export interface MlpCase {
  inFeatures: number;
  hidden: number;
  classes: number;
  batch: number;
}

/** The weights, inputs and labels every side starts from (PyTorch layout: weight is [out, in]). */
export interface MlpData {
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
  x: Float32Array;
  labels: Int32Array;
}

/** Deterministic data for a case; weights scaled like PyTorch's default init (about 1/sqrt(fan_in)). */
export function mlpData(c: MlpCase): MlpData {
  const scaled = (n: number, seed: number, fanIn: number): Float32Array => seededData(n, seed).map((v) => v / Math.sqrt(fanIn));
  const labels = new Int32Array(c.batch);
  for (let i = 0; i < c.batch; i++) labels[i] = (i * 7 + 3) % c.classes;
  return {
    w1: scaled(c.hidden * c.inFeatures, 11, c.inFeatures),
    b1: scaled(c.hidden, 12, c.inFeatures),
    w2: scaled(c.classes * c.hidden, 13, c.hidden),
    b2: scaled(c.classes, 14, c.hidden),
    x: seededData(c.batch * c.inFeatures, 15),
    labels,
  };
}

/** A tapegrad training step over the data; returns the loss of each call. */
export function tapegradStep(c: MlpCase, d: MlpData): () => number {
  const l1 = new Linear(c.inFeatures, c.hidden);
  const l2 = new Linear(c.hidden, c.classes);
  noGrad(() => {
    l1.weight.copy_(tensor(d.w1).reshape([c.hidden, c.inFeatures]));
    l1.bias!.copy_(tensor(d.b1));
    l2.weight.copy_(tensor(d.w2).reshape([c.classes, c.hidden]));
    l2.bias!.copy_(tensor(d.b2));
  });
  const model = new Sequential(l1, new ReLU(), l2);
  const opt = new SGD(model.parameters(), { lr: LR });
  const x = tensor(d.x).reshape([c.batch, c.inFeatures]);
  const y = tensor(d.labels, { dtype: "int32" });
  return () => {
    opt.zeroGrad();
    const loss: Tensor = F.crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    return loss.item();
  };
}

/**
 * The loss before any update, computed in float64 from the float32 data: the yardstick of every
 * side's exactness (the issue asks for speed "without giving up exactness").
 */
export function float64FirstLoss(c: MlpCase, d: MlpData): number {
  let total = 0;
  const h = new Float64Array(c.hidden);
  const logits = new Float64Array(c.classes);
  for (let n = 0; n < c.batch; n++) {
    for (let j = 0; j < c.hidden; j++) {
      let acc = d.b1[j]!;
      for (let k = 0; k < c.inFeatures; k++) acc += d.w1[j * c.inFeatures + k]! * d.x[n * c.inFeatures + k]!;
      h[j] = Math.max(acc, 0);
    }
    let max = -Infinity;
    for (let i = 0; i < c.classes; i++) {
      let acc = d.b2[i]!;
      for (let j = 0; j < c.hidden; j++) acc += d.w2[i * c.hidden + j]! * h[j]!;
      logits[i] = acc;
      max = Math.max(max, acc);
    }
    let sum = 0;
    for (let i = 0; i < c.classes; i++) sum += Math.exp(logits[i]! - max);
    total += max + Math.log(sum) - logits[d.labels[n]!]!;
  }
  return total / c.batch;
}

/** A TF.js training step on `backend` (which must be active when the step runs), with a dispose function. */
export async function tfStep(backend: TfBackend, c: MlpCase, d: MlpData): Promise<{ step: () => number; dispose: () => void }> {
  await useBackend(backend);
  const w1 = tf.variable(tf.tensor2d(d.w1, [c.hidden, c.inFeatures]));
  const b1 = tf.variable(tf.tensor1d(d.b1));
  const w2 = tf.variable(tf.tensor2d(d.w2, [c.classes, c.hidden]));
  const b2 = tf.variable(tf.tensor1d(d.b2));
  const x = tf.tensor2d(d.x, [c.batch, c.inFeatures]);
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(d.labels, "int32"), c.classes), "float32"));
  const opt = tf.train.sgd(LR);
  const step = (): number => {
    const loss = opt.minimize(
      () => {
        const h = tf.relu(tf.add(tf.matMul(x, w1, false, true), b1));
        const logits = tf.add(tf.matMul(h, w2, false, true), b2);
        return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
      },
      true,
      [w1, b1, w2, b2],
    )!;
    const v = loss.dataSync()[0]!;
    loss.dispose();
    return v;
  };
  const dispose = (): void => {
    for (const t of [w1, b1, w2, b2, x, y]) t.dispose();
    opt.dispose();
  };
  return { step, dispose };
}

/** `in-hidden-out @ batch` */
export function caseName(c: MlpCase): string {
  return `${c.inFeatures}-${c.hidden}-${c.classes} b${c.batch}`;
}

/** An MLP case and the targets for it. */
interface MlpTargets {
  /** tapegrad (default threads) against PyTorch on one thread. */
  vsPytorch1: Target;
  /** Wide models: tapegrad on one thread against PyTorch on one thread, and tapegrad (default threads) against PyTorch's best count. */
  wide?: { oneThread: Target; best: Target };
}

const small: MlpTargets = { vsPytorch1: { atLeast: 1.2 } };
const wide: MlpTargets = { vsPytorch1: null, wide: { oneThread: { atLeast: 0.5 }, best: { atLeast: 0.8 } } };
const untargeted: MlpTargets = { vsPytorch1: null };

/** The MLP cases of the issue with their targets (quick mode: 64-128-10 b64 only). */
export function mlpCases(quick: boolean): Array<MlpCase & { targets: MlpTargets }> {
  const mlp = (inFeatures: number, hidden: number, batch: number, targets: MlpTargets): MlpCase & { targets: MlpTargets } => ({ inFeatures, hidden, classes: 10, batch, targets });
  const first = mlp(64, 128, 64, small);
  if (quick) return [first];
  return [
    mlp(64, 32, 64, small),
    first,
    mlp(64, 128, 256, untargeted),
    mlp(64, 512, 64, untargeted),
    mlp(64, 512, 256, wide),
    mlp(64, 2048, 64, wide),
    mlp(784, 512, 128, wide),
  ];
}

/** Run the MLP training-step benchmarks. */
export async function mlpStepBench(config: BenchConfig): Promise<FamilyReport> {
  const report: FamilyReport = { results: [], ratios: [], checks: [] };
  const { peers } = config;
  for (const c of mlpCases(config.quick)) {
    const d = mlpData(c);
    const name = caseName(c);
    const ours = tapegradStep(c, d);
    const tfs = { cpu: await tfStep("cpu", c, d), wasm: await tfStep("wasm", c, d) };
    const jax = peers.jax ? jaxStep(c, d, LR) : null;

    // Cross-check: the first steps give the same losses on every side.
    const losses = (step: () => number): number[] => Array.from({ length: CHECK_STEPS }, step);
    const ref = losses(ours);
    const exact = float64FirstLoss(c, d);
    const exactness: string[] = [];
    const crossCheck = (side: string, got: number[]): void => {
      const diff = relativeMaxDiff(got, ref);
      check(diff < 1e-4, `${name}: losses of tapegrad (${ref.join(", ")}) and ${side} (${got.join(", ")}) differ by ${diff}`);
      report.checks.push(`mlp ${name}: first ${CHECK_STEPS} losses, tapegrad vs ${side} max relative difference ${diff.toExponential(1)}`);
      exactness.push(`${side} ${(Math.abs(got[0]! - exact) / exact).toExponential(1)}`);
    };
    const ourError = Math.abs(ref[0]! - exact) / exact;
    // Loose on purpose (float32 sums over up to 784 terms): catches a fast path that gives up exactness, not rounding.
    check(ourError < 1e-5, `${name}: tapegrad's first loss ${ref[0]} is ${ourError} (relative) off the float64 value ${exact}`);
    exactness.push(`tapegrad ${ourError.toExponential(1)}`);
    for (const backend of ["cpu", "wasm"] as const) {
      await useBackend(backend);
      crossCheck(`tfjs-${backend}`, losses(tfs[backend].step));
    }
    if (jax !== null) crossCheck("jax-js", losses(jax.step));
    const torchCases: Contender[] = [];
    const dropTorch: Array<() => Promise<void>> = [];
    for (const peer of pytorchPeers(peers)) {
      const id = peer.caseId(`mlp ${name}`);
      const data = { w1: b64(d.w1), b1: b64(d.b1), w2: b64(d.w2), b2: b64(d.b2), x: b64(d.x), labels: b64(d.labels) };
      const answer = await peer.setup<{ losses: number[] }>(id, "mlp", { case: c, data, lr: LR, checkSteps: CHECK_STEPS });
      crossCheck(peer.name, answer.losses);
      torchCases.push(peer.contender(id));
      dropTorch.push(() => peer.drop(id));
    }
    report.checks.push(`mlp ${name}: first loss, relative error against float64: ${exactness.join(", ")}`);

    const timing = await compare(
      [
        ...tapegradContenders(() => void ours(), peers, !config.quick),
        { name: "tfjs-cpu", before: () => useBackend("cpu"), run: () => void tfs.cpu.step() },
        { name: "tfjs-wasm", before: () => useBackend("wasm"), run: () => void tfs.wasm.step() },
        ...(jax === null ? [] : [{ name: "jax-js", run: () => void jax.step() }]),
        ...torchCases,
      ],
      config.timing,
    );
    const ms = new Map<string, number>();
    for (const [impl, t] of timing) {
      ms.set(impl, t.medianMs);
      report.results.push({ family: FAMILY, case: name, impl, metric: "steps", unit: "steps/s", value: 1000 / t.medianMs, medianMs: t.medianMs, samples: t.samples });
    }
    // Speed ratios: the other side's time over tapegrad's (> 1: tapegrad is faster).
    const ourMs = ms.get("tapegrad")!;
    const oneThreadMs = ms.get("tapegrad-1t") ?? ourMs;
    const vs = (impl: string, target: Target, tapegradMs = ourMs, label = "tapegrad"): void => {
      const theirs = ms.get(impl);
      if (theirs !== undefined) report.ratios.push(ratio(FAMILY, name, `${label} / ${impl}`, theirs / tapegradMs, target));
    };
    vs("tfjs-wasm", { atLeast: 1.5 });
    vs("tfjs-cpu", null);
    vs("jax-js", { atLeast: 1.0 });
    vs("pytorch-1t", c.targets.vsPytorch1);
    if (c.targets.wide !== undefined) {
      vs("pytorch-1t", c.targets.wide.oneThread, oneThreadMs, "tapegrad-1t");
      const torchMs = pytorchPeers(peers).map((p) => ms.get(p.name)!);
      if (torchMs.length > 0) report.ratios.push(ratio(FAMILY, name, "tapegrad / pytorch best", Math.min(...torchMs) / ourMs, c.targets.wide.best));
    }
    tfs.cpu.dispose();
    tfs.wasm.dispose();
    jax?.dispose();
    for (const drop of dropTorch) await drop();
  }
  return report;
}
