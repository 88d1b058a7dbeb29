/**
 * The pure (optax-style) RMSprop step: new parameters and running averages out, nothing mutated,
 * for differentiating through unrolled optimizer steps.
 * @module
 */
import { Tensor, zerosLike } from "@tapegrad/core";
import { stepTensor } from "../optimizer-checks.js";
import { type RmspropUpdateOptions } from "./rmsprop-update.js";
import { checkPureLists, checkPureOptions, checkStepState } from "./pure-checks.js";
import { stepEach } from "./pure-step.js";
import { type PerParamLr, type TensorHyperparameter, addScaled, checkHyperparameter, isOff, lrPerParam, oneMinus, scaled, valueOf } from "./hyper-tensors.js";

/** One parameter's RMSprop state for {@link rmspropUpdatePure} (the keys of `RMSprop`'s `opt.state.get(p)`). */
export interface RmspropParamState {
  /** Number of updates so far (0-dim float tensor). */
  step: Tensor;
  /** Running average of the squared gradient. */
  squareAvg: Tensor;
  /** Momentum buffer (momentum > 0 only). */
  momentumBuffer?: Tensor;
  /** Running average of the gradient (centered only). */
  gradAvg?: Tensor;
}

/**
 * A fresh RMSprop state for `param`, as `RMSprop` creates it at the first step: `step = 0`, zero
 * averages, and the zero buffers that `momentum > 0` and `centered` need.
 * @throws TypeError for a param that is not a float tensor.
 * @example const states = params.map((p) => rmspropInitState(p, { momentum: 0.9 }));
 */
export function rmspropInitState(param: Tensor, options: { momentum?: TensorHyperparameter; centered?: boolean } = {}): RmspropParamState {
  if (!(param instanceof Tensor) || !param.isFloatingPoint()) throw new TypeError(`rmspropInitState: param must be a float tensor, got ${String(param)}`);
  const state: RmspropParamState = { step: stepTensor(), squareAvg: zerosLike(param) };
  if (usesMomentum(options.momentum ?? 0)) state.momentumBuffer = zerosLike(param);
  if (options.centered === true) state.gradAvg = zerosLike(param);
  return state;
}

/** @internal whether a momentum keeps a buffer: a number > 0, or any tensor (so that it has a derivative, also at 0). */
export function usesMomentum(momentum: TensorHyperparameter): boolean {
  return typeof momentum !== "number" || momentum > 0;
}

/**
 * Options of {@link rmspropUpdatePure}: those of {@link RmspropUpdateOptions}, where `alpha`, `eps`,
 * `weightDecay` and `momentum` may also be 1-element tensors (on the tape, to differentiate with
 * respect to them).
 */
export interface RmspropPureOptions extends Omit<RmspropUpdateOptions, "lr" | "alpha" | "eps" | "weightDecay" | "momentum"> {
  /** Learning rate: one for every parameter, per parameter, or elementwise (see {@link PerParamLr}). */
  lr: PerParamLr;
  /** Smoothing constant of the running averages, >= 0. */
  alpha: TensorHyperparameter;
  /** Added to the denominator for numerical stability. */
  eps: TensorHyperparameter;
  /** L2 penalty added to the gradient (a tensor always adds it). */
  weightDecay: TensorHyperparameter;
  /** Momentum factor (the number 0 disables the buffer; a tensor always uses it, so that it has a derivative). */
  momentum: TensorHyperparameter;
}

