/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum of zip, gzip and PNG.
 * @module
 */

/**
 * Four 256-entry tables for the "slice-by-4" method: table k gives the CRC contribution of a byte
 * followed by k zero bytes, so four input bytes are folded in with four lookups instead of a
 * four-step loop (about three times faster than the one-table method on large checkpoints).
 */
const TABLES = buildTables();

function buildTables(): Uint32Array {
  const tables = new Uint32Array(4 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    tables[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 4; k++) {
      const previous = tables[(k - 1) * 256 + n]!;
      tables[k * 256 + n] = (previous >>> 8) ^ tables[previous & 0xff]!;
    }
  }
  return tables;
}

/** Initial running value for {@link crc32Update}. */
export const CRC32_INIT = 0xffffffff;

/**
 * Feed `bytes[start, end)` into a running CRC-32. Start from {@link CRC32_INIT} and finish with
 * {@link crc32Final}; splitting the input into pieces gives the same result as one call.
 * @returns the updated running value (not yet finalised).
 */
export function crc32Update(state: number, bytes: Uint8Array, start = 0, end = bytes.length): number {
  const t = TABLES;
  let c = state;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    c ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    c = t[768 + (c & 0xff)]! ^ t[512 + ((c >>> 8) & 0xff)]! ^ t[256 + ((c >>> 16) & 0xff)]! ^ t[c >>> 24]!;
  }
  for (; i < end; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return c;
}

/** Turn a running value from {@link crc32Update} into the checksum (an unsigned 32-bit integer). */
export function crc32Final(state: number): number {
  return (state ^ 0xffffffff) >>> 0;
}

/**
 * CRC-32 of a whole byte array.
 * @example
 * crc32(new TextEncoder().encode("123456789")); // 0xcbf43926
 */
export function crc32(bytes: Uint8Array): number {
  return crc32Final(crc32Update(CRC32_INIT, bytes));
}
