// The nn layers of issue 15 against PyTorch (test/golden/layers.json, float64): activations and
// normalization functions (forward, gradients, Hessian-vector products), BatchNorm modules through
// train and eval steps (outputs, gradients, running statistics), and state-dict keys.
import { describe, expect, test } from "vitest";
import { type Tensor, grad, noGrad } from "@tapegrad/core";
import { BatchNorm1d, BatchNorm2d, F, LayerNorm, Linear, type Module, ReLU, Sequential } from "@tapegrad/nn";
import { type Encoded, type GoldenFn, type OpCase, checkOpCase, decode, expectClose, loadLayersGolden } from "./support/layers-golden.js";

/** The tapegrad form of each nn function the golden file names. */
export const nnOps: Record<string, GoldenFn> = {
  silu: (t) => F.silu(t.x!).mul(t.x!),
  leaky_relu: (t, a) => F.leakyRelu(t.x!, a.negative_slope).mul(t.x!),
  elu: (t, a) => F.elu(t.x!, a.alpha).mul(t.x!),
  softplus: (t, a) => F.softplus(t.x!, a.beta, a.threshold).mul(t.x!),
  hardtanh: (t, a) => F.hardtanh(t.x!, a.min_val, a.max_val).mul(t.x!),
  relu6: (t) => F.relu6(t.x!).mul(t.x!),
  mish: (t) => F.mish(t.x!).mul(t.x!),
  gelu: (t) => F.gelu(t.x!).mul(t.x!),
  batch_norm_train: (t, a) => F.batchNorm(t.x!, null, null, { weight: t.weight, bias: t.bias, training: true, eps: a.eps }),
  batch_norm_train_plain: (t, a) => F.batchNorm(t.x!, null, null, { training: true, eps: a.eps }),
  batch_norm_eval: (t, a) => F.batchNorm(t.x!, t.running_mean!, t.running_var!, { weight: t.weight, bias: t.bias, eps: a.eps }),
  layer_norm: (t, a) => F.layerNorm(t.x!, a.shape, { weight: t.weight, bias: t.bias, eps: a.eps }),
  layer_norm_plain: (t, a) => F.layerNorm(t.x!, a.shape, { eps: a.eps }),
  normalize: (t, a) => F.normalize(t.x!, { p: a.p, dim: a.dim, eps: a.eps }),
};

interface Step {
  x: Encoded;
  upstream: Encoded;
  y: Encoded;
  x_grad: Encoded;
  weight_grad?: Encoded | null;
  bias_grad?: Encoded | null;
  state?: Record<string, Encoded>;
}
interface BatchNormRun {
  name: string;
  kind: "batchnorm_run";
  module: "BatchNorm1d" | "BatchNorm2d";
  num_features: number;
  options: { momentum?: number | null; eps?: number; affine?: boolean; track_running_stats?: boolean };
  initial: { weight: Encoded; bias: Encoded } | null;
  train_steps: Step[];
  eval_step: Step;
}
interface KeysCase {
  name: string;
  kind: "state_dict_keys";
  keys: string[];
  shapes: Record<string, number[]>;
}

const all = loadLayersGolden<{ kind: string; name: string }>();
const opCases = all.filter((c): c is OpCase => c.kind === "op" && (c as OpCase).op in nnOps);
const runs = all.filter((c): c is BatchNormRun => c.kind === "batchnorm_run");
const keyCases = all.filter((c): c is KeysCase => c.kind === "state_dict_keys");

describe("activations and normalization functions against PyTorch", () => {
  test.each(opCases.map((c) => [c.name, c] as const))("%s", (_name, c) => checkOpCase(c, nnOps[c.op]!));
});

function runStep(m: Module, step: Step, what: string): void {
  const x = decode(step.x).requiresGrad_(true);
  const y = m.call(x) as Tensor;
  expectClose(y, step.y, `${what} y`);
  const params = m.parameters();
  const gs = grad(y.mul(decode(step.upstream)).sum(), [x, ...params]);
  expectClose(gs[0], step.x_grad, `${what} x grad`);
  if (step.weight_grad) expectClose(gs[1], step.weight_grad, `${what} weight grad`);
  if (step.bias_grad) expectClose(gs[2], step.bias_grad, `${what} bias grad`);
  if (step.state) {
    const sd = m.stateDict();
    expect(Object.keys(sd)).toEqual(Object.keys(step.state));
    for (const [k, v] of Object.entries(step.state)) expectClose(sd[k], v, `${what} state ${k}`);
  }
}

describe("BatchNorm modules through train steps and an eval step", () => {
  test.each(runs.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const o = c.options;
    const Cls = c.module === "BatchNorm1d" ? BatchNorm1d : BatchNorm2d;
    const m = new Cls(c.num_features, { momentum: o.momentum, eps: o.eps, affine: o.affine, trackRunningStats: o.track_running_stats, dtype: "float64" });
    if (c.initial) {
      noGrad(() => {
        m.weight!.copy_(decode(c.initial!.weight));
        m.bias!.copy_(decode(c.initial!.bias));
      });
    }
    c.train_steps.forEach((s, i) => runStep(m, s, `${c.name} train step ${i + 1}`));
    m.eval();
    runStep(m, c.eval_step, `${c.name} eval step`);
  });
});

/** Each key case's module, built as the generator built it. */
const keyModules: Record<string, () => Module> = {
  keys_BatchNorm1d: () => new BatchNorm1d(4),
  keys_BatchNorm2d_no_affine: () => new BatchNorm2d(3, { affine: false }),
  keys_BatchNorm1d_no_stats: () => new BatchNorm1d(4, { trackRunningStats: false }),
  keys_LayerNorm: () => new LayerNorm([3, 4]),
  keys_Sequential_bn: () => new Sequential(new Linear(2, 3), new BatchNorm1d(3), new ReLU()),
};

describe("state-dict keys and shapes are PyTorch's", () => {
  test.each(keyCases.filter((c) => c.name in keyModules).map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const sd = keyModules[c.name]!().stateDict();
    expect(Object.keys(sd)).toEqual(c.keys);
    for (const k of c.keys) expect(sd[k]!.shape, k).toEqual(c.shapes[k]);
  });
});
