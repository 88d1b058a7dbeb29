/**
 * The ASGD update on parallel lists (PyTorch 2.8's `torch.optim._functional.asgd`): the in-place
 * {@link asgdUpdate} with its single-tensor, foreach, capturable and differentiable paths, and the
 * pure {@link asgdUpdatePure} (new params and state out, nothing mutated) for differentiating
 * through optimizer steps.
 * @module
 */
import { Tensor, getDefaultDtype, isDual, isGradEnabled, noGrad, scalar, zerosLike, mul, pow, sub, div } from "@tapegrad/core";
import {
  type AsgdForeachItem,
  type FloatArray,
  asgdForeach,
  asgdSingleF32,
  asgdSingleF64,
  etaDouble,
  etaForeach,
  muDouble,
  rounder,
} from "../kernels/asgd-kernels.js";
import { pinForAsgdKernel } from "../kernels/asgd-wasm.js";
import { stepEach } from "./pure-step.js";
import { addScaled, isOff } from "./hyper-tensors.js";

type FloatDtype = "float32" | "float64";

/** The hyperparameters of one ASGD param group (PyTorch's names, camelCased). */
export interface AsgdHyperparameters {
  /**
   * Learning rate: a number or a 1-element float tensor. It only enters through eta, computed at the
   * end of each step from the lr of that moment, so a changed lr reaches the parameters one step late.
   */
  lr: number | Tensor;
  /**
   * Decay term: shrinks the parameters by `(1 - lambd * eta)` every step and slows eta's decay
   * `eta = lr / (1 + lambd * lr * t) ** alpha`. A 1-element tensor is accepted (it stays on the tape
   * with `differentiable: true`).
   */
  lambd: number | Tensor;
  /** Power of eta's decay. A 1-element tensor is accepted (on the tape with `differentiable: true`). */
  alpha: number | Tensor;
  /** Step after which averaging starts: `mu = 1 / max(1, t - t0)`. */
  t0: number;
  /**
   * Coupled L2 penalty added to the gradient: `g + weightDecay * p`. A 1-element tensor is accepted
   * (on the tape with `differentiable: true`, where it always takes part, also at 0).
   */
  weightDecay: number | Tensor;
}

/** The flags of one ASGD param group. */
export interface AsgdFlags {
  /** Multi-tensor path (different rounding); `undefined`/`null` picks the single-tensor path, as PyTorch does on CPU. */
  foreach?: boolean | null;
  /** Maximize the objective: the gradient is negated first. */
  maximize?: boolean;
  /** Record the update on the tape (params must be non-leaf tensors, e.g. clones). */
  differentiable?: boolean;
  /** Keep step, eta and mu as tensors and update them with tensor ops only (no host reads). */
  capturable?: boolean;
}

/** Options of {@link asgdUpdate} and {@link asgdUpdatePure}. */
export type AsgdUpdateOptions = AsgdHyperparameters & AsgdFlags;

/**
 * One parameter's ASGD state: `step`, `eta` and `mu` are 0-dim tensors of the scalar dtype (float32,
 * or float64 when the default dtype is float64); `ax` has the parameter's shape and dtype.
 */
export interface AsgdParamState {
  /** Number of updates this parameter received. */
  step: Tensor;
  /** The step size the next update uses. */
  eta: Tensor;
  /** The averaging weight the next update uses (1 = copy). */
  mu: Tensor;
  /** The running average of the iterates (equal to the parameter until averaging starts). */
  ax: Tensor;
}

interface Resolved {
  /** lr for tensor maths: a tensor lr (detached unless differentiable), or the number. */
  lr: number | Tensor;
  lrValue: number;
  /** lambd for tensor maths: a tensor only when differentiable, else the number. */
  lambd: number | Tensor;
  lambdValue: number;
  /** alpha for tensor maths: a tensor only when differentiable, else the number. */
  alpha: number | Tensor;
  alphaValue: number;
  t0: number;
  /** weightDecay for tensor maths: a tensor only when differentiable, else the number. */
  weightDecay: number | Tensor;
  weightDecayValue: number;
  foreach: boolean;
  maximize: boolean;
  differentiable: boolean;
  capturable: boolean;
}

