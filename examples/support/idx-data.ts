// A reader for the IDX files of MNIST and Fashion-MNIST (`*-idx3-ubyte.gz` images,
// `*-idx1-ubyte.gz` labels): gunzip with node:zlib, check the header, return typed arrays.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

/** The contents of one IDX file of unsigned bytes: its dims and values. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/**
 * Read an IDX file (gzipped when its name ends in `.gz`). The header is a 4-byte magic number
 * (0x00 0x00, the type 0x08 = unsigned byte, the number of dims), then each dim as a big-endian
 * 32-bit integer, then the values in row-major order.
 */
export function readIdx(path: string): IdxArray {
  const raw = readFileSync(path);
  const bytes = path.endsWith(".gz") ? gunzipSync(raw) : raw;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 || view.getUint16(0) !== 0 || view.getUint8(2) !== 0x08) {
    throw new Error(`${path}: not an IDX file of unsigned bytes (magic ${bytes.subarray(0, 4).toString("hex")})`);
  }
  const ndim = view.getUint8(3);
  const header = 4 + 4 * ndim;
  if (bytes.length < header) throw new Error(`${path}: truncated IDX header`);
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i));
  const count = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + count) {
    throw new Error(`${path}: expected ${count} values for dims [${dims.join(", ")}], found ${bytes.length - header}`);
  }
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + header, count) };
}

/** One split of an image data set: `count` images of `rows x cols` grey levels and their labels. */
export interface ImageSet {
  count: number;
  rows: number;
  cols: number;
  images: Uint8Array;
  labels: Uint8Array;
}

/** Read `<prefix>-images-idx3-ubyte.gz` and `<prefix>-labels-idx1-ubyte.gz` from `dir` (prefix `train` or `t10k`). */
export function readImageSet(dir: string, prefix: "train" | "t10k"): ImageSet {
  const images = readIdx(join(dir, `${prefix}-images-idx3-ubyte.gz`));
  const labels = readIdx(join(dir, `${prefix}-labels-idx1-ubyte.gz`));
  if (images.dims.length !== 3 || labels.dims.length !== 1 || images.dims[0] !== labels.dims[0]) {
    throw new Error(`${dir}: ${prefix} images [${images.dims.join(", ")}] and labels [${labels.dims.join(", ")}] do not match`);
  }
  return { count: images.dims[0]!, rows: images.dims[1]!, cols: images.dims[2]!, images: images.data, labels: labels.data };
}
