/**
 * The object tree of a checkpoint as JSON, with tensors replaced by references to their names.
 *
 * Encoding: null, booleans, strings and finite numbers stay as they are; arrays and plain objects
 * are encoded element by element. Values JSON cannot hold become one-key tagged objects:
 * `{"$tensor": name}`, `{"$number": "NaN" | "Infinity" | "-Infinity" | "-0"}` and `{"$undefined": true}`
 * (optimizer groups hold `foreach: undefined`, PyTorch's `None`). Object keys that
 * start with `$` get one more `$` so they can never be mistaken for a tag.
 *
 * Both directions refuse trees nested deeper than `MAX_STATE_DEPTH` (1000) arrays and objects
 * and the keys `__proto__`, `constructor` and `prototype`, so a forged checkpoint can neither
 * exhaust the call stack nor reach a prototype.
 * @module
 */
import { describe } from "../describe.js";
import { Tensor } from "../tensor.js";
import { METADATA_KEY } from "./safetensors.js";
import { MAX_STATE_DEPTH, isForbiddenKey, renderStatePath, setOwnField } from "./state-tree.js";

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The encoded tree and the distinct tensors it references, in first-seen order. */
export interface EncodedStructure {
  /** `{ root, requiresGrad }`: the tree and the names of tensors that require grad. */
  structure: { root: Json; requiresGrad: string[] };
  tensors: Array<{ name: string; tensor: Tensor }>;
}

const SPECIAL_NUMBERS: ReadonlyMap<string, number> = new Map([
  ["NaN", Number.NaN],
  ["Infinity", Number.POSITIVE_INFINITY],
  ["-Infinity", Number.NEGATIVE_INFINITY],
  ["-0", -0],
]);

/**
 * Encode a value tree, collecting its tensors. A tensor is named after the path where it is first
 * met (`"model.fc1.weight"`), so other safetensors readers see meaningful names; a tensor met again
 * is referenced by the same name.
 * @throws TypeError naming the path of the first value that cannot be stored.
 */
export function encodeStructure(value: unknown, where: string): EncodedStructure {
  const names = new Map<Tensor, string>();
  const used = new Set<string>();
  const tensors: EncodedStructure["tensors"] = [];
  const ancestors = new Set<object>();
  const path: Array<string | number> = [];

  const render = (): string => renderStatePath(path);
  const reject = (what: string): never => {
    throw new TypeError(`${where}: unsupported value at ${render()}: ${what}`);
  };

  const nameFor = (tensor: Tensor): string => {
    const base = path.length === 0 ? "tensor" : path.join(".");
    let name = base;
    for (let k = 1; name === METADATA_KEY || used.has(name); k++) name = `${base}~${k}`;
    used.add(name);
    names.set(tensor, name);
    tensors.push({ name, tensor });
    return name;
  };

  const visit = (x: unknown): Json => {
    switch (typeof x) {
      case "number":
        if (Number.isNaN(x)) return { $number: "NaN" };
        if (x === Number.POSITIVE_INFINITY) return { $number: "Infinity" };
        if (x === Number.NEGATIVE_INFINITY) return { $number: "-Infinity" };
        if (Object.is(x, -0)) return { $number: "-0" };
        return x;
      case "string":
      case "boolean":
        return x;
      case "undefined":
        return { $undefined: true };
      case "function":
        return reject("a function");
      case "bigint":
        return reject(`a bigint (${x}n); use a number`);
      case "symbol":
        return reject("a symbol");
    }
    if (x === null) return null;
    if (x instanceof Tensor) return { $tensor: names.get(x) ?? nameFor(x) };
    const object = x as object;
    if (ancestors.has(object)) return reject("a cyclic reference (the value contains itself)");
    if (ancestors.size >= MAX_STATE_DEPTH) {
      throw new RangeError(`${where}: the value is nested deeper than ${MAX_STATE_DEPTH} levels (at ${render()})`);
    }
    const proto = Object.getPrototypeOf(object) as unknown;
    const isArray = Array.isArray(object) && proto === Array.prototype;
    if (!isArray && proto !== Object.prototype && proto !== null) {
      return reject(ArrayBuffer.isView(object) ? `${describe(object)}; wrap typed arrays in a tensor` : describe(object));
    }
    if (Object.getOwnPropertySymbols(object).length > 0) reject("an object with symbol keys");
    ancestors.add(object);
    let out: Json;
    if (isArray) {
      const array = object as unknown[];
      const items: Json[] = [];
      for (let i = 0; i < array.length; i++) {
        path.push(i);
        if (!(i in array)) reject("an empty array slot");
        items.push(visit(array[i]));
        path.pop();
      }
      out = items;
    } else {
      const fields: { [key: string]: Json } = {};
      for (const key of Object.keys(object)) {
        if (isForbiddenKey(key)) reject(`the forbidden key ${JSON.stringify(key)} (it could not be loaded back)`);
        path.push(key);
        defineField(fields, key.startsWith("$") ? `$${key}` : key, visit((object as Record<string, unknown>)[key]));
        path.pop();
      }
      out = fields;
    }
    ancestors.delete(object);
    return out;
  };

  const root = visit(value);
  const requiresGrad = tensors.filter(({ tensor }) => tensor.requiresGrad).map(({ name }) => name);
  return { structure: { root, requiresGrad }, tensors };
}