/** The dtype of ASGD's `step`, `eta` and `mu` state: float64 if the default dtype is float64, else float32. */
export function asgdScalarDtype(): FloatDtype {
  return getDefaultDtype() === "float64" ? "float64" : "float32";
}

function show(x: unknown): string {
  if (x instanceof Tensor) return x.numel() === 1 ? `tensor(${x.item()})` : `a Tensor of shape [${x.shape.join(",")}]`;
  if (typeof x === "string") return JSON.stringify(x);
  if (typeof x === "number" || typeof x === "boolean" || x === null || x === undefined) return String(x);
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  return typeof x === "function" ? "a function" : "an object";
}

function tensorScalar(where: string, name: string, x: Tensor): number {
  if (x.numel() !== 1) throw new RangeError(`${where}: Tensor ${name} must be 1-element, got shape [${x.shape.join(",")}]`);
  if (!x.isFloatingPoint()) throw new TypeError(`${where}: Tensor ${name} must be float32 or float64, got ${x.dtype}`);
  return x.item();
}

/**
 * Validate ASGD hyperparameters and flags, PyTorch's checks first (with its messages), then
 * tapegrad's stricter ones (PyTorch 2.8 accepts negative or non-finite `lambd`, `alpha` and `t0`).
 * @param where the caller's name for messages, e.g. `"ASGD"`.
 * @throws RangeError/TypeError naming the argument and the offending value.
 */
export function checkAsgdHyperparameters(where: string, h: Record<string, unknown>): void {
  const { lr, lambd, alpha, t0, weightDecay } = h;
  let lrValue: number;
  if (lr instanceof Tensor) lrValue = tensorScalar(where, "lr", lr);
  else if (typeof lr === "number") lrValue = lr;
  else throw new TypeError(`${where}: lr must be a number or a 1-element Tensor, got ${show(lr)}`);
  if (!(lrValue >= 0)) throw new RangeError(`${where}: Invalid learning rate: ${show(lr)}`);
  let weightDecayValue: number;
  if (weightDecay instanceof Tensor) weightDecayValue = tensorScalar(where, "weightDecay", weightDecay);
  else if (typeof weightDecay === "number") weightDecayValue = weightDecay;
  else throw new TypeError(`${where}: weightDecay must be a number or a 1-element Tensor, got ${show(weightDecay)}`);
  if (!(weightDecayValue >= 0)) throw new RangeError(`${where}: Invalid weight_decay value: ${show(weightDecay)}`);
  if (!Number.isFinite(lrValue)) throw new RangeError(`${where}: Invalid learning rate: ${show(lr)} (lr must be finite)`);
  if (!Number.isFinite(weightDecayValue)) throw new RangeError(`${where}: Invalid weight_decay value: ${show(weightDecay)} (weightDecay must be finite)`);
  let lambdValue: number;
  if (lambd instanceof Tensor) lambdValue = tensorScalar(where, "lambd", lambd);
  else if (typeof lambd === "number") lambdValue = lambd;
  else throw new TypeError(`${where}: lambd must be a number, got ${show(lambd)}`);
  if (!(lambdValue >= 0) || !Number.isFinite(lambdValue)) {
    throw new RangeError(`${where}: Invalid lambd value: ${show(lambd)} (lambd must be a finite number >= 0)`);
  }
  let alphaValue: number;
  if (alpha instanceof Tensor) alphaValue = tensorScalar(where, "alpha", alpha);
  else if (typeof alpha === "number") alphaValue = alpha;
  else throw new TypeError(`${where}: alpha must be a number or a 1-element Tensor, got ${show(alpha)}`);
  if (!(alphaValue >= 0) || !Number.isFinite(alphaValue)) {
    throw new RangeError(`${where}: Invalid alpha value: ${show(alpha)} (alpha must be a finite number >= 0)`);
  }
  if (typeof t0 !== "number") throw new TypeError(`${where}: t0 must be a number, got ${show(t0)}`);
  if (!Number.isFinite(t0)) throw new RangeError(`${where}: Invalid t0 value: ${t0} (t0 must be a finite number)`);
  const { foreach, maximize, differentiable, capturable } = h;
  if (foreach !== undefined && foreach !== null && typeof foreach !== "boolean") {
    throw new TypeError(`${where}: foreach must be a boolean, null or undefined, got ${show(foreach)}`);
  }
  for (const [name, flag] of [["maximize", maximize], ["differentiable", differentiable], ["capturable", capturable]] as const) {
    if (flag !== undefined && typeof flag !== "boolean") throw new TypeError(`${where}: ${name} must be a boolean, got ${show(flag)}`);
  }
  if (foreach === true && differentiable === true) {
    throw new Error(`${where}: foreach: true is not supported with differentiable: true (the foreach path is not recorded on the tape)`);
  }
}

