/**
 * The functional form of backward: gradients of outputs with respect to chosen inputs, returned
 * instead of accumulated.
 * @module
 */
import { describe } from "../describe.js";
import { Tensor } from "../tensor.js";
import { defaultGradient } from "./backward.js";
import { runBackward } from "./engine.js";
import { detachKeepingTangent } from "./tangents.js";

/** Options of {@link grad}. */
export interface GradOptions {
  /** Gradients of some final scalar w.r.t. each output (may be omitted for one-element outputs). */
  gradOutputs?: Array<Tensor | null>;
  /** Keep the graph for another backward pass (defaults to `createGraph`). */
  retainGraph?: boolean;
  /** Record the gradient computation, so the returned gradients can be differentiated again. */
  createGraph?: boolean;
  /** Return null for an input the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

/**
 * Gradients of `outputs` (summed, each weighted by its `gradOutputs` entry) with respect to `inputs`.
 * Leaves' `.grad` fields are not touched.
 * @returns one gradient per input (null for an unused input when `allowUnused`).
 * @throws Error if an input does not require grad, or is unused and `allowUnused` is false.
 * @example
 * const [dx] = grad([y], [x], { createGraph: true }); // then differentiate dx again
 */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], options: GradOptions = {}): Array<Tensor | null> {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  if (outs.length === 0) throw new TypeError("grad: outputs must be a non-empty list of tensors");
  if (ins.length === 0) throw new TypeError("grad: inputs must be a non-empty list of tensors");
  const gradOutputs = options.gradOutputs;
  if (gradOutputs !== undefined && (!Array.isArray(gradOutputs) || gradOutputs.length !== outs.length)) {
    throw new RangeError(`grad: gradOutputs must have one entry per output (${outs.length}), got ${describe(gradOutputs)}`);
  }
  outs.forEach((o, i) => {
    if (!(o instanceof Tensor)) throw new TypeError(`grad: outputs[${i}] must be a Tensor, got ${describe(o)}`);
    if (!o.requiresGrad) throw new Error(`grad: outputs[${i}] does not require grad and does not have a gradFn`);
  });
  const targets = ins.map((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`grad: inputs[${i}] must be a Tensor, got ${describe(t)}`);
    if (!t.requiresGrad) throw new Error(`grad: inputs[${i}] does not require grad`);
    return t.historyNode();
  });
  const createGraph = options.createGraph ?? false;
  const seeds = outs.map((o, i) => defaultGradient(o, gradOutputs?.[i] ?? undefined, "grad"));
  const result = runBackward(outs.map((o) => o.historyNode()), seeds, {
    retainGraph: options.retainGraph ?? createGraph,
    createGraph,
    captureNodes: targets,
    accumulateOnly: null,
  });
  return result.map((g, i) => {
    if (g === null && !options.allowUnused) {
      throw new Error(`grad: inputs[${i}] appears to not have been used in the graph; pass { allowUnused: true } if this is intended`);
    }
    // Inside a dual level the gradient keeps its tangent (forward-over-reverse: Hessian-vector products).
    return g !== null && !createGraph ? detachKeepingTangent(g) : g;
  });
}