/**
 * Rebuild the value tree from its encoded structure and the tensors by name. Every reference must
 * name a tensor, every tensor must be referenced, and tensors listed in `requiresGrad` become
 * leaves that require grad.
 * @param corrupt called with a description of the first inconsistency; must throw.
 */
export function decodeStructure(structure: unknown, tensors: ReadonlyMap<string, Tensor>, corrupt: (detail: string) => never): unknown {
  if (!isPlainRecord(structure) || !Object.hasOwn(structure, "root") || !Array.isArray(structure["requiresGrad"])) {
    corrupt("the structure is not an object with root and requiresGrad");
  }
  const { root, requiresGrad } = structure as { root: unknown; requiresGrad: unknown[] };
  const referenced = new Set<string>();
  const path: Array<string | number> = [];
  const at = (): string => renderStatePath(path);

  const visit = (x: unknown): unknown => {
    if (x === null || typeof x === "boolean" || typeof x === "string" || typeof x === "number") return x;
    if (path.length >= MAX_STATE_DEPTH) return corrupt(`the structure is nested deeper than ${MAX_STATE_DEPTH} levels (at ${at()})`);
    if (Array.isArray(x)) {
      return x.map((item, i) => {
        path.push(i);
        const value = visit(item);
        path.pop();
        return value;
      });
    }
    if (!isPlainRecord(x)) return corrupt(`unexpected value at ${at()}`);
    const keys = Object.keys(x);
    if (Object.hasOwn(x, "$tensor")) {
      const name = x["$tensor"];
      const tensor = typeof name === "string" && keys.length === 1 ? tensors.get(name) : undefined;
      if (tensor === undefined) return corrupt(`the structure references a missing tensor at ${at()}`);
      referenced.add(name as string);
      return tensor;
    }
    if (Object.hasOwn(x, "$number")) {
      const spelled = x["$number"];
      const number = typeof spelled === "string" && keys.length === 1 ? SPECIAL_NUMBERS.get(spelled) : undefined;
      if (number === undefined) return corrupt(`invalid $number at ${at()}`);
      return number;
    }
    if (Object.hasOwn(x, "$undefined")) {
      if (x["$undefined"] !== true || keys.length !== 1) return corrupt(`invalid $undefined at ${at()}`);
      return undefined;
    }
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      if (key.startsWith("$") && !key.startsWith("$$")) return corrupt(`unknown tag ${JSON.stringify(key)} at ${at()}`);
      const original = key.startsWith("$") ? key.slice(1) : key;
      if (isForbiddenKey(original)) return corrupt(`the structure has the forbidden key ${JSON.stringify(original)} at ${at()}`);
      path.push(original);
      defineField(out, original, visit(x[key]));
      path.pop();
    }
    return out;
  };

  const value = visit(root);
  for (const name of tensors.keys()) {
    if (!referenced.has(name)) corrupt(`tensor ${JSON.stringify(name)} is not referenced by the structure`);
  }
  for (const name of requiresGrad) {
    const tensor = typeof name === "string" ? tensors.get(name) : undefined;
    if (tensor === undefined || !tensor.isFloatingPoint()) corrupt(`requiresGrad lists ${JSON.stringify(name)}, which is not a float tensor`);
  }
  for (const name of requiresGrad) tensors.get(name as string)!.requiresGrad_(true);
  return value;
}

/** Set an own enumerable field; plain assignment would treat a `"__proto__"` key as the prototype. */
const defineField = setOwnField;

function isPlainRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
