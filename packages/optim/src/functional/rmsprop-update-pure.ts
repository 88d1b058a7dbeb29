/**
 * The pure (optax-style) RMSprop step: new parameters and running averages out, nothing mutated,
 * for differentiating through unrolled optimizer steps.
 * @module
 */
import { Tensor, zerosLike } from "@tapegrad/core";
import { stepTensor } from "../optimizer-checks.js";
import { type RmspropUpdateOptions } from "./rmsprop-update.js";
import { resolveLr } from "./sgd-update.js";
import { checkPureLists, checkPureOptions, checkStepState } from "./pure-checks.js";
import { stepEach } from "./pure-step.js";

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
export function rmspropInitState(param: Tensor, options: { momentum?: number; centered?: boolean } = {}): RmspropParamState {
  if (!(param instanceof Tensor) || !param.isFloatingPoint()) throw new TypeError(`rmspropInitState: param must be a float tensor, got ${String(param)}`);
  const state: RmspropParamState = { step: stepTensor(), squareAvg: zerosLike(param) };
  if ((options.momentum ?? 0) > 0) state.momentumBuffer = zerosLike(param);
  if (options.centered === true) state.gradAvg = zerosLike(param);
  return state;
}

/**
 * One RMSprop step without mutation: the same operations and values as {@link rmspropUpdate}
 * (and `RMSprop`), but every result is a new tensor, so the step can be unrolled and
 * differentiated (each op is recorded when grad mode is on), also with respect to a tensor `lr`
 * that requires grad.
 *
 * ```
 * step = step + 1;  g = maximize ? -grad : grad
 * if weightDecay != 0: g = g + weightDecay * p
 * sq = alpha * sq + (1 - alpha) * g * g
 * centered: ga = lerp(ga, g, 1 - alpha); avg = sqrt(sq - ga * ga) + eps   else avg = sqrt(sq) + eps
 * momentum > 0: buf = momentum * buf + g / avg; p = p - lr * buf      else p = p - lr * g / avg
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
  options: RmspropUpdateOptions,
): { params: Tensor[]; states: RmspropParamState[] } {
  const where = "rmspropUpdatePure";
  checkPureOptions(where, options, ["alpha", "eps", "weightDecay", "momentum"], ["centered", "maximize"]);
  checkPureLists(where, params, grads, states, (s, i) => {
    const st = s as Partial<RmspropParamState>;
    checkStepState(where, st.step, i);
    const list: Array<[string, Tensor]> = [["states.squareAvg", st.squareAvg as Tensor]];
    if (options.momentum > 0) list.push(["states.momentumBuffer", st.momentumBuffer as Tensor]);
    if (options.centered) list.push(["states.gradAvg", st.gradAvg as Tensor]);
    return list;
  });
  const lr = resolveLr(options.lr, where);
  const { alpha, eps, weightDecay, momentum } = options;
  return stepEach(params, grads, states, options.maximize, (p, g0, s) => {
    const g = weightDecay !== 0 ? g0.add(p, { alpha: weightDecay }) : g0;
    const next: RmspropParamState = { step: s.step.add(1), squareAvg: s.squareAvg.mul(alpha).add(g.mul(g), { alpha: 1 - alpha }) };
    let avg: Tensor;
    if (options.centered) {
      // lerp(ga, g, w) as the in-place lerp_ evaluates it (PyTorch's formula for accuracy near w = 1).
      const w = 1 - alpha;
      const diff = g.sub(s.gradAvg!);
      next.gradAvg = w < 0.5 ? s.gradAvg!.add(diff.mul(w)) : g.sub(diff.mul(1 - w));
      avg = next.squareAvg.sub(next.gradAvg.mul(next.gradAvg)).sqrt();
    } else {
      avg = next.squareAvg.sqrt();
    }
    avg = avg.add(eps);
    // The step direction: the new momentum buffer, or g / avg.
    let direction: Tensor;
    if (momentum > 0) {
      next.momentumBuffer = s.momentumBuffer!.mul(momentum).add(g.div(avg));
      direction = next.momentumBuffer;
    } else {
      direction = g.div(avg);
    }
    return { param: typeof lr === "number" ? p.add(direction, { alpha: -lr }) : p.sub(direction.mul(lr)), state: next };
  });
}
