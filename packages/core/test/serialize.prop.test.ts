import fs from "node:fs";
import os from "node:os";
import nodePath from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import { Tensor, fromBytes, load, save, tensor, toBytes, type DType } from "@tapegrad/core";

// ------------------------------------------------------------------ generators

const valuesFor = (dtype: DType, n: number): fc.Arbitrary<Array<number | boolean>> => {
  const element: fc.Arbitrary<number | boolean> =
    dtype === "float32" ? fc.float() : dtype === "float64" ? fc.double() : dtype === "int32" ? fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) : fc.boolean();
  return fc.array(element, { minLength: n, maxLength: n });
};

/** Views to take of a freshly built tensor, so non-contiguous and offset layouts get written too. */
type ViewKind = "none" | "transpose" | "step" | "narrow";

const tensorArb: fc.Arbitrary<Tensor> = fc
  .record({
    dtype: fc.constantFrom<DType>("float32", "float64", "int32", "bool"),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    view: fc.constantFrom<ViewKind>("none", "transpose", "transpose", "step", "narrow"),
    requiresGrad: fc.boolean(),
  })
  .chain(({ dtype, shape, view, requiresGrad }) =>
    valuesFor(dtype, shape.reduce((a, d) => a * d, 1)).map((values) => {
      let t = tensor(values as number[], { dtype }).reshape(shape);
      if (view === "transpose" && t.ndim >= 2) t = t.transpose(0, t.ndim - 1);
      else if (view === "step" && t.ndim >= 1) t = t.slice([0, undefined, 2]);
      else if (view === "narrow" && t.ndim >= 1 && t.shape[0]! >= 2) t = t.narrow(0, 1, t.shape[0]! - 1);
      if (requiresGrad && (dtype === "float32" || dtype === "float64")) t.requiresGrad_(true);
      return t;
    }),
  );

/** A placeholder for "the i-th tensor of the pool", so trees can share tensors. */
class Ref {
  constructor(readonly index: number) {}
}

// "__proto__", "constructor" and "prototype" are refused by save and load (issue 14; tested in
// serialize.test.ts), so the round-trip properties draw every other key.
const keyArb = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom("$tensor", "$number", "$", "$$", "$$x", "__metadata__", "", "a.b", "tapegrad.crc32", "constructor_", "__proto"),
);

const { tree: treeArb } = fc.letrec<{ tree: unknown; leaf: unknown }>((tie) => ({
  leaf: fc.oneof(
    { arbitrary: fc.nat({ max: 3 }).map((i) => new Ref(i)), weight: 4 },
    { arbitrary: fc.double(), weight: 2 },
    { arbitrary: fc.constantFrom(Number.NaN, -0, Infinity, -Infinity), weight: 1 },
    { arbitrary: fc.string({ maxLength: 8, unit: "binary" }), weight: 1 },
    { arbitrary: fc.boolean(), weight: 1 },
    { arbitrary: fc.constant(null), weight: 1 },
  ),
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    tie("leaf"),
    fc.array(tie("tree"), { maxLength: 4 }),
    fc.dictionary(keyArb, tie("tree"), { maxKeys: 4 }),
  ),
}));

const caseArb = fc.record({ pool: fc.array(tensorArb, { minLength: 1, maxLength: 4 }), tree: treeArb });

