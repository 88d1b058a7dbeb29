/**
 * The pure (optax-style) SGD step: new parameters and momentum buffers out, nothing mutated, for
 * differentiating through unrolled optimizer steps.
 * @module
 */
import { Tensor, isGradEnabled } from "@tapegrad/core";
import { type SgdUpdateOptions, resolveLr } from "./sgd-update.js";
import { checkPureLists } from "./pure-checks.js";

/** One parameter's SGD state for {@link sgdUpdatePure}: the momentum buffer, `null` before the first step (or without momentum). */
export interface SgdParamState {
  /** The running momentum buffer; `null` until the first step with momentum. */
  momentumBuffer: Tensor | null;
}

function checkOptions(where: string, o: SgdUpdateOptions): void {
  if (typeof o !== "object" || o === null) throw new TypeError(`${where}: options must be an object, got ${String(o)}`);
  for (const key of ["momentum", "dampening", "weightDecay"] as const) {
    const v = o[key];
    if (typeof v !== "number" || !(v >= 0) || !Number.isFinite(v)) {
      throw new RangeError(`${where}: ${key} must be a finite number >= 0, got ${String(v)}`);
    }
  }
  for (const key of ["nesterov", "maximize"] as const) {
    if (typeof o[key] !== "boolean") throw new TypeError(`${where}: ${key} must be a boolean, got ${String(o[key])}`);
  }
  if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
    throw new RangeError(`${where}: Nesterov momentum requires a momentum and zero dampening (momentum ${o.momentum}, dampening ${o.dampening})`);
  }
  if (o.foreach === true) throw new Error(`${where}: foreach: true is not supported by the pure update (use sgdUpdate)`);
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
  const outParams: Tensor[] = [];
  const outStates: SgdParamState[] = [];
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    const g0 = grads[i];
    if (g0 === null || g0 === undefined) {
      outParams.push(p);
      outStates.push(states[i]!);
      continue;
    }
    let g = options.maximize ? g0.neg() : g0;
    if (options.weightDecay !== 0) g = g.add(p, { alpha: options.weightDecay });
    let buf: Tensor | null = states[i]!.momentumBuffer;
    if (options.momentum !== 0) {
      buf = buf === null ? (isGradEnabled() ? g.clone() : g.detach().clone()) : buf.mul(options.momentum).add(g, { alpha: 1 - options.dampening });
      g = options.nesterov ? g.add(buf, { alpha: options.momentum }) : buf;
    }
    outParams.push(typeof lr === "number" ? p.add(g, { alpha: -lr }) : p.sub(g.mul(lr)));
    outStates.push({ momentumBuffer: buf });
  }
  return { params: outParams, states: outStates };
}
