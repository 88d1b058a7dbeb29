/**
 * Family 4: autograd overhead. A chain of tiny ops (alternating multiply and add with a constant
 * 4-element tensor) from one leaf, then a sum, forward + backward; microseconds per op of the
 * chain. The cost is almost all bookkeeping (op dispatch, tape recording, the backward walk), so
 * this is the per-op overhead of each framework. TF.js and PyTorch (one thread) run the same
 * chain; gradients are cross-checked.
 * @module
 */
import { type Tensor, add, mul, tensor } from "@tapegrad/core";
import type { BenchConfig } from "./config.js";
import { type Contender, type FamilyReport, check, compare, ratio, relativeMaxDiff } from "./harness.js";
import { b64, fromB64 } from "./pytorch.js";
import { type TfBackend, tf, useBackend } from "./tfjs.js";

const FAMILY = "autograd overhead";
const W = new Float32Array([0.5, -0.25, 1, 2]);
const C = new Float32Array([1.0001, 0.9999, 1.0002, 0.9998]);

/** tapegrad: build the chain from a fresh leaf, backward, return the leaf's gradient. */
function tapegradChain(ops: number): () => Float32Array {
  const c = tensor(C);
  return () => {
    const w = tensor(W, { requiresGrad: true });
    let y: Tensor = w;
    for (let i = 0; i < ops; i++) y = i % 2 === 0 ? mul(y, c) : add(y, c);
    y.sum().backward();
    return w.grad!.dataSync() as Float32Array;
  };
}

/** TF.js: the same chain under `tf.grad` on `backend` (active when called). */
async function tfChain(backend: TfBackend, ops: number): Promise<{ run: () => Float32Array; dispose: () => void }> {
  await useBackend(backend);
  const w = tf.tensor1d(W);
  const c = tf.tensor1d(C);
  const f = tf.grad((x: tf.Tensor) => {
    let y = x;
    for (let i = 0; i < ops; i++) y = i % 2 === 0 ? tf.mul(y, c) : tf.add(y, c);
    return tf.sum(y);
  });
  const run = (): Float32Array => {
    const g = tf.tidy(() => f(w));
    const data = g.dataSync() as Float32Array;
    g.dispose();
    return data;
  };
  return { run, dispose: () => [w, c].forEach((t) => t.dispose()) };
}

/** Run the autograd-overhead benchmark. */
export async function autogradOverheadBench(config: BenchConfig): Promise<FamilyReport> {
  const report: FamilyReport = { results: [], ratios: [], checks: [] };
  const ops = config.quick ? 1000 : 10_000;
  const name = `chain of ${ops}`;
  const ours = tapegradChain(ops);
  const tfs = { cpu: await tfChain("cpu", ops), wasm: await tfChain("wasm", ops) };
  const ref = ours();
  for (const backend of ["cpu", "wasm"] as const) {
    await useBackend(backend);
    const diff = relativeMaxDiff(tfs[backend].run(), ref);
    check(diff < 1e-4, `autograd chain: gradients of tapegrad and tfjs-${backend} differ by ${diff}`);
    report.checks.push(`autograd ${name}: gradient, tapegrad vs tfjs-${backend} max relative difference ${diff.toExponential(1)}`);
  }
  const torch: Contender[] = [];
  const peer = config.peers.pytorch1;
  const id = peer?.caseId("chain") ?? "";
  if (peer !== null) {
    const answer = await peer.setup<{ grad: string }>(id, "chain", { w: b64(W), c: b64(C), ops });
    const diff = relativeMaxDiff(fromB64(answer.grad), ref);
    check(diff < 1e-4, `autograd chain: gradients of tapegrad and ${peer.name} differ by ${diff}`);
    report.checks.push(`autograd ${name}: gradient, tapegrad vs ${peer.name} max relative difference ${diff.toExponential(1)}`);
    torch.push(peer.contender(id));
  }
  const timing = await compare(
    [
      { name: "tapegrad", run: () => void ours() },
      { name: "tfjs-cpu", before: () => useBackend("cpu"), run: () => void tfs.cpu.run() },
      { name: "tfjs-wasm", before: () => useBackend("wasm"), run: () => void tfs.wasm.run() },
      ...torch,
    ],
    config.timing,
  );
  const perOp = new Map<string, number>();
  for (const [impl, t] of timing) {
    const us = (t.medianMs * 1000) / ops;
    perOp.set(impl, us);
    report.results.push({ family: FAMILY, case: name, impl, metric: "fwd+bwd per op", unit: "us/op", value: us, medianMs: t.medianMs, samples: t.samples });
  }
  for (const backend of ["tfjs-cpu", "tfjs-wasm"]) {
    const r = perOp.get("tapegrad")! / perOp.get(backend)!;
    report.ratios.push({ family: FAMILY, case: name, name: `tapegrad / ${backend} (time per op)`, value: r, target: "<= 0.5", met: r <= 0.5 });
  }
  // The issue: at most 1 us per recorded op forward + backward, at least 3x PyTorch's speed.
  const usPerOp = perOp.get("tapegrad")!;
  report.ratios.push(ratio(FAMILY, name, "tapegrad us/op (fwd+bwd)", usPerOp, { atMost: 1.0 }));
  if (peer !== null) {
    report.ratios.push(ratio(FAMILY, name, `tapegrad / ${peer.name} (speed)`, perOp.get(peer.name)! / usPerOp, { atLeast: 3.0 }));
    await peer.drop(id);
  }
  tfs.cpu.dispose();
  tfs.wasm.dispose();
  return report;
}
