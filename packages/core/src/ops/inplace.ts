/**
 * In-place ops (PyTorch's trailing underscore). Each writes into the tensor's storage (reaching the
 * base of a view), bumps the shared version counter, and, when autograd is recording, re-bases the
 * tensor's history as PyTorch does:
 * - on a leaf that requires grad it throws (the leaf's value is the variable being differentiated);
 * - on a non-view tensor the op is recorded out of place on a snapshot that carries the old history,
 *   and the tensor adopts the result's history;
 * - on a view the write is recorded as a copy of the whole base with the view's region replaced
 *   (`CopySlices`), so the base's history, and that of every view of it, stays correct.
 * @module
 */
import { isGradEnabled, noGrad } from "../autograd/grad-mode.js";
import { isRebindingInPlace } from "../autograd/rebind-mode.js";
import { describe } from "../describe.js";
import { denseBinary } from "../kernels/dense-binary.js";
import { scatterInto } from "../kernels/elementwise.js";
import { broadcastPositions } from "../kernels/strided.js";
import { formatShape, sameShape } from "../shape.js";
import { Storage } from "../storage.js";
import { Tensor, type TensorOrScalar } from "../tensor.js";
import { add, computeInto, div, maximum, mul, pow, sub, where, lt } from "./binary.js";
import { clamp, neg, reciprocal, sqrt, cast } from "./unary.js";
import { clone, extract, expand, refreshViewHistory, scatterView } from "./movement.js";
import { full, zerosLike } from "./creation.js";
import { record } from "../autograd/record.js";
import { forwardActive, setTangent, tangentOf, withoutForward } from "../autograd/tangents.js";
import { checkTensor, strided } from "./operands.js";
import { maskedFillOperands } from "./masking.js";

/** A copy of `t`'s values that carries `t`'s autograd identity (its history, or its leaf-ness). */
function snapshot(t: Tensor): Tensor {
  const copy = new Tensor(new Storage(t.values().slice()), t.shape, contiguousOf(t), 0, t.dtype);
  if (t.isLeaf && t.requiresGrad) return t; // only reachable for a base that is a leaf needing grad; caught earlier
  if (!t.isLeaf) copy.setHistory(t.gradFn);
  setTangent(copy, tangentOf(t));
  return copy;
}

function contiguousOf(t: Tensor): number[] {
  const strides: number[] = [];
  let s = 1;
  for (let i = t.ndim - 1; i >= 0; i--) {
    strides.unshift(s);
    s *= Math.max(t.shape[i]!, 1);
  }
  return strides;
}

const category = (dtype: Tensor["dtype"]): number => (dtype === "bool" ? 0 : dtype === "int32" ? 1 : 2);

/**
 * Check that a result may be written into `self`: same shape, and a dtype `self` can hold. As
 * PyTorch's `can_cast`, only the category matters (float64 into float32 is fine, float into int32
 * or int32 into bool is not), whether or not autograd is recording.
 */
function checkResult(self: Tensor, result: Tensor, op: string): void {
  if (!sameShape(result.shape, self.shape)) {
    throw new RangeError(`${op}: output with shape ${formatShape(self.shape)} doesn't match the broadcast shape ${formatShape(result.shape)}`);
  }
  if (category(result.dtype) > category(self.dtype)) {
    throw new TypeError(`${op}: result type ${result.dtype} can't be cast to the desired output type ${self.dtype}`);
  }
}

/**
 * Reject writes into a tensor whose elements overlap in memory (a stride-0, expanded dim), as
 * PyTorch does: which of the aliased results would survive is unspecified.
 */
function checkNoInternalOverlap(self: Tensor, op: string): void {
  if (self.shape.some((d, i) => d > 1 && self.strides[i] === 0)) {
    throw new RangeError(
      `${op}: unsupported operation: more than one element of the written-to tensor (shape ${formatShape(self.shape)}, strides ${formatShape(self.strides)}) refers to a single memory location; clone() the tensor first`,
    );
  }
}

