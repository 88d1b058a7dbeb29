import fs from "node:fs";
import os from "node:os";
import nodePath from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { Tensor, arange, fromBytes, load, randn, save, tensor, toBytes, zeros } from "@tapegrad/core";

// ------------------------------------------------------------------ independent helpers
// A tiny safetensors reader/writer and a bitwise CRC-32 written from the specs, sharing no code with
// the implementation under test.

const ITEM: Record<string, number> = { F32: 4, F64: 8, I32: 4, BOOL: 1, F16: 2 };
const latin1 = (bytes: Uint8Array): string => Array.from(bytes, (b) => String.fromCharCode(b)).join("");

function crc32Bitwise(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}

interface Entry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

function readSafetensors(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
  const data = bytes.subarray(8 + n);
  const metadata = header["__metadata__"] as Record<string, string> | undefined;
  const entries = Object.entries(header).filter(([k]) => k !== "__metadata__") as Array<[string, Entry]>;
  entries.sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
  let position = 0;
  const tensors = new Map<string, { dtype: string; shape: number[]; bytes: Uint8Array; begin: number }>();
  for (const [name, e] of entries) {
    const [begin, end] = e.data_offsets;
    expect(begin).toBe(position);
    expect(end - begin).toBe(e.shape.reduce((a, d) => a * d, 1) * ITEM[e.dtype]!);
    position = end;
    tensors.set(name, { dtype: e.dtype, shape: e.shape, bytes: data.subarray(begin, end), begin });
  }
  expect(position).toBe(data.length);
  return { headerLength: n, metadata, tensors };
}

/** A safetensors file from a header object and data; `checksum` fills in tapegrad's CRC field. */
function writeSafetensors(header: object, data: Uint8Array, checksum = false): Uint8Array {
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + data.length).fill(0x20, 8, 8 + padded);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.set(data, 8 + padded);
  if (checksum) {
    const field = '"tapegrad.crc32":"';
    const at = latin1(out).indexOf(field) + field.length;
    out.set(new TextEncoder().encode("00000000"), at);
    json = new TextEncoder().encode(crc32Bitwise(out).toString(16).padStart(8, "0"));
    out.set(json, at);
  }
  return out;
}

/** Re-emit a tapegrad file after `edit` changes its parsed header (the checksum is recomputed). */
function editCheckpoint(bytes: Uint8Array, edit: (header: Record<string, unknown>, metadata: Record<string, string>) => void): Uint8Array {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
  const metadata = header["__metadata__"] as Record<string, string>;
  metadata["tapegrad.crc32"] = "00000000";
  edit(header, metadata);
  return writeSafetensors(header, bytes.subarray(8 + n), true);
}

const bytesOf = (t: Tensor): Uint8Array => {
  const v = t.dataSync();
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
};

function expectSameTensor(actual: unknown, expected: Tensor): void {
  expect(actual).toBeInstanceOf(Tensor);
  const t = actual as Tensor;
  expect(t.dtype).toBe(expected.dtype);
  expect(t.shape).toEqual(expected.shape);
  expect(bytesOf(t)).toEqual(bytesOf(expected));
  expect(t.isLeaf).toBe(true);
}

const sample = () => ({
  step: 7,
  weights: tensor([[1.5, -2], [3, 4]]),
  counts: tensor([1, -2, 2147483647, -2147483648], { dtype: "int32" }),
  mask: tensor([true, false, true]),
  precise: tensor([Math.PI, 1e-300, -0], { dtype: "float64" }),
  nested: { lr: 0.01, names: ["a", "b"], flag: true, none: null },
});

let dir = "";
beforeAll(() => {
  dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), "tapegrad-serialize-"));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});
let counter = 0;
const freshPath = (): string => nodePath.join(dir, `ckpt-${counter++}.safetensors`);

// ------------------------------------------------------------------ round trips

