/**
 * The second half of `Optimizer.loadStateDict`: from a parsed state dict to the new parameter
 * groups and state, validated and copied, before the optimizer commits to them.
 * @module
 */

import type { Tensor } from "@tapegrad/core";
import { setOwnField } from "@tapegrad/core/internal";
import { type ParamGroup, fillDefaults } from "./param-groups.js";
import { type ParsedStateDict, castStateValue, checkStateShapes, deepCopy, describeValue, isPlainObject } from "./state-dict.js";

/** @internal what an optimizer supplies to {@link loadedGroupsAndState}: its defaults and its two subclass checks. */
export interface LoadTarget<G extends ParamGroup> {
  defaults: Readonly<Record<string, unknown>>;
  validateGroup(group: G): void;
  loadParamState(param: Tensor, saved: Record<string, unknown>, group: G): Record<string, unknown>;
}

/**
 * @internal the groups and state a parsed state dict gives the `current` groups: saved
 * hyperparameters (deep-copied) with the current `params` (and `paramNames` when the saved group
 * has none), defaults filled in, each group validated; each state entry shape-checked, copied,
 * cast to its parameter's dtype and passed through `loadParamState`. Changes nothing.
 */
export function loadedGroupsAndState<G extends ParamGroup>(
  parsed: ParsedStateDict,
  current: readonly G[],
  target: LoadTarget<G>,
  where: string,
): { groups: G[]; state: Map<Tensor, Record<string, unknown>> } {
  const newGroups = parsed.groups.map((saved, gi) => {
    const cur = current[gi]!;
    const group: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(saved)) {
      setOwnField(group, key, key === "params" ? cur.params : deepCopy(value));
    }
    if (cur.paramNames !== undefined && (!Object.hasOwn(saved, "paramNames") || saved.paramNames === undefined)) {
      group.paramNames = cur.paramNames;
    }
    fillDefaults(group, target.defaults, `${where}: stateDict.paramGroups[${gi}]`);
    const typed = group as G;
    target.validateGroup(typed);
    return typed;
  });

  const newState = new Map<Tensor, Record<string, unknown>>();
  for (const [id, entry] of parsed.state) {
    const [gi, i] = parsed.positions.get(id)!;
    const param = current[gi]!.params[i]!;
    checkStateShapes(param, id, entry, where);
    const copy = castStateValue(param, entry) as Record<string, unknown>;
    const loaded = target.loadParamState(param, copy, newGroups[gi]!);
    if (!isPlainObject(loaded)) {
      throw new TypeError(`${where}: loadParamState must return a state object for parameter ${id}, got ${describeValue(loaded)}`);
    }
    newState.set(param, loaded);
  }
  return { groups: newGroups, state: newState };
}
