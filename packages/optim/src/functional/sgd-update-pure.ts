/**
 * The pure (optax-style) SGD step: new parameters and momentum buffers out, nothing mutated, for
 * differentiating through unrolled optimizer steps.
 * @module
 */
import { Tensor, isDual, isGradEnabled } from "@tapegrad/core";
import { type SgdUpdateOptions } from "./sgd-update.js";
import { checkPureLists, checkPureOptions } from "./pure-checks.js";
import { stepEach } from "./pure-step.js";
import { type PerParamLr, type TensorHyperparameter, addScaled, checkHyperparameter, isOff, lrPerParam, oneMinus, scaled, valueOf } from "./hyper-tensors.js";

/** One parameter's SGD state for {@link sgdUpdatePure}: the momentum buffer, `null` before the first step (or without momentum). */
export interface SgdParamState {
  /** The running momentum buffer; `null` until the first step with momentum. */
  momentumBuffer: Tensor | null;
}

/**
 * Options of {@link sgdUpdatePure}: those of {@link SgdUpdateOptions}, where every hyperparameter may
 * also be a 1-element tensor (on the tape, to differentiate with respect to it), and `lr` may be
 * per parameter or elementwise (Meta-SGD).
 */
export interface SgdPureOptions extends Omit<SgdUpdateOptions, "lr" | "momentum" | "dampening" | "weightDecay"> {
  /**
   * Learning rate: a number or 1-element tensor for every parameter; a tensor of any shape that
   * broadcasts to every parameter's shape (an elementwise learning rate, always used as a tensor); or
   * an array with one number or tensor (1-element or broadcasting to that parameter) per parameter.
   */
  lr: PerParamLr;
  /** Momentum factor (0 disables the buffer; a tensor always keeps it, so that it has a derivative). */
  momentum: TensorHyperparameter;
  /** Dampening of the gradient added to the momentum buffer. */
  dampening: TensorHyperparameter;
  /** L2 penalty added to the gradient: `g + weightDecay * p` (a tensor always adds it). */
  weightDecay: TensorHyperparameter;
}

interface Checked {
  momentum: TensorHyperparameter;
  dampening: TensorHyperparameter;
  weightDecay: TensorHyperparameter;
}

function checkOptions(where: string, o: SgdPureOptions): Checked {
  checkPureOptions(where, o, [], ["nesterov", "maximize"]);
  const checked = {
    momentum: checkHyperparameter(where, "momentum", o.momentum, 0),
    dampening: checkHyperparameter(where, "dampening", o.dampening, 0),
    weightDecay: checkHyperparameter(where, "weightDecay", o.weightDecay, 0),
  };
  const momentum = valueOf(checked.momentum);
  const dampening = valueOf(checked.dampening);
  if (o.nesterov && (momentum <= 0 || dampening !== 0)) {
    throw new RangeError(`${where}: Nesterov momentum requires a momentum and zero dampening (momentum ${momentum}, dampening ${dampening})`);
  }
  return checked;
}

/**
 * One SGD step without mutation: the same operations and values as the single-tensor path of
 * {@link sgdUpdate} (and `SGD` with `differentiable: true`), but every result is a new tensor, so
 * the step can be unrolled and differentiated (each op is recorded when grad mode is on), also with
 * respect to a tensor `lr`, `momentum`, `dampening` or `weightDecay` that requires grad, and with
 * per-parameter or elementwise learning rates (Meta-SGD). With number hyperparameters the
 * operations are exactly those of `SGD`.
 *
 * ```
 * g = maximize ? -grad : grad
 * if weightDecay != 0: g = g + weightDecay * p
 * if momentum != 0:
 *     buf = (buf == null) ? clone(g) : momentum * buf + (1 - dampening) * g
 *     g = nesterov ? g + momentum * buf : buf
 * p = p - lr * g
 * ```
 *
 * A `null` gradient leaves that parameter and its state unchanged (the same objects are returned).
 *
 * @param params the current parameters (not modified).
 * @param grads their gradients, or `null` to skip a parameter.
 * @param states one {@link SgdParamState} per parameter (`{ momentumBuffer: null }` initially).
 * @param options one group's hyperparameters (`foreach` must not be true).
 * @returns `{ params, states }`, parallel to the inputs.
 * @throws TypeError/RangeError for lists of different lengths, mismatched shapes or dtypes, invalid
 *   hyperparameters, or an lr that does not broadcast to its parameter.
 * @example
 * let params = [w0], states = [{ momentumBuffer: null }];
 * const [g] = grad([loss(params[0])], params, { createGraph: true });
 * ({ params, states } = sgdUpdatePure(params, [g], states,
 *   { lr, momentum: 0.9, dampening: 0, weightDecay: tensor(1e-3, { requiresGrad: true }), nesterov: false, maximize: false }));
 */
export function sgdUpdatePure(
  params: readonly Tensor[],
  grads: ReadonlyArray<Tensor | null>,
  states: readonly SgdParamState[],
  options: SgdPureOptions,
): { params: Tensor[]; states: SgdParamState[] } {
  const where = "sgdUpdatePure";
  const { momentum, dampening, weightDecay } = checkOptions(where, options);
  checkPureLists(where, params, grads, states, (s, i) => {
    const buf = (s as Partial<SgdParamState>).momentumBuffer;
    if (buf === undefined || (buf !== null && !(buf instanceof Tensor))) {
      throw new TypeError(`${where}: states[${i}].momentumBuffer must be a Tensor or null`);
    }
    return buf === null ? [] : [["states.momentumBuffer", buf]];
  });
  const lrs = lrPerParam(where, options.lr, params);
  return stepEach(params, grads, states, options.maximize, (p, g0, s, i) => {
    const lr = lrs[i]!;
    let g = isOff(weightDecay) ? g0 : addScaled(g0, p, weightDecay);
    let buf: Tensor | null = s.momentumBuffer;
    if (!isOff(momentum)) {
      buf = buf === null ? (isGradEnabled() || isDual(g) ? g.clone() : g.detach().clone()) : addScaled(scaled(buf, momentum), g, oneMinus(dampening));
      g = options.nesterov ? addScaled(g, buf, momentum) : buf;
    }
    return { param: typeof lr === "number" ? p.add(g, { alpha: -lr }) : p.sub(g.mul(lr)), state: { momentumBuffer: buf } };
  });
}
