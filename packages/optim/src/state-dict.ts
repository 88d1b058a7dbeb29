/**
 * Packing, validation and copying helpers behind {@link Optimizer.stateDict} and
 * {@link Optimizer.loadStateDict}.
 * @module
 */

import { Tensor, describe, formatShape, noGrad, type DType } from "@tapegrad/core";
import { setOwnField } from "@tapegrad/core/internal";

/**
 * An optimizer's state as a plain object (PyTorch's layout with camelCase keys).
 *
 * `state` maps an integer parameter id to that parameter's state object; `paramGroups` holds each
 * group's hyperparameters with `params` (the ids, assigned in group order: groups `[[a, b], [c]]`
 * get `[0, 1]` and `[2]`) as the last key.
 *
 * @example
 * const sd = opt.stateDict();
 * sd.paramGroups[0].lr; sd.state[0]?.momentumBuffer;
 */
export interface OptimizerStateDict {
  state: Record<number, Record<string, unknown>>;
  paramGroups: Array<Record<string, unknown> & { params: number[] }>;
}

/** Whether `x` is a plain object (`{...}` literal or `Object.create(null)`), not an array, tensor or class instance. */
export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null) return false;
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

// The same renderings as every other package's error messages.
export { describe as describeValue, formatShape };

/**
 * A copy of `t` with its own storage, detached from the graph, optionally converted to `dtype`.
 * A leaf that requires grad gives a copy that requires grad too (as Python's `deepcopy`).
 */
export function copyTensor(t: Tensor, dtype?: DType): Tensor {
  return noGrad(() => {
    const source = t.detach();
    const copy = dtype !== undefined && dtype !== source.dtype ? source.to(dtype) : source.clone();
    if (t.isLeaf && t.requiresGrad) copy.requiresGrad_(true);
    return copy;
  });
}

/**
 * Deep copy of a state-dict value: tensors are copied ({@link copyTensor}), arrays and plain objects
 * are copied recursively, anything else (numbers, strings, booleans, null, undefined, functions,
 * class instances) is kept as is.
 */
export function deepCopy(value: unknown): unknown {
  if (value instanceof Tensor) return copyTensor(value);
  if (Array.isArray(value)) return value.map(deepCopy);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwnField(out, k, deepCopy(v));
    return out;
  }
  return value;
}

/**
 * Copy one loaded state value for `param`, converting floating tensors to the parameter's dtype
 * (PyTorch's `_process_value_according_to_param_policy`, without devices).
 *
 * A tensor under key `step` keeps its dtype (PyTorch casts it only for fused/capturable optimizers,
 * which tapegrad does not have). Integer and bool tensors keep their dtype (PyTorch would cast them
 * to a floating parameter's dtype too). The key is passed one level down into plain objects; array
 * elements get no key. Every tensor is copied, so the optimizer never aliases the caller's tensors
 * (PyTorch aliases when no conversion is needed, pytorch/pytorch#147288).
 */
export function castStateValue(param: Tensor, value: unknown, key?: string): unknown {
  if (value instanceof Tensor) {
    const convert = key !== "step" && param.isFloatingPoint() && value.isFloatingPoint();
    return copyTensor(value, convert ? param.dtype : undefined);
  }
  if (Array.isArray(value)) return value.map((v) => castStateValue(param, v));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwnField(out, k, castStateValue(param, v, k));
    return out;
  }
  return value;
}

/**
 * Build the state dict of `groups` and `state` (PyTorch's `Optimizer.state_dict` packing).
 *
 * Each group is shallow-copied without `params`, then `params` is appended as the list of ids. Ids
 * count every position (duplicates included); a tensor listed twice maps to the id of its first
 * group's last position, as in PyTorch. `state` holds the live per-parameter objects (tensors are not
 * copied); its integer keys enumerate in ascending order, whatever order the state was created in.
 *
 * @throws Error if a state entry belongs to a tensor that is in no group.
 */
export function packStateDict(
  groups: ReadonlyArray<{ params: readonly Tensor[] } & Record<string, unknown>>,
  state: ReadonlyMap<Tensor, Record<string, unknown>>,
  where: string,
): OptimizerStateDict {
  const mapping = new Map<Tensor, number>();
  let start = 0;
  const paramGroups = groups.map((group) => {
    const packed: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(group)) if (k !== "params") setOwnField(packed, k, v);
    const local = new Map<Tensor, number>();
    group.params.forEach((p, i) => local.set(p, start + i));
    for (const [p, id] of local) if (!mapping.has(p)) mapping.set(p, id);
    start += group.params.length;
    return { ...packed, params: group.params.map((p) => mapping.get(p)!) };
  });
  const packedState: Record<number, Record<string, unknown>> = {};
  for (const [p, value] of state) {
    const id = mapping.get(p);
    if (id === undefined) {
      throw new Error(
        `${where}: the optimizer holds state for a ${p.dtype} tensor of shape ${formatShape(p.shape)} that is in no parameter group`,
      );
    }
    packedState[id] = value;
  }
  return { state: packedState, paramGroups };
}