function resolve(where: string, options: AsgdUpdateOptions, pureDefault: boolean): Resolved {
  if (typeof options !== "object" || options === null) throw new TypeError(`${where}: options must be an object, got ${show(options)}`);
  checkAsgdHyperparameters(where, options as unknown as Record<string, unknown>);
  const differentiable = options.differentiable ?? pureDefault;
  const { lr, lambd, alpha, weightDecay } = options;
  const lambdValue = lambd instanceof Tensor ? lambd.item() : lambd;
  const alphaValue = alpha instanceof Tensor ? alpha.item() : alpha;
  const weightDecayValue = weightDecay instanceof Tensor ? weightDecay.item() : weightDecay;
  return {
    // A tensor lr makes PyTorch evaluate eta in tensor maths (lr's dtype); only a differentiable update keeps it on the tape.
    lr: lr instanceof Tensor ? (differentiable ? lr.reshape([]) : lr.detach().reshape([])) : lr,
    lrValue: lr instanceof Tensor ? lr.item() : lr,
    lambd: lambd instanceof Tensor && differentiable ? lambd.reshape([]) : lambdValue,
    lambdValue,
    alpha: alpha instanceof Tensor && differentiable ? alpha.reshape([]) : alphaValue,
    alphaValue,
    t0: options.t0,
    weightDecay: weightDecay instanceof Tensor && differentiable ? weightDecay.reshape([]) : weightDecayValue,
    weightDecayValue,
    foreach: options.foreach ?? false,
    maximize: options.maximize ?? false,
    differentiable,
    capturable: options.capturable ?? false,
  };
}

function checkScalarState(where: string, name: string, i: number, t: unknown): void {
  if (!(t instanceof Tensor)) throw new TypeError(`${where}: ${name}[${i}] must be a Tensor, got ${show(t)}`);
  if (t.numel() !== 1 || !t.isFloatingPoint()) {
    throw new TypeError(`${where}: ${name}[${i}] must be a 1-element float tensor, got ${t.dtype} of shape [${t.shape.join(",")}]`);
  }
}

function checkParam(where: string, i: number, p: unknown, g: unknown, ax: unknown, differentiable: boolean): void {
  if (!(p instanceof Tensor)) throw new TypeError(`${where}: params[${i}] must be a Tensor, got ${show(p)}`);
  if (!p.isFloatingPoint()) throw new TypeError(`${where}: params[${i}] must be float32 or float64, got ${p.dtype}`);
  for (const [name, t] of [["grads", g], ["axs", ax]] as const) {
    if (!(t instanceof Tensor)) throw new TypeError(`${where}: ${name}[${i}] must be a Tensor, got ${show(t)}`);
    if (t.dtype !== p.dtype || t.shape.length !== p.shape.length || t.shape.some((d, k) => d !== p.shape[k])) {
      throw new TypeError(
        `${where}: ${name}[${i}] has dtype ${t.dtype} and shape [${t.shape.join(",")}], but params[${i}] has dtype ${p.dtype} and shape [${p.shape.join(",")}]`,
      );
    }
  }
  if (differentiable) {
    const leaf = p.isLeaf && p.requiresGrad ? p : p.base !== null && p.base.isLeaf && p.base.requiresGrad ? p.base : null;
    if (leaf !== null) {
      throw new Error(
        `${where}: params[${i}] is a leaf tensor that requires grad (or a view of one); differentiable: true records the ` +
          `update on the tape and cannot overwrite a leaf in place. Pass non-leaf clones (p.clone()) as params, ` +
          `or use differentiable: false`,
      );
    }
  }
}

