/**
 * TensorDataset: samples are the rows (first-dimension slices) of one or more tensors.
 * @module
 */
import { Tensor, describe, formatShape } from "@tapegrad/core";
import { Dataset, checkIndex } from "./dataset.js";

/**
 * A dataset whose sample `i` is `[t0[i], t1[i], ...]`: the `i`-th slice along dimension 0 of each
 * tensor (PyTorch's `TensorDataset`). The slices are views, so reading a sample copies nothing.
 * @typeParam T - the tuple of tensors
 * @throws TypeError when an argument is not a Tensor or is 0-dimensional; RangeError when the tensors
 *   disagree in their first dimension.
 * @example
 * const ds = new TensorDataset(x, y); // x: [N, 64], y: [N] int32
 * const [xi, yi] = ds.get(0);         // xi: [64], yi: 0-dim
 */
export class TensorDataset<T extends Tensor[] = Tensor[]> extends Dataset<T> {
  /** The tensors, all with the same size in dimension 0. */
  readonly tensors: Readonly<T>;

  constructor(...tensors: T) {
    super();
    if (tensors.length === 0) throw new TypeError("TensorDataset: expected at least one tensor");
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new TypeError(`TensorDataset: argument ${i} must be a Tensor, got ${describe(t)}`);
      if (t.ndim === 0) throw new RangeError(`TensorDataset: argument ${i} is 0-dimensional; each tensor needs a first dimension to index`);
    });
    const n = tensors[0]!.shape[0]!;
    tensors.forEach((t, i) => {
      if (t.shape[0] !== n) {
        throw new RangeError(`TensorDataset: size mismatch between tensors: argument 0 has shape ${formatShape(tensors[0]!.shape)}, argument ${i} has shape ${formatShape(t.shape)} (first dimensions ${n} and ${t.shape[0]})`);
      }
    });
    this.tensors = tensors;
  }

  /** The size of the tensors' first dimension. */
  get length(): number {
    return this.tensors[0]!.shape[0]!;
  }

  /** `[t0[index], t1[index], ...]` (views). */
  get(index: number): T {
    checkIndex(index, this.length, "TensorDataset");
    return this.tensors.map((t) => t.select(0, index)) as T;
  }
}
