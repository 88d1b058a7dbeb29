/**
 * The optimizer's printed form (PyTorch's repr), and the rendering of one hyperparameter value that
 * error messages share.
 * @module
 */

import { Tensor } from "@tapegrad/core";
import type { ParamGroup } from "./param-groups.js";
import { isPlainObject } from "./state-dict.js";

/** @internal a hyperparameter value as the repr and error messages show it. */
export function formatHyperparameter(value: unknown): string {
  if (value instanceof Tensor) return value.toString();
  if (Array.isArray(value)) return `[${value.map(formatHyperparameter).join(", ")}]`;
  if (typeof value === "string") return value;
  if (isPlainObject(value)) {
    return `{${Object.entries(value).map(([k, v]) => `${k}: ${formatHyperparameter(v)}`).join(", ")}}`;
  }
  return String(value);
}

/** @internal `Optimizer.toString`: `name (`, one block per group with sorted hyperparameters, `)`. */
export function formatOptimizer(name: string, groups: readonly ParamGroup[]): string {
  let out = `${name} (`;
  groups.forEach((group, i) => {
    out += `\nParameter Group ${i}\n`;
    for (const key of Object.keys(group).filter((k) => k !== "params").sort()) {
      out += `    ${key}: ${formatHyperparameter(group[key])}\n`;
    }
  });
  return `${out})`;
}
