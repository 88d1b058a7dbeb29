/**
 * Checkpoints as bytes: `toBytes` and `fromBytes`, browser-safe (no Node import).
 *
 * A checkpoint is a standard safetensors file. Its `__metadata__` holds `tapegrad.format` ("1"),
 * `tapegrad.structure` (the object tree as JSON with tensors replaced by references, see
 * `structure.ts`) and `tapegrad.crc32`: the CRC-32 of the whole file computed with the checksum's own
 * eight hex digits set to "0", so any flipped bit in the length, header, padding or data is caught.
 * @module
 */
import { describe } from "../describe.js";
import { Tensor } from "../tensor.js";
import { CRC32_INIT, crc32Final, crc32Update } from "./crc32.js";
import { decodeSafetensors, encodeSafetensors, fromLittleEndian, itemBytes, utf8Decode, utf8Encode, type TensorRecord } from "./safetensors.js";
import { decodeStructure, encodeStructure } from "./structure.js";

/** The format version this build writes and reads. */
const FORMAT_VERSION = "1";
const FORMAT_KEY = "tapegrad.format";
const STRUCTURE_KEY = "tapegrad.structure";
const CHECKSUM_KEY = "tapegrad.crc32";
const CHECKSUM_FIELD = utf8Encode(`${JSON.stringify(CHECKSUM_KEY)}:"`);
const PLACEHOLDER = "00000000";

/**
 * Serialise a tree of plain objects, arrays, numbers (NaN, ±Infinity and -0 included), strings,
 * booleans, null and tensors as a safetensors checkpoint.
 *
 * Tensors of every dtype are written in row-major order (views and non-contiguous tensors
 * included); a tensor object met twice is stored once and comes back as one object; a tensor that
 * requires grad comes back as a leaf that requires grad (gradients and graph history are not saved).
 * Views come back as independent tensors, and tensor subclasses (such as `Parameter`) as plain
 * tensors. Plain objects met twice are written twice; null-prototype objects come back as plain ones.
 * @param obj the value to store.
 * @returns the file's bytes.
 * @throws TypeError naming the path of a value that cannot be stored: undefined, a function, a
 *   bigint, a symbol, a Map, a typed array, a class instance other than Tensor, a cyclic reference
 *   or an array with holes.
 * @example
 * const bytes = toBytes({ step: 3, weight: randn([2, 2]) });
 * const back = fromBytes(bytes) as { step: number; weight: Tensor };
 */
export function toBytes(obj: unknown): Uint8Array {
  return encodeCheckpoint(obj, "toBytes");
}

/**
 * Read a checkpoint written by {@link toBytes} or `save`. Everything is verified before anything is
 * returned: header length, JSON, offsets against dtypes and shapes, the checksum and the structure.
 *
 * A safetensors file written by another library (no tapegrad metadata) is read as an object mapping
 * tensor names to tensors, provided its dtypes are F32, F64, I32 or BOOL.
 * @param bytes the file's bytes.
 * @returns a fresh object tree; tensors own copies of their data.
 * @throws TypeError when `bytes` is not a Uint8Array.
 * @throws Error `fromBytes: the data is truncated: ...` or `... is corrupt: ...` (for example
 *   `checksum mismatch`).
 * @example
 * const state = fromBytes(toBytes({ lr: 0.01, buf: zeros([3]) }));
 */
export function fromBytes(bytes: Uint8Array): unknown {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`fromBytes: bytes must be a Uint8Array, got ${describe(bytes)}`);
  return decodeCheckpoint(bytes, "fromBytes: the data");
}

/** @internal {@link toBytes} with the caller's name in error messages. */
export function encodeCheckpoint(obj: unknown, where: string): Uint8Array {
  const { structure, tensors } = encodeStructure(obj, where);
  // Widest items first: the data starts at a multiple of 8, so every tensor stays naturally aligned
  // for readers that map the file without copying.
  const ordered = tensors
    .map(({ name, tensor }): TensorRecord => ({ name, dtype: tensor.dtype, shape: tensor.shape, values: tensor.values() }))
    .sort((a, b) => itemBytes(b.dtype) - itemBytes(a.dtype));
  const metadata = { [FORMAT_KEY]: FORMAT_VERSION, [STRUCTURE_KEY]: JSON.stringify(structure), [CHECKSUM_KEY]: PLACEHOLDER };
  const bytes = encodeSafetensors(ordered, metadata, where);
  const at = checksumPosition(bytes, 8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true)));
  bytes.set(utf8Encode(checksumOf(bytes, at).toString(16).padStart(8, "0")), at);
  return bytes;
}

