/**
 * The small types around {@link Tensor}: what its methods accept (operands, slice specs, backward
 * options) and return (nested arrays, removable handles), and the `util.inspect` key it implements.
 * @module
 */
import type { Tensor } from "./tensor.js";

/**
 * `Symbol.for("nodejs.util.inspect.custom")`: the key under which Node's `util.inspect` looks for a
 * custom rendering (no Node import needed; browsers ignore it).
 */
export const inspectCustom: unique symbol = Symbol.for("nodejs.util.inspect.custom") as never;

/** A nested array of numbers or booleans, as accepted by {@link tensor} and returned by `tolist()`. */
export type NestedArray = number | boolean | NestedArray[];

/** Options of {@link Tensor.backward}. */
export interface BackwardOptions {
  /** Keep saved tensors so the graph can be traversed again. Defaults to `createGraph`. */
  retainGraph?: boolean;
  /** Record the backward pass itself, for higher-order derivatives. */
  createGraph?: boolean;
  /** Accumulate only into these leaves. */
  inputs?: Tensor[];
}

/** A handle returned by hook registrations; `remove()` is idempotent. */
export interface RemovableHandle {
  /** Unregister; calling it again does nothing. */
  remove(): void;
}

/** Something a binary op accepts as its other operand. */
export type TensorOrScalar = Tensor | number | boolean;

/** A slice along one dimension for {@link Tensor.slice}: `[start, end, step]`, any part may be omitted. */
export type SliceSpec = number | null | readonly [number?, number?, number?];
