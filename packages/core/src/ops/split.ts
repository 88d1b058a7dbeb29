/**
 * `split` and `chunk`: a tensor cut into views along a dim (composites of `narrow`, so each piece's
 * gradient lands in its slice of the input).
 * @module
 */
import { describe } from "../describe.js";
import { normalizeDim } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { narrow } from "./movement.js";
import { checkTensor } from "./operands.js";

function checkCount(value: unknown, op: string, name: string, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value)) throw new TypeError(`${op}: ${name} must be an integer, got ${describe(value)}`);
  if (value < min) throw new RangeError(`${op}: ${name} must be >= ${min}, got ${value}`);
  return value;
}

/**
 * Cut `x` along `dim` into views: pieces of `splitSize` elements (the last one smaller when the size
 * does not divide evenly), or, given a list, pieces of exactly those sizes (which must add up to the
 * size of `dim`). As PyTorch's `torch.split`.
 * @throws RangeError when the sizes don't add up, a size is negative, or `splitSize` is 0 for a non-empty dim.
 * @example split(arange(5), 2).map((t) => t.tolist()) // [[0, 1], [2, 3], [4]]
 */
export function split(x: Tensor, splitSizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  checkTensor(x, "split");
  if (x.ndim === 0) throw new RangeError("split: expects at least a 1-dimensional tensor");
  const d = normalizeDim(dim, x.ndim, "split");
  const size = x.shape[d]!;
  let sizes: number[];
  if (Array.isArray(splitSizeOrSections)) {
    sizes = splitSizeOrSections.map((s, i) => checkCount(s, "split", `splitSizes[${i}]`, 0));
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== size) {
      throw new RangeError(`split: split sizes [${sizes.join(", ")}] add up to ${total}, but dimension ${d} has size ${size}`);
    }
  } else {
    const step = checkCount(splitSizeOrSections, "split", "splitSize", 0);
    if (step === 0 && size !== 0) throw new RangeError(`split: splitSize can only be 0 if dimension ${d} has size 0, but got size ${size}`);
    const count = step === 0 ? 1 : Math.max(1, Math.ceil(size / step));
    sizes = Array.from({ length: count }, (_, i) => Math.min(step, size - i * step));
  }
  let start = 0;
  return sizes.map((len) => {
    const piece = narrow(x, d, start, len);
    start += len;
    return piece;
  });
}

/**
 * Cut `x` along `dim` into `chunks` views of `ceil(size / chunks)` elements each (the last may be
 * smaller, and there may be fewer than `chunks` pieces), as PyTorch's `torch.chunk`.
 * @throws RangeError when `chunks` is not positive.
 * @example chunk(arange(6), 3).map((t) => t.tolist()) // [[0, 1], [2, 3], [4, 5]]
 */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  checkTensor(x, "chunk");
  checkCount(chunks, "chunk", "chunks", 1);
  if (x.ndim === 0) throw new RangeError("chunk: expects at least a 1-dimensional tensor");
  const d = normalizeDim(dim, x.ndim, "chunk");
  const size = x.shape[d]!;
  const step = Math.ceil(size / chunks);
  if (step === 0) return Array.from({ length: chunks }, () => narrow(x, d, 0, 0));
  return split(x, step, d);
}
