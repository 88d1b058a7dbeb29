/**
 * jax-js (`@jax-js/jax`, its WebAssembly device) beside tapegrad: the MLP training step written
 * the JAX way, the whole step (forward, cross-entropy, gradient, SGD update) traced once under
 * `jit` into fused kernels. In Node there is no global `Worker`, so jax-js runs on one thread.
 *
 * jax-js counts references: every function takes ownership of its array arguments, `.ref` keeps
 * an array for another use (see its README).
 * @module
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { init, jit, nn, numpy as np, tree, valueAndGrad } from "@jax-js/jax";
import type { MlpCase, MlpData } from "./mlp-step.bench.js";

/** Parameters of the MLP, PyTorch layout (weight is [out, in]). */
type Params = { w1: np.Array; b1: np.Array; w2: np.Array; b2: np.Array };

let ready: Promise<string | null> | null = null;

/**
 * Start jax-js's wasm device (once).
 * @returns null when jax-js runs here, else the reason it cannot
 */
export function initJax(): Promise<string | null> {
  ready ??= init("wasm").then(
    (devices) => (devices.includes("wasm") ? null : `jax-js found no wasm device (got ${devices.join(", ") || "none"})`),
    (e: unknown) => `jax-js failed to start: ${e instanceof Error ? e.message : String(e)}`,
  );
  return ready;
}

/** The installed jax-js version (its package.json is not exported: read beside its entry point). */
export function jaxVersion(): string {
  const entry = createRequire(import.meta.url).resolve("@jax-js/jax");
  return (JSON.parse(readFileSync(join(dirname(entry), "..", "package.json"), "utf8")) as { version: string }).version;
}

/** A jax-js training step over the data (SGD with `lr`); returns the loss of each call. */
export function jaxStep(c: MlpCase, d: MlpData, lr: number): { step: () => number; dispose: () => void } {
  let params: Params = {
    w1: np.array(d.w1).reshape([c.hidden, c.inFeatures]),
    b1: np.array(d.b1),
    w2: np.array(d.w2).reshape([c.classes, c.hidden]),
    b2: np.array(d.b2),
  };
  const x = np.array(d.x).reshape([c.batch, c.inFeatures]);
  const y = nn.oneHot(np.array(d.labels, { dtype: np.int32 }), c.classes);
  const lossOf = (p: Params, xs: np.Array, ys: np.Array): np.Array => {
    const h = nn.relu(np.matmul(xs, p.w1.transpose()).add(p.b1));
    const logits = np.matmul(h, p.w2.transpose()).add(p.b2);
    return nn.logSoftmax(logits).mul(ys).sum().mul(-1 / c.batch);
  };
  const update = jit((p: Params, xs: np.Array, ys: np.Array): [np.Array, Params] => {
    const [loss, grads] = valueAndGrad(lossOf)(tree.ref(p), xs, ys);
    return [loss, tree.map((w: np.Array, g: np.Array) => w.sub(g.mul(lr)), p, grads) as Params];
  });
  const step = (): number => {
    const [loss, next] = update(params, x.ref, y.ref);
    params = next;
    return loss.dataSync()[0]!;
  };
  const dispose = (): void => {
    tree.dispose(params);
    x.dispose();
    y.dispose();
    update.dispose();
  };
  return { step, dispose };
}
