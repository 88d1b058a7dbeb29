/**
 * Views (reshape, transpose, permute, expand, squeeze, narrow, select, slicing), copies and the
 * strided primitives behind their gradients.
 *
 * A view shares its base's storage. Every view's gradient rule is the same: scatter-add the
 * gradient into zeros of the input's shape at the positions the view reads (`embed`); summing over
 * overlapping positions makes the same rule right for `expand`.
 * @module
 */
import { Node } from "../autograd/node.js";
import { record } from "../autograd/record.js";
import { allocate } from "../dtype.js";
import { zerosLike } from "./creation.js";
import { describe } from "../describe.js";
import { gather } from "../kernels/elementwise.js";
import { broadcastPositions } from "../kernels/strided.js";
import { type Shape, contiguousStrides, formatShape, normalizeDim, numelOf } from "../shape.js";
import { Tensor, type SliceSpec } from "../tensor.js";
import { checkTensor, strided } from "./operands.js";

/** Where a view's elements sit in a buffer: shape, strides and first position. */
export interface Geometry {
  shape: number[];
  strides: number[];
  offset: number;
}

/** @internal resolve a dim for `size()` and friends. */
export function dimIndex(dim: number, ndim: number, op: string): number {
  return normalizeDim(dim, ndim, op);
}

/** @internal accept both `f(2, 3)` and `f([2, 3])`. */
export function flattenShapeArgs(args: ReadonlyArray<number | readonly number[]>): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return (args[0] as number[]).slice();
  return args as number[];
}

/** @internal the elements of `t` in row-major order, as a new array. */
export function gatherValues(t: Tensor): ReturnType<Tensor["values"]> {
  return gather(strided(t), allocate(t.dtype, t.numel()));
}

/** A copy with its own contiguous storage; the gradient passes through unchanged. */
export function clone(x: Tensor): Tensor {
  checkTensor(x, "clone");
  const out = Tensor.fromData(gatherValues(x), x.shape, x.dtype);
  return record(out, "CloneBackward", [x], (g) => [g], [], ([dx]) => dx!);
}

/**
 * The elements at `geometry` of a row-major buffer holding `x` (the differentiable "take a view of
 * a contiguous tensor" primitive; its gradient is {@link embed}).
 */
export function extract(x: Tensor, geometry: Geometry): Tensor {
  const source = x.isContiguous() && x.offset === 0 ? x : clone(x).detach();
  const out = allocate(x.dtype, numelOf(geometry.shape));
  gather({ data: source.storage.data, ...geometry }, out);
  const y = Tensor.fromData(out, geometry.shape, x.dtype);
  const inputShape = x.shape;
  return record(y, "AsStridedBackward", [x], (g) => [embed(g, inputShape, geometry)], [], ([dx]) => extract(dx!, geometry));
}

/**
 * Zeros of `shape` with `g` added at the positions `geometry` describes in its row-major buffer
 * (positions read several times, as in an expanded view, receive the sum).
 */
export function embed(g: Tensor, shape: Shape, geometry: Geometry): Tensor {
  const out = allocate(g.dtype, numelOf(shape));
  const pos = broadcastPositions({ data: out, ...geometry }, geometry.shape);
  const values = g.values();
  for (let i = 0; i < pos.length; i++) out[pos[i]!] += values[i]!;
  const y = Tensor.fromData(out, shape, g.dtype);
  return record(y, "EmbedBackward", [g], (gg) => [extract(gg, geometry)], [], ([dg]) => embed(dg!, shape, geometry));
}

/**
 * A copy of `base` with the positions `geometry` describes replaced by `src` (the out-of-place
 * form of writing through a view; used to record in-place ops on views).
 */
export function scatterView(base: Tensor, src: Tensor, geometry: Geometry): Tensor {
  const out = gatherValues(base);
  const pos = broadcastPositions({ data: out, ...geometry }, geometry.shape);
  const values = src.values();
  for (let i = 0; i < pos.length; i++) out[pos[i]!] = values[i]!;
  const y = Tensor.fromData(out, base.shape, base.dtype);
  return record(
    y,
    "CopySlices",
    [base, src],
    (g) => {
      const region = extract(g, geometry);
      const cleared = scatterView(g, region.mul(0), geometry);
      return [cleared, region];
    },
    [],
    ([db, ds]) => scatterView(db ?? zerosLike(base), ds ?? zerosLike(src), geometry),
  );
}