function isDenseFloat(t: Tensor, dtype: string): boolean {
  return t.dtype === dtype && t.isContiguous();
}

function readScalar(t: Tensor): number {
  return t.storage.data[t.offset]!;
}

function writeScalar(t: Tensor, v: number): void {
  t.storage.data[t.offset] = v;
  t.bumpVersion();
}

/**
 * eta after `t` steps as a 0-dim tensor of `dtype`: `lr / (1 + lambd * lr * t) ** alpha`. Number
 * hyperparameters: double maths rounded once (PyTorch's single-tensor path). A tensor lr or lambd:
 * tensor maths in its dtype, recorded on the tape when grad mode is on (tapegrad keeps eta a
 * differentiable function of lr).
 */
function nextEta(o: Resolved, t: number, dtype: FloatDtype): Tensor {
  if (typeof o.lr === "number" && typeof o.lambd === "number" && typeof o.alpha === "number") {
    return scalar(rounder(dtype)(etaDouble(o.lr, o.lambd, o.alpha, t)), dtype);
  }
  // Only a tensor alpha: the base is a number (in double), the power a tensor op.
  const w = typeof o.lr === "number" && typeof o.lambd === "number" ? pow(o.lambd * o.lr * t + 1, o.alpha) : mul(o.lambd, o.lr).mul(t).add(1).pow(o.alpha);
  return div(o.lr, w).to(dtype);
}

/** `pow(v, alpha)` evaluated in double with the double exponent, rounded once to v's dtype (torch's CPU kernel). */
function powDouble(v: Tensor, alpha: number | Tensor): Tensor {
  return v.pow(typeof alpha === "number" ? scalar(alpha, "float64") : alpha).to(v.dtype);
}

/** Capturable eta and mu from the (incremented) step tensor, with 0-dim tensor ops only (B.5 / B.7). */
function capturableScalars(o: Resolved, step: Tensor, foreach: boolean): { eta: Tensor; mu: Tensor } {
  const { lr, lambd } = o;
  // Single-tensor path: (lambd * lr) first, in double for numbers; foreach path: (t * lambd) * lr.
  const u = foreach ? step.mul(lambd).mul(lr) : step.mul(typeof lr === "number" && typeof lambd === "number" ? lambd * lr : mul(lambd, lr));
  const w = powDouble(u.add(1), o.alpha);
  const eta = w.reciprocal().mul(lr);
  const mu = step.sub(o.t0).maximum(1).reciprocal();
  return { eta, mu };
}

/**
 * One single-tensor ASGD step with tensor ops and no mutation: the value of every output follows
 * PyTorch's op sequence (B.4, or B.5 when capturable). Used for the pure API, the differentiable and
 * capturable paths, and non-contiguous tensors.
 */