/** Replace every Ref with its pool tensor, building fresh arrays and objects. */
function materialize(x: unknown, pool: Tensor[]): unknown {
  if (x instanceof Ref) return pool[x.index % pool.length];
  if (Array.isArray(x)) return x.map((item) => materialize(item, pool));
  if (typeof x === "object" && x !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(x)) {
      Object.defineProperty(out, key, { value: materialize((x as Record<string, unknown>)[key], pool), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return x;
}

// ------------------------------------------------------------------ comparison

const bytesOf = (t: Tensor): Uint8Array => {
  const v = t.dataSync();
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
};

/**
 * Whether `actual` reproduces `expected`: numbers by Object.is, tensors by dtype, shape, bytes and
 * requiresGrad, and tensor identity preserved both ways (one input object -> one output object).
 */
function expectSame(actual: unknown, expected: unknown, seen: Map<Tensor, Tensor>, path = "root"): void {
  if (expected instanceof Tensor) {
    expect(actual, path).toBeInstanceOf(Tensor);
    const t = actual as Tensor;
    if (seen.has(expected)) {
      expect(t === seen.get(expected), `${path} is the same object as before`).toBe(true);
      return;
    }
    expect([...seen.values()].includes(t), `${path} is a new object`).toBe(false);
    seen.set(expected, t);
    expect(t.dtype, path).toBe(expected.dtype);
    expect(t.shape, path).toEqual(expected.shape);
    expect(bytesOf(t), path).toEqual(bytesOf(expected));
    expect(t.requiresGrad, path).toBe(expected.requiresGrad);
    expect(t.isLeaf, path).toBe(true);
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).toBe(true);
    const items = actual as unknown[];
    expect(items.length, path).toBe(expected.length);
    expected.forEach((item, i) => expectSame(items[i], item, seen, `${path}.${i}`));
  } else if (typeof expected === "object" && expected !== null) {
    expect(typeof actual === "object" && actual !== null && !Array.isArray(actual), path).toBe(true);
    expect(Object.getPrototypeOf(actual), path).toBe(Object.prototype);
    expect(Object.keys(actual as object), path).toEqual(Object.keys(expected));
    for (const key of Object.keys(expected)) {
      expectSame(Object.getOwnPropertyDescriptor(actual, key)?.value, (expected as Record<string, unknown>)[key], seen, `${path}.${key}`);
    }
  } else {
    expect(Object.is(actual, expected), `${path}: ${String(actual)} vs ${String(expected)}`).toBe(true);
  }
}

// ------------------------------------------------------------------ properties

let dir = "";
beforeAll(() => {
  dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), "tapegrad-serialize-prop-"));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

test("toBytes -> fromBytes reproduces any structure bit for bit", () => {
  fc.assert(
    fc.property(caseArb, ({ pool, tree }) => {
      const value = materialize(tree, pool);
      expectSame(fromBytes(toBytes(value)), value, new Map());
    }),
    { numRuns: 200 },
  );
});

test("save -> load reproduces any structure bit for bit", () => {
  const path = nodePath.join(dir, "prop.safetensors");
  fc.assert(
    fc.property(caseArb, ({ pool, tree }) => {
      const value = materialize(tree, pool);
      save(value, path);
      expectSame(load(path), value, new Map());
    }),
    { numRuns: 50 },
  );
  expect(fs.readdirSync(dir)).toEqual(["prop.safetensors"]);
});

test("every strict prefix of a checkpoint is reported as truncated", () => {
  fc.assert(
    fc.property(caseArb, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), ({ pool, tree }, fraction) => {
      const bytes = toBytes(materialize(tree, pool));
      const cut = Math.floor(fraction * bytes.length);
      expect(() => fromBytes(bytes.subarray(0, cut))).toThrow(/^fromBytes: the data is truncated: /);
    }),
    { numRuns: 100 },
  );
});

test("any single flipped bit is detected", () => {
  fc.assert(
    fc.property(caseArb, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 0, max: 7 }), ({ pool, tree }, fraction, bit) => {
      const damaged = toBytes(materialize(tree, pool));
      const position = Math.floor(fraction * damaged.length);
      damaged[position]! ^= 1 << bit;
      // Only a damaged 8-byte length prefix can masquerade as truncation.
      expect(() => fromBytes(damaged)).toThrow(position < 8 ? /^fromBytes: the data is (corrupt|truncated): / : /^fromBytes: the data is corrupt: /);
    }),
    { numRuns: 200 },
  );
});

test("checkpoints are deterministic and parse as safetensors with every tensor named once", () => {
  fc.assert(
    fc.property(caseArb, ({ pool, tree }) => {
      const value = materialize(tree, pool);
      const bytes = toBytes(value);
      expect(toBytes(value)).toEqual(bytes);
      const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      expect(n % 8).toBe(0);
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { data_offsets: [number, number] }>;
      const entries = Object.entries(header).filter(([name]) => name !== "__metadata__");
      const used = new Set<Tensor>();
      const collect = (x: unknown): void => {
        if (x instanceof Tensor) used.add(x);
        else if (typeof x === "object" && x !== null) for (const v of Object.values(x)) collect(v);
      };
      collect(value);
      expect(entries.length).toBe(used.size);
      const ends = entries.map(([, e]) => e.data_offsets[1]);
      expect(Math.max(0, ...ends)).toBe(bytes.length - 8 - n);
    }),
    { numRuns: 100 },
  );
});