/** Create a view of `x` with the given geometry, recorded with the generic view gradient. */
function makeView(x: Tensor, name: string, geometryOf: (shape: Shape, strides: readonly number[], offset: number) => Geometry): Tensor {
  const actual = geometryOf(x.shape, x.strides, x.offset);
  const v = new Tensor(x.storage, actual.shape, actual.strides, actual.offset, x.dtype, x.base ?? x);
  const relative = geometryOf(x.shape, contiguousStrides(x.shape), 0);
  const inputShape = x.shape;
  return record(v, name, [x], (g) => [embed(g, inputShape, relative)], [], ([dx]) => extract(dx!, relative));
}

/** @internal re-derive a view's history from its base after the base was modified in place. */
export function refreshViewHistory(v: Tensor): void {
  const base = v.base!;
  if (!base.requiresGrad) {
    v.setHistory(null);
    return;
  }
  const geometry: Geometry = { shape: v.shape.slice(), strides: v.strides.slice(), offset: v.offset - base.offset };
  const baseShape = base.shape;
  v.setHistory(
    new Node("AsStridedBackward", [base.historyNode()], (g) => [embed(g, baseShape, geometry)], [], v),
  );
}

function resolveShape(shape: readonly number[], numel: number, op: string): number[] {
  let infer = -1;
  let known = 1;
  shape.forEach((d, i) => {
    if (typeof d !== "number" || !Number.isInteger(d)) throw new TypeError(`${op}: shape must contain integers, got ${describe(d)}`);
    if (d === -1) {
      if (infer >= 0) throw new RangeError(`${op}: only one dimension can be inferred (-1) in ${formatShape(shape)}`);
      infer = i;
    } else if (d < 0) throw new RangeError(`${op}: invalid shape dimension ${d} in ${formatShape(shape)}`);
    else known *= d;
  });
  const out = shape.slice();
  if (infer >= 0) {
    if (known === 0 || numel % known !== 0) throw new RangeError(`${op}: shape ${formatShape(shape)} is invalid for input of size ${numel}`);
    out[infer] = numel / known;
  } else if (known !== numel) throw new RangeError(`${op}: shape ${formatShape(shape)} is invalid for input of size ${numel}`);
  return out;
}

/** Strides that let `newShape` view a tensor of `shape`/`strides` without copying, or null (PyTorch's computeStride). */
function viewStrides(shape: Shape, strides: readonly number[], newShape: readonly number[]): number[] | null {
  if (numelOf(shape) === 0 || shape.length === 0) return contiguousStrides(newShape);
  const out = new Array<number>(newShape.length);
  let viewD = newShape.length - 1;
  let chunkBase = strides[strides.length - 1] ?? 1;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d]!;
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return out;
}

/**
 * A view with a new shape (one dim may be -1); throws when the strides make that impossible.
 * @throws RangeError naming the shapes when sizes differ or the layout can't be viewed (use reshape).
 */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor(x, "view");
  const target = resolveShape(shape, x.numel(), "view");
  const strides = viewStrides(x.shape, x.strides, target);
  if (strides === null) {
    throw new RangeError(
      `view: size ${formatShape(target)} is not compatible with the input's size ${formatShape(x.shape)} and strides ${formatShape(x.strides)}; use reshape() instead`,
    );
  }
  return makeView(x, "ViewBackward", (_s, st, off) => ({
    shape: target,
    strides: st === x.strides ? strides : viewStrides(x.shape, st, target)!,
    offset: off,
  }));
}

/** A tensor with a new shape (one dim may be -1): a view when possible, else a copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor(x, "reshape");
  const target = resolveShape(shape, x.numel(), "reshape");
  if (viewStrides(x.shape, x.strides, target) !== null) return view(x, target);
  return view(clone(x), target);
}

/** Swap two dims (a view). */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  checkTensor(x, "transpose");
  const a = normalizeDim(dim0, x.ndim, "transpose");
  const b = normalizeDim(dim1, x.ndim, "transpose");
  if (x.ndim < 2 || a === b) return makeView(x, "TransposeBackward", (s, st, off) => ({ shape: s.slice(), strides: st.slice(), offset: off }));
  return makeView(x, "TransposeBackward", (s, st, off) => {
    const shape = s.slice();
    const strides = st.slice();
    [shape[a], shape[b]] = [shape[b]!, shape[a]!];
    [strides[a], strides[b]] = [strides[b]!, strides[a]!];
    return { shape, strides, offset: off };
  });
}

