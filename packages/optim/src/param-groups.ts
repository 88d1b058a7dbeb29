/**
 * Parameter groups: their types, the `required` sentinel, and the validation that turns the
 * constructor's `params` or an `addParamGroup` argument into complete group objects.
 * @module
 */

import { Tensor } from "@tapegrad/core";
import { checkStateTree, setOwnField } from "@tapegrad/core/internal";
import { describeValue, isPlainObject } from "./state-dict.js";

/**
 * Sentinel default meaning "every parameter group must give this hyperparameter" (PyTorch's
 * `torch.optim.optimizer.required`).
 * @example super(params, { lr: required, momentum: 0 });
 */
export const required: unique symbol = Symbol("required");

/**
 * One parameter group: the tensors it optimizes and its hyperparameters.
 *
 * Groups are plain, mutable objects: users and lr schedulers assign `group.lr` directly.
 */
export interface ParamGroup {
  /** The tensors this group optimizes. */
  params: Tensor[];
  /** Learning rate (a number, or a 0-dim tensor for differentiable hyperparameters). */
  lr: number | Tensor;
  /** Parameter names, present when the group was built from `[name, tensor]` pairs. */
  paramNames?: string[];
  /** The lr when the first lr scheduler was created (set by schedulers). */
  initialLr?: number | Tensor;
  [hyperparameter: string]: unknown;
}

/**
 * A parameter group as given to the constructor or {@link Optimizer.addParamGroup}: `params` is a
 * tensor, or an iterable of tensors or of `[name, tensor]` pairs (not a Set); any other key is a
 * hyperparameter that overrides the optimizer's default.
 */
export interface GroupInput {
  params: Tensor | Iterable<Tensor> | Iterable<readonly [string, Tensor]>;
  [hyperparameter: string]: unknown;
}

/** What an optimizer constructor accepts: tensors, `[name, tensor]` pairs (from `namedParameters()`), or group objects. */
export type ParamsInput = Iterable<Tensor> | Iterable<readonly [string, Tensor]> | Iterable<GroupInput>;

/**
 * @internal the group inputs of an optimizer constructor's `params`: its elements if they are group
 * objects, else one group holding all of them. Throws for a bare tensor, a Set, a non-iterable or
 * an empty list.
 */
export function groupInputs(params: ParamsInput, where: string): unknown[] {
  if (params instanceof Tensor) {
    throw new TypeError(
      `${where}: params argument given to the optimizer should be an iterable of Tensors or param groups, but got a single Tensor (wrap it in an array)`,
    );
  }
  if (params instanceof Set) {
    throw new TypeError(
      `${where}: optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs. Please use an array instead of a Set`,
    );
  }
  if (!isIterable(params)) {
    throw new TypeError(`${where}: params must be an iterable of Tensors, [name, Tensor] pairs or param groups, got ${describeValue(params)}`);
  }
  const items: unknown[] = Array.from(params as Iterable<unknown>);
  if (items.length === 0) throw new Error(`${where}: optimizer got an empty parameter list`);
  return isPlainObject(items[0]) ? items : [{ params: items }];
}

/**
 * @internal validate a group input completely against the optimizer's `defaults` and its `existing`
 * groups, and return the new group object (defaults filled in); changes nothing. The optimizer's
 * own `validateGroup` is left to the caller.
 */
