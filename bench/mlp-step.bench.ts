/**
 * Family 2: one training step (forward, cross-entropy loss, backward, SGD update) of a two-layer
 * ReLU MLP, steps/s, tapegrad against TF.js cpu and wasm from identical weights and data. The
 * first steps' losses are cross-checked between all sides.
 * @module
 */
import { type Tensor, noGrad, tensor } from "@tapegrad/core";
import { F, Linear, ReLU, Sequential } from "@tapegrad/nn";
import { SGD } from "@tapegrad/optim";
import type { BenchConfig } from "./config.js";
import { type FamilyReport, check, compare, relativeMaxDiff, seededData } from "./harness.js";
import { type TfBackend, tf, useBackend } from "./tfjs.js";

const FAMILY = "mlp step";
const LR = 0.05;

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

/** The MLP cases of the issue (quick mode: the smallest only). */
export function mlpCases(quick: boolean): MlpCase[] {
  const all: MlpCase[] = [
    { inFeatures: 64, hidden: 128, classes: 10, batch: 64 },
    { inFeatures: 64, hidden: 128, classes: 10, batch: 256 },
    { inFeatures: 784, hidden: 512, classes: 10, batch: 128 },
  ];
  return quick ? all.slice(0, 1) : all;
}

/** Run the MLP training-step benchmarks. */
export async function mlpStepBench(config: BenchConfig): Promise<FamilyReport> {
  const report: FamilyReport = { results: [], ratios: [], checks: [] };
  for (const c of mlpCases(config.quick)) {
    const d = mlpData(c);
    const name = caseName(c);
    const ours = tapegradStep(c, d);
    const tfs = { cpu: await tfStep("cpu", c, d), wasm: await tfStep("wasm", c, d) };

    // Cross-check: the first three steps give the same losses on every side.
    const losses = (step: () => number): number[] => [step(), step(), step()];
    const ref = losses(ours);
    for (const backend of ["cpu", "wasm"] as const) {
      await useBackend(backend);
      const diff = relativeMaxDiff(losses(tfs[backend].step), ref);
      check(diff < 1e-4, `${name}: losses of tapegrad (${ref.join(", ")}) and tfjs-${backend} differ by ${diff}`);
      report.checks.push(`mlp ${name}: first 3 losses, tapegrad vs tfjs-${backend} max relative difference ${diff.toExponential(1)}`);
    }

    const timing = await compare(
      [
        { name: "tapegrad", run: () => void ours() },
        { name: "tfjs-cpu", before: () => useBackend("cpu"), run: () => void tfs.cpu.step() },
        { name: "tfjs-wasm", before: () => useBackend("wasm"), run: () => void tfs.wasm.step() },
      ],
      config.timing,
    );
    const rate = new Map<string, number>();
    for (const [impl, t] of timing) {
      rate.set(impl, 1000 / t.medianMs);
      report.results.push({ family: FAMILY, case: name, impl, metric: "steps", unit: "steps/s", value: 1000 / t.medianMs, medianMs: t.medianMs, samples: t.samples });
    }
    const vsWasm = rate.get("tapegrad")! / rate.get("tfjs-wasm")!;
    const vsCpu = rate.get("tapegrad")! / rate.get("tfjs-cpu")!;
    report.ratios.push(
      { family: FAMILY, case: name, name: "tapegrad / tfjs-wasm", value: vsWasm, target: ">= 1.5", met: vsWasm >= 1.5 },
      { family: FAMILY, case: name, name: "tapegrad / tfjs-cpu", value: vsCpu, target: "(none)", met: true },
    );
    tfs.cpu.dispose();
    tfs.wasm.dispose();
  }
  return report;
}
