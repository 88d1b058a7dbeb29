/**
 * `topk`: the k largest (or smallest) entries along a dim with their positions. The positions are
 * found by a sort (not differentiable); the values are a `gather` at them, so gradients reach the
 * chosen entries through `gather`'s rule.
 * @module
 */
import { allocate } from "../dtype.js";
import { describe } from "../describe.js";
import { normalizeDim, numelOf } from "../shape.js";
import { Tensor } from "../tensor.js";
import type { ValuesIndices } from "./extrema.js";
import { gather } from "./indexing.js";
import { gatherValues } from "./movement.js";
import { checkTensor } from "./operands.js";

/** Options of {@link topk}. */
export interface TopkOptions {
  /** The dim to select along (default -1, the last). */
  dim?: number;
  /** The k largest (default true) or the k smallest. */
  largest?: boolean;
  /** Return them in order, largest (or smallest) first (default true; tapegrad always sorts). */
  sorted?: boolean;
}

/**
 * The `k` largest entries of `x` along a dim (smallest with `largest: false`), as values and int32
 * indices along that dim. NaN counts as larger than every number, as in PyTorch; equal values keep
 * their index order. The values are differentiable (the gradient goes to the chosen positions).
 * @throws RangeError when k is out of range for the dim's size; TypeError for bad options.
 * @example topk(tensor([1, 5, 3]), 2).indices.tolist() // [1, 2]
 */
export function topk(x: Tensor, k: number, options: TopkOptions = {}): ValuesIndices {
  checkTensor(x, "topk");
  const { dim = -1, largest = true, sorted = true } = options ?? {};
  if (typeof largest !== "boolean") throw new TypeError(`topk: largest must be a boolean, got ${describe(largest)}`);
  if (typeof sorted !== "boolean") throw new TypeError(`topk: sorted must be a boolean, got ${describe(sorted)}`);
  if (x.dtype === "bool") throw new TypeError("topk: not supported for bool tensors");
  const d = normalizeDim(dim, x.ndim, "topk");
  const size = x.ndim === 0 ? 1 : x.shape[d]!;
  if (typeof k !== "number" || !Number.isInteger(k)) throw new TypeError(`topk: k must be an integer, got ${describe(k)}`);
  if (k < 0 || k > size) throw new RangeError(`topk: k (${k}) is out of range for dimension ${d} of size ${size}`);
  const outer = numelOf(x.shape.slice(0, d));
  const inner = x.ndim === 0 ? 1 : numelOf(x.shape.slice(d + 1));
  const values = gatherValues(x);
  const out = allocate("int32", outer * k * inner);
  const order = new Array<number>(size);
  // NaN counts as larger than any number; ties keep their index order.
  const greater = (a: number, b: number): boolean => (a !== a && b === b) || a > b;
  const sign = largest ? -1 : 1;
  for (let o = 0; o < outer; o++) {
    for (let n = 0; n < inner; n++) {
      const base = o * size * inner + n;
      for (let i = 0; i < size; i++) order[i] = i;
      order.sort((a, b) => {
        const va = values[base + a * inner]!;
        const vb = values[base + b * inner]!;
        const c = greater(va, vb) ? sign : greater(vb, va) ? -sign : 0;
        return c !== 0 ? c : a - b;
      });
      for (let j = 0; j < k; j++) out[(o * k + j) * inner + n] = order[j]!;
    }
  }
  const shape = x.shape.slice();
  if (x.ndim > 0) shape[d] = k;
  const indices = Tensor.fromData(out, shape, "int32");
  return { values: gather(x, d, indices), indices };
}
