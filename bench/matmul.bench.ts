/**
 * Family 1: float32 square matrix products, GFLOP/s (2 N^3 flops per product), tapegrad against
 * TF.js cpu and wasm on the same inputs; outputs are cross-checked.
 * @module
 */
import { type Tensor, matmul, noGrad, tensor } from "@tapegrad/core";
import type { BenchConfig } from "./config.js";
import { type FamilyReport, type Ratio, check, compare, relativeMaxDiff, seededData } from "./harness.js";
import { tf, useBackend } from "./tfjs.js";

const FAMILY = "matmul f32";

/** Run the matmul benchmarks. */
export async function matmulBench(config: BenchConfig): Promise<FamilyReport> {
  const sizes = config.quick ? [64, 128] : [64, 128, 256, 512, 1024];
  const report: FamilyReport = { results: [], ratios: [], checks: [] };
  for (const n of sizes) {
    const aData = seededData(n * n, 1 + n);
    const bData = seededData(n * n, 2 + n);
    const a = tensor(aData).reshape([n, n]);
    const b = tensor(bData).reshape([n, n]);
    const ours = (): Tensor => noGrad(() => matmul(a, b));
    const tfInputs = new Map<string, [tf.Tensor2D, tf.Tensor2D]>();
    for (const backend of ["cpu", "wasm"] as const) {
      await useBackend(backend);
      tfInputs.set(backend, [tf.tensor2d(aData, [n, n]), tf.tensor2d(bData, [n, n])]);
    }
    const tfRun = (backend: string) => (): Float32Array => {
      const [x, y] = tfInputs.get(backend)!;
      const out = tf.matMul(x, y);
      const data = out.dataSync() as Float32Array;
      out.dispose();
      return data;
    };

    // Cross-check before timing: every side computes the same product.
    const ref = ours().dataSync();
    for (const backend of ["cpu", "wasm"] as const) {
      await useBackend(backend);
      const diff = relativeMaxDiff(tfRun(backend)(), ref);
      check(diff < 1e-4, `matmul ${n}: tapegrad and tfjs-${backend} differ by ${diff} (relative)`);
      report.checks.push(`matmul ${n}x${n}: tapegrad vs tfjs-${backend} max relative difference ${diff.toExponential(1)}`);
    }

    const timing = await compare(
      [
        { name: "tapegrad", run: () => void ours() },
        { name: "tfjs-cpu", before: () => useBackend("cpu"), run: () => void tfRun("cpu")() },
        { name: "tfjs-wasm", before: () => useBackend("wasm"), run: () => void tfRun("wasm")() },
      ],
      // The pure-JS cpu backend needs ~1 s per 1024 product: fewer rounds there.
      n >= 1024 && !config.quick ? { ...config.timing, rounds: 5, warmup: 1 } : config.timing,
    );
    const flops = 2 * n * n * n;
    const gflops = new Map<string, number>();
    for (const [impl, t] of timing) {
      const value = flops / (t.medianMs * 1e6);
      gflops.set(impl, value);
      report.results.push({ family: FAMILY, case: `${n}x${n}`, impl, metric: "throughput", unit: "GFLOP/s", value, medianMs: t.medianMs, samples: t.samples });
    }
    const ours_ = gflops.get("tapegrad")!;
    const vsWasm = ours_ / gflops.get("tfjs-wasm")!;
    const vsCpu = ours_ / gflops.get("tfjs-cpu")!;
    const ratios: Ratio[] = [
      { family: FAMILY, case: `${n}x${n}`, name: "tapegrad / tfjs-wasm", value: vsWasm, target: n >= 256 ? ">= 1.0" : "(none)", met: n >= 256 ? vsWasm >= 1 : true },
      { family: FAMILY, case: `${n}x${n}`, name: "tapegrad / tfjs-cpu", value: vsCpu, target: ">= 5.0", met: vsCpu >= 5 },
    ];
    report.ratios.push(...ratios);
    for (const [x, y] of tfInputs.values()) {
      x.dispose();
      y.dispose();
    }
  }
  return report;
}
