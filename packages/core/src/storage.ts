import type { TypedArray } from "./dtype.js";

/**
 * The flat buffer behind one or more tensors (a base and all its views), with the version counter
 * that in-place writes bump. Sharing the counter between views is what lets autograd notice that a
 * tensor saved for backward was modified through any alias.
 */
export class Storage {
  /** Incremented by every in-place write to any tensor backed by this storage. */
  version = 0;
  constructor(readonly data: TypedArray) {}
}
