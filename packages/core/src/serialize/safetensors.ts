/**
 * The safetensors container (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of UTF-8 JSON (padded with spaces so the data starts at a multiple of 8),
 * then the tensors' little-endian bytes back to back. This module writes and validates the container;
 * what tapegrad stores in its metadata is the business of `bytes.ts`.
 * @module
 */
import type { DType, TypedArray } from "../dtype.js";
import { formatShape } from "../shape.js";

/** safetensors' dtype names for the dtypes tapegrad stores. */
export const SAFETENSORS_DTYPE: Readonly<Record<DType, string>> = { float32: "F32", float64: "F64", int32: "I32", bool: "BOOL" };

const FROM_SAFETENSORS: ReadonlyMap<string, DType> = new Map(
  (Object.entries(SAFETENSORS_DTYPE) as Array<[DType, string]>).map(([dtype, name]) => [name, dtype]),
);

/** Dtypes other safetensors writers use that tapegrad cannot hold (reported as unsupported, not corrupt). */
const FOREIGN_DTYPES = new Set(["F16", "BF16", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "I8", "I16", "I64", "U8", "U16", "U32", "U64", "C64"]);

const ITEM_SIZE: Readonly<Record<DType, number>> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/** The largest header safetensors' reference implementation accepts. */
export const MAX_HEADER_BYTES = 100_000_000;

/** Key of the string-to-string metadata map in the header. */
export const METADATA_KEY = "__metadata__";

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** One tensor to write: its name, dtype, shape and row-major values. */
export interface TensorRecord {
  name: string;
  dtype: DType;
  shape: readonly number[];
  values: TypedArray;
}

/** A validated tensor entry of a parsed file: its bytes are a view into the file, not a copy. */
export interface TensorSlice {
  name: string;
  dtype: DType;
  shape: number[];
  bytes: Uint8Array;
}

/** A parsed and validated safetensors file. */
export interface ParsedSafetensors {
  /** The `__metadata__` map, empty when the file has none. */
  metadata: Record<string, string>;
  /** Tensors in data order. */
  tensors: TensorSlice[];
  /** Byte range of the JSON header (after the 8-byte length, padding included). */
  headerStart: number;
  headerEnd: number;
}

/**
 * Serialise tensors and a metadata map as a safetensors file. Tensors are laid out in the order given.
 * @throws RangeError when the header exceeds safetensors' 100 MB limit.
 */
