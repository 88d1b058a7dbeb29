/**
 * Families "conv2d" and "cnn step": a convolution's forward and backward (input and weight
 * gradients) on a LeNet-size and a small VGG-like shape, and one training step of a small CNN
 * (conv-relu-maxpool x2, linear, cross-entropy, SGD), tapegrad (NCHW) against TF.js wasm (NHWC,
 * its native layout) from identical weights and data; results are cross-checked first.
 * @module
 */
import { type Tensor, conv2d, noGrad, tensor } from "@tapegrad/core";
import { Conv2d, F, Linear, MaxPool2d, ReLU, Sequential, Flatten } from "@tapegrad/nn";
import { SGD } from "@tapegrad/optim";
import type { BenchConfig } from "./config.js";
import { type FamilyReport, check, compare, relativeMaxDiff, seededData } from "./harness.js";
import { tf, useBackend } from "./tfjs.js";

let shimmed = false;

/**
 * TF.js 4.22's wasm backend has no `Conv2DBackpropFilter` kernel (it has Conv2D,
 * Conv2DBackpropInput and the 3-D `Conv3DBackpropFilterV2`), so it cannot train a CNN as
 * shipped. Register one for it that runs its own wasm 3-D filter gradient on a depth of 1: every
 * part of the TF.js side stays in its wasm backend.
 */
function shimWasmConv2dFilterGrad(): void {
  if (shimmed || tf.getKernel("Conv2DBackpropFilter", "wasm") !== undefined) return;
  shimmed = true;
  tf.registerKernel({
    kernelName: "Conv2DBackpropFilter",
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs }) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const a = attrs as unknown as { strides: number | [number, number]; pad: "same" | "valid"; filterShape: [number, number, number, number] };
      const [n, h, w, c] = x.shape as [number, number, number, number];
      const [, oh, ow, oc] = dy.shape as [number, number, number, number];
      const s = typeof a.strides === "number" ? [a.strides, a.strides] : a.strides;
      const e = tf.engine();
      const x5 = e.runKernel("Reshape", { x: x as tf.Tensor }, { shape: [n, 1, h, w, c] }) as tf.Tensor;
      const dy5 = e.runKernel("Reshape", { x: dy as tf.Tensor }, { shape: [n, 1, oh, ow, oc] }) as tf.Tensor;
      const f5 = e.runKernel("Conv3DBackpropFilterV2", { x: x5, dy: dy5 }, { strides: [1, s[0], s[1]], pad: a.pad, filterShape: [1, ...a.filterShape] }) as tf.Tensor;
      const out = e.runKernel("Reshape", { x: f5 }, { shape: a.filterShape }) as tf.Tensor;
      x5.dispose();
      dy5.dispose();
      f5.dispose();
      return out;
    },
  });
}

/** One convolution shape: input `[n, c, h, w]`, `oc` kernels of `k x k`, padding `pad`. */
interface ConvCase {
  label: string;
  n: number; c: number; h: number; w: number; oc: number; k: number; pad: number;
}

/** NCHW data to NHWC (and OIHW kernels to HWIO with `toHwio`). */
function nchwToNhwc(data: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let a = 0; a < n; a++) for (let b = 0; b < c; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[((a * h + y) * w + x) * c + b] = data[((a * c + b) * h + y) * w + x]!;
  return out;
}
function oihwToHwio(data: Float32Array, o: number, i: number, k: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) out[((y * k + x) * i + b) * o + a] = data[((a * i + b) * k + y) * k + x]!;
  return out;
}

function convCases(quick: boolean): ConvCase[] {
  const all: ConvCase[] = [
    { label: "LeNet conv1 1->6 5x5 p2 @28x28 b64", n: 64, c: 1, h: 28, w: 28, oc: 6, k: 5, pad: 2 },
    { label: "LeNet conv2 6->16 5x5 @14x14 b64", n: 64, c: 6, h: 14, w: 14, oc: 16, k: 5, pad: 0 },
    { label: "VGG block 64->64 3x3 p1 @32x32 b8", n: 8, c: 64, h: 32, w: 32, oc: 64, k: 3, pad: 1 },
  ];
  return quick ? [{ label: "tiny 3->4 3x3 p1 @8x8 b4", n: 4, c: 3, h: 8, w: 8, oc: 4, k: 3, pad: 1 }] : all;
}

