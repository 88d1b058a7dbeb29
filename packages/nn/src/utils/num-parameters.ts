/**
 * `numParameters`: how many numbers a model learns.
 * @module
 */
import { Module } from "../module.js";
import { checkOptions, describe } from "../util.js";

/** Options of {@link numParameters}. */
export interface NumParametersOptions {
  /** Count only parameters with `requiresGrad` (default false: count all). */
  trainableOnly?: boolean;
}

/**
 * The number of scalar values in a module's parameters: the sum of `numel()` over
 * `model.parameters()`, so a parameter shared by two layers counts once (as in PyTorch's
 * `sum(p.numel() for p in model.parameters())`).
 *
 * @param model any module.
 * @param options `trainableOnly` counts only parameters that require grad.
 * @returns the count.
 * @throws TypeError when `model` is not a Module or an option is unknown.
 * @example
 * numParameters(new Linear(64, 10)); // 650
 */
export function numParameters(model: Module, options?: NumParametersOptions): number {
  if (!(model instanceof Module)) throw new TypeError(`numParameters: model must be a Module, got ${describe(model)}`);
  const { trainableOnly = false } = checkOptions(options, "numParameters", ["trainableOnly"]);
  if (typeof trainableOnly !== "boolean") throw new TypeError(`numParameters: trainableOnly must be a boolean, got ${describe(trainableOnly)}`);
  let total = 0;
  for (const p of model.parameters()) if (!trainableOnly || p.requiresGrad) total += p.numel();
  return total;
}