describe("round trips", () => {
  test.each(["float32", "float64", "int32", "bool"] as const)("every dtype and rank: %s", (dtype) => {
    const make = (shape: number[]): Tensor => {
      const n = shape.reduce((a, d) => a * d, 1);
      const values = Array.from({ length: n }, (_, i) => (dtype === "bool" ? i % 3 === 0 : dtype === "int32" ? i * 7919 - 50 : i / 7 - 3));
      return tensor(values, { dtype }).reshape(shape);
    };
    const shapes = [[], [1], [5], [2, 3], [2, 0, 3], [2, 3, 4], [0]];
    const tensors = shapes.map(make);
    const back = fromBytes(toBytes(tensors)) as unknown[];
    expect(back).toHaveLength(shapes.length);
    back.forEach((t, i) => expectSameTensor(t, tensors[i]!));
  });

  test("float specials survive bit for bit inside tensors", () => {
    const f32 = tensor([Number.NaN, -0, Infinity, -Infinity, 1e-45, 3.4028234663852886e38]);
    const f64 = tensor([Number.NaN, -0, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE], { dtype: "float64" });
    const back = fromBytes(toBytes({ f32, f64 })) as { f32: Tensor; f64: Tensor };
    expectSameTensor(back.f32, f32);
    expectSameTensor(back.f64, f64);
    expect(Object.is((back.f64.tolist() as number[])[1], -0)).toBe(true);
  });

  test("nested structures of every JSON-like type", () => {
    const obj = sample();
    const back = fromBytes(toBytes(obj)) as ReturnType<typeof sample>;
    expect(back.step).toBe(7);
    expect(back.nested).toEqual({ lr: 0.01, names: ["a", "b"], flag: true, none: null });
    expectSameTensor(back.weights, obj.weights);
    expectSameTensor(back.counts, obj.counts);
    expectSameTensor(back.mask, obj.mask);
    expectSameTensor(back.precise, obj.precise);
    expect(Object.getPrototypeOf(back.nested)).toBe(Object.prototype);
  });

  test("numbers JSON cannot hold: NaN, Infinity, -Infinity, -0", () => {
    const numbers = [Number.NaN, Infinity, -Infinity, -0, 0, Number.MAX_VALUE, Number.MIN_VALUE, -1e-300, 0.1, 2 ** 53 + 2];
    const back = fromBytes(toBytes({ numbers, alone: -0 })) as { numbers: number[]; alone: number };
    expect(back.numbers).toHaveLength(numbers.length);
    back.numbers.forEach((x, i) => expect(Object.is(x, numbers[i])).toBe(true));
    expect(Object.is(back.alone, -0)).toBe(true);
    expect(Object.is(fromBytes(toBytes(Number.NaN)), Number.NaN)).toBe(true);
  });

  test("top-level scalars, strings and empty containers", () => {
    for (const value of [null, true, false, 0, "", "héllo wörld ✓ 𝄞", "\ud800 lone surrogate", [], {}, [[[]]]]) {
      expect(fromBytes(toBytes(value))).toEqual(value);
    }
  });

  test("keys that look like tags and __metadata__ stay plain keys", () => {
    const t = tensor([1, 2]);
    const obj = { $tensor: "x", $number: "NaN", $: 1, $$: 2, $$x: 3, "": 4, __metadata__: t, "a.b": 5 };
    const back = fromBytes(toBytes(obj)) as Record<string, unknown>;
    expect(Object.keys(back)).toEqual(Object.keys(obj));
    expect(back.$tensor).toBe("x");
    expect(back.$number).toBe("NaN");
    expect([back.$, back.$$, back.$$x, back[""], back["a.b"]]).toEqual([1, 2, 3, 4, 5]);
    expectSameTensor(back.__metadata__, t);
  });

  test("__proto__, constructor and prototype keys are refused (issue 14: every loader refuses them, so save does too)", () => {
    const weird = JSON.parse('{"__proto__": {"polluted": 1}}') as Record<string, unknown>;
    expect(() => toBytes({ weird })).toThrow(/toBytes: unsupported value at "weird": the forbidden key "__proto__"/);
    const t = tensor([1, 2, 3]);
    const obj = {};
    Object.defineProperty(obj, "__proto__", { value: t, enumerable: true, writable: true, configurable: true });
    expect(() => toBytes(obj)).toThrow(/toBytes: unsupported value at the root: the forbidden key "__proto__"/);
    expect(() => toBytes({ a: { constructor: 1 } })).toThrow(/forbidden key "constructor"/);
    expect(() => toBytes([{ prototype: t }])).toThrow(/at "0": the forbidden key "prototype"/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test("null-prototype objects come back as plain objects", () => {
    const bare = Object.assign(Object.create(null) as Record<string, number>, { a: 1 });
    expect(fromBytes(toBytes({ bare }))).toEqual({ bare: { a: 1 } });
  });

  test("the same tensor twice is stored once and comes back as one object", () => {
    const shared = randn([3, 2]);
    const twin = shared.clone();
    const bytes = toBytes({ a: shared, b: [shared, { c: shared }], twin });
    expect(readSafetensors(bytes).tensors.size).toBe(2);
    const back = fromBytes(bytes) as { a: Tensor; b: [Tensor, { c: Tensor }]; twin: Tensor };
    expect(back.b[0]).toBe(back.a);
    expect(back.b[1].c).toBe(back.a);
    expect(back.twin).not.toBe(back.a);
    expectSameTensor(back.a, shared);
    expectSameTensor(back.twin, twin);
  });

  test("views and non-contiguous tensors are written in row-major order", () => {
    const base = arange(0, 24, 1, { dtype: "int32" }).reshape(2, 3, 4);
    const views = {
      transposed: base.transpose(0, 2),
      permuted: base.permute(2, 0, 1),
      stepped: base.slice(null, [0, 3, 2], [1, 4, 2]),
      selected: base.select(1, 2),
      narrowed: base.narrow(2, 1, 2),
      expanded: tensor([1.5, 2.5]).unsqueeze(0).expand(3, 2),
      offsetRow: base.select(0, 1),
    };
    const back = fromBytes(toBytes(views)) as Record<string, Tensor>;
    for (const [key, view] of Object.entries(views)) {
      expect(back[key]!.isContiguous()).toBe(true);
      expect(back[key]!.tolist()).toEqual(view.tolist());
      expectSameTensor(back[key], view);
    }
    // A view and its base are separate entries whose data no longer aliases after loading.
    const pair = fromBytes(toBytes({ base, view: base.select(0, 0) })) as { base: Tensor; view: Tensor };
    pair.base.fill_(0);
    expect(pair.view.tolist()).toEqual(base.select(0, 0).tolist());
  });

  test("requiresGrad comes back as a leaf that requires grad; history and grad are dropped", () => {
    const leaf = tensor([1, 2], { requiresGrad: true });
    const derived = leaf.mul(3);
    leaf.mul(leaf).sum().backward();
    const plain = tensor([1, 2], { dtype: "float64" });
    const back = fromBytes(toBytes({ leaf, derived, plain, ints: tensor([1], { dtype: "int32" }) })) as Record<string, Tensor>;
    expect(back.leaf!.requiresGrad).toBe(true);
    expect(back.leaf!.isLeaf).toBe(true);
    expect(back.leaf!.grad).toBeNull();
    expect(back.derived!.requiresGrad).toBe(true);
    expect(back.derived!.isLeaf).toBe(true);
    expect(back.derived!.gradFn).toBeNull();
    expect(back.derived!.tolist()).toEqual([3, 6]);
    expect(back.plain!.requiresGrad).toBe(false);
    expect(back.ints!.requiresGrad).toBe(false);
  });

  test("loaded tensors own their data", () => {
    const bytes = toBytes({ t: tensor([1, 2, 3]) });
    const back = fromBytes(bytes) as { t: Tensor };
    bytes.fill(0);
    expect(back.t.tolist()).toEqual([1, 2, 3]);
  });

  test("output is deterministic", () => {
    const obj = sample();
    expect(toBytes(obj)).toEqual(toBytes(obj));
  });

  test("fromBytes accepts a Node Buffer and a subarray with an offset", () => {
    const bytes = toBytes({ t: tensor([1, 2, 3], { dtype: "float64" }) });
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect((fromBytes(shifted.subarray(3)) as { t: Tensor }).t.tolist()).toEqual([1, 2, 3]);
    expect((fromBytes(Buffer.from(bytes)) as { t: Tensor }).t.tolist()).toEqual([1, 2, 3]);
  });
});

// ------------------------------------------------------------------ format

describe("safetensors compatibility", () => {
  test("a tapegrad file parses as standard safetensors with the right dtypes, shapes and bytes", () => {
    const obj = { model: { fc1: { weight: randn([3, 2]), bias: zeros([3], { dtype: "float64" }) } }, ids: tensor([5, 6], { dtype: "int32" }), mask: tensor([true, false]) };
    const bytes = toBytes(obj);
    const file = readSafetensors(bytes);
    expect(file.headerLength % 8).toBe(0);
    expect(bytes[8]).toBe(0x7b);
    expect(file.metadata!["tapegrad.format"]).toBe("1");
    expect(JSON.parse(file.metadata!["tapegrad.structure"]!)).toEqual({
      root: { model: { fc1: { weight: { $tensor: "model.fc1.weight" }, bias: { $tensor: "model.fc1.bias" } } }, ids: { $tensor: "ids" }, mask: { $tensor: "mask" } },
      requiresGrad: [],
    });
    const expected: Array<[string, string, Tensor]> = [["model.fc1.weight", "F32", obj.model.fc1.weight], ["model.fc1.bias", "F64", obj.model.fc1.bias], ["ids", "I32", obj.ids], ["mask", "BOOL", obj.mask]];
    for (const [name, dtype, t] of expected) {
      const entry = file.tensors.get(name)!;
      expect(entry.dtype).toBe(dtype);
      expect(entry.shape).toEqual(t.shape);
      expect(entry.bytes).toEqual(bytesOf(t));
      // Every tensor starts at an offset aligned to its element size.
      expect((8 + file.headerLength + entry.begin) % ITEM[dtype]!).toBe(0);
    }
  });

  test("the checksum is the CRC-32 of the file with its digits set to 0", () => {
    expect(crc32Bitwise(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    const bytes = toBytes(sample());
    const stored = readSafetensors(bytes).metadata!["tapegrad.crc32"]!;
    const zeroed = bytes.slice();
    const at = latin1(bytes).indexOf(`"tapegrad.crc32":"${stored}"`) + '"tapegrad.crc32":"'.length;
    zeroed.set(new TextEncoder().encode("00000000"), at);
    expect(stored).toBe(crc32Bitwise(zeroed).toString(16).padStart(8, "0"));
  });

  test("tensor names follow the path where each tensor is first met, without collisions", () => {
    const [a, b, c] = [tensor([1]), tensor([2]), tensor([3])];
    const bytes = toBytes({ "a.b": a, a: { b }, __metadata__: c });
    expect([...readSafetensors(bytes).tensors.keys()].sort()).toEqual(["__metadata__~1", "a.b", "a.b~1"]);
    expect(readSafetensors(toBytes(a)).tensors.has("tensor")).toBe(true);
  });

  test("a safetensors file from another writer loads as a record of tensors", () => {
    const data = new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6]).buffer);
    const extra = new Uint8Array([1, 0, 1]);
    const all = new Uint8Array(data.length + extra.length);
    all.set(data);
    all.set(extra, data.length);
    const bytes = writeSafetensors(
      { __metadata__: { format: "pt" }, "fc.weight": { dtype: "F32", shape: [2, 3], data_offsets: [0, 24] }, flags: { dtype: "BOOL", shape: [3], data_offsets: [24, 27] } },
      all,
    );
    const back = fromBytes(bytes) as Record<string, Tensor>;
    expect(Object.keys(back)).toEqual(["fc.weight", "flags"]);
    expect(back["fc.weight"]!.tolist()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(back.flags!.tolist()).toEqual([true, false, true]);
  });

  test("a foreign file with a dtype tapegrad cannot hold is reported as unsupported", () => {
    const bytes = writeSafetensors({ half: { dtype: "F16", shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4));
    expect(() => fromBytes(bytes)).toThrow('fromBytes: the data is not supported: tensor "half" has dtype F16; tapegrad reads F32, F64, I32 and BOOL');
  });
});

// ------------------------------------------------------------------ undefined

describe("undefined values", () => {
  test("round-trip in objects, arrays and at the root (optimizer groups hold foreach: undefined)", () => {
    const value = { group: { lr: 0.1, foreach: undefined }, list: [1, undefined, 3] };
    const back = fromBytes(toBytes(value)) as typeof value;
    expect(Object.hasOwn(back.group, "foreach")).toBe(true);
    expect(back.group.foreach).toBeUndefined();
    expect(back.list).toEqual([1, undefined, 3]);
    expect(fromBytes(toBytes(undefined))).toBeUndefined();
  });
});

// ------------------------------------------------------------------ rejected values

describe("unsupported values are rejected with their path", () => {
  class Point {
    x = 1;
  }
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = { back: cyclic };
  const cases: Array<[string, unknown, string]> = [
    ["a function", { optimizer: { state: { 0: { fn: () => 1 } } } }, 'unsupported value at "optimizer.state.0.fn": a function'],
    ["a bigint", { n: 5n }, 'unsupported value at "n": a bigint (5n); use a number'],
    ["a symbol", { s: Symbol("x") }, 'unsupported value at "s": a symbol'],
    ["a Map", { m: new Map() }, 'unsupported value at "m": a Map'],
    ["a Set", [new Set()], 'unsupported value at "0": a Set'],
    ["a Date", { d: new Date(0) }, 'unsupported value at "d": a Date'],
    ["a class instance", { p: new Point() }, 'unsupported value at "p": a Point'],
    ["a typed array", { raw: new Float32Array(2) }, 'unsupported value at "raw": a Float32Array; wrap typed arrays in a tensor'],
    ["a boxed number", { n: new Number(1) }, 'unsupported value at "n": a Number'],
    ["a cycle", cyclic, 'unsupported value at "self.back": a cyclic reference (the value contains itself)'],
    ["an array hole", { a: [1, , 3] }, 'unsupported value at "a.1": an empty array slot'],
    ["symbol keys", { o: { [Symbol("k")]: 1 } }, 'unsupported value at "o": an object with symbol keys'],
  ];
  test.each(cases)("%s", (_, value, message) => {
    expect(() => toBytes(value)).toThrow(TypeError);
    expect(() => toBytes(value)).toThrow(`toBytes: ${message}`);
    expect(() => save(value, freshPath())).toThrow(`save: ${message}`);
  });

  test("a plain object used twice (not a cycle) is accepted and written twice", () => {
    const shared = { lr: 0.1 };
    const back = fromBytes(toBytes({ a: shared, b: shared })) as { a: object; b: object };
    expect(back.a).toEqual(shared);
    expect(back.b).toEqual(shared);
    expect(back.a).not.toBe(back.b);
  });

  test("argument types are checked", () => {
    expect(() => fromBytes("abc" as unknown as Uint8Array)).toThrow('fromBytes: bytes must be a Uint8Array, got "abc"');
    expect(() => fromBytes(new ArrayBuffer(8) as unknown as Uint8Array)).toThrow("fromBytes: bytes must be a Uint8Array, got a ArrayBuffer");
    expect(() => save({}, "" as string)).toThrow('save: path must be a non-empty string, got ""');
    expect(() => load(3 as unknown as string)).toThrow("load: path must be a non-empty string, got 3");
  });
});

// ------------------------------------------------------------------ corrupt input

describe("truncated and corrupt files are rejected", () => {
  const bytes = toBytes(sample());
  const headerEnd = 8 + readSafetensors(bytes).headerLength;

  test("every truncation point is reported as truncated", () => {
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(() => fromBytes(bytes.subarray(0, cut)), `cut at ${cut}`).toThrow(/^fromBytes: the data is truncated: /);
    }
  });

  test("truncation messages say what is missing", () => {
    expect(() => fromBytes(bytes.subarray(0, 5))).toThrow("fromBytes: the data is truncated: 5 bytes, fewer than the 8-byte header length");
    expect(() => fromBytes(bytes.subarray(0, 100))).toThrow(`fromBytes: the data is truncated: the header length says ${headerEnd - 8} bytes but only 92 follow it`);
    expect(() => fromBytes(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated: the tensors need \d+ bytes of data but only \d+ follow the header/);
  });

  test("every flipped bit is detected", () => {
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const damaged = bytes.slice();
        damaged[i]! ^= 1 << bit;
        // A damaged length prefix can point past the end of the file, which looks exactly like truncation.
        const expected = i < 8 ? /^fromBytes: the data is (corrupt|truncated): / : i < headerEnd ? /^fromBytes: the data is corrupt: / : /^fromBytes: the data is corrupt: checksum mismatch$/;
        expect(() => fromBytes(damaged), `byte ${i} bit ${bit}`).toThrow(expected);
      }
    }
  });

  test("flips in the data region are reported as a checksum mismatch", () => {
    const damaged = bytes.slice();
    damaged[bytes.length - 10]! ^= 0x10;
    expect(() => fromBytes(damaged)).toThrow("fromBytes: the data is corrupt: checksum mismatch");
  });

  test("a wrong header length", () => {
    const withLength = (n: bigint): Uint8Array => {
      const copy = bytes.slice();
      new DataView(copy.buffer).setBigUint64(0, n, true);
      return copy;
    };
    expect(() => fromBytes(withLength(BigInt(bytes.length)))).toThrow(/^fromBytes: the data is truncated: the header length says \d+ bytes/);
    expect(() => fromBytes(withLength(BigInt(headerEnd - 16)))).toThrow(/^fromBytes: the data is corrupt: the header is not valid JSON/);
    expect(() => fromBytes(withLength(2n ** 40n))).toThrow("fromBytes: the data is corrupt: header length 1099511627776 exceeds the 100000000-byte limit");
    expect(() => fromBytes(withLength(0n))).toThrow("fromBytes: the data is corrupt: the header does not start with a JSON object");
  });

  const f32 = (values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);
  const invalid: Array<[string, () => Uint8Array, string]> = [
    ["overlapping offsets", () => writeSafetensors({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [2], data_offsets: [4, 12] } }, f32([1, 2, 3])), 'tensors "a" and "b" overlap (data offset 4 < 8)'],
    ["identical offsets", () => writeSafetensors({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] }, b: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, f32([1])), 'tensors "a" and "b" overlap (data offset 0 < 4)'],
    ["a gap", () => writeSafetensors({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, f32([1, 2])), 'a gap of 4 bytes precedes tensor "a"'],
    ["trailing bytes", () => writeSafetensors({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, f32([1, 2])), "4 unexpected bytes follow the last tensor"],
    ["offsets that disagree with the shape", () => writeSafetensors({ a: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, f32([1, 2])), 'tensor "a" has data_offsets [0, 8] (8 bytes) but dtype F32 and shape [3] need 12 bytes'],
    ["a fractional shape", () => writeSafetensors({ a: { dtype: "BOOL", shape: [2, 0.5], data_offsets: [0, 1] } }, new Uint8Array(1)), 'tensor "a" has an invalid shape [2,0.5]'],
    ["a shape whose size overflows", () => writeSafetensors({ a: { dtype: "BOOL", shape: [2 ** 30, 2 ** 30, 2 ** 30], data_offsets: [0, 0] } }, new Uint8Array(0)), 'tensor "a" has data_offsets [0, 0] (0 bytes) but dtype BOOL and shape [1073741824,1073741824,1073741824] need 1237940039285380274899124224 bytes'],
    ["reversed offsets", () => writeSafetensors({ a: { dtype: "F32", shape: [0], data_offsets: [4, 0] } }, f32([1])), 'tensor "a" has invalid data_offsets [4,0]'],
    ["an unknown dtype", () => writeSafetensors({ a: { dtype: "F33", shape: [1], data_offsets: [0, 4] } }, f32([1])), 'tensor "a" has unknown dtype "F33"'],
    ["a missing dtype", () => writeSafetensors({ a: { shape: [1], data_offsets: [0, 4] } }, f32([1])), 'tensor "a" has no dtype string'],
    ["a non-string metadata value", () => writeSafetensors({ __metadata__: { n: 1 } }, new Uint8Array(0)), 'metadata "n" is not a string'],
    ["a header that is an array", () => writeSafetensors([], new Uint8Array(0)), "the header does not start with a JSON object"],
    ["a bool byte other than 0 or 1", () => writeSafetensors({ m: { dtype: "BOOL", shape: [2], data_offsets: [0, 2] } }, new Uint8Array([1, 2])), 'bool tensor "m" holds a byte other than 0 or 1'],
    [
      "a header that is not UTF-8",
      () => {
        const out = writeSafetensors({ a: { dtype: "F32", shape: [0], data_offsets: [0, 0] } }, new Uint8Array(0));
        out[10] = 0xff;
        return out;
      },
      "the header is not valid UTF-8",
    ],
  ];
  test.each(invalid)("%s", (_, make, detail) => {
    expect(() => fromBytes(make())).toThrow(`fromBytes: the data is corrupt: ${detail}`);
  });

  // These keep a valid checksum, so only the structure checks can catch them.
  const inconsistent: Array<[string, (h: Record<string, unknown>, m: Record<string, string>) => void, string]> = [
    ["a reference to a missing tensor", (_, m) => void (m["tapegrad.structure"] = m["tapegrad.structure"]!.replace('"$tensor":"weights"', '"$tensor":"nope"')), 'the structure references a missing tensor at "weights"'],
    ["an unreferenced tensor", (h) => void (h.extra = { dtype: "F32", shape: [0], data_offsets: [0, 0] }), 'tensor "extra" is not referenced by the structure'],
    ["an unknown tag", (_, m) => void (m["tapegrad.structure"] = m["tapegrad.structure"]!.replace('"lr"', '"$lr"')), 'unknown tag "$lr" at "nested"'],
    ["a bad special number", (_, m) => void (m["tapegrad.structure"] = m["tapegrad.structure"]!.replace('"lr":0.01', '"lr":{"$number":"Inf"}')), 'invalid $number at "nested.lr"'],
    ["requiresGrad on an int tensor", (_, m) => void (m["tapegrad.structure"] = m["tapegrad.structure"]!.replace('"requiresGrad":[]', '"requiresGrad":["counts"]')), 'requiresGrad lists "counts", which is not a float tensor'],
    ["a structure that is not JSON", (_, m) => void (m["tapegrad.structure"] = "{oops"), "the structure is not valid JSON"],
    ["a structure without root", (_, m) => void (m["tapegrad.structure"] = '{"requiresGrad":[]}'), "the structure is not an object with root and requiresGrad"],
    ["missing format metadata", (_, m) => void delete m["tapegrad.format"], 'the metadata has no "tapegrad.format"'],
    ["an unknown dtype in a tapegrad file", (h) => void ((h.weights as { dtype: string }).dtype = "F16"), 'tensor "weights" has unknown dtype "F16"'],
  ];
  test.each(inconsistent)("%s", (_, edit, detail) => {
    const damaged = editCheckpoint(bytes, edit);
    expect(() => fromBytes(damaged)).toThrow(`fromBytes: the data is corrupt: ${detail}`);
  });

  test("a file from a newer format version says so", () => {
    const future = editCheckpoint(bytes, (_, m) => void (m["tapegrad.format"] = "2"));
    expect(() => fromBytes(future)).toThrow('fromBytes: the data was written by a newer tapegrad (format "2"); this version reads format 1');
  });

  test("a missing checksum field", () => {
    const n = headerEnd - 8;
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, headerEnd))) as { __metadata__: Record<string, string> };
    delete header.__metadata__["tapegrad.crc32"];
    const noChecksum = writeSafetensors(header, bytes.subarray(8 + n));
    expect(() => fromBytes(noChecksum)).toThrow('fromBytes: the data is corrupt: the metadata has no "tapegrad.crc32"');
  });
});

