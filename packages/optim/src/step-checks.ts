/**
 * What `Optimizer.step` checks before any parameter changes: the closure argument, the group
 * hyperparameters, and (for a differentiable step) that no leaf would be overwritten.
 * @module
 */

import { Tensor, isDual, isForwardAdActive } from "@tapegrad/core";
import type { StepKwargs } from "./optimizer-hooks.js";
import { formatHyperparameter } from "./optimizer-format.js";
import type { ParamGroup } from "./param-groups.js";
import { describeValue } from "./state-dict.js";

// How a dual tensor's refusal ends: why, and what to do instead.
const ONLY_DIFFERENTIABLE =
  'whose tangent only a differentiable step carries. Construct the optimizer with differentiable: true, or use its pure update with unrollSteps(..., { mode: "forward" })';

/** @internal the closure after pre-hooks: at most one positional argument, or a `closure` keyword. */
export function resolveClosure(args: unknown[], kwargs: StepKwargs, name: string): (() => Tensor | number) | undefined {
  if (args.length > 1) {
    throw new TypeError(`${name}.step: takes at most 1 argument (closure) but ${args.length} were given`);
  }
  for (const key of Object.keys(kwargs)) {
    if (key !== "closure") throw new TypeError(`${name}.step: got an unexpected keyword argument "${key}"`);
  }
  if (args.length === 1 && "closure" in kwargs) {
    throw new TypeError(`${name}.step: got multiple values for argument "closure"`);
  }
  const fn = args.length === 1 ? args[0] : kwargs.closure;
  if (fn === undefined || fn === null) return undefined;
  if (typeof fn !== "function") {
    throw new TypeError(`${name}.step: closure must be a function, got ${describeValue(fn)}`);
  }
  return fn as () => Tensor | number;
}

/**
 * @internal throw for a NaN hyperparameter, or (without `differentiable: true`) a dual
 * hyperparameter, param or gradient. Groups are plain objects that users edit (`group.lr = NaN`),
 * and no hyperparameter of any optimizer is valid as NaN: refuse one before any parameter changes,
 * instead of silently filling the parameters with NaN. (Only NaN: an lr schedule may legitimately
 * round to -1e-24.) Keys that are not hyperparameters of this optimizer (extra keys users or old
 * checkpoints add) are ignored by every update, so they are not checked.
 */
export function checkGroups(groups: readonly ParamGroup[], defaults: Readonly<Record<string, unknown>>, name: string): void {
  if (defaults.differentiable !== true && isForwardAdActive()) checkNoDualParams(groups, name);
  groups.forEach((group, gi) => {
    for (const key of Object.keys(defaults)) {
      const value = group[key];
      const values = Array.isArray(value) && key !== "params" ? value : [value];
      if (values.some((v) => (typeof v === "number" && Number.isNaN(v)) || (v instanceof Tensor && v.numel() === 1 && Number.isNaN(v.item())))) {
        throw new RangeError(`${name}.step: param group ${gi}: ${key} is NaN (${formatHyperparameter(value)}); set a valid value before stepping`);
      }
      // Forward mode through a class is the differentiable step's: it runs the update with tensor
      // ops and rebinds each param to the result, tangent included. The plain step may turn a
      // tensor hyperparameter into a number or run fused kernels, which drop tangents.
      if (defaults.differentiable !== true && key !== "params" && values.some((v) => v instanceof Tensor && isDual(v))) {
        throw new Error(
          `${name}.step: param group ${gi}: ${key} is a dual tensor (forward mode), ${ONLY_DIFFERENTIABLE}`,
        );
      }
    }
  });
}

/**
 * A plain (not differentiable) step on a dual param or gradient would give the param a wrong
 * tangent without a word (a detached momentum buffer, a fused kernel): refuse it, as a dual
 * hyperparameter is refused.
 */
function checkNoDualParams(groups: readonly ParamGroup[], name: string): void {
  groups.forEach((group, gi) => {
    group.params.forEach((p, i) => {
      const what = isDual(p) ? "is" : p.grad !== null && isDual(p.grad) ? "has a gradient that is" : null;
      if (what === null) return;
      throw new Error(
        `${name}.step: param group ${gi}, params[${i}] ${what} a dual tensor (forward mode), ${ONLY_DIFFERENTIABLE}`,
      );
    });
  });
}

/**
 * @internal throw if a differentiable step would overwrite a leaf. Such a step writes into the params
 * on the tape, which a leaf that requires grad (or a view of one) cannot take: fail before any state changes, saying what to do instead.
 */
export function checkNoLeafUpdate(groups: readonly ParamGroup[], name: string): void {
  groups.forEach((group, gi) => {
    group.params.forEach((p, i) => {
      if (p.grad === null) return;
      const base = p.base ?? p;
      if (base.isLeaf && base.requiresGrad) {
        throw new Error(
          `${name}.step: param group ${gi}, params[${i}] is a leaf tensor that requires grad; differentiable: true records the ` +
            `update on the tape and cannot overwrite a leaf in place. Optimize non-leaf clones (p.clone()) or use differentiable: false`,
        );
      }
    });
  });
}