/** Write `values` into `self`'s elements and bump the version counter. */
function writeValues(self: Tensor, values: Tensor): void {
  scatterInto(strided(self), values.values());
  self.bumpVersion();
}

/**
 * Run `compute(current value of self)` and store the result into `self`, with the autograd
 * bookkeeping described in the module comment. `others` are the op's tensor operands. When
 * nothing is recorded and no tangent is carried, `direct` (if given) may write the result into
 * `self`'s storage itself, with no temporary and no copy back; it returns false when it cannot.
 */
function inPlace(
  self: Tensor, op: string, others: ReadonlyArray<Tensor | null>, compute: (current: Tensor) => Tensor, direct?: (self: Tensor) => boolean,
): Tensor {
  checkTensor(self, op, "self");
  checkNoInternalOverlap(self, op);
  const recording = isGradEnabled();
  if (recording && self.isLeaf && self.requiresGrad) {
    const what = self.base === null ? "a leaf tensor" : "a view of a leaf tensor";
    throw new Error(
      `${op}: ${what} that requires grad is being used in an in-place operation. ` +
        `Wrap the update in noGrad(() => ...) (as optimizers do), or work on a non-leaf copy (x.clone()).`,
    );
  }
  if (recording && self.base !== null && self.base.isLeaf && self.base.requiresGrad) {
    throw new Error(`${op}: a view of a leaf tensor that requires grad is being used in an in-place operation. Wrap the update in noGrad(() => ...).`);
  }
  const tracking = recording && (self.requiresGrad || others.some((o) => o !== null && o.requiresGrad));
  if (!tracking) {
    if (direct !== undefined && !forwardActive() && direct(self)) {
      self.bumpVersion();
      return self;
    }
    const result = noGrad(() => compute(self));
    checkResult(self, result, op);
    const written = result.dtype === self.dtype ? result : cast(result, self.dtype);
    writeValues(self, written);
    if (forwardActive()) carryTangent(self, written);
    return self;
  }
  if (self.base === null) {
    const computed = compute(snapshot(self));
    checkResult(self, computed, op);
    const result = cast(computed, self.dtype);
    if (isRebindingInPlace()) {
      // A fresh contiguous result becomes self's storage (and gives self its tangent); the old
      // storage stays as a graph saved it.
      self.rebind(result.base === null && result.isContiguous() && result.offset === 0 ? result : clone(result));
    } else {
      writeValues(self, result);
      adoptSavedResult(result, self);
      self.setHistory(result.gradFn);
      setTangent(self, tangentOf(result));
    }
    return self;
  }
  const base = self.base;
  const geometry = { shape: self.shape.slice(), strides: self.strides.slice(), offset: self.offset - base.offset };
  const baseBefore = snapshot(base);
  const computed = compute(extract(baseBefore, geometry));
  checkResult(self, computed, op);
  const region = cast(computed, self.dtype);
  const baseAfter = scatterView(baseBefore, region, geometry);
  writeValues(base, baseAfter);
  adoptSavedResult(region, self);
  base.setHistory(baseAfter.gradFn);
  refreshViewHistory(self);
  setTangent(base, tangentOf(baseAfter));
  setTangent(self, tangentOf(region));
  return self;
}

/**
 * The op that computed an in-place result may have saved that result for its gradient (`sqrt_`,
 * `reciprocal_`, ...). The result now lives in `self`, so the saved entry becomes `self` at its
 * new version: a later in-place op on `self` then makes backward throw, as in PyTorch, instead of
 * silently using a private copy.
 */
function adoptSavedResult(result: Tensor, self: Tensor): void {
  const node = result.gradFn;
  if (node !== null && result.dtype === self.dtype) node.replaceSaved(result, self);
}

/**
 * Forward mode, for an untracked in-place op: `self` takes the tangent of the value written into it
 * (none if that has none); a view's base gets the view's region of its tangent replaced likewise.
 */