/** @internal {@link fromBytes} with `subject` (e.g. `load: "ckpt.safetensors"`) naming the input in errors. */
export function decodeCheckpoint(input: Uint8Array, subject: string): unknown {
  // A Node Buffer's slice() is a view, not a copy; work on a plain Uint8Array over the same memory.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const corrupt = (detail: string): never => {
    throw new Error(`${subject} is corrupt: ${detail}`);
  };
  const isCheckpoint = (metadata: Record<string, string>): boolean => Object.keys(metadata).some((key) => key.startsWith("tapegrad."));
  const file = decodeSafetensors(bytes, subject, isCheckpoint);

  if (isCheckpoint(file.metadata)) {
    for (const key of [FORMAT_KEY, STRUCTURE_KEY, CHECKSUM_KEY]) {
      if (!Object.hasOwn(file.metadata, key)) corrupt(`the metadata has no ${JSON.stringify(key)}`);
    }
    const at = checksumPosition(bytes, file.headerStart, file.headerEnd);
    if (at < 0) corrupt(`the checksum field is missing or repeated in the header`);
    const stored = utf8Decode(bytes.subarray(at, at + 8));
    if (!/^[0-9a-f]{8}$/.test(stored) || stored !== file.metadata[CHECKSUM_KEY]) corrupt(`malformed checksum ${JSON.stringify(file.metadata[CHECKSUM_KEY])}`);
    if (Number.parseInt(stored, 16) !== checksumOf(bytes, at)) corrupt("checksum mismatch");
    const version = file.metadata[FORMAT_KEY];
    if (version !== FORMAT_VERSION) {
      throw new Error(`${subject} was written by a newer tapegrad (format ${JSON.stringify(version)}); this version reads format ${FORMAT_VERSION}`);
    }
  }

  const tensors = new Map<string, Tensor>();
  for (const slice of file.tensors) {
    const values = fromLittleEndian(slice.bytes, slice.dtype);
    if (slice.dtype === "bool" && values.some((v) => v > 1)) corrupt(`bool tensor ${JSON.stringify(slice.name)} holds a byte other than 0 or 1`);
    tensors.set(slice.name, Tensor.fromData(values, slice.shape, slice.dtype));
  }

  if (!isCheckpoint(file.metadata)) {
    const out: Record<string, Tensor> = {};
    for (const [name, tensor] of tensors) Object.defineProperty(out, name, { value: tensor, enumerable: true, writable: true, configurable: true });
    return out;
  }
  let structure: unknown;
  try {
    structure = JSON.parse(file.metadata[STRUCTURE_KEY]!);
  } catch (error) {
    corrupt(`the structure is not valid JSON (${(error as Error).message})`);
  }
  return decodeStructure(structure, tensors, corrupt);
}

/** Where the checksum's eight hex digits start, or -1 unless the field occurs exactly once in the header. */
function checksumPosition(bytes: Uint8Array, start: number, end: number): number {
  let found = -1;
  for (let i = start; i + CHECKSUM_FIELD.length + 8 <= end; i++) {
    let j = 0;
    while (j < CHECKSUM_FIELD.length && bytes[i + j] === CHECKSUM_FIELD[j]) j++;
    if (j < CHECKSUM_FIELD.length) continue;
    if (found >= 0) return -1;
    found = i + CHECKSUM_FIELD.length;
  }
  return found;
}

/** CRC-32 of the file with the eight checksum digits at `at` read as "0". */
function checksumOf(bytes: Uint8Array, at: number): number {
  let state = crc32Update(CRC32_INIT, bytes, 0, at);
  state = crc32Update(state, utf8Encode(PLACEHOLDER));
  return crc32Final(crc32Update(state, bytes, at + 8));
}
