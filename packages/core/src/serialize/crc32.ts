/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum of zip, gzip and PNG.
 * @module
 */

const TABLE = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/**
 * Feed `bytes[start, end)` into a running CRC-32. Start from {@link CRC32_INIT} and finish with
 * {@link crc32Final}; splitting the input into pieces gives the same result as one call.
 * @returns the updated running value (not yet finalised).
 */
export function crc32Update(state: number, bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = state;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return c;
}

/** Initial running value for {@link crc32Update}. */
export const CRC32_INIT = 0xffffffff;

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