// ------------------------------------------------------------------ files

describe("save and load", () => {
  test("round trip through a file, replacing an existing file and leaving no temporary files", () => {
    const path = freshPath();
    save({ first: true }, path);
    const obj = sample();
    save(obj, path);
    const back = load(path) as ReturnType<typeof sample>;
    expect(back.step).toBe(7);
    expectSameTensor(back.weights, obj.weights);
    expectSameTensor(back.mask, obj.mask);
    expect(new Uint8Array(fs.readFileSync(path))).toEqual(toBytes(obj));
    expect(fs.readdirSync(dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  test("load reports truncated and corrupt files by path", () => {
    const path = freshPath();
    const bytes = toBytes(sample());
    fs.writeFileSync(path, bytes.subarray(0, bytes.length - 3));
    expect(() => load(path)).toThrow(`load: ${JSON.stringify(path)} is truncated: `);
    const damaged = bytes.slice();
    damaged[damaged.length - 1]! ^= 1;
    fs.writeFileSync(path, damaged);
    expect(() => load(path)).toThrow(`load: ${JSON.stringify(path)} is corrupt: checksum mismatch`);
  });

  test("load of a missing file and save into a missing folder fail with the path", () => {
    const missing = nodePath.join(dir, "nope.safetensors");
    expect(() => load(missing)).toThrow(`load: could not read ${JSON.stringify(missing)}: ENOENT`);
    const nowhere = nodePath.join(dir, "no-such-folder", "x.safetensors");
    expect(() => save({ a: 1 }, nowhere)).toThrow(`save: could not write ${JSON.stringify(nowhere)}: ENOENT`);
  });

  describe("a failed save leaves the previous file byte-identical and removes its temporary file", () => {
    const prepare = (): { path: string; before: Buffer } => {
      const path = freshPath();
      save({ version: "old", t: tensor([1, 2, 3]) }, path);
      return { path, before: fs.readFileSync(path) };
    };
    const expectUntouched = (path: string, before: Buffer): void => {
      expect(fs.readFileSync(path).equals(before)).toBe(true);
      expect(fs.readdirSync(dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
      expect((load(path) as { version: string }).version).toBe("old");
    };

    test("an object that fails validation mid-way", () => {
      const { path, before } = prepare();
      expect(() => save({ version: "new", t: tensor([4, 5, 6]), later: { bad: () => 0 } }, path)).toThrow('save: unsupported value at "later.bad": a function');
      expectUntouched(path, before);
    });

    test("a write that fails half-way (disk full)", () => {
      const { path, before } = prepare();
      const realWrite = fs.writeSync;
      let calls = 0;
      vi.spyOn(fs, "writeSync").mockImplementation(((fd: number, buffer: Uint8Array, offset: number, length: number) => {
        if (calls++ > 0) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
        return realWrite(fd, buffer, offset, Math.min(length, 16));
      }) as typeof fs.writeSync);
      expect(() => save({ version: "new", t: randn([100]) }, path)).toThrow(`save: could not write ${JSON.stringify(path)}: ENOSPC`);
      expect(calls).toBe(2);
      expectUntouched(path, before);
    });

    test("a failing fsync", () => {
      const { path, before } = prepare();
      vi.spyOn(fs, "fsyncSync").mockImplementation(() => {
        throw new Error("EIO: i/o error, fsync");
      });
      expect(() => save({ version: "new" }, path)).toThrow(`save: could not write ${JSON.stringify(path)}: EIO`);
      expectUntouched(path, before);
    });

    test("a failing rename", () => {
      const { path, before } = prepare();
      vi.spyOn(fs, "renameSync").mockImplementation(() => {
        throw new Error("EXDEV: cross-device link not permitted, rename");
      });
      expect(() => save({ version: "new" }, path)).toThrow(`save: could not write ${JSON.stringify(path)}: EXDEV`);
      expectUntouched(path, before);
    });

    test("a target that is a folder", () => {
      const folder = nodePath.join(dir, `folder-${counter++}`);
      fs.mkdirSync(folder);
      fs.writeFileSync(nodePath.join(folder, "inside"), "keep");
      expect(() => save({ a: 1 }, folder)).toThrow(`save: could not write ${JSON.stringify(folder)}`);
      expect(fs.readFileSync(nodePath.join(folder, "inside"), "utf8")).toBe("keep");
      expect(fs.readdirSync(dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    });
  });

  test("without process.getBuiltinModule (a browser) save and load point to toBytes/fromBytes", () => {
    const processWithBuiltins = process as { getBuiltinModule?: unknown };
    const original = processWithBuiltins.getBuiltinModule;
    processWithBuiltins.getBuiltinModule = undefined;
    try {
      expect(() => save({ a: 1 }, freshPath())).toThrow("save: needs the Node.js file system (Node >= 20.16); in a browser use toBytes/fromBytes instead");
      expect(() => load(freshPath())).toThrow("load: needs the Node.js file system (Node >= 20.16); in a browser use toBytes/fromBytes instead");
    } finally {
      processWithBuiltins.getBuiltinModule = original;
    }
    expect(fromBytes(toBytes({ a: 1 }))).toEqual({ a: 1 });
  });
});
