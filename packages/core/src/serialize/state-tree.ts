/**
 * Structural checks of untrusted state trees (state dicts, checkpoint structures) before anything
 * walks them recursively: bounded depth, no cycles, no keys that would reach an object's prototype.
 * @module
 */

/**
 * The deepest nesting of arrays and plain objects a state dict or checkpoint may have. Real state
 * dicts nest a handful of levels; the limit keeps every recursive walk far from the call-stack limit.
 */
export const MAX_STATE_DEPTH = 1000;

/**
 * Keys no loader accepts: assigning them to an object would replace or reach its prototype
 * (`"__proto__"`), or shadow the members every object inherits (`"constructor"`, `"prototype"`).
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** Whether `key` is one of the {@link FORBIDDEN_KEYS}. */
export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN_KEYS.has(key);
}

/** A path for messages: `"paramGroups.0.lr"`, cut after 8 parts (`"a.0.0.0.0.0.0.0..."`). */
export function renderStatePath(path: ReadonlyArray<string | number>): string {
  if (path.length === 0) return "the root";
  return JSON.stringify(path.slice(0, 8).join(".") + (path.length > 8 ? "..." : ""));
}

/**
 * Check a tree of arrays and plain objects without recursion: it throws (and changes nothing) when
 * the tree is nested deeper than {@link MAX_STATE_DEPTH}, contains itself (a cycle; the same object
 * reached twice on different branches is fine), or has an own key `__proto__`, `constructor` or
 * `prototype`. Anything that is not an array or a plain object (tensors, numbers, class instances)
 * is a leaf and not looked into.
 * @param value the tree.
 * @param where the caller, for the message (`"SGD.loadStateDict"`).
 * @param label how the message names the tree (default `"the state dict"`).
 * @throws RangeError `<where>: <label> is nested deeper than 1000 levels (at "a.b.c...")`, or
 *   `<where>: <label> contains a cycle: the value at "x.y" contains itself`; TypeError
 *   `<where>: <label> has the forbidden key "__proto__" at "paramGroups.0"`.
 */
export function checkStateTree(value: unknown, where: string, label = "the state dict"): void {
  // Depth-first with an explicit stack; `exit` frames take an object off the current path.
  type Frame = { value: unknown; path: Array<string | number>; depth: number } | { exit: object };
  const onPath = new Set<object>();
  const stack: Frame[] = [{ value, path: [], depth: 0 }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if ("exit" in frame) {
      onPath.delete(frame.exit);
      continue;
    }
    const { value: x, path, depth } = frame;
    if (typeof x !== "object" || x === null) continue;
    const isArray = Array.isArray(x);
    const proto: unknown = Object.getPrototypeOf(x);
    if (!isArray && proto !== Object.prototype && proto !== null) continue;
    if (onPath.has(x)) throw new RangeError(`${where}: ${label} contains a cycle: the value at ${renderStatePath(path)} contains itself`);
    if (depth >= MAX_STATE_DEPTH) {
      throw new RangeError(`${where}: ${label} is nested deeper than ${MAX_STATE_DEPTH} levels (at ${renderStatePath(path)})`);
    }
    onPath.add(x);
    stack.push({ exit: x });
    const keys = Object.keys(x);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      if (!isArray && FORBIDDEN_KEYS.has(key)) {
        throw new TypeError(`${where}: ${label} has the forbidden key ${JSON.stringify(key)} at ${renderStatePath(path)}`);
      }
      stack.push({ value: (x as Record<string, unknown>)[key], path: [...path, isArray ? Number(key) : key], depth: depth + 1 });
    }
  }
}

/**
 * Set an own enumerable, writable field (plain assignment would treat a `"__proto__"` key as the
 * prototype). For copying keys that were already checked.
 */
export function setOwnField(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

