/**
 * `Tensor.backward` (argument checks and the engine call that accumulates into the leaves) and the
 * seed gradient that `backward` and `grad()` share.
 * @module
 */
import { describe } from "../describe.js";
import * as creation from "../ops/creation.js";
import * as unary from "../ops/unary.js";
import { formatShape, sameShape } from "../shape.js";
import { Tensor } from "../tensor.js";
import type { BackwardOptions } from "../tensor-types.js";
import { runBackward } from "./engine.js";
import type { Node } from "./node.js";

/** @internal {@link Tensor.backward}: accumulate the gradient of `output` (seeded with `gradient`) into the leaves. */
export function backwardFrom(output: Tensor, gradient: Tensor | null | undefined, options: BackwardOptions): void {
  if (!output.requiresGrad) {
    throw new Error("backward: element 0 of tensors does not require grad and does not have a gradFn");
  }
  const seed = defaultGradient(output, gradient ?? undefined, "backward");
  const createGraph = options.createGraph ?? false;
  const inputs = options.inputs;
  let accumulateOnly: Set<Node> | null = null;
  if (inputs !== undefined) {
    if (!Array.isArray(inputs) || inputs.length === 0) throw new TypeError("backward: inputs must be a non-empty array of tensors");
    accumulateOnly = new Set(inputs.map((t, i) => {
      if (!(t instanceof Tensor) || !t.requiresGrad) throw new Error(`backward: inputs[${i}] must be a tensor that requires grad`);
      return t.historyNode();
    }));
  }
  runBackward([output.historyNode()], [seed], {
    retainGraph: options.retainGraph ?? createGraph,
    createGraph,
    captureNodes: null,
    accumulateOnly,
  });
}

/**
 * @internal the gradient to seed backward/grad with: `gradient` (cast to the output's float dtype),
 * or ones for a one-element output.
 */
export function defaultGradient(output: Tensor, gradient: Tensor | undefined, where: string): Tensor {
  if (gradient === undefined) {
    if (output.numel() !== 1) {
      throw new Error(`${where}: grad can be implicitly created only for scalar outputs; pass a gradient for the output of shape ${formatShape(output.shape)}`);
    }
    return creation.onesLike(output);
  }
  if (!(gradient instanceof Tensor)) throw new TypeError(`${where}: gradient must be a Tensor, got ${describe(gradient)}`);
  if (!sameShape(gradient.shape, output.shape)) {
    throw new RangeError(`${where}: gradient has shape ${formatShape(gradient.shape)} but the output has shape ${formatShape(output.shape)}`);
  }
  // A gradient of another float dtype is cast to the output's, as PyTorch does, so every `.grad`
  // has its tensor's dtype.
  return gradient.dtype !== output.dtype && gradient.isFloatingPoint() && output.isFloatingPoint() ? unary.cast(gradient, output.dtype) : gradient;
}

