/**
 * Family 3: one ASGD step on 1e6 and 1e7 float32 parameters (single-tensor and foreach), in GB/s of
 * bytes read and written (p, g, ax read; p, ax written: 20 bytes per parameter), beside a plain
 * typed-array copy moving the same number of bytes in the same run (the practical bandwidth limit).
 * TF.js has no ASGD: the same update written with its ops (what a TF.js user would do) is timed
 * for the single-tensor case and cross-checked against tapegrad. A third tapegrad row gives the
 * parameter a new gradient tensor at every step (as a training loop does by default), which the
 * optimizer copies in instead of updating in place.
 * @module
 */
import { Tensor, tensor } from "@tapegrad/core";
import { ASGD } from "@tapegrad/optim";
import type { BenchConfig } from "./config.js";
import { type Contender, type FamilyReport, check, compare, relativeMaxDiff, seededData } from "./harness.js";
import { type TfBackend, tf, useBackend } from "./tfjs.js";

const FAMILY = "asgd step";
const HYPER = { lr: 0.01, lambd: 1e-4, alpha: 0.75, t0: 0, weightDecay: 0 };
/** Bytes moved per parameter: three float32 reads, two float32 writes. */
const BYTES_PER_PARAM = 20;

/**
 * A tapegrad ASGD optimizer over one parameter of `p`'s values, whose gradient stays `g` (so the
 * optimizer pins it after the first step, as it does for gradients kept with
 * `zeroGrad(false)`), or, with `freshGrads`, gets a new gradient tensor at every
 * step, like a new gradient from every backward: never pinned, copied in at every step. (The new
 * tensor wraps the same values, so the benchmark times the update, not the making of a gradient.)
 */
function tapegradAsgd(p: Float32Array, g: Float32Array, foreach: boolean, freshGrads = false): { step: () => void; param: Tensor; averaged: () => Float32Array } {
  const param = tensor(p, { requiresGrad: true });
  const values = new Float32Array(g);
  param.grad = tensor(g);
  const opt = new ASGD([param], { ...HYPER, foreach });
  return {
    step: () => {
      if (freshGrads) param.grad = Tensor.fromData(values, [values.length], "float32");
      opt.step();
    },
    param,
    averaged: () => opt.averagedParams().get(param)!.dataSync() as Float32Array,
  };
}

/**
 * The same update with TF.js ops (PyTorch's schedule: step s uses eta_s and mu_s, then
 * eta = lr / (1 + lambd * lr * s)^alpha and mu = 1 / max(1, s - t0)).
 */
async function tfAsgd(backend: TfBackend, p: Float32Array, g: Float32Array) {
  await useBackend(backend);
  const param = tf.variable(tf.tensor1d(p));
  const grad = tf.tensor1d(g);
  const ax = tf.variable(tf.zerosLike(param));
  let s = 0;
  let eta = HYPER.lr;
  let mu = 1;
  const step = (): void => {
    tf.tidy(() => {
      const p2: tf.Tensor1D = tf.sub(tf.mul(param, 1 - HYPER.lambd * eta), tf.mul(grad, eta));
      param.assign(p2);
      ax.assign(mu !== 1 ? tf.add(ax, tf.mul(tf.sub(p2, ax), mu)) : p2);
    });
    s++;
    eta = HYPER.lr / Math.pow(1 + HYPER.lambd * HYPER.lr * s, HYPER.alpha);
    mu = 1 / Math.max(1, s - HYPER.t0);
  };
  return { step, param, ax, dispose: () => [param, grad, ax].forEach((t) => t.dispose()) };
}

/** Run the ASGD benchmarks. */
export async function asgdStepBench(config: BenchConfig): Promise<FamilyReport> {
  const report: FamilyReport = { results: [], ratios: [], checks: [] };

  // Cross-check on a small vector: five steps, parameters and averages agree with the TF.js version.
  const pSmall = seededData(1000, 21);
  const gSmall = seededData(1000, 22);
  for (const foreach of [false, true]) {
    const ours = tapegradAsgd(pSmall, gSmall, foreach);
    const theirs = await tfAsgd("cpu", pSmall, gSmall);
    for (let i = 0; i < 5; i++) {
      ours.step();
      theirs.step();
    }
    const dp = relativeMaxDiff(ours.param.dataSync(), theirs.param.dataSync());
    const dax = relativeMaxDiff(ours.averaged(), theirs.ax.dataSync());
    check(dp < 1e-5 && dax < 1e-5, `asgd (foreach ${foreach}): tapegrad and TF.js ops differ (params ${dp}, averages ${dax})`);
    report.checks.push(`asgd 5 steps (foreach ${foreach}): tapegrad vs tfjs ops, params ${dp.toExponential(1)}, averages ${dax.toExponential(1)}`);
    theirs.dispose();
  }

  const sizes = config.quick ? [1e6] : [1e6, 1e7];
  for (const n of sizes) {
    const p = seededData(n, 31);
    const g = seededData(n, 32).map((v) => v * 1e-3);
    const single = tapegradAsgd(p, g, false);
    const foreach = tapegradAsgd(p, g, true);
    const fresh = tapegradAsgd(p, g, false, true);
    // The copy moves as many bytes as the update: 2.5 n floats read and 2.5 n written.
    const src = seededData(Math.round(2.5 * n), 33);
    const dst = new Float32Array(src.length);
    const tfs = { cpu: await tfAsgd("cpu", p, g), wasm: await tfAsgd("wasm", p, g) };
    const contenders: Contender[] = [
      { name: "tapegrad", run: single.step },
      { name: "tapegrad foreach", run: foreach.step },
      { name: "tapegrad fresh-grad", run: fresh.step },
      { name: "copy", run: () => dst.set(src) },
      { name: "tfjs-cpu (ops)", before: () => useBackend("cpu"), run: tfs.cpu.step },
      { name: "tfjs-wasm (ops)", before: () => useBackend("wasm"), run: tfs.wasm.step },
    ];
    const timing = await compare(contenders, { ...config.timing, minSampleMs: Math.max(config.timing.minSampleMs, 30) });
    const gbs = new Map<string, number>();
    const label = `${n.toExponential(0)} params`;
    for (const [impl, t] of timing) {
      const value = (BYTES_PER_PARAM * n) / (t.medianMs * 1e6);
      gbs.set(impl, value);
      const metric = impl.includes("foreach") ? "foreach" : impl.includes("fresh-grad") ? "single, fresh grad" : "single";
      report.results.push({ family: FAMILY, case: label, impl: impl.replace(/ (foreach|fresh-grad)/, "").replace(" (ops)", ""), metric, unit: "GB/s", value, medianMs: t.medianMs, samples: t.samples });
    }
    for (const impl of ["tapegrad", "tapegrad foreach", "tapegrad fresh-grad"]) {
      const r = gbs.get(impl)! / gbs.get("copy")!;
      report.ratios.push({ family: FAMILY, case: label, name: `${impl} / copy`, value: r, target: ">= 0.6", met: r >= 0.6 });
    }
    const vsWasm = gbs.get("tapegrad")! / gbs.get("tfjs-wasm (ops)")!;
    report.ratios.push({ family: FAMILY, case: label, name: "tapegrad / tfjs-wasm (ops)", value: vsWasm, target: "(none)", met: true });
    tfs.cpu.dispose();
    tfs.wasm.dispose();
  }
  return report;
}
