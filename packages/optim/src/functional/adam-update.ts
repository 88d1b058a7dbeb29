/**
 * The Adam / AdamW update on parallel lists (PyTorch's `torch.optim._functional.adam`, whose
 * `decoupled_weight_decay` flag turns it into AdamW), single-tensor path.
 * @module
 */
import { type Tensor, maximum } from "@tapegrad/core";
import { checkParallelLists, resolveLr } from "./sgd-update.js";

/** Hyperparameters of {@link adamUpdate} (one param group's values). */
export interface AdamUpdateOptions {
  /** Learning rate; a Tensor that requires grad stays on the tape when grad mode is on. */
  lr: number | Tensor;
  /** Decay rate of the first moment (running mean of the gradient). */
  beta1: number;
  /** Decay rate of the second moment (running mean of the squared gradient). */
  beta2: number;
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** L2 penalty (Adam) or decoupled decay rate (AdamW). */
  weightDecay: number;
  /** Normalise by the running maximum of the second moment (AMSGrad). */
  amsgrad: boolean;
  /** Maximize the objective (the gradient is negated first). */
  maximize: boolean;
  /** AdamW: shrink the parameter by `1 - lr * weightDecay` instead of adding `weightDecay * p` to the gradient. */
  decoupledWeightDecay?: boolean;
  /**
   * The update is being recorded for differentiation: state tensors read by ops that save their
   * inputs are copied first, because the state changes in place at the next step.
   */
  differentiable?: boolean;
}

/**
 * Apply one Adam (or AdamW) step to `params` in place, PyTorch 2.8's single-tensor order:
 *
 * ```
 * g = maximize ? -grad : grad
 * step += 1
 * if weightDecay != 0:  AdamW: p = p * (1 - lr * weightDecay)   Adam: g = g + weightDecay * p
 * m = lerp(m, g, 1 - beta1)                 (m + (1 - beta1) * (g - m))
 * v = beta2 * v + (1 - beta2) * g * g
 * bc1 = 1 - beta1^step;  bc2 = 1 - beta2^step           (doubles)
 * amsgrad: vmax = max(vmax, v); use vmax for v
 * denom = sqrt(v) / sqrt(bc2) + eps
 * p = p - (lr / bc1) * m / denom
 * ```
 *
 * @param params the parameters, updated in place.
 * @param grads their gradients (not modified).
 * @param expAvgs first moments, updated in place.
 * @param expAvgSqs second moments, updated in place.
 * @param maxExpAvgSqs running maxima of the second moments (parallel to params when amsgrad, else may be empty).
 * @param stateSteps 0-dim step counters, incremented in place.
 * @throws TypeError/RangeError if the lists are not parallel.
 * @example
 * adamUpdate([p], [g], [m], [v], [], [step], { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false });
 */
export function adamUpdate(
  params: readonly Tensor[],
  grads: readonly Tensor[],
  expAvgs: readonly Tensor[],
  expAvgSqs: readonly Tensor[],
  maxExpAvgSqs: readonly Tensor[],
  stateSteps: readonly Tensor[],
  options: AdamUpdateOptions,
): void {
  const lists: Record<string, readonly unknown[]> = { grads, expAvgs, expAvgSqs, stateSteps };
  if (options.amsgrad) lists["maxExpAvgSqs"] = maxExpAvgSqs;
  checkParallelLists("adamUpdate", params, lists);
  const lr = resolveLr(options.lr, "adamUpdate");
  const { beta1, beta2, eps, weightDecay } = options;
  const differentiable = options.differentiable === true;
  const read = (t: Tensor): Tensor => (differentiable ? t.clone() : t);

  for (let i = 0; i < params.length; i++) {
    const param = params[i]!;
    let grad = options.maximize ? grads[i]!.neg() : grads[i]!;
    const expAvg = expAvgs[i]!;
    const expAvgSq = expAvgSqs[i]!;
    const stepT = stateSteps[i]!;
    stepT.add_(1);

    if (weightDecay !== 0) {
      if (options.decoupledWeightDecay === true) {
        if (typeof lr === "number") param.mul_(1 - lr * weightDecay);
        else param.mul_(lr.mul(weightDecay).neg().add(1));
      } else {
        grad = grad.add(param, { alpha: weightDecay });
      }
    }

    expAvg.lerp_(grad, 1 - beta1);
    expAvgSq.mul_(beta2).addcmul_(grad, grad, { value: 1 - beta2 });

    const step = stepT.item();
    const biasCorrection1 = 1 - beta1 ** step;
    const biasCorrection2 = 1 - beta2 ** step;
    const biasCorrection2Sqrt = Math.sqrt(biasCorrection2);

    let second = expAvgSq;
    if (options.amsgrad) {
      const maxSq = maxExpAvgSqs[i]!;
      maxSq.copy_(maximum(read(maxSq), read(expAvgSq)));
      second = maxSq;
    }
    const denom = read(second).sqrt().div(biasCorrection2Sqrt).add(eps);

    if (typeof lr === "number") {
      param.addcdiv_(read(expAvg), denom, { value: -(lr / biasCorrection1) });
    } else {
      param.sub_(read(expAvg).div(denom).mul(lr.div(biasCorrection1)));
    }
  }
}
