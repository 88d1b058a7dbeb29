/**
 * The pure (optax-style) SGD step: new parameters and momentum buffers out, nothing mutated, for
 * differentiating through unrolled optimizer steps.
 * @module
 */
import { Tensor, isDual, isGradEnabled } from "@tapegrad/core";
import { type SgdUpdateOptions, resolveLr } from "./sgd-update.js";
import { checkPureLists, checkPureOptions } from "./pure-checks.js";
import { stepEach } from "./pure-step.js";

/** One parameter's SGD state for {@link sgdUpdatePure}: the momentum buffer, `null` before the first step (or without momentum). */
export interface SgdParamState {
  /** The running momentum buffer; `null` until the first step with momentum. */
  momentumBuffer: Tensor | null;
}

function checkOptions(where: string, o: SgdUpdateOptions): void {
  checkPureOptions(where, o, ["momentum", "dampening", "weightDecay"], ["nesterov", "maximize"]);
  if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
    throw new RangeError(`${where}: Nesterov momentum requires a momentum and zero dampening (momentum ${o.momentum}, dampening ${o.dampening})`);
  }
}

/**
 * One SGD step without mutation: the same operations and values as the single-tensor path of
 * {@link sgdUpdate} (and `SGD` with `differentiable: true`), but every result is a new tensor, so
 * the step can be unrolled and differentiated (each op is recorded when grad mode is on), also with
 * respect to a tensor `lr` that requires grad.
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
 * @throws TypeError/RangeError for lists of different lengths, mismatched shapes or dtypes, or invalid hyperparameters.
 * @example
 * let params = [w0], states = [{ momentumBuffer: null }];
 * const [g] = grad([loss(params[0])], params, { createGraph: true });
 * ({ params, states } = sgdUpdatePure(params, [g], states,
 *   { lr, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false }));
 */
export function sgdUpdatePure(
  params: readonly Tensor[],
  grads: ReadonlyArray<Tensor | null>,
  states: readonly SgdParamState[],
  options: SgdUpdateOptions,
): { params: Tensor[]; states: SgdParamState[] } {
  const where = "sgdUpdatePure";
  checkOptions(where, options);
  checkPureLists(where, params, grads, states, (s, i) => {
    const buf = (s as Partial<SgdParamState>).momentumBuffer;
    if (buf === undefined || (buf !== null && !(buf instanceof Tensor))) {
      throw new TypeError(`${where}: states[${i}].momentumBuffer must be a Tensor or null`);
    }
    return buf === null ? [] : [["states.momentumBuffer", buf]];
  });
  const lr = resolveLr(options.lr, where);
  return stepEach(params, grads, states, options.maximize, (p, g0, s) => {
    let g = options.weightDecay !== 0 ? g0.add(p, { alpha: options.weightDecay }) : g0;
    let buf: Tensor | null = s.momentumBuffer;
    if (options.momentum !== 0) {
      buf = buf === null ? (isGradEnabled() || isDual(g) ? g.clone() : g.detach().clone()) : buf.mul(options.momentum).add(g, { alpha: 1 - options.dampening });
      g = options.nesterov ? g.add(buf, { alpha: options.momentum }) : buf;
    }
    return { param: typeof lr === "number" ? p.add(g, { alpha: -lr }) : p.sub(g.mul(lr)), state: { momentumBuffer: buf } };
  });
}
