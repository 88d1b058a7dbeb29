/**
 * `unrollSteps`: K inner optimizer steps written out on the tape, for hypergradients.
 * @module
 */
import { Tensor, enableGrad, grad, isForwardAdActive, makeDual, noGrad, unpackDual } from "@tapegrad/core";

/** A pure optimizer step: `(params, grads, states) => { params, states }`, e.g. a closure over {@link asgdUpdatePure}. */
export type PureUpdate<S> = (params: Tensor[], grads: Array<Tensor | null>, states: S[]) => { params: Tensor[]; states: S[] };

/** Options of {@link unrollSteps}. */
export interface UnrollOptions<S> {
  /** Number of inner steps K (an integer >= 0). */
  steps: number;
  /** The inner (training) loss of the current parameters at step `k` (0-based): a one-element tensor. */
  loss: (params: Tensor[], k: number) => Tensor;
  /** The pure update applied at every step (see {@link PureUpdate}). */
  update: PureUpdate<S>;
  /**
   * First-order shortcut (default false): take the inner gradients without recording them, so they
   * are constants for the outer derivative (no second-order terms; about half the graph and time).
   * Hypergradients are then approximate, except through the first step's dependence on lr.
   */
  firstOrder?: boolean;
  /**
   * `"reverse"` (default): record the K steps on the tape for a later backward pass (memory grows
   * with K). `"forward"`: carry tangents through the steps instead (forward-mode hypergradients),
   * in memory that does not grow with K. Forward mode must run inside `dualLevel`, with the
   * hyperparameters (and, for a directional derivative with respect to them, the initial params)
   * made dual: each step takes the inner gradient without `createGraph` (its tangent, `H dp + ...`,
   * comes from forward-over-reverse) and applies the update under `noGrad`, so nothing of a step
   * outlives it but the new params, states and their tangents. The returned params carry
   * `d params_K / d hyperparameter` (along the given tangents): `unpackDual(outer(params)).tangent`
   * is the hypergradient. One forward unroll gives the derivative along one direction of the
   * hyperparameters; reverse mode gives all of them at once.
   */
  mode?: "reverse" | "forward";
}

/** What {@link unrollSteps} returns. */
export interface UnrollResult<S> {
  /** The parameters after K steps, functions of the initial parameters and hyperparameters on the tape. */
  params: Tensor[];
  /** The optimizer states after K steps (e.g. ASGD's averages `ax`, on the tape too). */
  states: S[];
  /** The inner losses, `losses[k]` the value before step k + 1. */
  losses: number[];
}

/**
 * Unroll `steps` optimizer steps on the tape, so that any outer loss of the result can be
 * differentiated with respect to the initial parameters and to tensor hyperparameters (lr, lambd,
 * ...) captured by `update`. Each step computes the inner loss, its gradients with
 * `grad(loss, params, { createGraph: true, allowUnused: true })` (exact second-order terms; with
 * `firstOrder` without `createGraph`), and applies the pure update. Nothing is mutated: the
 * initial tensors stay as they are, which is what lets the outer backward pass revisit every step.
 *
 * Parameters that do not require grad (constant initial values, or every step of a first-order
 * unroll with number hyperparameters) are differentiated through a detached alias. The graph of
 * all K steps stays alive until the outer `backward()` (or `grad()`) frees it: memory grows
 * linearly in K (measured in docs/hypergradients.md). Under `noGrad` the updates are not recorded
 * (a plain training run; the inner gradients are still taken on the tape).
 *
 * @param params the initial parameters (leaves that require grad, to get d/d params_init).
 * @param states the initial optimizer states, parallel to `params` (e.g. `asgdInitState(p, lr, { differentiable: true })`).
 * @returns the final parameters and states, and the inner loss values.
 * @throws TypeError/RangeError for invalid arguments, a loss that is not a one-element tensor, or a
 *   loss that does not depend on any parameter; errors of `update` propagate.
 * @example
 * const lr = tensor(0.1, { dtype: "float64", requiresGrad: true });
 * const { params } = unrollSteps([w0], [asgdInitState(w0, lr, { differentiable: true })], {
 *   steps: 10,
 *   loss: ([w]) => F.mseLoss(x.matmul(w), y),
 *   update: (ps, gs, st) => asgdUpdatePure(ps, gs, st, { lr, lambd: 1e-4, alpha: 0.75, t0: 1e6, weightDecay: 0 }),
 * });
 * F.mseLoss(xVal.matmul(params[0]), yVal).backward(); // lr.grad, w0.grad: the hypergradients
 */
