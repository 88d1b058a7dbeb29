// Shared by the tensor-hyperparameter tests: float64 helpers, a float64 default dtype for each test,
// and an inner loss whose recorded gradient saves the parameter (x * w @ w) with its outer loss.
import { Tensor, getDefaultDtype, setDefaultDtype, tensor } from "@tapegrad/core";
import { afterEach, beforeEach } from "vitest";

/** A float64 tensor. */
export const f64 = (data: number[] | number, requiresGrad = false): Tensor => tensor(data, { dtype: "float64", requiresGrad });

/** A tensor's values as a plain array. */
export const values = (t: Tensor): number[] => Array.from(t.dataSync());

/** Make float64 the default dtype in every test of the calling file (restored afterwards). */
export function useFloat64Default(): void {
  let saved: "float32" | "float64";
  beforeEach(() => {
    saved = getDefaultDtype();
    setDefaultDtype("float64");
  });
  afterEach(() => setDefaultDtype(saved));
}

const x = f64([0.5, -1, 2]).reshape([1, 3]);
const c = f64([0.2, -0.4, 1]);
/** The inner (training) loss of a 3-element parameter; its recorded gradient saves the parameter. */
export const inner = (w: Tensor): Tensor => x.mul(w).matmul(w.reshape([3, 1])).square().sum().mul(0.05).add(w.sub(c).square().sum().mul(0.5));
/** The outer (validation) loss. */
export const outer = (w: Tensor): Tensor => w.sub(f64([0.3, -0.2, 0.1])).square().sum();
/** The initial parameter values. */
export const w0Values = [1, -1, 0.5];
