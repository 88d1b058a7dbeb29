/**
 * A module's state dict: its type, and the validate-then-copy loading behind
 * {@link Module.loadStateDict}.
 * @module
 */
import { Tensor, noGrad } from "@tapegrad/core";
import { isForbiddenKey } from "@tapegrad/core/internal";
import type { Module } from "./module.js";
import { collectTensorSlots } from "./module-members.js";
import { checkOptions, describe, formatShape } from "./util.js";

/** A module's state: dotted name → tensor, in registration order (see {@link Module.stateDict}). */
export type StateDict = Record<string, Tensor>;

/** What {@link Module.loadStateDict} reports. */
export interface LoadStateDictResult {
  /** Keys the module expects that the state dict does not have (always empty when strict). */
  missingKeys: string[];
  /** Keys of the state dict the module does not have (always empty when strict). */
  unexpectedKeys: string[];
}

/**
 * @internal {@link Module.loadStateDict}: check every entry against the module's slots, then copy
 * (nothing is changed when anything is wrong).
 */
export function loadStateDictInto(module: Module, stateDict: StateDict | Map<string, Tensor>, options: { strict?: boolean } | undefined): LoadStateDictResult {
  const where = `loadStateDict`;
  const { strict = true } = checkOptions(options, where, ["strict"]);
  if (typeof strict !== "boolean") throw new TypeError(`${where}: strict must be a boolean, got ${describe(strict)}`);
  let entries: Map<string, unknown>;
  if (stateDict instanceof Map) entries = stateDict as Map<string, unknown>;
  else if (stateDict !== null && typeof stateDict === "object" && !Array.isArray(stateDict) && !(stateDict instanceof Tensor)) {
    entries = new Map(Object.entries(stateDict));
  } else {
    throw new TypeError(`${where}: stateDict must be a plain object (or Map) of name -> Tensor, got ${describe(stateDict)}`);
  }
  for (const key of entries.keys()) {
    if (typeof key === "string" && key.split(".").some(isForbiddenKey)) {
      throw new TypeError(`${module.constructor.name}.${where}: forbidden key ${JSON.stringify(key)} in the state dict (__proto__, constructor and prototype are never member names; nothing was changed)`);
    }
  }
  const slots = collectTensorSlots(module, { includeNonPersistent: false });
  const expected = new Set(slots.map((s) => s.key));
  const missingKeys: string[] = [];
  const problems: string[] = [];
  for (const slot of slots) {
    if (!entries.has(slot.key)) {
      missingKeys.push(slot.key);
      continue;
    }
    const value = entries.get(slot.key);
    if (!(value instanceof Tensor)) {
      problems.push(`value for "${slot.key}" must be a Tensor, got ${describe(value)}`);
    } else if (formatShape(value.shape) !== formatShape(slot.value.shape)) {
      problems.push(
        `size mismatch for "${slot.key}": copying a tensor with shape ${formatShape(value.shape)} from the state dict, the shape in the current model is ${formatShape(slot.value.shape)}`,
      );
    }
  }
  const unexpectedKeys = [...entries.keys()].filter((k) => !expected.has(k));
  const messages: string[] = [];
  if (strict && missingKeys.length > 0) messages.push(`missing key(s): ${missingKeys.map((k) => `"${k}"`).join(", ")}`);
  if (strict && unexpectedKeys.length > 0) messages.push(`unexpected key(s): ${unexpectedKeys.map((k) => `"${k}"`).join(", ")}`);
  messages.push(...problems);
  if (messages.length > 0) {
    throw new Error(`${where}: error(s) in loading the state dict for ${module.constructor.name} (nothing was changed):\n  ${messages.join("\n  ")}`);
  }
  noGrad(() => {
    for (const slot of slots) {
      const value = entries.get(slot.key) as Tensor | undefined;
      if (value === undefined) continue;
      slot.value.copy_(value.dtype === slot.value.dtype ? value : value.to(slot.value.dtype));
    }
  });
  return { missingKeys: strict ? [] : missingKeys, unexpectedKeys: strict ? [] : unexpectedKeys };
}
