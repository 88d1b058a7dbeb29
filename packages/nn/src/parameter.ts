/**
 * `Parameter`: the tensor type a {@link Module} recognises as one of its learnable weights.
 * @module
 */
import { Tensor, isFloatingDtype } from "@tapegrad/core";
import { describe } from "./util.js";

/**
 * A leaf tensor that requires grad by default and is registered by a {@link Module} when assigned to
 * one of its fields (PyTorch's `nn.Parameter`).
 *
 * It shares the storage of the tensor it is built from (no copy) but is a new leaf of the graph:
 * like PyTorch, building a parameter from a tensor that has a history detaches it. Ops on a
 * parameter return plain tensors; `clone()` and `detach()` too.
 *
 * A `Parameter` keeps the dtype of `data`. Layers create their parameters (and floating buffers) in
 * the dtype of their `dtype` option, else in the default dtype (`getDefaultDtype()`, changed with
 * `setDefaultDtype`), as PyTorch's factory kwargs do: see {@link Module} for the rule.
 *
 * @example
 * const w = new Parameter(randn([3, 4]));
 * w.requiresGrad; // true
 * const frozen = new Parameter(zeros([3]), false);
 */
export class Parameter extends Tensor {
  /**
   * @param data the values; their storage is shared, not copied.
   * @param requiresGrad whether the parameter requires grad (default true).
   * @throws TypeError when `data` is not a tensor, `requiresGrad` is not a boolean, or a non-float tensor
   *   is asked to require grad.
   */
  constructor(data: Tensor, requiresGrad = true) {
    if (!(data instanceof Tensor)) throw new TypeError(`Parameter: data must be a Tensor, got ${describe(data)}`);
    if (typeof requiresGrad !== "boolean") {
      throw new TypeError(`Parameter: requiresGrad must be a boolean, got ${describe(requiresGrad)}`);
    }
    if (requiresGrad && !isFloatingDtype(data.dtype)) {
      throw new TypeError(`Parameter: only floating point tensors can require gradients, got dtype ${data.dtype}`);
    }
    // base = null: a parameter is the root of its own autograd identity, even when `data` is a view.
    super(data.storage, data.shape, data.strides, data.offset, data.dtype, null);
    this.requiresGrad_(requiresGrad);
  }

  /** A readable rendering: `Parameter containing: tensor(...)`. */
  override toString(): string {
    return `Parameter containing: ${super.toString()}`;
  }
}