/** Forward + backward of one convolution on each side, as `sum(conv(x, w) * g)` differentiated in x and w. */
export async function convBench(config: BenchConfig): Promise<FamilyReport> {
  shimWasmConv2dFilterGrad();
  const report: FamilyReport = { results: [], ratios: [], checks: [] };
  for (const c of convCases(config.quick)) {
    const oh = c.h + 2 * c.pad - c.k + 1;
    const ow = c.w + 2 * c.pad - c.k + 1;
    const xData = seededData(c.n * c.c * c.h * c.w, 21);
    const wData = seededData(c.oc * c.c * c.k * c.k, 22).map((v) => v / Math.sqrt(c.c * c.k * c.k));
    const gData = seededData(c.n * c.oc * oh * ow, 23);
    const x = tensor(xData).reshape([c.n, c.c, c.h, c.w]).requiresGrad_(true);
    const w = tensor(wData).reshape([c.oc, c.c, c.k, c.k]).requiresGrad_(true);
    const g = tensor(gData).reshape([c.n, c.oc, oh, ow]);
    const ours = (): [Tensor, Tensor, Tensor] => {
      x.grad = null;
      w.grad = null;
      const y = conv2d(x, w, null, { padding: c.pad });
      y.mul(g).sum().backward();
      return [y, x.grad!, w.grad!];
    };
    const oursForward = (): Tensor => noGrad(() => conv2d(x, w, null, { padding: c.pad }));
    await useBackend("wasm");
    const tx = tf.tensor4d(nchwToNhwc(xData, c.n, c.c, c.h, c.w), [c.n, c.h, c.w, c.c]);
    const tw = tf.tensor4d(oihwToHwio(wData, c.oc, c.c, c.k), [c.k, c.k, c.c, c.oc]);
    const tg = tf.tensor4d(nchwToNhwc(gData, c.n, c.oc, oh, ow), [c.n, oh, ow, c.oc]);
    // Every case pads by (k - 1) / 2 or not at all: TF.js's "same" or "valid" (the 3-D filter gradient takes only these).
    const pad = c.pad === 0 ? "valid" : "same";
    const tfForward = (): tf.Tensor4D => tf.conv2d(tx, tw, 1, pad);
    const tfGrads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad), tg)));
    const tfBoth = (): tf.Tensor[] => {
      const y = tfForward();
      const [dx, dw] = tfGrads([tx, tw]);
      return [y, dx!, dw!];
    };

    // Cross-check forward, dx and dw.
    const [y, dx, dw] = ours();
    const [ty, tdx, tdw] = tfBoth();
    const diffs = [
      relativeMaxDiff(nchwToNhwc(y.dataSync() as Float32Array, c.n, c.oc, oh, ow), ty!.dataSync()),
      relativeMaxDiff(nchwToNhwc(dx.dataSync() as Float32Array, c.n, c.c, c.h, c.w), tdx!.dataSync()),
      relativeMaxDiff(oihwToHwio(dw.dataSync() as Float32Array, c.oc, c.c, c.k), tdw!.dataSync()),
    ];
    for (const t of [ty, tdx, tdw]) t!.dispose();
    check(Math.max(...diffs) < 1e-4, `conv2d ${c.label}: tapegrad and tfjs-wasm differ (forward, dx, dw: ${diffs.join(", ")})`);
    report.checks.push(`conv2d ${c.label}: forward, dx, dw vs tfjs-wasm max relative difference ${Math.max(...diffs).toExponential(1)}`);

    // Fewer rounds than the other families: the VGG-like case takes about a second per call on a loaded machine.
    const slow = config.quick ? config.timing : { ...config.timing, warmup: 1, rounds: 5 };
    const timing = await compare(
      [
        { name: "tapegrad", run: () => void oursForward() },
        { name: "tfjs-wasm", before: () => useBackend("wasm"), run: () => tf.tidy(() => void tfForward().dataSync()) },
      ],
      slow,
    );
    const timingBoth = await compare(
      [
        { name: "tapegrad", run: () => void ours() },
        { name: "tfjs-wasm", before: () => useBackend("wasm"), run: () => tf.tidy(() => void tfBoth().forEach((t) => t.dataSync())) },
      ],
      slow,
    );
    const macs = c.n * c.oc * oh * ow * c.c * c.k * c.k;
    for (const [what, t, flops] of [["forward", timing, 2 * macs], ["forward+backward", timingBoth, 6 * macs]] as const) {
      for (const [impl, tm] of t) {
        report.results.push({ family: "conv2d", case: `${c.label} ${what}`, impl, metric: "throughput", unit: "GFLOP/s", value: flops / (tm.medianMs * 1e6), medianMs: tm.medianMs, samples: tm.samples });
      }
      const ratio = t.get("tfjs-wasm")!.medianMs / t.get("tapegrad")!.medianMs;
      report.ratios.push({ family: "conv2d", case: `${c.label} ${what}`, name: "tapegrad / tfjs-wasm", value: ratio, target: "(none)", met: true });
    }
    for (const t of [tx, tw, tg]) t.dispose();
  }
  return report;
}