export function unrollSteps<S>(params: readonly Tensor[], states: readonly S[], options: UnrollOptions<S>): UnrollResult<S> {
  const where = "unrollSteps";
  if (!Array.isArray(params) || params.length === 0) throw new TypeError(`${where}: params must be a non-empty array of tensors`);
  params.forEach((p, i) => {
    if (!(p instanceof Tensor) || !p.isFloatingPoint()) throw new TypeError(`${where}: params[${i}] must be a float tensor`);
  });
  if (!Array.isArray(states) || states.length !== params.length) {
    throw new RangeError(`${where}: states must be an array with one entry per param (${params.length})`);
  }
  if (typeof options !== "object" || options === null) throw new TypeError(`${where}: options must be an object { steps, loss, update }`);
  const { steps, loss, update } = options;
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`${where}: steps must be an integer >= 0, got ${String(steps)}`);
  if (typeof loss !== "function") throw new TypeError(`${where}: loss must be a function (params, k) => Tensor`);
  if (typeof update !== "function") throw new TypeError(`${where}: update must be a function (params, grads, states) => { params, states }`);
  const mode = options.mode ?? "reverse";
  if (mode !== "reverse" && mode !== "forward") throw new TypeError(`${where}: mode must be "reverse" or "forward", got ${String(mode)}`);
  const forward = mode === "forward";
  if (forward && !isForwardAdActive()) {
    throw new Error(
      `${where}: mode "forward" must run inside dualLevel(() => ...), with the hyperparameters made dual (e.g. lr = makeDual(tensor(0.1), tensor(1)))`,
    );
  }
  if (forward && options.firstOrder === true) throw new Error(`${where}: firstOrder is a reverse-mode shortcut; it cannot be combined with mode "forward"`);
  const createGraph = !forward && options.firstOrder !== true;

  let ps: Tensor[] = params.slice();
  let st: S[] = states.slice();
  const losses: number[] = [];
  for (let k = 0; k < steps; k++) {
    // grad() needs inputs that require grad; a constant parameter gets a detached alias that does.
    // Forward mode aliases every parameter (keeping its tangent), so no step's graph reaches the next.
    ps = ps.map((p) => (forward ? freshDual(p) : p.requiresGrad ? p : p.detach().requiresGrad_(true)));
    const current = ps;
    // The inner gradient needs the tape even under noGrad (then only the updates go unrecorded).
    const grads = enableGrad(() => {
      const l = loss(current, k);
      if (!(l instanceof Tensor) || l.numel() !== 1) throw new TypeError(`${where}: loss at step ${k} must be a one-element tensor`);
      if (!l.requiresGrad) throw new Error(`${where}: the loss at step ${k} does not depend on any parameter (it does not require grad)`);
      losses.push(l.item());
      return grad([l], current, { createGraph, allowUnused: true });
    });
    const next = forward ? noGrad(() => update(ps, grads, st)) : update(ps, grads, st);
    if (typeof next !== "object" || next === null || !Array.isArray(next.params) || !Array.isArray(next.states)) {
      throw new TypeError(`${where}: update must return { params, states }`);
    }
    if (next.params.length !== ps.length || next.states.length !== ps.length) {
      throw new RangeError(`${where}: update returned ${next.params.length} params and ${next.states.length} states for ${ps.length} params`);
    }
    ps = next.params;
    st = next.states;
  }
  return { params: ps, states: st, losses };
}

/** A leaf alias of `p` that requires grad, carrying `p`'s tangent (if any) at the active dual level. */
function freshDual(p: Tensor): Tensor {
  const { primal, tangent } = unpackDual(p);
  const leaf = primal.detach().requiresGrad_(true);
  return tangent === null ? leaf : makeDual(leaf, tangent.detach());
}
