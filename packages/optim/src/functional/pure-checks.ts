/**
 * Argument checks shared by the pure optimizer updates (SGD, Adam, RMSprop, Adagrad).
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

/**
 * @internal throw unless `options` is an object whose `nonNegative` keys are finite numbers >= 0 and
 * whose `flags` are booleans; `foreach: true` is refused (the pure updates have no foreach path).
 */
export function checkPureOptions(where: string, options: object, nonNegative: readonly string[], flags: readonly string[]): void {
  if (typeof options !== "object" || options === null) throw new TypeError(`${where}: options must be an object, got ${show(options)}`);
  const o = options as Record<string, unknown>;
  for (const key of nonNegative) {
    const v = o[key];
    if (typeof v !== "number" || !(v >= 0) || !Number.isFinite(v)) throw new RangeError(`${where}: ${key} must be a finite number >= 0, got ${show(v)}`);
  }
  for (const key of flags) {
    if (typeof o[key] !== "boolean") throw new TypeError(`${where}: ${key} must be a boolean, got ${show(o[key])}`);
  }
  if (o["foreach"] === true) throw new Error(`${where}: foreach: true is not supported by the pure update`);
}

/** @internal throw unless `step` is a 1-element float tensor (the state's step counter). */
export function checkStepState(where: string, step: unknown, i: number): void {
  if (!(step instanceof Tensor) || step.numel() !== 1 || !step.isFloatingPoint()) {
    throw new TypeError(`${where}: states[${i}].step must be a 1-element float tensor`);
  }
}
