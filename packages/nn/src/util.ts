/**
 * Small argument-checking helpers shared by the nn package (not exported from the package).
 * @module
 */
import { Tensor, describe, formatShape, getDefaultDtype } from "@tapegrad/core";

// The same renderings as every other package's error messages.
export { describe, formatShape };

/** Throw unless `x` is a Tensor. */
export function checkTensor(x: unknown, where: string, name: string): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${where}: ${name} must be a Tensor, got ${describe(x)}`);
  return x;
}

/** Throw unless `x` is a float32 or float64 Tensor. */
export function checkFloatTensor(x: unknown, where: string, name: string): Tensor {
  const t = checkTensor(x, where, name);
  if (t.dtype !== "float32" && t.dtype !== "float64") {
    throw new TypeError(`${where}: ${name} must be a float32 or float64 tensor, got dtype ${t.dtype}`);
  }
  return t;
}

/** Throw unless `x` is an integer (optionally at least `min`). */
export function checkInt(x: unknown, where: string, name: string, min?: number): number {
  if (typeof x !== "number" || !Number.isInteger(x)) throw new TypeError(`${where}: ${name} must be an integer, got ${describe(x)}`);
  if (min !== undefined && x < min) throw new RangeError(`${where}: ${name} must be >= ${min}, got ${x}`);
  return x;
}

/** Throw unless `x` is a finite number. */
export function checkFinite(x: unknown, where: string, name: string): number {
  if (typeof x !== "number" || !Number.isFinite(x)) throw new TypeError(`${where}: ${name} must be a finite number, got ${describe(x)}`);
  return x;
}

/**
 * Throw unless `x` is undefined or a plain options object whose own keys are all in `allowed`;
 * returns `{}` for undefined. Only own keys are read, so an inherited or `__proto__` key is never an
 * option.
 */
export function checkOptions<T extends object>(x: T | undefined, where: string, allowed: readonly string[]): Partial<T> {
  if (x === undefined || x === null) return {};
  if (typeof x !== "object" || Array.isArray(x) || x instanceof Tensor) {
    throw new TypeError(`${where}: options must be an object, got ${describe(x)}`);
  }
  for (const key of Object.keys(x)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`${where}: unknown option ${JSON.stringify(key)} (expected ${allowed.length === 0 ? "no options" : `one of ${allowed.join(", ")}`})`);
    }
  }
  return x;
}

/** Throw unless `x` is a floating dtype name (or undefined). */
export function checkFloatDtype(x: unknown, where: string): "float32" | "float64" | undefined {
  if (x === undefined) return undefined;
  if (x !== "float32" && x !== "float64") throw new TypeError(`${where}: dtype must be "float32" or "float64", got ${describe(x)}`);
  return x;
}

/**
 * The `setToNone` flag of `zeroGrad(setToNone)` / `zeroGrad({ setToNone })` (default true); the
 * optimizers' `zeroGrad` accepts the same two forms.
 */
export function zeroGradSetToNone(options: unknown, where: string): boolean {
  const isObject = typeof options === "object" && options !== null && !Array.isArray(options) && !(options instanceof Tensor);
  const value = options === undefined ? true : isObject ? (checkOptions(options as { setToNone?: unknown }, where, ["setToNone"]).setToNone ?? true) : options;
  if (typeof value !== "boolean") throw new TypeError(`${where}: setToNone must be a boolean, got ${describe(value)}`);
  return value;
}

/**
 * The dtype of the parameters and buffers a layer creates (PyTorch's factory kwargs): its `dtype`
 * option, or the default dtype (`setDefaultDtype`) when the option is absent.
 */
export function factoryDtype(x: unknown, where: string): "float32" | "float64" {
  return checkFloatDtype(x, where) ?? getDefaultDtype();
}

/** Normalise a possibly negative dim against `ndim`. */
export function normalizeDim(dim: unknown, ndim: number, where: string): number {
  const d = checkInt(dim, where, "dim");
  const rank = Math.max(ndim, 1);
  if (d < -rank || d >= rank) throw new RangeError(`${where}: dim ${d} is out of range for a tensor with ${ndim} dims`);
  return d < 0 ? d + rank : d;
}
