/**
 * The pure (optax-style) Adagrad step: new parameters and accumulated squares out, nothing
 * mutated, for differentiating through unrolled optimizer steps.
 * @module
 */
import { Tensor, add, div, fullLike, mul } from "@tapegrad/core";
import { stepTensor } from "../optimizer-checks.js";
import { type AdagradUpdateOptions } from "./adagrad-update.js";
import { checkPureLists, checkPureOptions, checkStepState } from "./pure-checks.js";
import { stepEach } from "./pure-step.js";
import { type PerParamLr, type TensorHyperparameter, addScaled, checkHyperparameter, isOff, lrPerParam } from "./hyper-tensors.js";

/**
 * Options of {@link adagradUpdatePure}: those of {@link AdagradUpdateOptions}, where `lrDecay`, `eps`
 * and `weightDecay` may also be 1-element tensors (on the tape, to differentiate with respect to them).
 */
export interface AdagradPureOptions extends Omit<AdagradUpdateOptions, "lr" | "lrDecay" | "eps" | "weightDecay"> {
  /** Learning rate: one for every parameter, per parameter, or elementwise (see {@link PerParamLr}). */
  lr: PerParamLr;
  /** Learning-rate decay: step k uses `lr / (1 + (k - 1) * lrDecay)`. */
  lrDecay: TensorHyperparameter;
  /** Added to the denominator for numerical stability. */
  eps: TensorHyperparameter;
  /** L2 penalty added to the gradient (a tensor always adds it). */
  weightDecay: TensorHyperparameter;
}

/** One parameter's Adagrad state for {@link adagradUpdatePure} (the keys of `Adagrad`'s `opt.state.get(p)`). */
export interface AdagradParamState {
  /** Number of updates so far (0-dim float tensor). */
  step: Tensor;
  /** Accumulated squared gradients. */
  sum: Tensor;
}

/**
 * A fresh Adagrad state for `param`, as `Adagrad` creates it: `step = 0` and `sum` filled with
 * `initialAccumulatorValue` (default 0).
 * @throws TypeError for a param that is not a float tensor.
 * @example const states = params.map((p) => adagradInitState(p, { initialAccumulatorValue: 0.1 }));
 */
export function adagradInitState(param: Tensor, options: { initialAccumulatorValue?: number } = {}): AdagradParamState {
  if (!(param instanceof Tensor) || !param.isFloatingPoint()) throw new TypeError(`adagradInitState: param must be a float tensor, got ${String(param)}`);
  return { step: stepTensor(), sum: fullLike(param, options.initialAccumulatorValue ?? 0) };
}

/**
 * One Adagrad step without mutation: the same operations and values as {@link adagradUpdate}
 * (and `Adagrad`), but every result is a new tensor, so the step can be unrolled and
 * differentiated (each op is recorded when grad mode is on), also with respect to a tensor `lr`,
 * `lrDecay`, `eps` or `weightDecay` that requires grad, and with per-parameter or elementwise
 * learning rates. With number hyperparameters the operations
 * are exactly those of `Adagrad`.
 *
 * ```
 * step = step + 1;  g = maximize ? -grad : grad
 * if weightDecay != 0: g = g + weightDecay * p
 * clr = lr / (1 + (step - 1) * lrDecay)
 * sum = sum + g * g
 * p = p - clr * g / (sqrt(sum) + eps)
 * ```
 *
 * A `null` gradient leaves that parameter and its state unchanged (the same objects are returned).
 *
 * @param params the current parameters (not modified).
 * @param grads their gradients, or `null` to skip a parameter.
 * @param states one {@link AdagradParamState} per parameter (see {@link adagradInitState}).
 * @param options one group's hyperparameters.
 * @returns `{ params, states }`, parallel to the inputs.
 * @throws TypeError/RangeError for lists of different lengths, mismatched shapes or dtypes, or invalid hyperparameters.
 * @example
 * let params = [w0], states = [adagradInitState(w0)];
 * const [g] = grad([loss(params[0])], params, { createGraph: true });
 * ({ params, states } = adagradUpdatePure(params, [g], states,
 *   { lr, lrDecay: 0, weightDecay: 0, eps: 1e-10, maximize: false }));
 */
export function adagradUpdatePure(
  params: readonly Tensor[],
  grads: ReadonlyArray<Tensor | null>,
  states: readonly AdagradParamState[],
  options: AdagradPureOptions,
): { params: Tensor[]; states: AdagradParamState[] } {
  const where = "adagradUpdatePure";
  checkPureOptions(where, options, [], ["maximize"]);
  const lrDecay = checkHyperparameter(where, "lrDecay", options.lrDecay, 0);
  const weightDecay = checkHyperparameter(where, "weightDecay", options.weightDecay, 0);
  const eps = checkHyperparameter(where, "eps", options.eps, 0);
  checkPureLists(where, params, grads, states, (s, i) => {
    const st = s as Partial<AdagradParamState>;
    checkStepState(where, st.step, i);
    return [["states.sum", st.sum as Tensor]];
  });
  const lrs = lrPerParam(where, options.lr, params);
  return stepEach(params, grads, states, options.maximize, (p, g0, s, i) => {
    const lr = lrs[i]!;
    const g = isOff(weightDecay) ? g0 : addScaled(g0, p, weightDecay);
    const stepT = s.step.add(1);
    const decay = typeof lrDecay === "number" ? 1 + (stepT.item() - 1) * lrDecay : add(mul(lrDecay, stepT.item() - 1), 1);
    const sum = s.sum.add(g.mul(g));
    const direction = g.div(sum.sqrt().add(eps));
    const param =
      typeof lr === "number" && typeof decay === "number" ? p.add(direction, { alpha: -(lr / decay) }) : p.sub(direction.mul(div(lr, decay)));
    return { param, state: { step: stepT, sum } };
  });
}
