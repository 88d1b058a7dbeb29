/**
 * nn.Linear against PyTorch (test/golden/nn_linear.json): forward, backward of (output * upstream).sum(),
 * F.mseLoss on the output with its gradients, and the default-init bounds.
 */
import { readFileSync } from "node:fs";
import { type Tensor, manualSeed, tensor } from "@tapegrad/core";
import { F, Linear, init } from "@tapegrad/nn";
import { describe, expect, test } from "vitest";

interface Encoded {
  shape: number[];
  data: number[];
}

interface LinearCase {
  name: string;
  in_features: number;
  out_features: number;
  bias: boolean;
  weight: Encoded;
  bias_value: Encoded | null;
  x: Encoded;
  output: Encoded;
  upstream: Encoded;
  grad_x: Encoded;
  grad_weight: Encoded;
  grad_bias: Encoded | null;
  mse?: { target: Encoded; loss: number; grad_x: Encoded; grad_weight: Encoded; grad_bias: Encoded | null };
}

interface InitBound {
  fan_in: number;
  weight_shape: number[];
  weight_bound: number;
  bias_bound: number;
}

const golden = JSON.parse(readFileSync(new URL("./golden/nn_linear.json", import.meta.url), "utf8")) as {
  dtype: string;
  cases: LinearCase[];
  init_bounds: InitBound[];
};

const RTOL = 1e-5;
const ATOL = 1e-6;

function decode(e: Encoded, requiresGrad = false): Tensor {
  return tensor(e.data, { dtype: "float32", requiresGrad }).reshape(e.shape).detach().requiresGrad_(requiresGrad);
}

function expectClose(got: Tensor | null, want: Encoded | number, what: string): void {
  expect(got, what).not.toBeNull();
  const wantShape = typeof want === "number" ? [] : want.shape;
  const wantData = typeof want === "number" ? [want] : want.data;
  expect(got!.shape, `${what} shape`).toEqual(wantShape);
  expect(got!.dtype, `${what} dtype`).toBe("float32");
  const values = Array.from(got!.dataSync());
  values.forEach((v, i) => {
    const w = wantData[i]!;
    expect(Math.abs(v - w), `${what}[${i}]: got ${v}, want ${w}`).toBeLessThanOrEqual(ATOL + RTOL * Math.abs(w));
  });
}

function buildLinear(c: LinearCase): Linear {
  const layer = new Linear(c.in_features, c.out_features, { bias: c.bias });
  const state: Record<string, Tensor> = { weight: decode(c.weight) };
  if (c.bias_value !== null) state.bias = decode(c.bias_value);
  layer.loadStateDict(state);
  return layer;
}

describe("nn_linear.json", () => {
  test("file is float32 and has the 6 documented cases", () => {
    expect(golden.dtype).toBe("float32");
    expect(golden.cases).toHaveLength(6);
  });

  for (const c of golden.cases) {
    test(`${c.name}: forward and backward`, () => {
      const layer = buildLinear(c);
      expect(layer.bias === null).toBe(!c.bias);
      const x = decode(c.x, true);
      const out = layer.forward(x);
      expectClose(out, c.output, "output");
      out.mul(decode(c.upstream)).sum().backward();
      expectClose(x.grad, c.grad_x, "grad_x");
      expectClose(layer.weight.grad, c.grad_weight, "grad_weight");
      if (c.grad_bias === null) expect(layer.bias).toBeNull();
      else expectClose(layer.bias!.grad, c.grad_bias, "grad_bias");
    });

    if (c.mse !== undefined) {
      const mse = c.mse;
      test(`${c.name}: mse loss and its gradients`, () => {
        const layer = buildLinear(c);
        const x = decode(c.x, true);
        const loss = F.mseLoss(layer.forward(x), decode(mse.target));
        expectClose(loss, mse.loss, "loss");
        loss.backward();
        expectClose(x.grad, mse.grad_x, "mse grad_x");
        expectClose(layer.weight.grad, mse.grad_weight, "mse grad_weight");
        if (mse.grad_bias === null) expect(layer.bias).toBeNull();
        else expectClose(layer.bias!.grad, mse.grad_bias, "mse grad_bias");
      });
    }
  }
});

describe("nn_linear.json init_bounds", () => {
  test("covers several fan-ins", () => {
    expect(golden.init_bounds.length).toBeGreaterThanOrEqual(5);
  });

  for (const b of golden.init_bounds) {
    test(`fan_in ${b.fan_in}: bound formulas and sampled values`, () => {
      const probe = new Linear(b.fan_in, b.weight_shape[0]!);
      const [fanIn] = init.calculateFanInAndFanOut(probe.weight);
      expect(fanIn).toBe(b.fan_in);
      // torch: gain = calculate_gain("leaky_relu", sqrt(5)); bound = sqrt(3) * (gain / sqrt(fan_in)).
      const weightBound = Math.sqrt(3.0) * (init.calculateGain("leaky_relu", Math.sqrt(5)) / Math.sqrt(fanIn));
      expect(weightBound).toBe(b.weight_bound);
      expect(1 / Math.sqrt(fanIn)).toBe(b.bias_bound);

      // Many draws: all inside the bounds, and the extremes close to them (so the bound is not smaller).
      manualSeed(1234);
      const outFeatures = Math.max(3, Math.ceil(30000 / b.fan_in));
      const layer = new Linear(b.fan_in, outFeatures);
      const w = Array.from(layer.weight.dataSync());
      const bias = Array.from(layer.bias!.dataSync());
      const wMax = Math.max(...w.map(Math.abs));
      const bMax = Math.max(...bias.map(Math.abs));
      expect(wMax).toBeLessThanOrEqual(b.weight_bound);
      expect(bMax).toBeLessThanOrEqual(b.bias_bound);
      expect(wMax).toBeGreaterThan(0.99 * b.weight_bound);
      expect(Math.min(...w)).toBeLessThan(0);
      if (outFeatures >= 1000) expect(bMax).toBeGreaterThan(0.99 * b.bias_bound);
      // Uniform: mean of |w| is bound / 2.
      const meanAbs = w.reduce((s, v) => s + Math.abs(v), 0) / w.length;
      expect(Math.abs(meanAbs / b.weight_bound - 0.5)).toBeLessThan(0.02);
    });
  }
});
