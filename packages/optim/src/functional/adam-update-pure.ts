/**
 * The pure (optax-style) Adam / AdamW step: new parameters and moments out, nothing mutated, for
 * differentiating through unrolled optimizer steps.
 * @module
 */
import { Tensor, div, getDefaultDtype, maximum, mul, pow, scalar, sub, zerosLike } from "@tapegrad/core";
import { type AdamUpdateOptions } from "./adam-update.js";
import { checkPureLists, checkPureOptions, checkStepState } from "./pure-checks.js";
import { stepEach } from "./pure-step.js";
import { type PerParamLr, type TensorHyperparameter, addScaled, checkHyperparameter, isOff, lrPerParam, oneMinus, scaled, valueOf } from "./hyper-tensors.js";

/** One parameter's Adam state for {@link adamUpdatePure} (the keys of `Adam`'s `opt.state.get(p)`). */
export interface AdamParamState {
  /** Number of updates so far (0-dim float tensor). */
  step: Tensor;
  /** First moment: running mean of the gradient. */
  expAvg: Tensor;
  /** Second moment: running mean of the squared gradient. */
  expAvgSq: Tensor;
  /** Running maximum of the second moment (AMSGrad only). */
  maxExpAvgSq?: Tensor;
}

/**
 * A fresh Adam state for `param`, as `Adam` creates it at the first step: `step = 0` (0-dim, in the
 * default dtype as `Adam` stores it), zero moments, and with `amsgrad` a zero `maxExpAvgSq`.
 * @throws TypeError for a param that is not a float tensor.
 * @example const states = params.map((p) => adamInitState(p));
 */
export function adamInitState(param: Tensor, options: { amsgrad?: boolean } = {}): AdamParamState {
  if (!(param instanceof Tensor) || !param.isFloatingPoint()) throw new TypeError(`adamInitState: param must be a float tensor, got ${String(param)}`);
  const state: AdamParamState = { step: scalar(0, getDefaultDtype()), expAvg: zerosLike(param), expAvgSq: zerosLike(param) };
  if (options.amsgrad === true) state.maxExpAvgSq = zerosLike(param);
  return state;
}

/**
 * Options of {@link adamUpdatePure}: those of {@link AdamUpdateOptions}, where `beta1`, `beta2`, `eps`
 * and `weightDecay` may also be 1-element tensors (on the tape, to differentiate with respect to them).
 */
export interface AdamPureOptions extends Omit<AdamUpdateOptions, "lr" | "beta1" | "beta2" | "eps" | "weightDecay"> {
  /** Learning rate: one for every parameter, per parameter, or elementwise (see {@link PerParamLr}). */
  lr: PerParamLr;
  /** Decay rate of the first moment, in [0, 1). */
  beta1: TensorHyperparameter;
  /** Decay rate of the second moment, in [0, 1). */
  beta2: TensorHyperparameter;
  /** Added to the denominator for numerical stability. */
  eps: TensorHyperparameter;
  /** L2 penalty (Adam) or decoupled decay rate (AdamW); a tensor always takes part. */
  weightDecay: TensorHyperparameter;
}

function checkOptions(where: string, o: AdamPureOptions): Record<"beta1" | "beta2" | "eps" | "weightDecay", TensorHyperparameter> {
  checkPureOptions(where, o, [], ["amsgrad", "maximize"]);
  return {
    eps: checkHyperparameter(where, "eps", o.eps, 0),
    weightDecay: checkHyperparameter(where, "weightDecay", o.weightDecay, 0),
    beta1: checkBeta(where, "beta1", o.beta1),
    beta2: checkBeta(where, "beta2", o.beta2),
  };
}

function checkBeta(where: string, key: string, v: unknown): TensorHyperparameter {
  if (v instanceof Tensor) return checkHyperparameter(where, key, v, 0, 1, true);
  if (typeof v !== "number" || !(v >= 0 && v < 1)) throw new RangeError(`${where}: ${key} must be a number in [0, 1), got ${String(v)}`);
  return v;
}

/** `1 - beta ** step`, in double for a number beta (as before), in tensor ops for a tensor. */
function biasCorrection(beta: TensorHyperparameter, step: number): TensorHyperparameter {
  return typeof beta === "number" ? 1 - beta ** step : sub(1, pow(beta, step));
}

