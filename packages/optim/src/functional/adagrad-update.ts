/**
 * The Adagrad update on parallel lists (PyTorch's `torch.optim._functional.adagrad`), single-tensor path.
 * @module
 */
import type { Tensor } from "@tapegrad/core";
import { checkParallelLists, resolveLr } from "./sgd-update.js";

/** Hyperparameters of {@link adagradUpdate} (one param group's values). */
export interface AdagradUpdateOptions {
  /** Learning rate; a Tensor that requires grad stays on the tape when grad mode is on. */
  lr: number | Tensor;
  /** Learning-rate decay: step k uses `lr / (1 + (k - 1) * lrDecay)`. */
  lrDecay: number;
  /** L2 penalty added to the gradient: `g + weightDecay * p`. */
  weightDecay: number;
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** Maximize the objective (the gradient is negated first). */
  maximize: boolean;
  /** The update is being recorded: state tensors read by ops that save their inputs are copied first. */
  differentiable?: boolean;
}

/**
 * Apply one Adagrad step to `params` in place, PyTorch 2.8's single-tensor order:
 *
 * ```
 * step += 1;  g = maximize ? -grad : grad
 * if weightDecay != 0: g = g + weightDecay * p
 * clr = lr / (1 + (step - 1) * lrDecay)          (double)
 * sum = sum + g * g
 * p = p - clr * g / (sqrt(sum) + eps)
 * ```
 *
 * @param params the parameters, updated in place.
 * @param grads their gradients (not modified).
 * @param stateSums accumulated squared gradients, updated in place.
 * @param stateSteps 0-dim step counters, incremented in place.
 * @throws TypeError/RangeError if the lists are not parallel.
 * @example
 * adagradUpdate([p], [g], [sum], [step], { lr: 0.01, lrDecay: 0, weightDecay: 0, eps: 1e-10, maximize: false });
 */
export function adagradUpdate(
  params: readonly Tensor[],
  grads: readonly Tensor[],
  stateSums: readonly Tensor[],
  stateSteps: readonly Tensor[],
  options: AdagradUpdateOptions,
): void {
  checkParallelLists("adagradUpdate", params, { grads, stateSums, stateSteps });
  const lr = resolveLr(options.lr, "adagradUpdate");
  const { lrDecay, weightDecay, eps } = options;
  const read = (t: Tensor): Tensor => (options.differentiable === true ? t.clone() : t);

  for (let i = 0; i < params.length; i++) {
    const param = params[i]!;
    const stepT = stateSteps[i]!;
    stepT.add_(1);
    const step = stepT.item();
    let grad = options.maximize ? grads[i]!.neg() : grads[i]!;
    if (weightDecay !== 0) grad = grad.add(param, { alpha: weightDecay });
    const stateSum = stateSums[i]!;
    stateSum.addcmul_(grad, grad, { value: 1 });
    const std = read(stateSum).sqrt().add(eps);
    if (typeof lr === "number") {
      param.addcdiv_(grad, std, { value: -(lr / (1 + (step - 1) * lrDecay)) });
    } else {
      param.sub_(grad.div(std).mul(lr.div(1 + (step - 1) * lrDecay)));
    }
  }
}
