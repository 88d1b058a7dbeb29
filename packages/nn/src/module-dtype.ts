/**
 * The dtype conversion behind {@link Module.to}: floating-point parameters (as new
 * {@link Parameter} objects, tied ones staying tied) and buffers of the whole tree.
 * @module
 */
import { type Tensor, isFloatingDtype, noGrad } from "@tapegrad/core";
import type { Module } from "./module.js";
import { collectTensorSlots, fieldsOf } from "./module-members.js";
import { Parameter } from "./parameter.js";

/**
 * @internal convert every floating-point parameter and buffer under `module` to `dtype`; the
 * conversions are all made before any field is replaced.
 */
export function convertFloatMembers(module: Module, dtype: "float32" | "float64"): void {
  const converted = new Map<Tensor, Tensor>();
  const convert = (t: Tensor, make: (t: Tensor) => Tensor): Tensor => {
    if (!isFloatingDtype(t.dtype) || t.dtype === dtype) return t;
    let out = converted.get(t);
    if (out === undefined) {
      out = make(t);
      converted.set(t, out);
    }
    return out;
  };
  const changes: Array<[Module, string, Tensor]> = [];
  noGrad(() => {
    for (const slot of collectTensorSlots(module, { includeNonPersistent: true })) {
      const next = convert(slot.value, (t) => {
        if (slot.kind === "buffer") return t.to(dtype);
        const p = new Parameter(t.to(dtype), t.requiresGrad);
        if (t.grad !== null) p.grad = t.grad.detach().to(dtype);
        return p;
      });
      if (next !== slot.value) changes.push([slot.owner, slot.field, next]);
    }
  });
  for (const [owner, field, value] of changes) fieldsOf(owner)[field] = value;
}