/** The CNN of the example (without batch norm): conv(1->8, 3, p1)-relu-maxpool2, conv(8->16, 3, p1)-relu-maxpool2, linear(16*7*7 -> 10). */
interface CnnData {
  w1: Float32Array; b1: Float32Array; w2: Float32Array; b2: Float32Array; w3: Float32Array; b3: Float32Array;
  x: Float32Array; labels: Int32Array;
}
const C1 = 8;
const C2 = 16;
const LR = 0.05;

function cnnData(batch: number): CnnData {
  const s = (n: number, seed: number, fanIn: number): Float32Array => seededData(n, seed).map((v) => v / Math.sqrt(fanIn));
  const labels = new Int32Array(batch);
  for (let i = 0; i < batch; i++) labels[i] = (i * 7 + 3) % 10;
  return {
    w1: s(C1 * 9, 31, 9), b1: s(C1, 32, 9), w2: s(C2 * C1 * 9, 33, C1 * 9), b2: s(C2, 34, C1 * 9),
    w3: s(10 * C2 * 49, 35, C2 * 49), b3: s(10, 36, C2 * 49), x: seededData(batch * 784, 37), labels,
  };
}

function tapegradCnn(batch: number, d: CnnData): () => number {
  const conv1 = new Conv2d(1, C1, 3, { padding: 1 });
  const conv2 = new Conv2d(C1, C2, 3, { padding: 1 });
  const fc = new Linear(C2 * 49, 10);
  noGrad(() => {
    conv1.weight.copy_(tensor(d.w1).reshape([C1, 1, 3, 3]));
    conv1.bias!.copy_(tensor(d.b1));
    conv2.weight.copy_(tensor(d.w2).reshape([C2, C1, 3, 3]));
    conv2.bias!.copy_(tensor(d.b2));
    fc.weight.copy_(tensor(d.w3).reshape([10, C2 * 49]));
    fc.bias!.copy_(tensor(d.b3));
  });
  const model = new Sequential(conv1, new ReLU(), new MaxPool2d(2), conv2, new ReLU(), new MaxPool2d(2), new Flatten(), fc);
  const opt = new SGD(model.parameters(), { lr: LR });
  const x = tensor(d.x).reshape([batch, 1, 28, 28]);
  const y = tensor(d.labels, { dtype: "int32" });
  return () => {
    opt.zeroGrad();
    const loss = F.crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    return loss.item();
  };
}