function carryTangent(self: Tensor, written: Tensor): void {
  const tangent = tangentOf(written);
  const base = self.base;
  if (base !== null) {
    const baseTangent = tangentOf(base);
    if (baseTangent !== null || tangent !== null) {
      const geometry = { shape: self.shape.slice(), strides: self.strides.slice(), offset: self.offset - base.offset };
      const region = tangent ?? zerosLike(self);
      setTangent(base, withoutForward(() => scatterView(baseTangent ?? zerosLike(base), region, geometry)));
    }
  }
  setTangent(self, tangent);
}

function operand(other: TensorOrScalar): Tensor | null {
  return other instanceof Tensor ? other : null;
}

/** `self += alpha * other`. */
export function add_<T extends Tensor>(self: T, other: TensorOrScalar, options?: { alpha?: number }): T {
  return inPlace(self, "add_", [operand(other)], (x) => add(x, other, options), (x) => computeInto("add", x, other, options)) as T;
}

/** `self -= alpha * other`. */
export function sub_<T extends Tensor>(self: T, other: TensorOrScalar, options?: { alpha?: number }): T {
  return inPlace(self, "sub_", [operand(other)], (x) => sub(x, other, options), (x) => computeInto("sub", x, other, options)) as T;
}

/** `self *= other`. */
export function mul_<T extends Tensor>(self: T, other: TensorOrScalar): T {
  return inPlace(self, "mul_", [operand(other)], (x) => mul(x, other), (x) => computeInto("mul", x, other)) as T;
}

/** `self /= other`. */
export function div_<T extends Tensor>(self: T, other: TensorOrScalar): T {
  return inPlace(self, "div_", [operand(other)], (x) => div(x, other), (x) => computeInto("div", x, other)) as T;
}

function checkValue(options: { value?: number } | undefined, op: string): number {
  const value = options?.value ?? 1;
  if (typeof value !== "number") throw new TypeError(`${op}: value must be a number, got ${describe(value)}`);
  return value;
}

/** `self += value * t1 * t2`. */
export function addcmul_<T extends Tensor>(self: T, t1: Tensor, t2: Tensor, options?: { value?: number }): T {
  checkTensor(t1, "addcmul_", "tensor1");
  checkTensor(t2, "addcmul_", "tensor2");
  const value = checkValue(options, "addcmul_");
  return inPlace(self, "addcmul_", [t1, t2], (x) => add(x, mul(t1, t2), { alpha: value }), (x) => computeInto("add", x, mul(t1, t2), { alpha: value })) as T;
}

/** `self += value * t1 / t2`. */
export function addcdiv_<T extends Tensor>(self: T, t1: Tensor, t2: Tensor, options?: { value?: number }): T {
  checkTensor(t1, "addcdiv_", "tensor1");
  checkTensor(t2, "addcdiv_", "tensor2");
  const value = checkValue(options, "addcdiv_");
  return inPlace(self, "addcdiv_", [t1, t2], (x) => add(x, div(t1, t2), { alpha: value }), (x) => computeInto("add", x, div(t1, t2), { alpha: value })) as T;
}

/**
 * `self += weight * (end - self)`, evaluated as PyTorch does for accuracy near weight 1:
 * `weight < 0.5 ? self + weight * (end - self) : end - (end - self) * (1 - weight)`.
 */
export function lerp_<T extends Tensor>(self: T, end: Tensor, weight: TensorOrScalar): T {
  checkTensor(end, "lerp_", "end");
  if (typeof weight !== "number" && !(weight instanceof Tensor)) throw new TypeError(`lerp_: weight must be a number or a Tensor, got ${describe(weight)}`);
  const compute = (x: Tensor): Tensor => {
    const diff = sub(end, x);
    if (typeof weight === "number") {
      return weight < 0.5 ? add(x, mul(diff, weight)) : sub(end, mul(diff, 1 - weight));
    }
    return where(lt(weight.abs(), 0.5), add(x, mul(diff, weight)), sub(end, mul(diff, sub(1, weight))));
  };
  // The small-weight branch (an optimizer's moving average) ends in self + step: written straight into self.
  const direct = typeof weight === "number" && weight < 0.5 ? (x: Tensor) => computeInto("add", x, mul(sub(end, x), weight)) : undefined;
  return inPlace(self, "lerp_", [end, operand(weight)], compute, direct) as T;
}

