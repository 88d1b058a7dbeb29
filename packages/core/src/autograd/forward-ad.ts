/**
 * Forward-mode automatic differentiation, in the shape of PyTorch's `torch.autograd.forward_ad`:
 * inside `dualLevel(() => ...)`, `makeDual(primal, tangent)` gives a tensor carrying a tangent,
 * every differentiable op propagates tangents through its forward rule (the Jacobian-vector
 * product), and `unpackDual(t)` reads `{ primal, tangent }` back.
 *
 * Tangent rules are written with differentiable ops and run with grad mode as it is, so both
 * compositions with reverse mode work: a `grad()` call inside a level propagates tangents through
 * the backward pass (forward-over-reverse, Hessian-vector products), and tangents of inputs that
 * require grad are on the tape (reverse-over-forward). Forward mode does not depend on grad mode:
 * `noGrad` stops recording, not tangent propagation (as PyTorch's `no_grad`).
 *
 * Differences from PyTorch: one level at a time, as in `torch.autograd.forward_ad` (nested levels
 * throw; `torch.func.jvp` nests, tapegrad's {@link jvp} does not); `detach()` drops the tangent; an
 * in-place op on a view updates the tangent of the view and of its base, not of other views.
 * @module
 */
import { describe } from "../describe.js";
import { formatShape, sameShape } from "../shape.js";
import { Tensor } from "../tensor.js";
import { view } from "../ops/movement.js";
import { DualLevelState, currentLevel, setTangent, swapLevel, tangentOf, withoutForward } from "./tangents.js";

/**
 * Run `fn` inside a new dual level (PyTorch's `with fwAD.dual_level():`) and return its result.
 * Every tangent made or computed inside is forgotten when `fn` returns or throws.
 * @throws Error when called inside another dual level (nested forward mode is not supported).
 * @example
 * const [y, dy] = dualLevel(() => {
 *   const out = makeDual(x, v).sin();
 *   const { primal, tangent } = unpackDual(out);
 *   return [primal, tangent];
 * });
 */
export function dualLevel<T>(fn: () => T): T {
  if (typeof fn !== "function") throw new TypeError(`dualLevel: expected a function, got ${describe(fn)}`);
  if (currentLevel() !== null) {
    throw new Error("dualLevel: nested forward-mode AD is not supported; only one dual level can be active at a time (as in torch.autograd.forward_ad)");
  }
  const previous = swapLevel(new DualLevelState());
  try {
    return fn();
  } finally {
    swapLevel(previous);
  }
}

/**
 * Whether `t` carries a tangent at the active dual level (false outside a level). Code that takes a
 * tensor to a number when it does not need its derivative (e.g. an optimizer's tensor lr) uses it
 * to keep dual tensors as tensors.
 */
export function isDual(t: Tensor): boolean {
  return t instanceof Tensor && tangentOf(t) !== null;
}

/** Whether a dual level is active (code inside {@link dualLevel}). */
export function isForwardAdActive(): boolean {
  return currentLevel() !== null;
}

/**
 * A tensor equal to `primal` (a view of it, sharing its storage and its reverse-mode history)
 * carrying `tangent` at the active dual level.
 * @throws Error outside a dual level; TypeError for non-tensors, non-float dtypes, or a tangent
 *   whose shape or dtype differs from the primal's.
 */
export function makeDual(primal: Tensor, tangent: Tensor): Tensor {
  if (!(primal instanceof Tensor)) throw new TypeError(`makeDual: primal must be a Tensor, got ${describe(primal)}`);
  if (!(tangent instanceof Tensor)) throw new TypeError(`makeDual: tangent must be a Tensor, got ${describe(tangent)}`);
  if (currentLevel() === null) throw new Error("makeDual: must be called inside dualLevel(() => ...)");
  if (!primal.isFloatingPoint()) throw new TypeError(`makeDual: only floating point tensors can carry a tangent, but the primal is ${primal.dtype}`);
  if (!sameShape(primal.shape, tangent.shape)) {
    throw new TypeError(`makeDual: the tangent's shape ${formatShape(tangent.shape)} must equal the primal's ${formatShape(primal.shape)}`);
  }
  if (tangent.dtype !== primal.dtype) throw new TypeError(`makeDual: the tangent's dtype ${tangent.dtype} must equal the primal's ${primal.dtype}`);
  const dual = withoutForward(() => view(primal, primal.shape));
  setTangent(dual, tangent);
  return dual;
}

/** The parts of a dual tensor, as {@link unpackDual} returns them. */
export interface UnpackedDual {
  /** The value: a view of the dual tensor (same storage, same reverse-mode history), without the tangent. */
  primal: Tensor;
  /** The tangent at the active level, or null when the tensor has none (or no level is active). */
  tangent: Tensor | null;
}

/**
 * Split `t` into its primal (a view without tangent) and its tangent at the active level.
 * Outside a dual level the primal is `t` itself and the tangent null.
 */
export function unpackDual(t: Tensor): UnpackedDual {
  if (!(t instanceof Tensor)) throw new TypeError(`unpackDual: expected a Tensor, got ${describe(t)}`);
  if (currentLevel() === null) return { primal: t, tangent: null };
  const tangent = tangentOf(t);
  if (tangent === null) return { primal: t, tangent: null };
  return { primal: withoutForward(() => view(t, t.shape)), tangent };
}
