/**
 * The differentiable class path of SGD, Adam, AdamW, RMSprop and Adagrad: the pure update computes
 * the new values (so both paths run the same operations and any hyperparameter may be a tensor on
 * the tape), then each parameter and state entry takes its new value.
 * @module
 */
import type { Tensor } from "@tapegrad/core";

/**
 * @internal give each param its new value from a pure update and store its new state entries in
 * `state` (entries that are `null` or absent are not stored). A param that is not a view is rebound
 * to the new tensor (same object, new storage, history and, in forward mode, tangent: the storage
 * earlier graphs saved stays as it was); a view is written in place. A value in another dtype (a float64 tensor hyperparameter
 * with float32 params) is converted to the param's dtype.
 */
export function applyPureStep(
  state: Map<Tensor, Record<string, unknown>>,
  params: readonly Tensor[],
  next: { params: readonly Tensor[]; states: readonly object[] },
): void {
  params.forEach((p, i) => {
    const value = next.params[i]!.dtype === p.dtype ? next.params[i]! : next.params[i]!.to(p.dtype);
    if (p.base === null) p.rebind(value);
    else p.copy_(value);
    const st = state.get(p) ?? {};
    let stored = false;
    for (const [key, v] of Object.entries(next.states[i]!)) {
      if (v === null || v === undefined) continue;
      st[key] = v;
      stored = true;
    }
    if (stored) state.set(p, st);
  });
}