/** Copy `src` (broadcast to `self`'s shape, cast to its dtype) into `self`. */
export function copy_<T extends Tensor>(self: T, src: Tensor): T {
  checkTensor(src, "copy_", "src");
  return inPlace(self, "copy_", [src], (x) => keepHistory(clone(cast(expand(src, x.shape), x.dtype)), x)) as T;
}

/** Set every element to `value` (a number, boolean or 0-dim tensor). */
export function fill_<T extends Tensor>(self: T, value: number | boolean | Tensor): T {
  if (value instanceof Tensor) {
    if (value.numel() !== 1) throw new RangeError(`fill_: only supports a 0-dim value tensor, but got a tensor with ${value.ndim} dimensions`);
    return copy_(self, value.reshape([]));
  }
  if (typeof value !== "number" && typeof value !== "boolean") throw new TypeError(`fill_: value must be a number, boolean or Tensor, got ${describe(value)}`);
  return inPlace(self, "fill_", [], (x) => keepHistory(full(x.shape, value, { dtype: x.dtype }), x)) as T;
}

/**
 * A result that overwrites every element still belongs to the graph of the tensor it replaced
 * (with zero gradient), so `requiresGrad` stays true as in PyTorch. In forward mode the replaced
 * tensor likewise contributes nothing: the result keeps the tangent it has from what overwrote it
 * (`copy_`'s source), zero if none.
 */
function keepHistory(result: Tensor, replaced: Tensor): Tensor {
  if (result.requiresGrad) return result;
  const own = tangentOf(result);
  return record(result, "FillBackward", [replaced], (g) => [zerosLike(g)], [], () => own ?? zerosLike(result));
}

/** Clamp in place. */
export function clamp_<T extends Tensor>(self: T, min?: number | null, max?: number | null): T {
  return inPlace(self, "clamp_", [], (x) => clamp(x, min, max)) as T;
}

/** Negate in place. */
export function neg_<T extends Tensor>(self: T): T {
  return inPlace(self, "neg_", [], (x) => neg(x)) as T;
}

/** `self = self ** exponent`. */
export function pow_<T extends Tensor>(self: T, exponent: TensorOrScalar): T {
  return inPlace(self, "pow_", [operand(exponent)], (x) => pow(x, exponent)) as T;
}

/** Square root in place. */
export function sqrt_<T extends Tensor>(self: T): T {
  return inPlace(self, "sqrt_", [], (x) => sqrt(x)) as T;
}

/** `self = 1 / self`. */
export function reciprocal_<T extends Tensor>(self: T): T {
  return inPlace(self, "reciprocal_", [], (x) => reciprocal(x)) as T;
}

/** `self = maximum(self, other)`. */
export function maximum_<T extends Tensor>(self: T, other: TensorOrScalar): T {
  return inPlace(self, "maximum_", [operand(other)], (x) => maximum(x, other)) as T;
}

/**
 * @internal `dst += src` on raw values, no autograd and no version bump (gradient accumulation into a
 * `.grad` the engine owns).
 */
export function addInPlaceRaw(dst: Tensor, src: Tensor): void {
  const d = dst.storage.data;
  const values = src.values();
  if (dst.isContiguous() && dst.offset === 0 && d.length === values.length) {
    denseBinary("add", d, values, d, 1);
    return;
  }
  const pos = broadcastPositions(strided(dst), dst.shape);
  for (let i = 0; i < pos.length; i++) d[pos[i]!] += values[i]!;
}

/** Fill the positions where `mask` is true with `value` (see {@link maskedFill}). */
export function maskedFill_<T extends Tensor>(self: T, mask: Tensor, value: number | boolean | Tensor): T {
  const v = maskedFillOperands(self, mask, value, "maskedFill_");
  return inPlace(self, "maskedFill_", [v], (x) => where(mask, v, x)) as T;
}