/**
 * One RMSprop step without mutation: the same operations and values as {@link rmspropUpdate}
 * (and `RMSprop`), but every result is a new tensor, so the step can be unrolled and
 * differentiated (each op is recorded when grad mode is on), also with respect to a tensor `lr`,
 * `alpha`, `eps`, `weightDecay` or `momentum` that requires grad, and with per-parameter or
 * elementwise learning rates. With number hyperparameters the
 * operations are exactly those of `RMSprop`.
 *
 * ```
 * step = step + 1;  g = maximize ? -grad : grad
 * if weightDecay != 0: g = g + weightDecay * p
 * sq = alpha * sq + (1 - alpha) * g * g
 * centered: ga = lerp(ga, g, 1 - alpha); avg = sqrt(sq - ga * ga) + eps   else avg = sqrt(sq) + eps
 * momentum on: buf = momentum * buf + g / avg; p = p - lr * buf      else p = p - lr * g / avg
 * ```
 *
 * A `null` gradient leaves that parameter and its state unchanged (the same objects are returned).
 *
 * @param params the current parameters (not modified).
 * @param grads their gradients, or `null` to skip a parameter.
 * @param states one {@link RmspropParamState} per parameter (see {@link rmspropInitState}).
 * @param options one group's hyperparameters.
 * @returns `{ params, states }`, parallel to the inputs.
 * @throws TypeError/RangeError for lists of different lengths, mismatched shapes or dtypes, a
 *   state without the buffer that momentum or centered needs, or invalid hyperparameters.
 * @example
 * let params = [w0], states = [rmspropInitState(w0)];
 * const [g] = grad([loss(params[0])], params, { createGraph: true });
 * ({ params, states } = rmspropUpdatePure(params, [g], states,
 *   { lr, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false }));
 */
export function rmspropUpdatePure(
  params: readonly Tensor[],
  grads: ReadonlyArray<Tensor | null>,
  states: readonly RmspropParamState[],
  options: RmspropPureOptions,
): { params: Tensor[]; states: RmspropParamState[] } {
  const where = "rmspropUpdatePure";
  checkPureOptions(where, options, [], ["centered", "maximize"]);
  const alpha = checkHyperparameter(where, "alpha", options.alpha, 0);
  const eps = checkHyperparameter(where, "eps", options.eps, 0);
  const weightDecay = checkHyperparameter(where, "weightDecay", options.weightDecay, 0);
  const momentum = checkHyperparameter(where, "momentum", options.momentum, 0);
  checkPureLists(where, params, grads, states, (s, i) => {
    const st = s as Partial<RmspropParamState>;
    checkStepState(where, st.step, i);
    const list: Array<[string, Tensor]> = [["states.squareAvg", st.squareAvg as Tensor]];
    if (usesMomentum(momentum)) list.push(["states.momentumBuffer", st.momentumBuffer as Tensor]);
    if (options.centered) list.push(["states.gradAvg", st.gradAvg as Tensor]);
    return list;
  });
  const lrs = lrPerParam(where, options.lr, params);
  return stepEach(params, grads, states, options.maximize, (p, g0, s, i) => {
    const lr = lrs[i]!;
    const g = isOff(weightDecay) ? g0 : addScaled(g0, p, weightDecay);
    const next: RmspropParamState = { step: s.step.add(1), squareAvg: addScaled(scaled(s.squareAvg, alpha), g.mul(g), oneMinus(alpha)) };
    let avg: Tensor;
    if (options.centered) {
      // lerp(ga, g, w) as the in-place lerp_ evaluates it (PyTorch's formula for accuracy near w = 1).
      const w = oneMinus(alpha);
      const diff = g.sub(s.gradAvg!);
      next.gradAvg = valueOf(w) < 0.5 ? s.gradAvg!.add(diff.mul(w)) : g.sub(diff.mul(oneMinus(w)));
      avg = next.squareAvg.sub(next.gradAvg.mul(next.gradAvg)).sqrt();
    } else {
      avg = next.squareAvg.sqrt();
    }
    avg = avg.add(eps);
    // The step direction: the new momentum buffer, or g / avg.
    let direction: Tensor;
    if (usesMomentum(momentum)) {
      next.momentumBuffer = scaled(s.momentumBuffer!, momentum).add(g.div(avg));
      direction = next.momentumBuffer;
    } else {
      direction = g.div(avg);
    }
    return { param: typeof lr === "number" ? p.add(direction, { alpha: -lr }) : p.sub(direction.mul(lr)), state: next };
  });
}
