import { HookRegistry, RemovableHandle } from "@tapegrad/optim";
import { describe, expect, test } from "vitest";

type Hook = (log: string[]) => void;

function run(registry: HookRegistry<Hook>): string[] {
  const log: string[] = [];
  for (const fn of registry.snapshot()) fn(log);
  return log;
}

describe("HookRegistry", () => {
  test("runs hooks in registration order, prepend puts a hook first", () => {
    const r = new HookRegistry<Hook>("test");
    r.add((l) => l.push("a"));
    r.add((l) => l.push("b"));
    r.add((l) => l.push("front"), { prepend: true });
    r.add((l) => l.push("c"), { prepend: false });
    r.add((l) => l.push("front2"), { prepend: true });
    expect(run(r)).toEqual(["front2", "front", "a", "b", "c"]);
    expect(r.size).toBe(5);
  });

  test("handles get increasing ids from one process-wide counter", () => {
    const r1 = new HookRegistry<Hook>();
    const r2 = new HookRegistry<Hook>();
    const h1 = r1.add(() => undefined);
    const h2 = r2.add(() => undefined);
    const h3 = r1.add(() => undefined, { prepend: true });
    expect(h1).toBeInstanceOf(RemovableHandle);
    expect(h2.id).toBe(h1.id + 1);
    expect(h3.id).toBe(h2.id + 1);
    expect(r1.has(h1.id)).toBe(true);
    expect(r1.has(h2.id)).toBe(false);
    expect(r2.has(h2.id)).toBe(true);
  });

  test("remove() is idempotent and only removes its own hook", () => {
    const r = new HookRegistry<Hook>();
    const ha = r.add((l) => l.push("a"));
    r.add((l) => l.push("b"));
    const hc = r.add((l) => l.push("c"), { prepend: true });
    ha.remove();
    expect(run(r)).toEqual(["c", "b"]);
    ha.remove();
    ha.remove();
    expect(run(r)).toEqual(["c", "b"]);
    hc.remove();
    expect(run(r)).toEqual(["b"]);
    expect(r.size).toBe(1);
    expect(r.delete(hc.id)).toBe(false);
  });

  test("the same function registered twice runs twice and is removed per handle", () => {
    const r = new HookRegistry<Hook>();
    const fn: Hook = (l) => l.push("x");
    const h1 = r.add(fn);
    r.add(fn);
    expect(run(r)).toEqual(["x", "x"]);
    h1.remove();
    expect(run(r)).toEqual(["x"]);
  });

  test("a hook may add or remove hooks while the registry runs; changes apply to the next run", () => {
    const r = new HookRegistry<Hook>();
    let hb: RemovableHandle | undefined;
    r.add((l) => {
      l.push("a");
      hb?.remove();
      r.add((l2) => l2.push("late"));
    });
    hb = r.add((l) => l.push("b"));
    expect(run(r)).toEqual(["a", "b"]);
    expect(run(r)).toEqual(["a", "late"]);
  });

  test("snapshot() is a copy", () => {
    const r = new HookRegistry<Hook>();
    r.add(() => undefined);
    const snap = r.snapshot();
    snap.length = 0;
    expect(r.snapshot()).toHaveLength(1);
  });

  test("rejects a non-function hook and bad options with the registering method's name", () => {
    const r = new HookRegistry<Hook>("registerStepPreHook");
    expect(() => r.add(42 as unknown as Hook)).toThrow(new TypeError("registerStepPreHook: hook must be a function, got number"));
    expect(() => r.add(null as unknown as Hook)).toThrow(new TypeError("registerStepPreHook: hook must be a function, got null"));
    expect(() => r.add(() => undefined, null as unknown as object)).toThrow(
      new TypeError("registerStepPreHook: options must be an object, got null"),
    );
    expect(() => r.add(() => undefined, { prepend: "yes" as unknown as boolean })).toThrow(
      new TypeError("registerStepPreHook: options.prepend must be a boolean, got string"),
    );
    expect(r.size).toBe(0);
  });
});
