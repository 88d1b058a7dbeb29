// The playground's data sets as plain arrays (so they cross a Worker boundary): two 2-D toy sets drawn
// from a seeded generator, iris and the handwritten digits parsed from the files in examples/data.
import { Generator, randperm } from "@tapegrad/core";
import { parseDigits } from "../../../support/digits-csv.js";

/** A classification data set: `n` rows of `features` numbers, and a class per row. */
export interface Dataset {
  name: DatasetName;
  features: number;
  classes: number;
  x: Float32Array;
  y: Int32Array;
}

/** The data sets the playground offers. */
export type DatasetName = "moons" | "spirals" | "iris" | "digits";

/** The names, in menu order, with what each is. */
export const DATASETS: ReadonlyArray<{ name: DatasetName; label: string }> = [
  { name: "moons", label: "two moons (2-D, 2 classes)" },
  { name: "spirals", label: "three spirals (2-D, 3 classes)" },
  { name: "iris", label: "iris (4 features, 3 classes)" },
  { name: "digits", label: "handwritten digits (8x8 pixels, 10 classes)" },
];

/** Two interleaved half circles with Gaussian noise (scikit-learn's make_moons), `n` points. */
export function moons(n: number, seed: number, noise = 0.15): Dataset {
  const g = new Generator(seed);
  const x = new Float32Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const t = Math.PI * g.nextFloat64();
    const [cx, cy] = label === 0 ? [Math.cos(t), Math.sin(t)] : [1 - Math.cos(t), 0.5 - Math.sin(t)];
    x[2 * i] = cx + noise * g.nextNormal();
    x[2 * i + 1] = cy + noise * g.nextNormal();
    y[i] = label;
  }
  return { name: "moons", features: 2, classes: 2, x, y };
}

/** Three arms of a spiral (CS231n's toy set), `n` points in all. */
export function spirals(n: number, seed: number, noise = 0.2): Dataset {
  const g = new Generator(seed);
  const x = new Float32Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % 3;
    const r = g.nextFloat64();
    const angle = label * ((2 * Math.PI) / 3) + r * 4 + noise * g.nextNormal();
    x[2 * i] = r * Math.sin(angle);
    x[2 * i + 1] = r * Math.cos(angle);
    y[i] = label;
  }
  return { name: "spirals", features: 2, classes: 3, x, y };
}

/** Iris from examples/data/iris.csv (a header line, then 4 measurements and a class 0..2 per row), standardised. */
export function parseIris(text: string): Dataset {
  const rows = text.trim().split(/\r?\n/).slice(1);
  const x = new Float32Array(rows.length * 4);
  const y = new Int32Array(rows.length);
  rows.forEach((row, r) => {
    const cells = row.split(",").map(Number);
    if (cells.length !== 5 || cells.some((v) => !Number.isFinite(v))) throw new Error(`iris.csv: line ${r + 2} is not 4 numbers and a class`);
    x.set(cells.slice(0, 4), r * 4);
    y[r] = cells[4]!;
  });
  standardise(x, 4);
  return { name: "iris", features: 4, classes: 3, x, y };
}

/** The digits from the CSV text of examples/data/digits.csv.gz (already decompressed). */
export function digitsFromCsv(text: string): Dataset {
  const { pixels, labels } = parseDigits(text, "digits.csv");
  return { name: "digits", features: 64, classes: 10, x: pixels, y: labels };
}

/** Each column to mean 0, standard deviation 1 (in place). */
function standardise(x: Float32Array, columns: number): void {
  const rows = x.length / columns;
  for (let c = 0; c < columns; c++) {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += x[r * columns + c]!;
    mean /= rows;
    let variance = 0;
    for (let r = 0; r < rows; r++) variance += (x[r * columns + c]! - mean) ** 2;
    const std = Math.sqrt(variance / rows) || 1;
    for (let r = 0; r < rows; r++) x[r * columns + c] = (x[r * columns + c]! - mean) / std;
  }
}

/** A seeded split into train and validation rows (`valFraction` of them to validation). */
export function splitDataset(data: Dataset, valFraction: number, seed: number): { train: Dataset; val: Dataset } {
  const n = data.y.length;
  const order = Array.from(randperm(n, { generator: new Generator(seed) }).dataSync());
  const nVal = Math.round(n * valFraction);
  const take = (rows: number[]): Dataset => {
    const x = new Float32Array(rows.length * data.features);
    const y = new Int32Array(rows.length);
    rows.forEach((src, dst) => {
      x.set(data.x.subarray(src * data.features, (src + 1) * data.features), dst * data.features);
      y[dst] = data.y[src]!;
    });
    return { ...data, x, y };
  };
  return { train: take(order.slice(nVal)), val: take(order.slice(0, nVal)) };
}