function singleStep(p: Tensor, g: Tensor, s: AsgdParamState, o: Resolved): AsgdParamState & { param: Tensor } {
  let grad = o.maximize ? g.neg() : g;
  const S = s.step.dtype as FloatDtype;
  const lambd = o.lambd;
  const etaIn = s.eta.reshape([]);
  const muIn = s.mu.reshape([]);
  if (o.capturable) {
    const step = s.step.reshape([]).add(1);
    if (!isOff(o.weightDecay)) grad = addScaled(grad, p, o.weightDecay);
    const c = sub(1, mul(etaIn, lambd));
    const param = p.mul(c).add(grad.mul(etaIn), { alpha: -1 });
    const ax = s.ax.add(param.sub(s.ax).mul(muIn));
    const next = capturableScalars(o, step, false);
    return { param, ax, step, eta: next.eta.to(s.eta.dtype), mu: next.mu.to(s.mu.dtype) };
  }
  const t = rounder(S)(readScalar(s.step) + 1);
  if (!isOff(o.weightDecay)) grad = addScaled(grad, p, o.weightDecay);
  let param: Tensor;
  if (!etaIn.requiresGrad && !isDual(etaIn) && typeof lambd === "number") {
    const e = readScalar(etaIn);
    param = p.mul(1 - lambd * e).add(grad, { alpha: -e });
  } else {
    param = p.mul(sub(1, mul(lambd, etaIn))).sub(grad.mul(etaIn));
  }
  const muValue = readScalar(muIn);
  const ax = muValue !== 1 ? s.ax.add(param.sub(s.ax).mul(muValue)) : param.clone();
  return {
    param,
    ax,
    step: scalar(t, S),
    eta: nextEta(o, t, s.eta.dtype as FloatDtype),
    mu: scalar(rounder(s.mu.dtype as FloatDtype)(muDouble(t, o.t0)), s.mu.dtype),
  };
}

/** The fused kernel for a dense float32/float64 param (the default path); returns false when not applicable. */
function fusedSingle(p: Tensor, g: Tensor, ax: Tensor, eta: number, mu: number, o: Resolved): boolean {
  const dtype = p.dtype;
  if ((dtype !== "float32" && dtype !== "float64") || !isDenseFloat(p, dtype) || !isDenseFloat(g, dtype) || !isDenseFloat(ax, dtype)) {
    return false;
  }
  const s = { eta, mu, lambd: o.lambdValue, weightDecay: o.weightDecayValue, maximize: o.maximize };
  const n = p.numel();
  if (dtype === "float32") {
    pinForAsgdKernel(p, g, ax);
    asgdSingleF32(p.storage.data as Float32Array, p.offset, g.storage.data as Float32Array, g.offset, ax.storage.data as Float32Array, ax.offset, n, {
      ...s,
      // A 0-dim float64 mu meets float32 tensors as a float32 value.
      mu: Math.fround(mu),
    });
  } else {
    asgdSingleF64(p.storage.data as Float64Array, p.offset, g.storage.data as Float64Array, g.offset, ax.storage.data as Float64Array, ax.offset, n, s);
  }
  p.bumpVersion();
  ax.bumpVersion();
  return true;
}

function singleTensor(params: readonly Tensor[], grads: readonly Tensor[], axs: Tensor[], mus: Tensor[], etas: Tensor[], steps: Tensor[], o: Resolved): void {
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    const g = grads[i]!;
    const ax = axs[i]!;
    const mu = mus[i]!;
    const eta = etas[i]!;
    const st = steps[i]!;
    if (!o.differentiable && !o.capturable && !eta.requiresGrad && fusedSingle(p, g, ax, readScalar(eta), readScalar(mu), o)) {
      const t = rounder(st.dtype as FloatDtype)(readScalar(st) + 1);
      writeScalar(st, t);
      const newEta = typeof o.lr === "number" ? rounder(eta.dtype as FloatDtype)(etaDouble(o.lr, o.lambdValue, o.alphaValue, t)) : null;
      if (newEta !== null) writeScalar(eta, newEta);
      else noGrad(() => eta.copy_(nextEta(o, t, eta.dtype as FloatDtype)));
      writeScalar(mu, rounder(mu.dtype as FloatDtype)(muDouble(t, o.t0)));
      continue;
    }
    const recording = o.differentiable && isGradEnabled();
    const run = (): void => {
      // Snapshots keep the tensors saved by the recorded ops apart from the state written below.
      const inputs: AsgdParamState & { param: Tensor } = recording
        ? { param: p.clone(), ax: ax.clone(), eta: eta.clone(), mu: mu.detach().clone(), step: st.detach().clone() }
        : { param: p, ax, eta, mu, step: st };
      const next = singleStep(inputs.param, g, inputs, o);
      p.copy_(next.param);
      ax.copy_(next.ax);
      st.copy_(next.step.reshape(st.shape));
      eta.copy_(next.eta.reshape(eta.shape));
      mu.copy_(next.mu.reshape(mu.shape));
    };
    if (o.differentiable) run();
    else noGrad(run);
  }
}