/**
 * One Adam (or, with `decoupledWeightDecay: true`, AdamW) step without mutation: the same
 * operations and values as {@link adamUpdate} (and `Adam`/`AdamW` with `differentiable: true`), but
 * every result is a new tensor, so the step can be unrolled and differentiated (each op is recorded
 * when grad mode is on), also with respect to a tensor `lr`, `beta1`, `beta2`, `eps` or
 * `weightDecay` that requires grad, and with per-parameter or elementwise learning rates.
 *
 * ```
 * g = maximize ? -grad : grad;  step = step + 1
 * if weightDecay != 0:  AdamW: p = p * (1 - lr * weightDecay)   Adam: g = g + weightDecay * p
 * m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
 * amsgrad: vmax = max(vmax, v), used in place of v
 * p = p - (lr / (1 - beta1^step)) * m / (sqrt(v) / sqrt(1 - beta2^step) + eps)
 * ```
 *
 * A `null` gradient leaves that parameter and its state unchanged (the same objects are returned).
 * `differentiable` is ignored (nothing is mutated, so nothing needs copying).
 *
 * @param params the current parameters (not modified).
 * @param grads their gradients, or `null` to skip a parameter.
 * @param states one {@link AdamParamState} per parameter (see {@link adamInitState}).
 * @param options one group's hyperparameters.
 * @returns `{ params, states }`, parallel to the inputs.
 * @throws TypeError/RangeError for lists of different lengths, mismatched shapes or dtypes, a
 *   missing `maxExpAvgSq` with amsgrad, or invalid hyperparameters.
 * @example
 * let params = [w0], states = [adamInitState(w0)];
 * const [g] = grad([loss(params[0])], params, { createGraph: true });
 * ({ params, states } = adamUpdatePure(params, [g], states,
 *   { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false }));
 */
export function adamUpdatePure(
  params: readonly Tensor[],
  grads: ReadonlyArray<Tensor | null>,
  states: readonly AdamParamState[],
  options: AdamPureOptions,
): { params: Tensor[]; states: AdamParamState[] } {
  const where = "adamUpdatePure";
  const { beta1, beta2, eps, weightDecay } = checkOptions(where, options);
  checkPureLists(where, params, grads, states, (s, i) => {
    const st = s as Partial<AdamParamState>;
    checkStepState(where, st.step, i);
    const list: Array<[string, Tensor]> = [["states.expAvg", st.expAvg as Tensor], ["states.expAvgSq", st.expAvgSq as Tensor]];
    if (options.amsgrad) list.push(["states.maxExpAvgSq", st.maxExpAvgSq as Tensor]);
    return list;
  });
  const lrs = lrPerParam(where, options.lr, params);
  return stepEach(params, grads, states, options.maximize, (p0, g0, s, i) => {
    const lr = lrs[i]!;
    let p = p0;
    let g = g0;
    const stepT = s.step.add(1);
    if (!isOff(weightDecay)) {
      if (options.decoupledWeightDecay === true) {
        if (typeof lr === "number" && typeof weightDecay === "number") p = p.mul(1 - lr * weightDecay);
        else p = typeof lr === "number" ? p.mul(sub(1, mul(lr, weightDecay))) : p.mul(lr.mul(weightDecay).neg().add(1));
      } else g = addScaled(g, p, weightDecay);
    }
    // lerp(m, g, w) as the in-place lerp_ evaluates it (PyTorch's formula for accuracy near w = 1).
    const w = oneMinus(beta1);
    const diff = g.sub(s.expAvg);
    const expAvg = valueOf(w) < 0.5 ? s.expAvg.add(diff.mul(w)) : g.sub(diff.mul(oneMinus(w)));
    const expAvgSq = addScaled(scaled(s.expAvgSq, beta2), g.mul(g), oneMinus(beta2));
    const step = stepT.item();
    const biasCorrection1 = biasCorrection(beta1, step);
    const bc2 = biasCorrection(beta2, step);
    const biasCorrection2Sqrt = typeof bc2 === "number" ? Math.sqrt(bc2) : bc2.sqrt();
    const next: AdamParamState = { step: stepT, expAvg, expAvgSq };
    let second = expAvgSq;
    if (options.amsgrad) {
      next.maxExpAvgSq = maximum(s.maxExpAvgSq!, expAvgSq);
      second = next.maxExpAvgSq;
    }
    const denom = second.sqrt().div(biasCorrection2Sqrt).add(eps);
    const param =
      typeof lr === "number" && typeof biasCorrection1 === "number"
        ? p.add(expAvg.div(denom), { alpha: -(lr / biasCorrection1) })
        : p.sub(expAvg.div(denom).mul(div(lr, biasCorrection1)));
    return { param, state: next };
  });
}
