/**
 * TensorFlow.js in the benchmark process: tfjs-core with the pure-JS CPU backend and the
 * WebAssembly backend, whose .wasm files are loaded from the installed package (no network).
 * @module
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

export { tf };

// The gradient functions are a side-effect module outside tfjs-core's CommonJS bundle (the
// @tensorflow/tfjs package imports it too). It is published as extensionless ESM, which Node's ESM
// resolver rejects; required through tsx it loads, and registers into TF.js's global registry.
createRequire(import.meta.url)("@tensorflow/tfjs-core/dist/register_all_gradients");

/** The TF.js backends compared against. */
export type TfBackend = "cpu" | "wasm";

/** Which WebAssembly features the wasm backend found (it picks its binary from these). */
export interface WasmFeatures {
  simd: boolean;
  threads: boolean;
}

let features: WasmFeatures | null = null;

/** Point the wasm backend at the package's dist folder and probe its features (once). */
export async function initTf(): Promise<WasmFeatures> {
  if (features !== null) return features;
  const require = createRequire(import.meta.url);
  const pkg = require.resolve("@tensorflow/tfjs-backend-wasm/package.json");
  // setWasmPaths takes a prefix: the trailing separator matters.
  setWasmPaths(join(dirname(pkg), "dist") + "/");
  // Production mode, as a performance-minded user would run it (also silences the tfjs-node banner).
  tf.enableProdMode();
  features = {
    simd: Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")),
    threads: Boolean(await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT")),
  };
  for (const b of ["cpu", "wasm"] as const) await useBackend(b);
  return features;
}

/** Make `backend` the active TF.js backend. */
export async function useBackend(backend: TfBackend): Promise<void> {
  if (tf.getBackend() === backend) return;
  const ok = await tf.setBackend(backend);
  if (!ok) throw new Error(`bench: the TF.js ${backend} backend failed to initialise`);
  await tf.ready();
}

/** The installed TF.js version. */
export function tfVersion(): string {
  return tf.version_core;
}