function multiTensor(params: readonly Tensor[], grads: readonly Tensor[], axs: Tensor[], mus: Tensor[], etas: Tensor[], steps: Tensor[], o: Resolved): void {
  noGrad(() => {
    // Grouped by dtype, first-occurrence order (PyTorch groups by device and dtype).
    const groups = new Map<string, number[]>();
    params.forEach((p, i) => {
      const list = groups.get(p.dtype);
      if (list === undefined) groups.set(p.dtype, [i]);
      else list.push(i);
    });
    for (const [dtype, indices] of groups) {
      const float32 = dtype === "float32";
      const R = rounder(dtype as FloatDtype);
      const items: AsgdForeachItem[] = [];
      const touched: Tensor[] = [];
      for (const i of indices) {
        const p = params[i]!;
        const g = grads[i]!;
        const ax = axs[i]!;
        const st = steps[i]!;
        if (o.capturable) st.add_(1);
        else writeScalar(st, rounder(st.dtype as FloatDtype)(readScalar(st) + 1));
        const eta = R(readScalar(etas[i]!));
        const mu = R(readScalar(mus[i]!));
        if (p.isContiguous() && g.isContiguous() && ax.isContiguous()) {
          pinForAsgdKernel(p, g, ax);
          items.push({ p: p.storage.data as FloatArray, po: p.offset, g: g.storage.data as FloatArray, go: g.offset, ax: ax.storage.data as FloatArray, axo: ax.offset, n: p.numel(), eta, mu });
          touched.push(p, ax);
        } else {
          const gg = o.maximize ? g.neg() : g;
          const decayed = o.weightDecayValue !== 0 ? gg.add(p, { alpha: o.weightDecayValue }) : gg;
          const inter = decayed.add(p, { alpha: o.lambdValue });
          const param = p.sub(inter.mul(eta));
          const avg = ax.add(param.sub(ax).mul(mu));
          p.copy_(param);
          ax.copy_(avg);
        }
      }
      asgdForeach(items, { lambd: o.lambdValue, weightDecay: o.weightDecayValue, maximize: o.maximize }, float32);
      for (const t of touched) t.bumpVersion();
      for (const i of indices) {
        const st = steps[i]!;
        if (o.capturable) {
          const next = capturableScalars(o, st.reshape([]), true);
          etas[i]!.copy_(next.eta.reshape(etas[i]!.shape));
          mus[i]!.copy_(next.mu.reshape(mus[i]!.shape));
        } else {
          const t = readScalar(st);
          const S = rounder(etas[i]!.dtype as FloatDtype);
          const lrDtype = o.lr instanceof Tensor && o.lr.dtype === "float64" ? "float64" : (etas[i]!.dtype as FloatDtype);
          writeScalar(etas[i]!, S(etaForeach(o.lrValue, o.lambdValue, o.alphaValue, t, rounder(lrDtype))));
          writeScalar(mus[i]!, rounder(mus[i]!.dtype as FloatDtype)(muDouble(t, o.t0)));
        }
      }
    }
  });
}

