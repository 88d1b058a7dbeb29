/**
 * The RMSprop update on parallel lists (PyTorch's `torch.optim._functional.rmsprop`), single-tensor path.
 * @module
 */
import type { Tensor } from "@tapegrad/core";
import { checkParallelLists, resolveLr } from "./sgd-update.js";

/** Hyperparameters of {@link rmspropUpdate} (one param group's values). */
export interface RmspropUpdateOptions {
  /** Learning rate; a Tensor that requires grad stays on the tape when grad mode is on. */
  lr: number | Tensor;
  /** Smoothing constant of the running averages. */
  alpha: number;
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** L2 penalty added to the gradient: `g + weightDecay * p`. */
  weightDecay: number;
  /** Momentum factor (0 = no momentum buffer). */
  momentum: number;
  /** Normalise by an estimate of the gradient's variance instead of its second moment. */
  centered: boolean;
  /** Maximize the objective (the gradient is negated first). */
  maximize: boolean;
  /** The update is being recorded: state tensors read by ops that save their inputs are copied first. */
  differentiable?: boolean;
}

/**
 * Apply one RMSprop step to `params` in place, PyTorch 2.8's single-tensor order:
 *
 * ```
 * step += 1;  g = maximize ? -grad : grad
 * if weightDecay != 0: g = g + weightDecay * p
 * sq = alpha * sq + (1 - alpha) * g * g
 * centered: ga = lerp(ga, g, 1 - alpha); avg = sqrt(sq - ga * ga) + eps   else avg = sqrt(sq) + eps
 * momentum > 0: buf = momentum * buf + g / avg; p = p - lr * buf      else p = p - lr * g / avg
 * ```
 *
 * @param params the parameters, updated in place.
 * @param grads their gradients (not modified).
 * @param squareAvgs running averages of the squared gradient, updated in place.
 * @param gradAvgs running averages of the gradient (parallel to params when centered, else may be empty).
 * @param momentumBuffers momentum buffers (parallel to params when momentum > 0, else may be empty).
 * @param stateSteps 0-dim step counters, incremented in place.
 * @throws TypeError/RangeError if the lists are not parallel.
 * @example
 * rmspropUpdate([p], [g], [sq], [], [], [step], { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false });
 */
export function rmspropUpdate(
  params: readonly Tensor[],
  grads: readonly Tensor[],
  squareAvgs: readonly Tensor[],
  gradAvgs: readonly Tensor[],
  momentumBuffers: readonly Tensor[],
  stateSteps: readonly Tensor[],
  options: RmspropUpdateOptions,
): void {
  const lists: Record<string, readonly unknown[]> = { grads, squareAvgs, stateSteps };
  if (options.centered) lists["gradAvgs"] = gradAvgs;
  if (options.momentum > 0) lists["momentumBuffers"] = momentumBuffers;
  checkParallelLists("rmspropUpdate", params, lists);
  const lr = resolveLr(options.lr, "rmspropUpdate");
  const { alpha, eps, weightDecay, momentum } = options;
  const read = (t: Tensor): Tensor => (options.differentiable === true ? t.clone() : t);

  for (let i = 0; i < params.length; i++) {
    const param = params[i]!;
    stateSteps[i]!.add_(1);
    let grad = options.maximize ? grads[i]!.neg() : grads[i]!;
    if (weightDecay !== 0) grad = grad.add(param, { alpha: weightDecay });
    const squareAvg = squareAvgs[i]!;
    squareAvg.mul_(alpha).addcmul_(grad, grad, { value: 1 - alpha });

    let avg: Tensor;
    if (options.centered) {
      const gradAvg = gradAvgs[i]!;
      gradAvg.lerp_(grad, 1 - alpha);
      const ga = read(gradAvg);
      avg = squareAvg.sub(ga.mul(ga)).sqrt();
    } else {
      avg = read(squareAvg).sqrt();
    }
    avg = avg.add(eps);

    if (momentum > 0) {
      const buf = momentumBuffers[i]!;
      buf.mul_(momentum).addcdiv_(grad, avg);
      if (typeof lr === "number") param.add_(buf, { alpha: -lr });
      else param.sub_(read(buf).mul(lr));
    } else if (typeof lr === "number") {
      param.addcdiv_(grad, avg, { value: -lr });
    } else {
      param.sub_(grad.div(avg).mul(lr));
    }
  }
}
