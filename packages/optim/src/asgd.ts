/**
 * `ASGD`: averaged stochastic gradient descent (Polyak-Ruppert averaging with a decaying step size),
 * with PyTorch 2.8's exact behaviour.
 * @module
 */
import { Tensor, noGrad, scalar } from "@tapegrad/core";
import { Optimizer, type ParamGroup, type ParamsInput } from "./optimizer.js";
import {
  type AsgdParamState,
  asgdInitState,
  asgdScalarDtype,
  asgdUpdate,
  checkAsgdHyperparameters,
} from "./functional/asgd-update.js";
import { describeValue } from "./state-dict.js";
import { checkOptionKeys } from "./optimizer-checks.js";

/** Options of the {@link ASGD} constructor (the defaults of every param group). */
export interface ASGDOptions {
  /** Learning rate (default 1e-2): a number or a 1-element tensor. */
  lr?: number | Tensor;
  /** Decay term (default 1e-4); see {@link ASGD} for its two roles. */
  lambd?: number | Tensor;
  /** Power of eta's decay (default 0.75): a number or a 1-element tensor (on the tape with `differentiable: true`). */
  alpha?: number | Tensor;
  /** Step after which averaging starts (default 1e6, i.e. practically never). */
  t0?: number;
  /** Coupled L2 penalty `g + weightDecay * p` (default 0): a number or a 1-element tensor (on the tape with `differentiable: true`). */
  weightDecay?: number | Tensor;
  /** Use the multi-tensor path; `undefined`/`null` (default) picks the single-tensor path, as PyTorch does on CPU. */
  foreach?: boolean | null;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
  /** Record the update on the tape for hypergradients (default false); params must be non-leaf tensors. */
  differentiable?: boolean;
  /** Update step, eta and mu with tensor ops only (default false). */
  capturable?: boolean;
}

/** A param group of {@link ASGD}: its tensors and its hyperparameters. */
export interface ASGDParamGroup extends ParamGroup {
  /** Decay term: shrink factor `(1 - lambd * eta)` and eta's decay rate. */
  lambd: number | Tensor;
  /** Power of eta's decay. */
  alpha: number | Tensor;
  /** Step after which averaging starts. */
  t0: number;
  /** Coupled L2 penalty added to the gradient. */
  weightDecay: number | Tensor;
  /** Multi-tensor path (`undefined`/`null`: single-tensor). */
  foreach: boolean | null | undefined;
  /** Maximize instead of minimize. */
  maximize: boolean;
  /** Record the update on the tape. */
  differentiable: boolean;
  /** Tensor-op-only scalar updates. */
  capturable: boolean;
}

const OPTION_KEYS = ["lr", "lambd", "alpha", "t0", "weightDecay", "foreach", "maximize", "differentiable", "capturable"] as const;
const STATE_KEYS = ["step", "eta", "mu", "ax"] as const;

function asgdDefaults(options: ASGDOptions): Record<string, unknown> {
  checkOptionKeys(options, OPTION_KEYS, "ASGD");
  const defaults: Record<string, unknown> = {
    lr: options.lr ?? 1e-2,
    lambd: options.lambd ?? 1e-4,
    alpha: options.alpha ?? 0.75,
    t0: options.t0 ?? 1e6,
    weightDecay: options.weightDecay ?? 0,
    foreach: options.foreach ?? undefined,
    maximize: options.maximize ?? false,
    differentiable: options.differentiable ?? false,
    capturable: options.capturable ?? false,
  };
  checkAsgdHyperparameters("ASGD", defaults);
  return defaults;
}