export function encodeSafetensors(tensors: readonly TensorRecord[], metadata: Readonly<Record<string, string>>, where: string): Uint8Array {
  const header: Record<string, unknown> = { [METADATA_KEY]: metadata };
  let dataLength = 0;
  for (const t of tensors) {
    const byteLength = t.values.length * ITEM_SIZE[t.dtype];
    // defineProperty: a tensor may be named "__proto__", which plain assignment would swallow.
    const entry = { dtype: SAFETENSORS_DTYPE[t.dtype], shape: t.shape, data_offsets: [dataLength, dataLength + byteLength] };
    Object.defineProperty(header, t.name, { value: entry, enumerable: true, writable: true, configurable: true });
    dataLength += byteLength;
  }
  const json = utf8Encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  if (headerLength > MAX_HEADER_BYTES) {
    throw new RangeError(`${where}: the safetensors header would take ${headerLength} bytes, more than the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const out = new Uint8Array(8 + headerLength + dataLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const t of tensors) {
    const bytes = new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength);
    out.set(bytes, at);
    if (!LITTLE_ENDIAN) swapBytes(out.subarray(at, at + bytes.length), ITEM_SIZE[t.dtype]);
    at += bytes.length;
  }
  return out;
}

/**
 * Parse and validate a safetensors file without copying tensor data: header length within the file,
 * UTF-8 JSON object, string-to-string metadata, known dtypes, shapes and offsets that agree, tensors
 * contiguous from offset 0 without overlap or gap, and data ending exactly at the end of the file.
 * @param subject how errors name the input, e.g. `load: "ckpt.safetensors"`.
 * @param strict whether an unknown dtype means corruption (tapegrad files) rather than a foreign format.
 * @throws Error `<subject> is truncated: ...` or `<subject> is corrupt: ...`.
 */
export function decodeSafetensors(bytes: Uint8Array, subject: string, strict: (metadata: Record<string, string>) => boolean): ParsedSafetensors {
  const truncated = (detail: string): never => {
    throw new Error(`${subject} is truncated: ${detail}`);
  };
  const corrupt = (detail: string): never => {
    throw new Error(`${subject} is corrupt: ${detail}`);
  };
  if (bytes.length < 8) truncated(`${bytes.length} bytes, fewer than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) corrupt(`header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const headerEnd = 8 + Number(headerLength);
  if (headerEnd > bytes.length) truncated(`the header length says ${headerLength} bytes but only ${bytes.length - 8} follow it`);
  if (headerLength < 2n || bytes[8] !== 0x7b) corrupt("the header does not start with a JSON object");

  let text = "";
  try {
    text = utf8Decode(bytes.subarray(8, headerEnd));
  } catch {
    corrupt("the header is not valid UTF-8");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    corrupt(`the header is not valid JSON (${(error as Error).message})`);
  }
  if (!isRecord(header)) corrupt("the header is not a JSON object");
  const entries = header as Record<string, unknown>;

  const metadata: Record<string, string> = {};
  if (Object.hasOwn(entries, METADATA_KEY)) {
    const raw = entries[METADATA_KEY];
    if (!isRecord(raw)) corrupt(`"${METADATA_KEY}" is not an object`);
    for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
      if (typeof value !== "string") corrupt(`metadata ${JSON.stringify(key)} is not a string`);
      Object.defineProperty(metadata, key, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  const strictDtypes = strict(metadata);

  const tensors: Array<{ name: string; dtype: DType; shape: number[]; begin: number; end: number }> = [];
  for (const [name, entry] of Object.entries(entries)) {
    if (name === METADATA_KEY) continue;
    const label = `tensor ${JSON.stringify(name)}`;
    if (!isRecord(entry)) corrupt(`${label} is not an object`);
    const { dtype: rawDtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (typeof rawDtype !== "string") corrupt(`${label} has no dtype string`);
    const dtype = FROM_SAFETENSORS.get(rawDtype as string);
    if (dtype === undefined) {
      if (strictDtypes || !FOREIGN_DTYPES.has(rawDtype as string)) corrupt(`${label} has unknown dtype ${JSON.stringify(rawDtype)}`);
      throw new Error(`${subject} is not supported: ${label} has dtype ${rawDtype}; tapegrad reads F32, F64, I32 and BOOL`);
    }
    if (!Array.isArray(shape) || !shape.every(isIndex)) corrupt(`${label} has an invalid shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex) || offsets[0] > offsets[1]) {
      corrupt(`${label} has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const dims = shape as number[];
    // Multiply in BigInt: a corrupt shape can overflow 2^53 and must not compare equal by accident.
    const needed = dims.reduce((n, d) => n * BigInt(d), BigInt(ITEM_SIZE[dtype!]));
    if (needed !== BigInt(end - begin)) {
      corrupt(`${label} has data_offsets [${begin}, ${end}] (${end - begin} bytes) but dtype ${rawDtype} and shape ${formatShape(dims)} need ${needed} bytes`);
    }
    tensors.push({ name, dtype: dtype!, shape: dims, begin, end });
  }

  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  let previous = "";
  for (const t of tensors) {
    if (t.begin < expected) corrupt(`tensors ${JSON.stringify(previous)} and ${JSON.stringify(t.name)} overlap (data offset ${t.begin} < ${expected})`);
    if (t.begin > expected) corrupt(`a gap of ${t.begin - expected} bytes precedes tensor ${JSON.stringify(t.name)}`);
    expected = t.end;
    previous = t.name;
  }
  const dataLength = bytes.length - headerEnd;
  if (expected > dataLength) truncated(`the tensors need ${expected} bytes of data but only ${dataLength} follow the header`);
  if (expected < dataLength) corrupt(`${dataLength - expected} unexpected bytes follow the last tensor`);

  return {
    metadata,
    tensors: tensors.map(({ name, dtype, shape, begin, end }) => ({ name, dtype, shape, bytes: bytes.subarray(headerEnd + begin, headerEnd + end) })),
    headerStart: 8,
    headerEnd,
  };
}

/** Copy little-endian file bytes into a new typed array of `dtype` (native byte order). */
export function fromLittleEndian(bytes: Uint8Array, dtype: DType): TypedArray {
  const copy = bytes.slice();
  if (!LITTLE_ENDIAN) swapBytes(copy, ITEM_SIZE[dtype]);
  switch (dtype) {
    case "float32":
      return new Float32Array(copy.buffer);
    case "float64":
      return new Float64Array(copy.buffer);
    case "int32":
      return new Int32Array(copy.buffer);
    case "bool":
      return copy;
  }
}

/** Bytes per element of `dtype` in the file. */
export function itemBytes(dtype: DType): number {
  return ITEM_SIZE[dtype];
}

function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}

function isIndex(x: unknown): x is number {
  return typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
}

function isRecord(x: unknown): boolean {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

interface TextCodecs {
  TextEncoder: new () => { encode(text: string): Uint8Array };
  TextDecoder: new (label: string, options: { fatal: boolean }) => { decode(bytes: Uint8Array): string };
}

// Both exist in every browser and in Node; core's lib setting (ES2022, no DOM) just does not declare them.
const codecs = globalThis as unknown as TextCodecs;
const encoder = new codecs.TextEncoder();
const decoder = new codecs.TextDecoder("utf-8", { fatal: true });

/** UTF-8 bytes of a string. */
export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Strict UTF-8 decoding. @throws TypeError on malformed input. */
export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
