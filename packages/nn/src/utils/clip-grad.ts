/**
 * Gradient clipping (PyTorch's `torch.nn.utils.clip_grad_norm_` and `clip_grad_value_`).
 * @module
 */
import { Tensor, noGrad, promoteTypes, stack, tensor } from "@tapegrad/core";
import { checkFinite, checkOptions, describe } from "../util.js";

/** What the clipping functions accept: one tensor or an iterable of tensors (e.g. `model.parameters()`). */
export type ParametersArg = Tensor | Iterable<Tensor>;

/** Options of {@link clipGradNorm_}. */
export interface ClipGradNormOptions {
  /** The norm's exponent: a positive number or Infinity (default 2). */
  normType?: number;
  /** Throw when the total norm is NaN or infinite instead of scaling by it (default false). */
  errorIfNonfinite?: boolean;
}

function gradsOf(parameters: ParametersArg, where: string): Tensor[] {
  const list = parameters instanceof Tensor ? [parameters] : parameters;
  if (list === null || typeof (list as Iterable<Tensor>)[Symbol.iterator] !== "function") {
    throw new TypeError(`${where}: parameters must be a Tensor or an iterable of Tensors, got ${describe(parameters)}`);
  }
  const grads: Tensor[] = [];
  let i = 0;
  for (const p of list as Iterable<Tensor>) {
    if (!(p instanceof Tensor)) throw new TypeError(`${where}: parameters[${i}] must be a Tensor, got ${describe(p)}`);
    if (p.grad !== null) grads.push(p.grad);
    i++;
  }
  return grads;
}

/**
 * Scale the gradients of `parameters` in place so that their total norm (the norm of the vector of
 * every gradient element) is at most `maxNorm`: `g *= min(1, maxNorm / (total + 1e-6))`, exactly as
 * PyTorch. Parameters without a gradient are skipped.
 * @returns the total norm BEFORE clipping, a 0-dim tensor (0 when no parameter has a gradient).
 * @throws Error when `errorIfNonfinite` and the total norm is NaN or infinite (nothing is changed).
 * @example const norm = clipGradNorm_(model.parameters(), 1.0);
 */
export function clipGradNorm_(parameters: ParametersArg, maxNorm: number, options?: ClipGradNormOptions): Tensor {
  const where = "clipGradNorm_";
  checkFinite(maxNorm, where, "maxNorm");
  const { normType = 2, errorIfNonfinite = false } = checkOptions(options, where, ["normType", "errorIfNonfinite"]);
  if (typeof normType !== "number" || !(normType > 0)) throw new RangeError(`${where}: normType must be a positive number or Infinity, got ${describe(normType)}`);
  if (typeof errorIfNonfinite !== "boolean") throw new TypeError(`${where}: errorIfNonfinite must be a boolean, got ${describe(errorIfNonfinite)}`);
  const grads = gradsOf(parameters, where);
  if (grads.length === 0) return tensor(0);
  return noGrad(() => {
    const dtype = grads.map((g) => g.dtype).reduce(promoteTypes);
    const norms = grads.map((g) => g.detach().norm(normType).to(dtype));
    const total = norms.length === 1 ? norms[0]! : normType === Infinity ? stack(norms).max() : stack(norms).norm(normType);
    const value = total.item();
    if (errorIfNonfinite && !Number.isFinite(value)) {
      throw new Error(
        `${where}: the total norm of order ${normType} for gradients from \`parameters\` is non-finite (${value}), so it cannot be clipped. ` +
          "To disable this error and scale the gradients by the non-finite norm anyway, set errorIfNonfinite: false",
      );
    }
    const coef = total.add(1e-6).reciprocal().mul(maxNorm).clamp(null, 1);
    for (const g of grads) g.detach().mul_(coef.to(g.dtype));
    return total;
  });
}

/**
 * Clamp every gradient element of `parameters` to `[-clipValue, clipValue]` in place (PyTorch's
 * `clip_grad_value_`). Parameters without a gradient are skipped.
 * @example clipGradValue_(model.parameters(), 0.5);
 */
export function clipGradValue_(parameters: ParametersArg, clipValue: number): void {
  const where = "clipGradValue_";
  checkFinite(clipValue, where, "clipValue");
  const grads = gradsOf(parameters, where);
  noGrad(() => {
    for (const g of grads) g.detach().clamp_(-clipValue, clipValue);
  });
}
