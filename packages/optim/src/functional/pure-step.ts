/**
 * The loop shared by the pure optimizer updates: one new parameter and state per parameter, with
 * `null` gradients passing the parameter and its state through unchanged.
 * @module
 */
import type { Tensor } from "@tapegrad/core";

/**
 * @internal apply `step(param, g, state, index)` to every parameter with a gradient (`g` negated first when
 * `maximize`); parameters with a `null` gradient keep their objects.
 */
export function stepEach<S>(
  params: readonly Tensor[],
  grads: ReadonlyArray<Tensor | null>,
  states: readonly S[],
  maximize: boolean,
  step: (param: Tensor, g: Tensor, state: S, index: number) => { param: Tensor; state: S },
): { params: Tensor[]; states: S[] } {
  const outParams: Tensor[] = [];
  const outStates: S[] = [];
  for (let i = 0; i < params.length; i++) {
    const g = grads[i];
    if (g === null || g === undefined) {
      outParams.push(params[i]!);
      outStates.push(states[i]!);
      continue;
    }
    const next = step(params[i]!, maximize ? g.neg() : g, states[i]!, i);
    outParams.push(next.param);
    outStates.push(next.state);
  }
  return { params: outParams, states: outStates };
}