/** Reorder the dims (a view): `dims[i]` is the input dim that becomes dim i. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  checkTensor(x, "permute");
  if (!Array.isArray(dims) || dims.length !== x.ndim) {
    throw new RangeError(`permute: the number of dims (${Array.isArray(dims) ? dims.length : describe(dims)}) must equal the tensor's ${x.ndim} dims`);
  }
  const order = dims.map((d) => normalizeDim(d, x.ndim, "permute"));
  if (new Set(order).size !== order.length) throw new RangeError(`permute: repeated dim in ${JSON.stringify(dims)}`);
  return makeView(x, "PermuteBackward", (s, st, off) => ({ shape: order.map((d) => s[d]!), strides: order.map((d) => st[d]!), offset: off }));
}

/** Transpose of a tensor with at most 2 dims (0-dim and 1-dim tensors are returned as views of themselves). */
export function t(x: Tensor): Tensor {
  checkTensor(x, "t");
  if (x.ndim > 2) throw new RangeError(`t: expects a tensor with <= 2 dimensions, but got ${x.ndim} (shape ${formatShape(x.shape)}); use mT or permute`);
  return transpose(x, 0, x.ndim - 1);
}

/** Insert a size-1 dim at `dim` (a view). */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  checkTensor(x, "unsqueeze");
  const d = normalizeDim(dim, x.ndim + 1, "unsqueeze");
  return makeView(x, "UnsqueezeBackward", (s, st, off) => {
    const shape = s.slice();
    const strides = st.slice();
    shape.splice(d, 0, 1);
    strides.splice(d, 0, d < s.length ? st[d]! * s[d]! : 1);
    return { shape, strides, offset: off };
  });
}

/** Remove size-1 dims (all of them, or only the given ones; a given dim of size > 1 is left alone, as in PyTorch). */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  checkTensor(x, "squeeze");
  const requested = dim === undefined ? null : (Array.isArray(dim) ? dim : [dim]).map((d) => normalizeDim(d, x.ndim, "squeeze"));
  const drop = x.shape.map((s, i) => s === 1 && (requested === null || requested.includes(i)));
  return makeView(x, "SqueezeBackward", (s, st, off) => ({
    shape: s.filter((_, i) => !drop[i]),
    strides: st.filter((_, i) => !drop[i]),
    offset: off,
  }));
}

/** Broadcast to `shape` without copying (size-1 dims repeat with stride 0; -1 keeps a size). */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor(x, "expand");
  if (!Array.isArray(shape) || shape.length < x.ndim) {
    throw new RangeError(`expand: the number of sizes provided (${Array.isArray(shape) ? shape.length : describe(shape)}) must be greater or equal to the number of dimensions in the tensor (${x.ndim})`);
  }
  const lead = shape.length - x.ndim;
  const target = shape.map((d, i) => {
    const own = i >= lead ? x.shape[i - lead]! : undefined;
    if (typeof d !== "number" || !Number.isInteger(d)) throw new TypeError(`expand: sizes must be integers, got ${describe(d)}`);
    if (d === -1) {
      if (own === undefined) throw new RangeError(`expand: -1 is not allowed for a new leading dimension (${i})`);
      return own;
    }
    if (own !== undefined && own !== 1 && own !== d) {
      throw new RangeError(`expand: the expanded size of the tensor (${d}) must match the existing size (${own}) at non-singleton dimension ${i}; target ${formatShape(shape)}, tensor ${formatShape(x.shape)}`);
    }
    return d;
  });
  return makeView(x, "ExpandBackward", (s, st, off) => ({
    shape: target,
    strides: target.map((d, i) => (i < lead || (s[i - lead] === 1 && d !== 1) ? 0 : st[i - lead]!)),
    offset: off,
  }));
}