/**
 * Apply one ASGD step in place to `params`, their averages `axs` and their scalar state (`mus`,
 * `etas`, `stateSteps`), with PyTorch 2.8's order of operations. For each param (t = its step count
 * after the increment, e/m the eta/mu stored by the previous step):
 *
 * ```
 * g   = maximize ? -grad : grad
 * g   = g + weightDecay * p                     (if weightDecay != 0)
 * p   = p * (1 - lambd * e) - e * g
 * ax  = (m == 1) ? p : ax + m * (p - ax)
 * eta = lr / (1 + lambd * lr * t) ** alpha      (used by the NEXT step: eta lags the lr by one step)
 * mu  = 1 / max(1, t - t0)
 * ```
 *
 * Paths: the default (single-tensor, float32/float64, contiguous) runs one fused pass over p, grad
 * and ax, rounding to float32 exactly where torch does, and eta/mu in double rounded once;
 * non-contiguous tensors use tensor ops with the same rounding. `foreach: true` is PyTorch's
 * multi-tensor algorithm (`I = g + wd*p + lambd*p; p -= eta*I; ax += mu*(p - ax)` with float32 eta
 * maths): mathematically equal, rounding differs in the last bits. `capturable: true` updates
 * step, eta and mu with 0-dim tensor ops only (PyTorch's capturable rounding; PyTorch itself only
 * allows it on accelerators). `differentiable: true` records the update on the tape: params must be
 * non-leaf tensors (e.g. clones of leaves), a tensor `lr`/`lambd` that requires grad stays
 * differentiable through eta (state `eta` carries its history), and eta of the first step is `lr`.
 * The differentiable update writes into the params in place (as PyTorch does), which advances their
 * version counters: if an earlier graph saved a param itself (e.g. `x.matmul(W)` saves `W`),
 * backpropagating through that graph afterwards fails. For unrolled hypergradients through such
 * models use {@link asgdUpdatePure}, which never mutates.
 *
 * Under the "wasm" kernel backend the fused float32 paths pin (`pinStorage`) every param and
 * average of at least 256 elements on first use, and a gradient that an earlier step already
 * used, so the WebAssembly kernel updates them in place.
 *
 * @param params parameters with a gradient, updated in place
 * @param grads their gradients (never modified)
 * @param axs running averages, updated in place (never written back into the params)
 * @param mus averaging weights (0-dim), updated in place
 * @param etas step sizes (0-dim), updated in place
 * @param stateSteps step counters (0-dim), incremented in place
 * @param options one group's hyperparameters and flags
 * @throws TypeError/RangeError for lists of different lengths, mismatched shapes or dtypes, invalid
 * hyperparameters, foreach with differentiable, or (differentiable) a leaf param that requires grad;
 * nothing is modified when it throws.
 * @example
 * const p = tensor([1, 2]);
 * const s = asgdInitState(p, 0.1);
 * asgdUpdate([p], [tensor([0.5, -1])], [s.ax], [s.mu], [s.eta], [s.step],
 *   { lr: 0.1, lambd: 1e-4, alpha: 0.75, t0: 1e6, weightDecay: 0 });
 */
export function asgdUpdate(
  params: readonly Tensor[],
  grads: readonly Tensor[],
  axs: Tensor[],
  mus: Tensor[],
  etas: Tensor[],
  stateSteps: Tensor[],
  options: AsgdUpdateOptions,
): void {
  const where = "asgdUpdate";
  if (!Array.isArray(params)) throw new TypeError(`${where}: params must be an array of tensors, got ${show(params)}`);
  for (const [name, list] of [["grads", grads], ["axs", axs], ["mus", mus], ["etas", etas], ["stateSteps", stateSteps]] as const) {
    if (!Array.isArray(list)) throw new TypeError(`${where}: ${name} must be an array, got ${show(list)}`);
    if (list.length !== params.length) throw new RangeError(`${where}: ${name} has ${list.length} entries but params has ${params.length}`);
  }
  const o = resolve(where, options, false);
  for (let i = 0; i < params.length; i++) {
    checkParam(where, i, params[i], grads[i], axs[i], o.differentiable);
    checkScalarState(where, "mus", i, mus[i]);
    checkScalarState(where, "etas", i, etas[i]);
    checkScalarState(where, "stateSteps", i, stateSteps[i]);
  }
  if (params.length === 0) return;
  if (o.foreach) multiTensor(params, grads, axs, mus, etas, stateSteps, o);
  else singleTensor(params, grads, axs, mus, etas, stateSteps, o);
}

/**
 * A fresh ASGD state for `param`, as created lazily at its first step with a gradient:
 * `step = 0`, `eta = lr`, `mu = 1` (0-dim tensors of {@link asgdScalarDtype}) and `ax = zeros like param`.
 * With `differentiable: true` and a tensor `lr`, `eta` is a recorded copy of `lr` (in lr's dtype), so
 * gradients flow from the first update back to `lr`; otherwise eta holds lr's value rounded to the
 * scalar dtype (PyTorch).
 * @throws TypeError/RangeError for a non-float param or an invalid lr.
 */