/**
 * Averaged stochastic gradient descent (`torch.optim.ASGD`, PyTorch 2.8), with the same defaults,
 * validation, state and order of operations, so float32 trajectories match PyTorch's.
 *
 * Each parameter has its own state `{ step, eta, mu, ax }` (`opt.state.get(p)`), created at the
 * first step in which it has a gradient (a parameter whose `grad` is null is skipped entirely and
 * its state does not advance). With `t` its step count after the increment, `e`/`m` the stored
 * eta/mu, one step is:
 *
 * ```
 * g   = (maximize ? -grad : grad) + weightDecay * p
 * p   = p * (1 - lambd * e) - e * g
 * ax  = (m == 1) ? p : ax + m * (p - ax)
 * eta = lr / (1 + lambd * lr * t) ** alpha
 * mu  = 1 / max(1, t - t0)
 * ```
 *
 * - **eta lags the lr by one step**: the update of step t uses the eta computed at the end of step
 *   t-1 from the group lr of that time; the first step uses the lr at state creation. A scheduler
 *   or a manual `group.lr = ...` therefore reaches the parameters one step late, and eta is not the
 *   group lr (with the defaults it decays very slowly). Read it with {@link ASGD.currentEta}.
 * - **lambd vs weightDecay**: both shrink the parameters. `lambd` does it directly, by the factor
 *   `(1 - lambd * eta)`, and also sets how fast eta decays; `weightDecay` adds `weightDecay * p` to
 *   the gradient (coupled L2) and does not touch eta.
 * - **Averaging**: `ax` equals the parameter while mu is 1, i.e. up to step `t0 + 2` (integer t0);
 *   from then on it is the running mean of the iterates from step `t0 + 2` on. The default
 *   `t0 = 1e6` practically disables averaging. `ax` is never written back into the parameters: read
 *   it with `opt.state.get(p).ax` or {@link ASGD.averagedParams}, or evaluate with the averaged
 *   weights via {@link ASGD.withAveraged}.
 *
 * Deliberate differences from PyTorch 2.8: negative or non-finite `lambd`/`alpha`, non-finite
 * `lr`/`t0`/`weightDecay` are rejected (also for groups added later and loaded state dicts);
 * `capturable: true` runs on CPU (PyTorch asserts an accelerator); with `differentiable: true` and a
 * tensor `lr`, eta stays a differentiable function of lr (PyTorch detaches it); loaded `step`,
 * `eta` and `mu` are stored in the scalar dtype (PyTorch casts eta/mu to the param's dtype), so a
 * resumed run is bit-identical to an uninterrupted one also for float64 params.
 *
 * @example
 * const opt = new ASGD(model.parameters(), { lr: 0.05, t0: 100 });
 * for (let i = 0; i < 1000; i++) { opt.zeroGrad(); lossFn().backward(); opt.step(); }
 * const valLoss = opt.withAveraged(() => evaluate(model));
 */
export class ASGD extends Optimizer<ASGDParamGroup> {
  /**
   * @param params the tensors to optimize, `[name, tensor]` pairs, or param groups (`{ params, lr, ... }`).
   * @param options the defaults of every group (PyTorch's defaults: lr 1e-2, lambd 1e-4, alpha 0.75, t0 1e6, weightDecay 0).
   * @throws RangeError `Invalid learning rate: ...`, `Invalid weight_decay value: ...`, `Invalid lambd value`,
   *   `Invalid alpha value`, `Invalid t0 value`, or a 1-element check of a tensor lr; TypeError for wrong types
   *   or unknown options; the base class's errors for the params.
   */
  constructor(params: ParamsInput, options: ASGDOptions = {}) {
    super(params, asgdDefaults(options));
  }

  /** Check a group's hyperparameters (constructor groups, `addParamGroup`, `loadStateDict`). */
  protected override validateGroup(group: ASGDParamGroup): void {
    checkAsgdHyperparameters("ASGD", group);
  }

  /**
   * Validate and convert one parameter's loaded state: exactly the keys `step, eta, mu, ax`; `step`
   * a non-negative integer, `eta` finite and >= 0, `mu` in (0, 1] (numbers or 1-element float
   * tensors, stored as 0-dim tensors of the scalar dtype); `ax` a float tensor of the param's shape.
   */
  protected override loadParamState(param: Tensor, saved: Record<string, unknown>, _group: ASGDParamGroup): Record<string, unknown> {
    const where = "ASGD.loadStateDict";
    for (const key of Object.keys(saved)) {
      if (!(STATE_KEYS as readonly string[]).includes(key)) {
        throw new Error(`${where}: unexpected state key "${key}" for an ASGD parameter (expected ${STATE_KEYS.join(", ")})`);
      }
    }
    const S = asgdScalarDtype();
    const scalarOf = (key: string, ok: (v: number) => boolean, rule: string): Tensor => {
      const v = saved[key];
      if (v === undefined) throw new Error(`${where}: state is missing "${key}"`);
      let value: number;
      if (typeof v === "number") value = v;
      else if (v instanceof Tensor && v.numel() === 1 && v.isFloatingPoint()) value = v.item();
      else throw new TypeError(`${where}: state "${key}" must be a number or a 1-element float tensor, got ${describeValue(v)}`);
      if (!ok(value)) throw new RangeError(`${where}: state "${key}" must be ${rule}, got ${value}`);
      return scalar(value, S);
    };
    const step = scalarOf("step", (v) => Number.isInteger(v) && v >= 0, "a non-negative integer");
    const eta = scalarOf("eta", (v) => Number.isFinite(v) && v >= 0, "a finite number >= 0");
    const mu = scalarOf("mu", (v) => v > 0 && v <= 1, "in (0, 1]");
    const ax = saved.ax;
    if (!(ax instanceof Tensor) || !ax.isFloatingPoint() || ax.dtype !== param.dtype) {
      throw new TypeError(`${where}: state "ax" must be a ${param.dtype} tensor, got ${describeValue(ax)}`);
    }
    if (ax.shape.length !== param.shape.length || ax.shape.some((d, i) => d !== param.shape[i])) {
      throw new Error(`${where}: state "ax" has shape [${ax.shape.join(",")}], but the parameter has shape [${param.shape.join(",")}]`);
    }
    return { step, eta, mu, ax: ax.isContiguous() ? ax : noGrad(() => ax.clone()) };
  }

