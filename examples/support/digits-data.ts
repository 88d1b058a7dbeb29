// Loading the UCI handwritten-digits data (examples/data/digits.csv.gz, see examples/data/README.md):
// 1797 rows of 64 pixel counts (0..16) and a label (0..9). Errors are one clear line each.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { Generator, type Tensor, randperm, tensor } from "@tapegrad/core";
import { DataError, PIXELS, parseDigits } from "./digits-csv.js";

export { DataError, parseDigits };

/** The digits as tensors: pixels scaled to [0, 1] (float32 [N, 64]) and labels (int32 [N]). */
export interface DigitsSplit {
  x: Tensor;
  y: Tensor;
}

/** Read and parse a gzipped digits CSV file. */
export function readDigits(path: string): { pixels: Float32Array; labels: Int32Array } {
  let compressed: Buffer;
  try {
    compressed = readFileSync(path);
  } catch (error) {
    throw new DataError(`cannot read the digits data at ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let text: string;
  try {
    text = gunzipSync(compressed).toString("utf8");
  } catch {
    throw new DataError(`${path} is not a valid gzip file (expected the digits CSV, gzipped)`);
  }
  return parseDigits(text, path);
}

/** A seeded shuffle into train and test parts (`testFraction` of the rows go to test). */
export function splitDigits(data: { pixels: Float32Array; labels: Int32Array }, testFraction: number, seed: number): { train: DigitsSplit; test: DigitsSplit } {
  const n = data.labels.length;
  const order = Array.from(randperm(n, { generator: new Generator(seed) }).dataSync());
  const nTest = Math.round(n * testFraction);
  const take = (indices: number[]): DigitsSplit => {
    const x = new Float32Array(indices.length * PIXELS);
    const y = new Int32Array(indices.length);
    indices.forEach((src, dst) => {
      x.set(data.pixels.subarray(src * PIXELS, (src + 1) * PIXELS), dst * PIXELS);
      y[dst] = data.labels[src]!;
    });
    return { x: tensor(x).reshape(indices.length, PIXELS), y: tensor(y) };
  };
  return { train: take(order.slice(nTest)), test: take(order.slice(0, nTest)) };
}
