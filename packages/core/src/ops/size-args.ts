/**
 * The size arguments of convolution and pooling ops (a number or one number per spatial dim) and
 * their options objects.
 * @module
 */
import { describe } from "../describe.js";

/** A size argument: one number for every spatial dim, or one per dim. */
export type SizeArg = number | readonly number[];

/** @internal one integer per spatial dim from a size argument, each at least `min`. */
export function sizeTuple(value: unknown, dims: number, op: string, name: string, min: number): number[] {
  const list = typeof value === "number" ? new Array<number>(dims).fill(value) : Array.isArray(value) ? (value as unknown[]) : null;
  if (list === null || list.length !== dims || !list.every((v) => typeof v === "number" && Number.isInteger(v))) {
    throw new TypeError(`${op}: ${name} must be an integer or a list of ${dims} integers, got ${describe(value)}`);
  }
  const nums = list as number[];
  if (nums.some((v) => v < min)) {
    throw new RangeError(`${op}: ${name} must be ${min === 0 ? "non-negative" : `at least ${min}`}, got ${describe(value)}`);
  }
  return nums;
}

/** @internal throw unless `options` is undefined or a plain object with only `allowed` keys. */
export function checkOptionsObject<T>(options: T | undefined, op: string, allowed: readonly string[]): Partial<T> {
  if (options === undefined || options === null) return {};
  if (typeof options !== "object" || Array.isArray(options)) throw new TypeError(`${op}: options must be an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) throw new TypeError(`${op}: unknown option ${JSON.stringify(key)} (expected one of ${allowed.join(", ")})`);
  }
  return options;
}

