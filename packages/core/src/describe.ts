/**
 * How error messages show the values they complain about (shared by every tapegrad package).
 * @module
 */
import { formatShape } from "./shape.js";
import { Tensor } from "./tensor.js";

/**
 * A short, safe description of any value for an error message: `3`, `"abc"`, `null`, `an array of
 * length 2`, `a float32 Tensor of shape [2,3]`, `a function`, `an object`, `a Map`.
 */
export function describe(x: unknown): string {
  if (typeof x === "string") return JSON.stringify(x);
  if (typeof x === "number" || typeof x === "boolean" || typeof x === "bigint") return String(x);
  if (x === null) return "null";
  if (x === undefined) return "undefined";
  if (typeof x === "symbol") return x.toString();
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (typeof x === "function") return "a function";
  if (x instanceof Tensor) return `a ${x.dtype} Tensor of shape ${formatShape(x.shape)}`;
  const proto: unknown = Object.getPrototypeOf(x);
  if (proto === Object.prototype || proto === null) return "an object";
  const name = (x as { constructor?: { name?: string } }).constructor?.name;
  return name ? `a ${name}` : "an object";
}
