/**
 * Shapes, strides, dimension arguments and broadcasting.
 * @module
 */
import { describe } from "./describe.js";

/** A tensor's shape: one non-negative integer size per dimension. */
export type Shape = readonly number[];

/** Number of elements of a tensor of this shape (1 for a 0-dim tensor). */
export function numelOf(shape: Shape): number {
  // An indexed loop: `for...of` over a frozen array (every tensor's shape) goes through the
  // iterator protocol even in optimized code.
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

/**
 * An unfrozen copy of `a` with packed elements, so that every frozen shape or strides array has
 * the same elements kind and the loops reading them stay monomorphic.
 */
export function packedCopy(a: readonly number[]): number[] {
  const copy: number[] = [];
  for (let i = 0; i < a.length; i++) copy.push(a[i]!);
  return copy;
}

/** Row-major (C order) strides for `shape`. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = packedCopy(shape);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= Math.max(shape[i]!, 1);
  }
  return strides;
}

/** The most elements a tensor can hold (positions in storage are int32). */
export const MAX_NUMEL = 2 ** 31 - 1;

/** `[2,3]`-style rendering used in every error message. */
export function formatShape(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

/** Validate a shape coming from an untyped caller: an array of non-negative integers. */
export function checkShape(shape: unknown, where: string): number[] {
  if (!Array.isArray(shape)) throw new TypeError(`${where}: shape must be an array of integers, got ${describe(shape)}`);
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) {
      throw new RangeError(`${where}: shape must contain non-negative integers, got ${describe(d)} in ${JSON.stringify(shape)}`);
    }
  }
  checkNumel(numelOf(shape), where, `shape ${formatShape(shape)}`);
  return shape.slice();
}

/**
 * The one element limit of every creation op: `n` elements (of what `what` describes) must fit in
 * a tensor, whose element positions are int32 throughout the kernels.
 * @throws RangeError `<where>: <what> has <n> elements, more than the 2147483647 elements a tensor can hold`.
 */
export function checkNumel(n: number, where: string, what: string): number {
  if (n > MAX_NUMEL) throw new RangeError(`${where}: ${what} has ${n} elements, more than the ${MAX_NUMEL} elements a tensor can hold`);
  return n;
}

/** Whether two shapes are equal. */
export function sameShape(a: Shape, b: Shape): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The shape two shapes broadcast to (NumPy/PyTorch rules: align trailing dims; sizes must be equal or 1).
 * When it is one of the two (the common case), that array itself is returned, so a result can
 * share its operand's (frozen) shape array.
 * @throws RangeError naming both shapes and the offending dimension.
 */
export function broadcastShapes(a: Shape, b: Shape, op: string): Shape {
  if (a === b || broadcastsInto(b, a)) return a;
  if (broadcastsInto(a, b)) return b;
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)]!;
    const db = i < n - b.length ? 1 : b[i - (n - b.length)]!;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(
        `${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast (dimension ${i}: ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Whether `small` broadcasts to exactly `big` (no more dims; each aligned size 1 or equal). */
function broadcastsInto(small: Shape, big: Shape): boolean {
  const lead = big.length - small.length;
  if (lead < 0) return false;
  for (let i = 0; i < small.length; i++) {
    const d = small[i]!;
    if (d !== 1 && d !== big[i + lead]) return false;
  }
  return true;
}

/**
 * Resolve a possibly negative dimension index against `ndim` dims.
 * A 0-dim tensor accepts dims 0 and -1, as in PyTorch.
 */
export function normalizeDim(dim: unknown, ndim: number, op: string): number {
  if (typeof dim !== "number" || !Number.isInteger(dim)) {
    throw new TypeError(`${op}: dim must be an integer, got ${describe(dim)}`);
  }
  const size = Math.max(ndim, 1);
  if (dim < -size || dim >= size) {
    throw new RangeError(`${op}: dim ${dim} is out of range for a tensor with ${ndim} dimension(s) (expected ${-size}..${size - 1})`);
  }
  return dim < 0 ? dim + size : dim;
}

/** Resolve a `dim` argument that may be a number, a list or undefined (= every dim), sorted and unique. */
export function normalizeDims(dim: number | readonly number[] | undefined, ndim: number, op: string): number[] {
  if (dim === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = Array.isArray(dim) ? dim : [dim];
  const out = new Set<number>();
  for (const d of list) {
    const n = normalizeDim(d, ndim, op);
    if (out.has(n)) throw new RangeError(`${op}: dim ${d} appears more than once in ${JSON.stringify(dim)}`);
    out.add(n);
  }
  return [...out].filter((d) => d < ndim).sort((x, y) => x - y);
}
