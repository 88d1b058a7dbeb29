import type { TypedArray } from "./dtype.js";

/**
 * The flat buffer behind one or more tensors (a base and all its views), with the version counter
 * that in-place writes bump. Sharing the counter between views is what lets autograd notice that a
 * tensor saved for backward was modified through any alias.
 */
export class Storage {
  /** Incremented by every in-place write to any tensor backed by this storage. */
  version = 0;
  private values: TypedArray;

  constructor(data: TypedArray) {
    this.values = data;
  }

  /** The buffer itself (not a copy). Replaced only by {@link Storage.relocate}. */
  get data(): TypedArray {
    return this.values;
  }

  /**
   * @internal move the values to `target` (same array type and length, already holding the same
   * values): every tensor on this storage, views included, reads and writes `target` from now on.
   * Pinning uses this to move storage into kernel memory without changing any tensor's identity.
   */
  relocate(target: TypedArray): void {
    if (target.constructor !== this.values.constructor || target.length !== this.values.length) {
      throw new TypeError(`Storage.relocate: target must be a ${this.values.constructor.name} of ${this.values.length} elements`);
    }
    this.values = target;
  }
}
