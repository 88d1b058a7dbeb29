/**
 * `functionalCall`: run a module with substitute tensors in place of its parameters and buffers.
 * @module
 */
import { Tensor } from "@tapegrad/core";
import { Module } from "./module.js";
import type { TensorSlot } from "./module-members.js";
import { describe } from "./util.js";

/**
 * Run `module.call(...args)` (its forward hooks included, as PyTorch's) with some or all of its parameters and buffers replaced, by dotted
 * name (`"fc1.weight"`), with the given tensors (PyTorch's `torch.func.functional_call`). The module
 * is not changed: the original tensors are put back afterwards, also when `forward` throws.
 *
 * Gradients flow to the substitutes, which makes this the basis of hypergradient and
 * meta-learning code: pass tensors computed from other tensors (for example parameters after an
 * unrolled optimizer step) and differentiate the output with respect to whatever produced them.
 * Tied parameters (one tensor under several names) are tied in the call too: substituting one
 * name substitutes all of them. While `forward` runs, the substituted fields hold the given
 * tensors, so `namedParameters()` called inside `forward` does not list them.
 *
 * @param paramsByName dotted name → tensor, as a plain object or a Map.
 * @returns whatever `forward` returns.
 * @throws RangeError naming every unknown name; TypeError for a value that is not a Tensor;
 *   Error when tied names are given different tensors.
 * @example
 * const fast = model.namedParameters().map(([n, p]) => [n, p.sub(p.grad!.mul(0.1))] as const);
 * const out = functionalCall(model, Object.fromEntries(fast), x);
 */
export function functionalCall<M extends Module>(
  module: M,
  paramsByName: Record<string, Tensor> | Map<string, Tensor>,
  ...args: Parameters<M["forward"]>
): ReturnType<M["forward"]> {
  const where = "functionalCall";
  if (!(module instanceof Module)) throw new TypeError(`${where}: module must be a Module, got ${describe(module)}`);
  let entries: Array<[string, unknown]>;
  if (paramsByName instanceof Map) entries = [...(paramsByName as Map<string, unknown>)];
  else if (paramsByName !== null && typeof paramsByName === "object" && !Array.isArray(paramsByName) && !(paramsByName instanceof Tensor)) {
    entries = Object.entries(paramsByName);
  } else {
    throw new TypeError(`${where}: paramsByName must be a plain object (or Map) of dotted name -> Tensor, got ${describe(paramsByName)}`);
  }

  const slots = module.tensorSlots({ includeNonPersistent: true });
  const byKey = new Map<string, TensorSlot>(slots.map((s) => [s.key, s]));
  const unknown = entries.map(([k]) => k).filter((k) => !byKey.has(k));
  if (unknown.length > 0) {
    throw new RangeError(
      `${where}: unknown parameter or buffer name(s) ${unknown.map((k) => JSON.stringify(k)).join(", ")} for ${module.constructor.name} ` +
        `(known: ${[...byKey.keys()].map((k) => JSON.stringify(k)).join(", ") || "none"})`,
    );
  }
  // Original tensor -> substitute (and the name that asked for it), so tied names are replaced together.
  const substitutes = new Map<Tensor, { value: Tensor; name: string }>();
  for (const [name, value] of entries) {
    if (!(value instanceof Tensor)) throw new TypeError(`${where}: value for "${name}" must be a Tensor, got ${describe(value)}`);
    const original = byKey.get(name)!.value;
    const earlier = substitutes.get(original);
    if (earlier !== undefined && earlier.value !== value) {
      throw new Error(`${where}: "${earlier.name}" and "${name}" are tied (the same tensor) but were given different tensors`);
    }
    substitutes.set(original, { value, name });
  }

  const swaps = slots.filter((s) => substitutes.has(s.value));
  const fields = (m: Module): Record<string, unknown> => m as unknown as Record<string, unknown>;
  for (const s of swaps) fields(s.owner)[s.field] = substitutes.get(s.value)!.value;
  try {
    return module.call(...args) as ReturnType<M["forward"]>;
  } finally {
    for (const s of swaps) fields(s.owner)[s.field] = s.value;
  }
}
