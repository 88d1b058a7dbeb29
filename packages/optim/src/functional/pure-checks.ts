/**
 * Argument checks shared by the pure optimizer updates ({@link sgdUpdatePure}, {@link adamUpdatePure}).
 * @module
 */
import { Tensor } from "@tapegrad/core";

function show(x: unknown): string {
  if (x instanceof Tensor) return `a ${x.dtype} Tensor of shape [${x.shape.join(",")}]`;
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  return x === null || typeof x !== "object" ? String(x) : "an object";
}

/**
 * @internal throw unless `params` are float tensors, `grads` and `states` are parallel arrays,
 * every gradient is `null` or a tensor of its parameter's shape and dtype, every state is an object,
 * and the tensors `stateTensors(state, i)` lists (as `[label, tensor]`) match their parameter too.
 * States of parameters with a `null` gradient are not inspected (they are passed through).
 */
export function checkPureLists(
  where: string,
  params: readonly Tensor[],
  grads: ReadonlyArray<Tensor | null>,
  states: readonly object[],
  stateTensors: (state: object, i: number) => Array<[string, Tensor]>,
): void {
  if (!Array.isArray(params)) throw new TypeError(`${where}: params must be an array of tensors, got ${show(params)}`);
  for (const [name, list] of [["grads", grads], ["states", states]] as const) {
    if (!Array.isArray(list)) throw new TypeError(`${where}: ${name} must be an array, got ${show(list)}`);
    if (list.length !== params.length) throw new RangeError(`${where}: ${name} has ${list.length} entries but params has ${params.length}`);
  }
  params.forEach((p, i) => {
    if (!(p instanceof Tensor) || !p.isFloatingPoint()) throw new TypeError(`${where}: params[${i}] must be a float tensor, got ${show(p)}`);
    const g = grads[i];
    if (g === null) return;
    const s = states[i];
    if (typeof s !== "object" || s === null) throw new TypeError(`${where}: states[${i}] must be an object, got ${show(s)}`);
    for (const [label, t] of [["grads", g] as [string, unknown], ...stateTensors(s, i)]) {
      if (!(t instanceof Tensor)) throw new TypeError(`${where}: ${label}[${i}] must be a Tensor or null, got ${show(t)}`);
      if (t.dtype !== p.dtype || t.shape.length !== p.shape.length || t.shape.some((d, k) => d !== p.shape[k])) {
        throw new TypeError(`${where}: ${label}[${i}] is ${show(t)}, but params[${i}] is ${show(p)}`);
      }
    }
  });
}
