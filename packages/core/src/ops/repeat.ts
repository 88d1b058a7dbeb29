/**
 * `repeat`: tiling a tensor, as a composite of views (`reshape`, `expand`) and one copy. Its
 * gradient is `expand`'s: the tiles' gradients summed back onto the input.
 * @module
 */
import { describe } from "../describe.js";
import { formatShape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { expand, reshape } from "./movement.js";
import { checkTensor } from "./operands.js";

/**
 * Tile `x` `repeats[i]` times along dim i (PyTorch's `Tensor.repeat`). `repeats` may have more
 * entries than `x` has dims: `x` is then treated as having leading size-1 dims. The result always
 * has its own storage.
 * @throws RangeError when there are fewer repeats than dims or a repeat is negative; TypeError for non-integers.
 * @example repeat(tensor([1, 2]), [2, 2]).tolist() // [[1, 2, 1, 2], [1, 2, 1, 2]]
 */
export function repeat(x: Tensor, repeats: readonly number[]): Tensor {
  checkTensor(x, "repeat");
  if (!Array.isArray(repeats)) throw new TypeError(`repeat: repeats must be an array of integers, got ${describe(repeats)}`);
  if (repeats.length < x.ndim) {
    throw new RangeError(`repeat: number of dimensions of repeat dims (${repeats.length}) can not be smaller than number of dimensions of tensor (${x.ndim}, shape ${formatShape(x.shape)})`);
  }
  repeats.forEach((r, i) => {
    if (typeof r !== "number" || !Number.isInteger(r)) throw new TypeError(`repeat: repeats[${i}] must be an integer, got ${describe(r)}`);
    if (r < 0) throw new RangeError(`repeat: repeats[${i}] must be non-negative, got ${r}`);
  });
  const padded = [...new Array<number>(repeats.length - x.ndim).fill(1), ...x.shape];
  // [s0, s1, ...] -> [1, s0, 1, s1, ...] -> expand to [r0, s0, r1, s1, ...] -> [r0*s0, r1*s1, ...]
  const interleaved = padded.flatMap((s) => [1, s]);
  const tiled = padded.flatMap((s, i) => [repeats[i]!, s]);
  const out = reshape(expand(reshape(x, interleaved), tiled), padded.map((s, i) => s * repeats[i]!));
  // A zero-element or single-tile result can come back as a view; repeat always copies.
  return out.isContiguous() && out.storage !== x.storage ? out : out.clone();
}