/** The structurally validated content of a state dict passed to `loadStateDict`. */
export interface ParsedStateDict {
  /** The saved groups (the caller's objects, not copies), in order. */
  groups: Array<Record<string, unknown> & { params: number[] }>;
  /** `[id, state object]` in the saved order. */
  state: Array<[number, Record<string, unknown>]>;
  /** Saved id -> [group index, position in group]. */
  positions: Map<number, readonly [number, number]>;
}

const CANONICAL_INT = /^(0|[1-9][0-9]*)$/;

/**
 * Check the layout of a state dict against the optimizer's group sizes: `state` is a plain object
 * keyed by ids that occur in the groups, each entry a plain object; `paramGroups` is an array with one
 * plain object per optimizer group, whose `params` are distinct non-negative integers, as many as
 * the optimizer's group has; `paramNames`, when present, is an array of strings of the same length.
 *
 * @param sd the (possibly hook-replaced) state dict.
 * @param groupSizes the number of params of each of the optimizer's groups.
 * @param where the calling method, for error messages.
 * @throws TypeError for a value of the wrong type, Error for counts or ids that do not match.
 */
export function parseStateDict(sd: unknown, groupSizes: readonly number[], where: string): ParsedStateDict {
  if (!isPlainObject(sd)) {
    throw new TypeError(`${where}: the state dict must be an object with "state" and "paramGroups", got ${describe(sd)}`);
  }
  const { state, paramGroups } = sd;
  if (!Array.isArray(paramGroups)) {
    throw new TypeError(`${where}: stateDict.paramGroups must be an array, got ${describe(paramGroups)}`);
  }
  if (!isPlainObject(state)) {
    throw new TypeError(`${where}: stateDict.state must be an object keyed by parameter ids, got ${describe(state)}`);
  }
  if (paramGroups.length !== groupSizes.length) {
    throw new Error(
      `${where}: loaded state dict has a different number of parameter groups (${paramGroups.length}) than the optimizer (${groupSizes.length})`,
    );
  }
  const positions = new Map<number, readonly [number, number]>();
  const groups = paramGroups.map((group: unknown, gi) => {
    if (!isPlainObject(group)) {
      throw new TypeError(`${where}: stateDict.paramGroups[${gi}] must be an object, got ${describe(group)}`);
    }
    const ids = group.params;
    if (!Array.isArray(ids)) {
      throw new TypeError(`${where}: stateDict.paramGroups[${gi}].params must be an array of parameter ids, got ${describe(ids)}`);
    }
    if (ids.length !== groupSizes[gi]) {
      throw new Error(
        `${where}: loaded state dict contains a parameter group that doesn't match the size of optimizer's group: ` +
          `paramGroups[${gi}] has ${ids.length} params, the optimizer's group ${gi} has ${groupSizes[gi]}`,
      );
    }
    ids.forEach((id: unknown, i) => {
      if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 0) {
        throw new TypeError(`${where}: stateDict.paramGroups[${gi}].params[${i}] must be a non-negative integer id, got ${describe(id)}`);
      }
      const previous = positions.get(id);
      if (previous !== undefined) {
        throw new Error(
          `${where}: parameter id ${id} appears twice in stateDict.paramGroups (paramGroups[${previous[0]}].params[${previous[1]}] and paramGroups[${gi}].params[${i}])`,
        );
      }
      positions.set(id, [gi, i]);
    });
    if (Object.hasOwn(group, "paramNames") && group.paramNames !== undefined) {
      const names = group.paramNames;
      if (!Array.isArray(names) || names.length !== ids.length || names.some((n) => typeof n !== "string")) {
        throw new TypeError(
          `${where}: stateDict.paramGroups[${gi}].paramNames must be an array of ${ids.length} strings, got ${describe(names)}`,
        );
      }
    }
    return group as Record<string, unknown> & { params: number[] };
  });
  const entries: Array<[number, Record<string, unknown>]> = [];
  for (const [key, value] of Object.entries(state)) {
    const id = CANONICAL_INT.test(key) ? Number(key) : NaN;
    if (!positions.has(id)) {
      throw new Error(`${where}: stateDict.state has key ${JSON.stringify(key)}, which is not a parameter id of stateDict.paramGroups`);
    }
    if (!isPlainObject(value)) {
      throw new TypeError(`${where}: stateDict.state[${key}] must be an object, got ${describe(value)}`);
    }
    entries.push([id, value]);
  }
  return { groups, state: entries, positions };
}

/**
 * Check that every top-level tensor of a parameter's saved state is a 0-dim scalar (e.g. `step`)
 * or has the parameter's shape (e.g. `expAvg`, `ax`).
 * @throws Error naming the parameter id, the key and both shapes.
 */
export function checkStateShapes(param: Tensor, id: number, entry: Record<string, unknown>, where: string): void {
  for (const [key, value] of Object.entries(entry)) {
    if (!(value instanceof Tensor) || value.ndim === 0) continue;
    const same = value.shape.length === param.shape.length && value.shape.every((n, i) => n === param.shape[i]);
    if (!same) {
      throw new Error(
        `${where}: state of parameter ${id} has "${key}" of shape ${formatShape(value.shape)}, but the parameter has shape ${formatShape(param.shape)}`,
      );
    }
  }
}
