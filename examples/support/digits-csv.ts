// Parsing the UCI handwritten-digits CSV text (no Node import: the playground parses it in a browser).
import { UsageError } from "./usage-error.js";

/** An error whose message is meant to be printed as is, without a stack trace. */
export class DataError extends UsageError {}

/** Pixels per digit image (8 x 8). */
export const PIXELS = 64;

/** Parse the CSV text of the digits file, checking every row. */
export function parseDigits(text: string, source: string): { pixels: Float32Array; labels: Int32Array } {
  const rows = text.split(/\r?\n/).filter((line) => line.trim() !== "");
  if (rows.length === 0) throw new DataError(`${source}: the file has no rows`);
  const pixels = new Float32Array(rows.length * PIXELS);
  const labels = new Int32Array(rows.length);
  rows.forEach((row, r) => {
    const cells = row.split(",");
    if (cells.length !== PIXELS + 1) {
      throw new DataError(`${source}: line ${r + 1} has ${cells.length} columns, expected ${PIXELS + 1} (64 pixels and a label)`);
    }
    for (let c = 0; c <= PIXELS; c++) {
      const value = Number(cells[c]);
      const max = c < PIXELS ? 16 : 9;
      if (cells[c]!.trim() === "" || !Number.isInteger(value) || value < 0 || value > max) {
        throw new DataError(`${source}: line ${r + 1}, column ${c + 1} holds ${JSON.stringify(cells[c])}, expected an integer in 0..${max}`);
      }
      if (c < PIXELS) pixels[r * PIXELS + c] = value / 16;
      else labels[r] = value;
    }
  });
  return { pixels, labels };
}

