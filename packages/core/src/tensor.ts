/**
 * The Tensor class: a strided view of a typed-array storage plus its place on the tape.
 * Methods are thin wrappers over the op functions in `ops/`, so both `x.add(y)` and `add(x, y)` work;
 * most of this file is those one-line wrappers (a class's methods must stay in its body). The rest
 * lives beside it: the types its methods take and return (`tensor-types.ts`), gradient bookkeeping
 * (`autograd/grad-state.ts`), `backward` and its seed gradient (`autograd/backward.ts`), printing
 * (`format.ts`).
 * @module
 */
import { AccumulateGrad, Node, type TensorHook } from "./autograd/node.js";
import { type DType, type TypedArray, isFloatingDtype } from "./dtype.js";
import { describe } from "./describe.js";
import { type Shape, contiguousStrides, formatShape, numelOf, packedCopy } from "./shape.js";
import { Storage } from "./storage.js";
import * as unary from "./ops/unary.js";
import * as binary from "./ops/binary.js";
import * as movement from "./ops/movement.js";
import * as inplace from "./ops/inplace.js";
import * as reduce from "./ops/reduce.js";
import * as linalg from "./ops/linalg.js";
import * as indexing from "./ops/indexing.js";
import * as softmaxOps from "./ops/softmax.js";
import * as extrema from "./ops/extrema.js";
import * as statistics from "./ops/statistics.js";
import * as cumulative from "./ops/cumulative.js";
import * as masking from "./ops/masking.js";
import * as tiling from "./ops/repeat.js";
import * as splitting from "./ops/split.js";
import * as selection from "./ops/topk.js";
import { backwardFrom } from "./autograd/backward.js";
import { setTangent, tangentOf } from "./autograd/tangents.js";
import { type GradState, NO_HOOKS, accumulateInto, addHook, checkAssignedGrad, newGradState } from "./autograd/grad-state.js";
import { format } from "./format.js";
import { type NestedArray, type RemovableHandle, type SliceSpec, type TensorOrScalar, type BackwardOptions, inspectCustom } from "./tensor-types.js";

export { inspectCustom, type NestedArray, type BackwardOptions, type RemovableHandle, type TensorOrScalar, type SliceSpec } from "./tensor-types.js";

/**
 * An n-dimensional array of float32, float64, int32 or bool values that can record the operations
 * applied to it, for reverse-mode differentiation.
 *
 * @example
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * x.mul(x).sum().backward();
 * x.grad?.tolist(); // [[2, 4], [6, 8]]
 */
export class Tensor {
  /** @internal */ readonly storage: Storage;
  /** Size of each dimension. */
  readonly shape: Shape;
  /** Index of the first element in `storage`. */
  readonly offset: number;
  /** Element type. */
  readonly dtype: DType;
  /** @internal the root tensor that owns the storage, for views; null otherwise. */
  readonly base: Tensor | null;
  /** @internal the layout's strides, or null for a contiguous layout whose strides are made on first use. */
  stridesOrNull: readonly number[] | null;

  private readonly elementCount: number;
  private leafRequiresGrad = false;
  private history: Node | null = null;
  private historyVersion = 0;
  /** Gradient state most tensors never have (a `.grad`, leaf hooks, retention), made on first use. */
  private gradState: GradState | null = null;

  /**
   * @internal use the creation functions (`tensor`, `zeros`, ...) instead. `shape` and `strides`
   * are kept as they are when frozen (tensors share them: they can't change), else copied and
   * frozen; `strides` null means row-major.
   */
  constructor(storage: Storage, shape: Shape, strides: readonly number[] | null, offset: number, dtype: DType, base: Tensor | null = null) {
    this.storage = storage;
    this.shape = frozen(shape);
    this.stridesOrNull = strides === null ? null : frozen(strides);
    this.offset = offset;
    this.dtype = dtype;
    this.base = base;
    this.elementCount = numelOf(this.shape);
  }

  /** @internal a new contiguous tensor owning `data`. */
  static fromData(data: TypedArray, shape: Shape, dtype: DType): Tensor {
    const t = new Tensor(new Storage(data), shape, null, 0, dtype);
    if (data.length !== t.elementCount) {
      throw new RangeError(`Tensor: ${data.length} values do not fill shape ${formatShape(shape)} (${t.elementCount} elements)`);
    }
    return t;
  }