async function tfCnn(batch: number, d: CnnData): Promise<{ step: () => number; dispose: () => void }> {
  await useBackend("wasm");
  const w1 = tf.variable(tf.tensor4d(oihwToHwio(d.w1, C1, 1, 3), [3, 3, 1, C1]));
  const b1 = tf.variable(tf.tensor1d(d.b1));
  const w2 = tf.variable(tf.tensor4d(oihwToHwio(d.w2, C2, C1, 3), [3, 3, C1, C2]));
  const b2 = tf.variable(tf.tensor1d(d.b2));
  // The linear layer reads tapegrad's NCHW flattening: permute its input columns to NHWC order once.
  const w3nhwc = new Float32Array(10 * C2 * 49);
  for (let o = 0; o < 10; o++) for (let ch = 0; ch < C2; ch++) for (let p = 0; p < 49; p++) w3nhwc[o * C2 * 49 + p * C2 + ch] = d.w3[o * C2 * 49 + ch * 49 + p]!;
  const w3 = tf.variable(tf.tensor2d(w3nhwc, [10, C2 * 49]));
  const b3 = tf.variable(tf.tensor1d(d.b3));
  const x = tf.tensor4d(d.x, [batch, 28, 28, 1]);
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(d.labels, "int32"), 10), "float32"));
  const opt = tf.train.sgd(LR);
  const step = (): number => {
    const loss = opt.minimize(
      () => {
        const h1 = tf.maxPool(tf.relu(tf.add(tf.conv2d(x, w1 as tf.Tensor4D, 1, "same"), b1)) as tf.Tensor4D, 2, 2, "valid");
        const h2 = tf.maxPool(tf.relu(tf.add(tf.conv2d(h1, w2 as tf.Tensor4D, 1, "same"), b2)) as tf.Tensor4D, 2, 2, "valid");
        const logits = tf.add(tf.matMul(tf.reshape(h2, [batch, C2 * 49]), w3, false, true), b3);
        return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
      },
      true,
      [w1, b1, w2, b2, w3, b3],
    )!;
    const v = loss.dataSync()[0]!;
    loss.dispose();
    return v;
  };
  return { step, dispose: () => { for (const t of [w1, b1, w2, b2, w3, b3, x, y]) t.dispose(); opt.dispose(); } };
}

/** One training step of the small CNN, steps/s. */
export async function cnnStepBench(config: BenchConfig): Promise<FamilyReport> {
  shimWasmConv2dFilterGrad();
  const report: FamilyReport = { results: [], ratios: [], checks: [] };
  for (const batch of config.quick ? [8] : [32, 128]) {
    const name = `28x28 conv8-conv16-fc b${batch}`;
    const d = cnnData(batch);
    const ours = tapegradCnn(batch, d);
    const theirs = await tfCnn(batch, d);
    const ref = [ours(), ours(), ours()];
    const got = [theirs.step(), theirs.step(), theirs.step()];
    const before = tf.memory().numTensors;
    theirs.step();
    check(tf.memory().numTensors === before, `cnn ${name}: a TF.js step leaks tensors (${before} -> ${tf.memory().numTensors})`);
    const diff = relativeMaxDiff(got, ref);
    check(diff < 1e-4, `cnn ${name}: losses of tapegrad (${ref.join(", ")}) and tfjs-wasm (${got.join(", ")}) differ by ${diff}`);
    report.checks.push(`cnn ${name}: first 3 losses, tapegrad vs tfjs-wasm max relative difference ${diff.toExponential(1)}`);
    const timing = await compare(
      [
        { name: "tapegrad", run: () => void ours() },
        { name: "tfjs-wasm", before: () => useBackend("wasm"), run: () => void theirs.step() },
      ],
      config.timing,
    );
    for (const [impl, t] of timing) {
      report.results.push({ family: "cnn step", case: name, impl, metric: "steps", unit: "steps/s", value: 1000 / t.medianMs, medianMs: t.medianMs, samples: t.samples });
    }
    const ratio = timing.get("tfjs-wasm")!.medianMs / timing.get("tapegrad")!.medianMs;
    report.ratios.push({ family: "cnn step", case: name, name: "tapegrad / tfjs-wasm", value: ratio, target: ">= 1.5", met: ratio >= 1.5 });
    theirs.dispose();
  }
  return report;
}