  /** One ASGD update of every group (see the class documentation); validates every group before changing anything. */
  protected updateGroups(): void {
    this.paramGroups.forEach((group, gi) => {
      checkAsgdHyperparameters(`ASGD.step: param group ${gi}`, group);
      if (!group.differentiable) return;
      group.params.forEach((p, i) => {
        if (p.grad === null) return;
        const leaf = p.isLeaf && p.requiresGrad ? p : p.base !== null && p.base.isLeaf && p.base.requiresGrad ? p.base : null;
        if (leaf !== null) {
          throw new Error(
            `ASGD.step: param group ${gi}, params[${i}] is a leaf tensor that requires grad; differentiable: true records the ` +
              `update on the tape and cannot overwrite a leaf in place. Optimize non-leaf clones (p.clone()) or use differentiable: false`,
          );
        }
      });
    });
    for (const group of this.paramGroups) {
      const params: Tensor[] = [];
      const grads: Tensor[] = [];
      const states: AsgdParamState[] = [];
      const created: Array<[Tensor, AsgdParamState]> = [];
      for (const p of group.params) {
        const g = p.grad;
        if (g === null) continue;
        let st = this.state.get(p) as AsgdParamState | undefined;
        if (st === undefined) {
          st = asgdInitState(p, group.lr, { differentiable: group.differentiable });
          created.push([p, st]);
        }
        params.push(p);
        grads.push(g);
        states.push(st);
      }
      if (params.length === 0) continue;
      asgdUpdate(
        params,
        grads,
        states.map((s) => s.ax),
        states.map((s) => s.mu),
        states.map((s) => s.eta),
        states.map((s) => s.step),
        group,
      );
      for (const [p, st] of created) this.state.set(p, st as unknown as Record<string, unknown>);
    }
  }

  /**
   * The eta the next update of `param` will use (PyTorch's stored `eta`, not the group lr), or
   * `undefined` before its first step.
   */
  currentEta(param: Tensor): number | undefined {
    const st = this.state.get(param) as AsgdParamState | undefined;
    return st === undefined ? undefined : st.eta.item();
  }

  /**
   * The averaged parameters: a map from each parameter that has state to a detached copy of its
   * `ax` (parameters never stepped are absent; their average is the parameter itself).
   * @example for (const [p, avg] of opt.averagedParams()) console.log(avg.tolist());
   */
  averagedParams(): Map<Tensor, Tensor> {
    const out = new Map<Tensor, Tensor>();
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          const st = this.state.get(p) as AsgdParamState | undefined;
          if (st !== undefined) out.set(p, st.ax.detach().clone());
        }
      }
    });
    return out;
  }

  /**
   * Run `fn` with every parameter that has state temporarily set to its average `ax`, then restore
   * the parameters' values (also when `fn` throws, or when the promise it returns settles).
   * Optimizer state is not touched. Parameter version counters advance (graphs that saved the
   * parameters before the call cannot be backpropagated afterwards).
   * @returns what `fn` returns.
   * @example const acc = opt.withAveraged(() => accuracy(model, testSet));
   */
  withAveraged<T>(fn: () => T): T {
    if (typeof fn !== "function") throw new TypeError(`ASGD.withAveraged: fn must be a function, got ${describeValue(fn)}`);
    const swapped: Array<[Tensor, Tensor]> = [];
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          const st = this.state.get(p) as AsgdParamState | undefined;
          if (st === undefined) continue;
          swapped.push([p, p.detach().clone()]);
          p.copy_(st.ax);
        }
      }
    });
    const restore = (): void => noGrad(() => {
      for (const [p, backup] of swapped) p.copy_(backup);
    });
    let result: T;
    try {
      result = fn();
    } catch (err) {
      restore();
      throw err;
    }
    if (result !== null && typeof result === "object" && typeof (result as { then?: unknown }).then === "function") {
      return Promise.resolve(result).finally(restore) as T;
    }
    restore();
    return result;
  }
}