export function asgdInitState(param: Tensor, lr: number | Tensor, options: { differentiable?: boolean } = {}): AsgdParamState {
  const where = "asgdInitState";
  if (!(param instanceof Tensor) || !param.isFloatingPoint()) throw new TypeError(`${where}: param must be a float tensor, got ${show(param)}`);
  let lrValue: number;
  if (lr instanceof Tensor) lrValue = tensorScalar(where, "lr", lr);
  else if (typeof lr === "number") lrValue = lr;
  else throw new TypeError(`${where}: lr must be a number or a 1-element Tensor, got ${show(lr)}`);
  const S = asgdScalarDtype();
  const eta = lr instanceof Tensor && options.differentiable === true ? lr.reshape([]).clone() : scalar(rounder(S)(lrValue), S);
  return { step: scalar(0, S), eta, mu: scalar(1, S), ax: zerosLike(param) };
}

/**
 * The pure (optax-style) ASGD step: new params and new state, inputs untouched. Follows the
 * single-tensor path of {@link asgdUpdate} (same values; `capturable` selects its tensor-op
 * rounding) and records every op when grad mode is on, so it can be unrolled and differentiated,
 * also with respect to a tensor `lr` or `lambd`. `differentiable` defaults to true here: set it to
 * false to treat a tensor lr/lambd as a constant. A `null` gradient leaves that param and its state
 * unchanged (the same objects are returned).
 *
 * @returns `{ params, states }`, parallel to the inputs
 * @throws TypeError/RangeError as {@link asgdUpdate}; `foreach: true` is not supported here.
 * @example
 * const lr = tensor(0.1, { dtype: "float64", requiresGrad: true });
 * let params = [w0], states = [asgdInitState(w0, lr, { differentiable: true })];
 * for (let k = 0; k < 3; k++) {
 *   const [g] = grad([loss(params[0])], params, { createGraph: true });
 *   ({ params, states } = asgdUpdatePure(params, [g], states, { lr, lambd: 1e-4, alpha: 0.75, t0: 1e6, weightDecay: 0 }));
 * }
 * valLoss(params[0]).backward(); lr.grad; // the hypergradient
 */
export function asgdUpdatePure(
  params: readonly Tensor[],
  grads: ReadonlyArray<Tensor | null>,
  states: readonly AsgdParamState[],
  options: AsgdUpdateOptions,
): { params: Tensor[]; states: AsgdParamState[] } {
  const where = "asgdUpdatePure";
  if (!Array.isArray(params)) throw new TypeError(`${where}: params must be an array of tensors, got ${show(params)}`);
  for (const [name, list] of [["grads", grads], ["states", states]] as const) {
    if (!Array.isArray(list)) throw new TypeError(`${where}: ${name} must be an array, got ${show(list)}`);
    if (list.length !== params.length) throw new RangeError(`${where}: ${name} has ${list.length} entries but params has ${params.length}`);
  }
  const o = resolve(where, options, true);
  if (o.foreach) throw new Error(`${where}: foreach: true is not supported by the pure update (use asgdUpdate)`);
  for (let i = 0; i < params.length; i++) {
    const s = states[i];
    if (typeof s !== "object" || s === null) throw new TypeError(`${where}: states[${i}] must be an object {step, eta, mu, ax}, got ${show(s)}`);
    if (grads[i] === null) continue;
    checkParam(where, i, params[i], grads[i], s.ax, false);
    checkScalarState(where, "states.mu", i, s.mu);
    checkScalarState(where, "states.eta", i, s.eta);
    checkScalarState(where, "states.step", i, s.step);
  }
  // The step negates the gradient itself when maximizing (it follows PyTorch's op order).
  return stepEach(params, grads, states, false, (p, g, s) => {
    const next = singleStep(p, g, s, o);
    return { param: next.param, state: { step: next.step, eta: next.eta, mu: next.mu, ax: next.ax } };
  });
}