/** Merge dims `startDim..endDim` into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  checkTensor(x, "flatten");
  if (x.ndim === 0) return reshape(x, [1]);
  const a = normalizeDim(startDim, x.ndim, "flatten");
  const b = normalizeDim(endDim, x.ndim, "flatten");
  if (a > b) throw new RangeError(`flatten: startDim (${startDim}) cannot come after endDim (${endDim})`);
  const shape = [...x.shape.slice(0, a), numelOf(x.shape.slice(a, b + 1)), ...x.shape.slice(b + 1)];
  return reshape(x, shape);
}

function checkIndex(value: unknown, op: string, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value)) throw new TypeError(`${op}: ${name} must be an integer, got ${describe(value)}`);
  return value;
}

/** `length` elements along `dim` starting at `start` (negative start counts from the end), as a view. */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  checkTensor(x, "narrow");
  const d = normalizeDim(dim, x.ndim, "narrow");
  const size = x.shape[d]!;
  let s = checkIndex(start, "narrow", "start");
  checkIndex(length, "narrow", "length");
  if (s < 0) s += size;
  if (s < 0 || length < 0 || s + length > size) {
    throw new RangeError(`narrow: start (${start}) + length (${length}) exceeds dimension ${d} of size ${size}`);
  }
  return makeView(x, "NarrowBackward", (sh, st, off) => {
    const shape = sh.slice();
    shape[d] = length;
    return { shape, strides: st.slice(), offset: off + s * st[d]! };
  });
}

/** Index `dim` at `index` (negative counts from the end), removing that dim; a view. */
export function select(x: Tensor, dim: number, index: number): Tensor {
  checkTensor(x, "select");
  if (x.ndim === 0) throw new RangeError("select: cannot index a 0-dim tensor");
  const d = normalizeDim(dim, x.ndim, "select");
  const size = x.shape[d]!;
  let i = checkIndex(index, "select", "index");
  if (i < -size || i >= size) throw new RangeError(`select: index ${index} is out of bounds for dimension ${d} with size ${size}`);
  if (i < 0) i += size;
  return makeView(x, "SelectBackward", (sh, st, off) => ({
    shape: sh.filter((_, k) => k !== d),
    strides: st.filter((_, k) => k !== d),
    offset: off + i * st[d]!,
  }));
}

/** Python slice bounds for a dim of `size`. */
function sliceBounds(spec: readonly [number?, number?, number?], size: number): [number, number, number] {
  const [rawStart, rawEnd, rawStep] = spec;
  const step = rawStep ?? 1;
  if (!Number.isInteger(step) || step <= 0) throw new RangeError(`slice: step must be a positive integer, got ${describe(rawStep)}`);
  const clampIndex = (v: number | undefined, fallback: number): number => {
    if (v === undefined || v === null) return fallback;
    if (!Number.isInteger(v)) throw new TypeError(`slice: bounds must be integers, got ${describe(v)}`);
    const w = v < 0 ? v + size : v;
    return Math.min(Math.max(w, 0), size);
  };
  const start = clampIndex(rawStart, 0);
  const end = Math.max(clampIndex(rawEnd, size), start);
  return [start, Math.ceil((end - start) / step), step];
}

/** Basic indexing with numbers (select), `[start, end, step]` (slice) and null (whole dim) per leading dim. */
export function slice(x: Tensor, specs: readonly SliceSpec[]): Tensor {
  checkTensor(x, "slice");
  if (specs.length > x.ndim) throw new RangeError(`slice: too many indices (${specs.length}) for a tensor of dimension ${x.ndim}`);
  const ranges = specs.map((spec, d) => {
    if (spec === null || spec === undefined || typeof spec === "number") return spec ?? null;
    if (!Array.isArray(spec)) throw new TypeError(`slice: index ${d} must be a number, null or [start, end, step], got ${describe(spec)}`);
    return sliceBounds(spec as [number?, number?, number?], x.shape[d]!);
  });
  const selects = ranges.map((r, d) => {
    if (typeof r !== "number") return null;
    const size = x.shape[d]!;
    if (!Number.isInteger(r) || r < -size || r >= size) throw new RangeError(`slice: index ${r} is out of bounds for dimension ${d} with size ${size}`);
    return r < 0 ? r + size : r;
  });
  return makeView(x, "SliceBackward", (sh, st, off) => {
    const shape: number[] = [];
    const strides: number[] = [];
    let offset = off;
    sh.forEach((size, d) => {
      const r = ranges[d];
      if (typeof r === "number") {
        offset += selects[d]! * st[d]!;
      } else if (r === null || r === undefined) {
        shape.push(size);
        strides.push(st[d]!);
      } else {
        const [start, len, step] = r;
        offset += start * st[d]!;
        shape.push(len);
        strides.push(st[d]! * step);
      }
    });
    return { shape, strides, offset };
  });
}