export function prepareGroup(
  input: unknown,
  at: string,
  defaults: Readonly<Record<string, unknown>>,
  existing: readonly ParamGroup[],
): Record<string, unknown> {
  if (!isPlainObject(input)) {
    throw new TypeError(`${at} must be an object with a "params" key, got ${describeValue(input)}`);
  }
  // Own keys only, checked before anything is copied: a JSON group's "__proto__" must not become
  // the group's prototype (its hyperparameters would be used by step() but missing from stateDict()).
  checkStateTree({ ...input, params: undefined }, at, "the param group");
  if (!Object.hasOwn(input, "params") || input.params === undefined) {
    throw new Error(`${at} has no "params"`);
  }
  const raw = input.params;
  let items: unknown[];
  if (raw instanceof Tensor) {
    items = [raw];
  } else if (raw instanceof Set) {
    throw new TypeError(
      `${at}: optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs. Please use an array instead of a Set`,
    );
  } else if (isIterable(raw)) {
    items = Array.from(raw as Iterable<unknown>);
  } else {
    throw new TypeError(`${at}: "params" must be a Tensor or an iterable of Tensors or [name, Tensor] pairs, got ${describeValue(raw)}`);
  }

  const params: Tensor[] = [];
  const names: Array<string | undefined> = [];
  items.forEach((item, i) => {
    if (Array.isArray(item)) {
      if (item.length !== 2 || typeof item[0] !== "string" || !(item[1] instanceof Tensor)) {
        throw new TypeError(`${at}: params[${i}] must be a Tensor or a [name, Tensor] pair, got ${describeValue(item)}`);
      }
      names.push(item[0]);
      params.push(item[1]);
    } else if (item instanceof Tensor) {
      names.push(undefined);
      params.push(item);
    } else {
      throw new TypeError(`${at}: optimizer can only optimize Tensors, but params[${i}] is ${describeValue(item)}`);
    }
  });
  const named = names.filter((n) => n !== undefined).length;
  if (named > 0 && named < names.length) {
    const missing = names.findIndex((n) => n === undefined);
    throw new Error(`${at}: all optimizer params should be with/without names, but params[${missing}] has no name`);
  }

  const differentiable = defaults.differentiable === true;
  const firstIndex = new Map<Tensor, number>();
  params.forEach((p, i) => {
    if (!differentiable && !(p.isLeaf || p.retainsGrad)) {
      throw new Error(`${at}: can't optimize a non-leaf Tensor (params[${i}], produced by ${p.gradFn?.name ?? "an op"}); detach it or use differentiable: true`);
    }
    const first = firstIndex.get(p);
    if (first !== undefined) {
      throw new Error(`${at}: the same parameter appears twice in the group (params[${first}] and params[${i}])`);
    }
    firstIndex.set(p, i);
  });

  const group: Record<string, unknown> = { params };
  for (const [key, value] of Object.entries(input)) {
    if (key !== "params") setOwnField(group, key, value);
  }
  if (named > 0) {
    group.paramNames = names as string[];
  } else if (group.paramNames !== undefined) {
    const given = group.paramNames;
    if (!Array.isArray(given) || given.length !== params.length || given.some((n) => typeof n !== "string")) {
      throw new TypeError(`${at}: paramNames must be an array of ${params.length} strings, got ${describeValue(given)}`);
    }
    group.paramNames = [...(given as string[])];
  } else {
    delete group.paramNames;
  }
  fillDefaults(group, defaults, at);

  const hasNames = Object.hasOwn(group, "paramNames");
  existing.forEach((other, ei) => {
    if ((Object.hasOwn(other, "paramNames") && other.paramNames !== undefined) !== hasNames) {
      throw new Error(
        `${at}: all optimizer param groups should be with/without names. cannot add param group ${hasNames ? "with" : "without"} names to the optimizer (group ${ei} is ${hasNames ? "without" : "with"} names)`,
      );
    }
  });
  const groupOf = new Map<Tensor, number>();
  existing.forEach((other, ei) => {
    for (const p of other.params) if (!groupOf.has(p)) groupOf.set(p, ei);
  });
  params.forEach((p, i) => {
    const ei = groupOf.get(p);
    if (ei !== undefined) {
      throw new Error(`${at}: some parameters appear in more than one parameter group (params[${i}] is already in group ${ei})`);
    }
  });
  return group;
}

/** @internal fill missing (or undefined) hyperparameters of `group` from `defaults`, in defaults order. */
export function fillDefaults(group: Record<string, unknown>, defaults: Readonly<Record<string, unknown>>, at: string): void {
  for (const [key, fallback] of Object.entries(defaults)) {
    const present = Object.hasOwn(group, key) && group[key] !== undefined && group[key] !== required;
    if (present) continue;
    if (fallback === required) {
      throw new Error(`${at} didn't specify a value of required optimization parameter ${key}`);
    }
    setOwnField(group, key, fallback);
  }
}

function isIterable(x: unknown): boolean {
  return (
    x !== null &&
    x !== undefined &&
    typeof x !== "string" &&
    typeof (x as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function"
  );
}