  /** Element step of each dimension in `storage` (0 for broadcast dims). */
  get strides(): readonly number[] {
    return this.stridesOrNull ?? (this.stridesOrNull = Object.freeze(contiguousStrides(this.shape)));
  }

  // ---------------------------------------------------------------- metadata

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }
  /** Number of dimensions (PyTorch's `dim()`). */
  dim(): number {
    return this.shape.length;
  }
  /** Number of elements. */
  numel(): number {
    return this.elementCount;
  }
  /** The shape, or the size of one dimension. */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return this.shape.slice();
    return this.shape[movement.dimIndex(dim, this.ndim, "size")]!;
  }
  /** Whether the elements are laid out in row-major order without gaps. */
  isContiguous(): boolean {
    const strides = this.stridesOrNull;
    if (strides === null) return true;
    const shape = this.shape;
    let expected = 1;
    for (let i = shape.length - 1; i >= 0; i--) {
      const size = shape[i]!;
      if (size > 1 && strides[i] !== expected) return false;
      expected *= Math.max(size, 1);
    }
    return true;
  }
  /** Whether this is float32 or float64. */
  isFloatingPoint(): boolean {
    return isFloatingDtype(this.dtype);
  }
  /** The in-place modification counter, shared with every view of the same storage. */
  get version(): number {
    return this.storage.version;
  }
  /** @internal bump the version counter after writing into the storage. */
  bumpVersion(): void {
    this.storage.version++;
  }

  // ---------------------------------------------------------------- autograd state

  /** Whether gradients are tracked for this tensor (a leaf that asked for it, or the result of a tracked op). */
  get requiresGrad(): boolean {
    return this.leafRequiresGrad || this.gradFn !== null;
  }
  /** Setting it is the same as {@link Tensor.requiresGrad_}. */
  set requiresGrad(flag: boolean) {
    this.requiresGrad_(flag);
  }

  /**
   * Set whether a leaf tensor requires grad; returns `this`.
   * @throws Error on a non-leaf tensor asked to stop requiring grad, or a non-float tensor asked to require it.
   */
  requiresGrad_(flag = true): this {
    if (typeof flag !== "boolean") throw new TypeError(`requiresGrad_: flag must be a boolean, got ${describe(flag)}`);
    if (!this.isLeaf) {
      if (!flag) {
        throw new Error(
          "requiresGrad_: you can only change requiresGrad flags of leaf tensors; use detach() to get a tensor that does not require grad",
        );
      }
      return this;
    }
    if (flag && !this.isFloatingPoint()) {
      throw new TypeError(`requiresGrad_: only floating point tensors can require gradients, but this tensor is ${this.dtype}`);
    }
    this.leafRequiresGrad = flag;
    return this;
  }

  /** The node that produced this tensor, or null for a leaf. */
  get gradFn(): Node | null {
    if (this.base !== null && this.history !== null && this.historyVersion !== this.storage.version) {
      // The base was modified in place since this view was recorded: re-derive the view from the base.
      movement.refreshViewHistory(this);
    }
    return this.history;
  }

  /** Whether this tensor is a leaf of the graph (created by the user, not by a tracked op). */
  get isLeaf(): boolean {
    return this.history === null;
  }

  /**
   * @internal attach the node that produced this tensor. A tensor that retains its gradient keeps
   * doing so through in-place ops: the retention moves to the new node (as in PyTorch; hooks stay
   * on the old one and see the gradient of the value before the in-place op).
   */
  setHistory(node: Node | null): void {
    if (this.retainsGrad && this.history !== null && this.history.retainGradOf === this) this.history.retainGradOf = null;
    if (this.retainsGrad && node !== null) node.retainGradOf = this;
    this.history = node;
    this.historyVersion = this.storage.version;
    if (node !== null) this.leafRequiresGrad = false;
  }

  /**
   * @internal give this (non-view) tensor `value`'s storage, layout, history and, inside a dual
   * level, tangent (same shape and dtype): the storage it had is left as it is, for any graph that
   * saved it. Used by recorded in-place ops in rebinding mode and by differentiable optimizer steps.
   */
  rebind(value: Tensor): void {
    const self = this as unknown as { storage: Storage; offset: number };
    self.storage = value.storage;
    this.stridesOrNull = value.stridesOrNull;
    self.offset = value.offset;
    this.setHistory(value.gradFn);
    // Forward mode: the tensor now holds `value`, so its derivative is `value`'s (none if it has none).
    setTangent(this, tangentOf(value));
  }

  /** @internal a tensor of this shape and dtype on `storage` at the given layout, with `history` (a saved value, see `rebind`). */
  aliasOf(storage: Storage, strides: readonly number[] | null, offset: number, history: Node | null): Tensor {
    const alias = new Tensor(storage, this.shape, strides, offset, this.dtype, this.base);
    if (history !== null) alias.setHistory(history);
    return alias;
  }

  /** @internal the node gradients for this tensor flow into: its gradFn, or its accumulator if a leaf. */
  historyNode(): Node {
    const fn = this.gradFn;
    if (fn !== null) return fn;
    const state = this.stateForGrad();
    return (state.accumulator ??= new AccumulateGrad(this));
  }

  /** The accumulated gradient (assignable: a tensor of the same shape and dtype, or null). */
  get grad(): Tensor | null {
    return this.gradState === null ? null : this.gradState.grad;
  }
  /** Assign a gradient (PyTorch allows it): a tensor of the same shape and dtype (not the tensor itself), or null. */
  set grad(value: Tensor | null) {
    checkAssignedGrad(this, value);
    if (value !== null || this.gradState !== null) this.stateForGrad().grad = value;
  }

  private stateForGrad(): GradState {
    return (this.gradState ??= newGradState());
  }

  /** @internal hooks of a leaf tensor, run before its gradient is accumulated (a shared empty list when none). */
  get leafHooks(): readonly TensorHook[] {
    return this.gradState?.hooks ?? NO_HOOKS;
  }

  /** Whether a non-leaf tensor keeps its gradient in `.grad` (see {@link Tensor.retainGrad}). */
  get retainsGrad(): boolean {
    return this.gradState !== null && this.gradState.retains;
  }

  /** Keep the gradient of this non-leaf tensor in `.grad` after backward (leaves always keep theirs). */
  retainGrad(): void {
    if (!this.requiresGrad) throw new Error("retainGrad: can't retain the gradient of a tensor that does not require grad");
    if (this.isLeaf) return;
    this.stateForGrad().retains = true;
    this.gradFn!.retainGradOf = this;
  }

  /** @internal add a gradient into `.grad` (a fresh, contiguous copy unless building a graph). */
  accumulateGrad(g: Tensor, createGraph: boolean): void {
    accumulateInto(this.stateForGrad(), g, createGraph);
  }

  /**
   * Register a hook called with this tensor's gradient during backward; it may return a replacement.
   * @returns a handle whose `remove()` unregisters the hook (idempotent).
   */
  registerHook(hook: TensorHook): RemovableHandle {
    if (typeof hook !== "function") throw new TypeError(`registerHook: hook must be a function, got ${describe(hook)}`);
    if (!this.requiresGrad) throw new Error("registerHook: cannot register a hook on a tensor that doesn't require gradient");
    const list = this.isLeaf ? (this.stateForGrad().hooks ??= []) : this.gradFn!.tensorHooks;
    return addHook(list, hook);
  }

  /**
   * Compute the gradient of this tensor with respect to the graph leaves and accumulate it in their `.grad`.
   * @param gradient the gradient of some final scalar w.r.t. this tensor; may be omitted for a one-element tensor.
   * @throws Error if this tensor does not require grad, or a non-scalar tensor is given no gradient.
   */
  backward(gradient?: Tensor | null, options: BackwardOptions = {}): void {
    backwardFrom(this, gradient, options);
  }

  /** A tensor sharing storage with this one but detached from the graph (never requires grad). */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, this.stridesOrNull, this.offset, this.dtype, this.base);
  }

  /** Detach this tensor from the graph in place (it becomes a leaf that does not require grad). */
  detach_(): this {
    if (this.base !== null && this.history !== null) {
      throw new Error("detach_: can't detach views in-place; use detach() instead");
    }
    this.history = null;
    this.leafRequiresGrad = false;
    return this;
  }

  // ---------------------------------------------------------------- data access

  /** @internal the values in row-major order; the storage itself when already contiguous (do not write). */
  values(): TypedArray {
    const n = this.numel();
    if (this.offset === 0 && this.storage.data.length === n && this.isContiguous()) return this.storage.data;
    return movement.gatherValues(this);
  }

  /** A row-major copy of the values as a typed array (`Uint8Array` for bool). */
  dataSync(): TypedArray {
    const v = this.values();
    return v === this.storage.data ? v.slice() : v;
  }

  /** The single value of a one-element tensor (1 or 0 for a bool tensor; `tolist()` gives booleans). */
  item(): number {
    if (this.numel() !== 1) {
      throw new RangeError(`item: a tensor with ${this.numel()} elements (shape ${formatShape(this.shape)}) cannot be converted to a scalar`);
    }
    return this.storage.data[this.offset]!;
  }

  /** The values as nested arrays (booleans for bool tensors, a plain number for 0-dim tensors). */
  tolist(): NestedArray {
    const v = this.values();
    const isBool = this.dtype === "bool";
    const build = (dim: number, start: number): NestedArray => {
      if (dim === this.shape.length) return isBool ? v[start] !== 0 : v[start]!;
      const out: NestedArray[] = [];
      const step = numelOf(this.shape.slice(dim + 1));
      for (let i = 0; i < this.shape[dim]!; i++) out.push(build(dim + 1, start + i * step));
      return out;
    };
    return build(0, 0);
  }

  /**
   * PyTorch's repr with tapegrad's names, e.g. `tensor([[0.1234, 0.5678]], dtype=float64,
   * gradFn=<MulBackward>)`; summarized with `...` past 1000 elements. See {@link format} and
   * {@link setPrintOptions}.
   */
  toString(): string {
    return format(this);
  }

  /** Node's `util.inspect` (and so `console.log`) hook: the text of `toString()` (a subclass's, if it overrides it). */
  [inspectCustom](): string {
    return this.toString();
  }

  // ---------------------------------------------------------------- conversion and copies

  /** A copy with its own storage, recorded on the tape (gradient flows back to this tensor). */
  clone(): Tensor {
    return movement.clone(this);
  }
  /** This tensor if already contiguous, else a contiguous copy (differentiable). */
  contiguous(): Tensor {
    return this.isContiguous() ? this : movement.clone(this);
  }
  /** Convert to another dtype (returns `this` when the dtype already matches; differentiable between floats). */
  to(options: { dtype: DType } | DType): Tensor {
    const dtype = typeof options === "string" ? options : options?.dtype;
    return unary.cast(this, dtype);
  }
  /** Convert to float32. */
  float(): Tensor {
    return unary.cast(this, "float32");
  }
  /** Convert to float64. */
  double(): Tensor {
    return unary.cast(this, "float64");
  }
  /** Convert to int32 (truncating toward zero). */
  int(): Tensor {
    return unary.cast(this, "int32");
  }
  /** Convert to bool (non-zero is true). */
  bool(): Tensor {
    return unary.cast(this, "bool");
  }

  // ---------------------------------------------------------------- elementwise

  /** `this + alpha * other`, broadcasting (see {@link add}). */
  add(other: TensorOrScalar, options?: { alpha?: number }): Tensor {
    return binary.add(this, other, options);
  }
  /** `this - alpha * other`, broadcasting. */
  sub(other: TensorOrScalar, options?: { alpha?: number }): Tensor {
    return binary.sub(this, other, options);
  }
  /** Elementwise product, broadcasting. */
  mul(other: TensorOrScalar): Tensor {
    return binary.mul(this, other);
  }
  /** True division, broadcasting (integer inputs give floats). */
  div(other: TensorOrScalar): Tensor {
    return binary.div(this, other);
  }
  /** `this ** exponent` for a tensor or scalar exponent. */
  pow(exponent: TensorOrScalar): Tensor {
    return binary.pow(this, exponent);
  }
  /** Elementwise maximum (ties split the gradient evenly). */
  maximum(other: TensorOrScalar): Tensor {
    return binary.maximum(this, other);
  }
  /** Elementwise minimum (ties split the gradient evenly). */
  minimum(other: TensorOrScalar): Tensor {
    return binary.minimum(this, other);
  }
  /** `this == other` elementwise (bool). */
  eq(other: TensorOrScalar): Tensor {
    return binary.eq(this, other);
  }
  /** `this != other` elementwise (bool). */
  ne(other: TensorOrScalar): Tensor {
    return binary.ne(this, other);
  }
  /** `this < other` elementwise (bool). */
  lt(other: TensorOrScalar): Tensor {
    return binary.lt(this, other);
  }
  /** `this <= other` elementwise (bool). */
  le(other: TensorOrScalar): Tensor {
    return binary.le(this, other);
  }
  /** `this > other` elementwise (bool). */
  gt(other: TensorOrScalar): Tensor {
    return binary.gt(this, other);
  }
  /** `this >= other` elementwise (bool). */
  ge(other: TensorOrScalar): Tensor {
    return binary.ge(this, other);
  }
  /** Logical and of the truth values (bool). */
  logicalAnd(other: TensorOrScalar): Tensor {
    return binary.logicalAnd(this, other);
  }
  /** Logical or of the truth values (bool). */
  logicalOr(other: TensorOrScalar): Tensor {
    return binary.logicalOr(this, other);
  }
  /** Logical exclusive or of the truth values (bool). */
  logicalXor(other: TensorOrScalar): Tensor {
    return binary.logicalXor(this, other);
  }
  /** Logical not (bool). */
  logicalNot(): Tensor {
    return unary.logicalNot(this);
  }
  /** Elementwise choice: this where `condition` is true, else `other`. */
  where(condition: Tensor, other: TensorOrScalar): Tensor {
    return binary.where(condition, this, other);
  }
  /** `-this`. */
  neg(): Tensor {
    return unary.neg(this);
  }
  /** `e^this`. */
  exp(): Tensor {
    return unary.exp(this);
  }
  /** Natural logarithm (`log(0) = -Infinity`). */
  log(): Tensor {
    return unary.log(this);
  }
  /** `log(1 + this)`, accurate near 0. */
  log1p(): Tensor {
    return unary.log1p(this);
  }
  /** Square root. */
  sqrt(): Tensor {
    return unary.sqrt(this);
  }
  /** `1 / sqrt(this)`. */
  rsqrt(): Tensor {
    return unary.rsqrt(this);
  }
  /** Absolute value (gradient 0 at 0). */
  abs(): Tensor {
    return unary.abs(this);
  }
  /** -1, 0 or 1 elementwise (zero gradient). */
  sign(): Tensor {
    return unary.sign(this);
  }
  /** Hyperbolic tangent. */
  tanh(): Tensor {
    return unary.tanh(this);
  }
  /** Logistic sigmoid `1 / (1 + e^-x)`. */
  sigmoid(): Tensor {
    return unary.sigmoid(this);
  }
  /** `max(this, 0)` (gradient 0 at 0, as PyTorch). */
  relu(): Tensor {
    return unary.relu(this);
  }
  /** `1 / this`. */
  reciprocal(): Tensor {
    return unary.reciprocal(this);
  }
  /** Sine. */
  sin(): Tensor {
    return unary.sin(this);
  }
  /** Cosine. */
  cos(): Tensor {
    return unary.cos(this);
  }
  /** The error function. */
  erf(): Tensor {
    return unary.erf(this);
  }
  /** `this * this`. */
  square(): Tensor {
    return binary.mul(this, this);
  }
  /** Clamp into `[min, max]`; either bound may be omitted (null). */
  clamp(min?: number | null, max?: number | null): Tensor {
    return unary.clamp(this, min, max);
  }

  // ---------------------------------------------------------------- views and shape

  /** A tensor with a new shape (one size may be -1): a view when the strides allow, else a copy. */
  reshape(...shape: Array<number | readonly number[]>): Tensor {
    return movement.reshape(this, movement.flattenShapeArgs(shape));
  }
  /** Like reshape, but never copies: throws if the strides make a view impossible. */
  view(...shape: Array<number | readonly number[]>): Tensor {
    return movement.view(this, movement.flattenShapeArgs(shape));
  }
  /** Swap two dims (a view). */
  transpose(dim0: number, dim1: number): Tensor {
    return movement.transpose(this, dim0, dim1);
  }
  /** Reorder the dims (a view); `dims[i]` is the input dim that becomes dim i. */
  permute(...dims: Array<number | readonly number[]>): Tensor {
    return movement.permute(this, movement.flattenShapeArgs(dims));
  }
  /** Transpose of a tensor with at most 2 dims. */
  t(): Tensor {
    return movement.t(this);
  }
  /** All dims reversed (PyTorch's `.T`, for 0-2 dims). */
  get T(): Tensor {
    return movement.t(this);
  }
  /** The last two dims swapped (batched matrix transpose). */
  get mT(): Tensor {
    return movement.transpose(this, -2, -1);
  }
  /** Insert a size-1 dim at `dim` (a view). */
  unsqueeze(dim: number): Tensor {
    return movement.unsqueeze(this, dim);
  }
  /** Remove size-1 dims (all, or only those listed). */
  squeeze(dim?: number | readonly number[]): Tensor {
    return movement.squeeze(this, dim);
  }
  /** Broadcast to a larger shape without copying (-1 keeps a size). */
  expand(...shape: Array<number | readonly number[]>): Tensor {
    return movement.expand(this, movement.flattenShapeArgs(shape));
  }
  /** Broadcast to the shape of `other` without copying. */
  expandAs(other: Tensor): Tensor {
    return movement.expand(this, other.shape);
  }
  /** Merge dims `startDim..endDim` into one. */
  flatten(startDim = 0, endDim = -1): Tensor {
    return movement.flatten(this, startDim, endDim);
  }
  /** The `length` elements along `dim` starting at `start`, as a view. */
  narrow(dim: number, start: number, length: number): Tensor {
    return movement.narrow(this, dim, start, length);
  }
  /** Index `dim` at `index`, removing that dim (a view). */
  select(dim: number, index: number): Tensor {
    return movement.select(this, dim, index);
  }
  /**
   * Basic indexing, one spec per leading dim: a number selects (and removes the dim), `[start, end, step]`
   * slices (Python semantics, negative indices allowed), `null` keeps the whole dim.
   * @example x.slice(null, [0, 4, 2]) // x[:, 0:4:2]
   */
  slice(...specs: SliceSpec[]): Tensor {
    return movement.slice(this, specs);
  }

  // ---------------------------------------------------------------- cumulative, masking, tiling, splitting, top-k

  /** Running sum along `dim` (see {@link cumsum}). */
  cumsum(dim: number): Tensor {
    return cumulative.cumsum(this, dim);
  }
  /** Lower triangle of the last two dims (see {@link tril}). */
  tril(diagonal = 0): Tensor {
    return masking.tril(this, diagonal);
  }
  /** Upper triangle of the last two dims (see {@link triu}). */
  triu(diagonal = 0): Tensor {
    return masking.triu(this, diagonal);
  }
  /** `value` where `mask` is true, this tensor elsewhere (see {@link maskedFill}). */
  maskedFill(mask: Tensor, value: number | boolean | Tensor): Tensor {
    return masking.maskedFill(this, mask, value);
  }
  /** Tile along each dim: `x.repeat(2, 3)` or `x.repeat([2, 3])` (see {@link repeat}). */
  repeat(...repeats: Array<number | readonly number[]>): Tensor {
    return tiling.repeat(this, movement.flattenShapeArgs(repeats));
  }
  /** Cut into `chunks` views along `dim` (see {@link chunk}). */
  chunk(chunks: number, dim = 0): Tensor[] {
    return splitting.chunk(this, chunks, dim);
  }
  /** Cut into views of the given size(s) along `dim` (see {@link split}). */
  split(splitSizeOrSections: number | readonly number[], dim = 0): Tensor[] {
    return splitting.split(this, splitSizeOrSections, dim);
  }
  /** The k largest (or smallest) entries along a dim with their indices (see {@link topk}). */
  topk(k: number, options?: selection.TopkOptions): extrema.ValuesIndices {
    return selection.topk(this, k, options);
  }

  // ---------------------------------------------------------------- in place (PyTorch's trailing underscore)

  /** In place: `this += alpha * other`. */
  add_(other: TensorOrScalar, options?: { alpha?: number }): this {
    return inplace.add_(this, other, options);
  }
  /** In place: `this -= alpha * other`. */
  sub_(other: TensorOrScalar, options?: { alpha?: number }): this {
    return inplace.sub_(this, other, options);
  }
  /** In place: `this *= other`. */
  mul_(other: TensorOrScalar): this {
    return inplace.mul_(this, other);
  }
  /** In place: `this /= other`. */
  div_(other: TensorOrScalar): this {
    return inplace.div_(this, other);
  }
  /** `this += value * t1 * t2`. */
  addcmul_(t1: Tensor, t2: Tensor, options?: { value?: number }): this {
    return inplace.addcmul_(this, t1, t2, options);
  }
  /** `this += value * t1 / t2`. */
  addcdiv_(t1: Tensor, t2: Tensor, options?: { value?: number }): this {
    return inplace.addcdiv_(this, t1, t2, options);
  }
  /** `this += weight * (end - this)`. */
  lerp_(end: Tensor, weight: TensorOrScalar): this {
    return inplace.lerp_(this, end, weight);
  }
  /** Copy `src` (broadcast to this shape) into this tensor. */
  copy_(src: Tensor): this {
    return inplace.copy_(this, src);
  }
  /** In place: set every element to 0. */
  zero_(): this {
    return inplace.fill_(this, 0);
  }
  /** In place: set every element to `value`. */
  fill_(value: number | boolean | Tensor): this {
    return inplace.fill_(this, value);
  }
  /** In place: clamp into `[min, max]`. */
  clamp_(min?: number | null, max?: number | null): this {
    return inplace.clamp_(this, min, max);
  }
  /** In place: negate. */
  neg_(): this {
    return inplace.neg_(this);
  }
  /** In place: `this = this ** exponent`. */
  pow_(exponent: TensorOrScalar): this {
    return inplace.pow_(this, exponent);
  }
  /** In place: square root. */
  sqrt_(): this {
    return inplace.sqrt_(this);
  }
  /** In place: `this = 1 / this`. */
  reciprocal_(): this {
    return inplace.reciprocal_(this);
  }
  /** In place: `value` where `mask` is true (see {@link maskedFill}). */
  maskedFill_(mask: Tensor, value: number | boolean | Tensor): this {
    return inplace.maskedFill_(this, mask, value);
  }
  /** In place: `this = maximum(this, other)`. */
  maximum_(other: TensorOrScalar): this {
    return inplace.maximum_(this, other);
  }

  // ---------------------------------------------------------------- reductions, linalg, indexing, softmax

  /** Sum over `dim` (every dim by default); pairwise summation. */
  sum(dim?: number | readonly number[], keepdim = false): Tensor {
    return reduce.sum(this, { dim, keepdim });
  }
  /** Mean over `dim` (every dim by default). */
  mean(dim?: number | readonly number[], keepdim = false): Tensor {
    return reduce.mean(this, { dim, keepdim });
  }

  // (methods for the other reductions, linalg, indexing and softmax go below this line)

  /** Matrix product with PyTorch's 1-D and batch-broadcasting rules (see {@link matmul}). */
  matmul(other: Tensor): Tensor {
    return linalg.matmul(this, other);
  }
  /** Dot product of two 1-D tensors (a 0-dim result). */
  dot(other: Tensor): Tensor {
    return linalg.dot(this, other);
  }
  /** Outer product of two 1-D tensors. */
  outer(other: Tensor): Tensor {
    return linalg.outer(this, other);
  }
  /** Values along `dim` picked by an int32 `index` of the same number of dims (see {@link gather}). */
  gather(dim: number, index: Tensor): Tensor {
    return indexing.gather(this, dim, index);
  }
  /** Entries along `dim` picked by a 1-D int32 `index` (see {@link indexSelect}). */
  indexSelect(dim: number, index: Tensor): Tensor {
    return indexing.indexSelect(this, dim, index);
  }
  /** Out-of-place scatter-add of `src` at `index` along `dim` (see {@link scatterAdd}). */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return indexing.scatterAdd(this, dim, index, src);
  }
  /** Out-of-place `alpha * source` added at `index` along `dim` (see {@link indexAdd}). */
  indexAdd(dim: number, index: Tensor, source: Tensor, options?: indexing.IndexAddOptions): Tensor {
    return indexing.indexAdd(this, dim, index, source, options);
  }
  /** Softmax along `dim`, numerically stable. */
  softmax(dim: number): Tensor {
    return softmaxOps.softmax(this, dim);
  }
  /** Log-softmax along `dim`, numerically stable. */
  logSoftmax(dim: number): Tensor {
    return softmaxOps.logSoftmax(this, dim);
  }
  /**
   * Largest element: a 0-dim tensor without `dim`; with `dim`, `{ values, indices }` along it
   * (see {@link max}).
   */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): extrema.ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | extrema.ValuesIndices {
    return dim === undefined ? extrema.max(this) : extrema.max(this, dim, keepdim);
  }
  /** Smallest element: a 0-dim tensor without `dim`; with `dim`, `{ values, indices }` along it. */
  min(): Tensor;
  min(dim: number, keepdim?: boolean): extrema.ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | extrema.ValuesIndices {
    return dim === undefined ? extrema.min(this) : extrema.min(this, dim, keepdim);
  }
  /** Int32 position of the largest element along `dim` (of the flattened tensor without `dim`). */
  argmax(dim?: number, keepdim = false): Tensor {
    return extrema.argmax(this, dim, keepdim);
  }
  /** Int32 position of the smallest element along `dim` (of the flattened tensor without `dim`). */
  argmin(dim?: number, keepdim = false): Tensor {
    return extrema.argmin(this, dim, keepdim);
  }
  /** Largest value over one or several dims (all by default); ties share the gradient. */
  amax(dim?: number | readonly number[], keepdim = false): Tensor {
    return extrema.amax(this, dim, keepdim);
  }
  /** Smallest value over one or several dims (all by default); ties share the gradient. */
  amin(dim?: number | readonly number[], keepdim = false): Tensor {
    return extrema.amin(this, dim, keepdim);
  }
  /**
   * Variance over `dim` (all by default). Takes PyTorch's positional forms `(dim, unbiased,
   * keepdim)` and `(unbiased)`, or an options object `{ dim, keepdim, correction, unbiased }`;
   * unbiased (correction 1) unless told otherwise.
   * @example x.var(0, false) // biased, as torch's x.var(0, False)
   */
  var(dim?: number | readonly number[] | statistics.VarOptions | boolean, unbiased?: boolean, keepdim?: boolean): Tensor {
    return statistics.variance(this, statistics.varArguments(dim, unbiased, keepdim, "var"));
  }
  /** Standard deviation; the arguments of {@link Tensor.var}. */
  std(dim?: number | readonly number[] | statistics.VarOptions | boolean, unbiased?: boolean, keepdim?: boolean): Tensor {
    return statistics.std(this, statistics.varArguments(dim, unbiased, keepdim, "std"));
  }
  /** `log(sum(exp(this), dim))`, computed stably. */
  logsumexp(dim: number | readonly number[], keepdim = false): Tensor {
    return statistics.logsumexp(this, dim, keepdim);
  }
  /** Vector p-norm over `dim` (all elements by default); p = 0, any p > 0, or Infinity. */
  norm(p = 2, dim?: number | readonly number[], keepdim = false): Tensor {
    return statistics.norm(this, p, dim, keepdim);
  }
}

/** `a` itself if frozen (nothing can change it, so tensors may share it), else a frozen copy. */
function frozen(a: readonly number[]): readonly number[] {
  return Object.isFrozen(a) ? a : Object.freeze(packedCopy(a));
}
