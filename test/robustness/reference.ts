// An independent float64 reference for the differential fuzzers: every op written as naive loops
// over explicit multi-indices of row-major arrays, sharing no code with @tapegrad/core. Semantics
// follow PyTorch 2.8 (NaN propagation in max/min, first index on ties, empty sums are 0, ...).

/** A dense row-major float64 array. */
export interface Arr {
  shape: number[];
  data: Float64Array;
}

export const numel = (shape: readonly number[]): number => shape.reduce((n, d) => n * d, 1);

export function rowMajorStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function make(shape: readonly number[], fill: (i: number) => number = () => 0): Arr {
  const data = new Float64Array(numel(shape));
  for (let i = 0; i < data.length; i++) data[i] = fill(i);
  return { shape: shape.slice(), data };
}

/** The multi-index of flat position `i` in `shape`. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    idx[d] = i % n;
    i = Math.floor(i / n);
  }
  return idx;
}

/** Flat position of a multi-index in `shape`. */
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let p = 0;
  for (let d = 0; d < shape.length; d++) p = p * shape[d]! + idx[d]!;
  return p;
}

export function at(a: Arr, idx: readonly number[]): number {
  return a.data[ravel(idx, a.shape)]!;
}

/** Flatten nested JS arrays (the output of `tolist()`) into an Arr. */
export function fromNested(x: unknown): Arr {
  const shape: number[] = [];
  let level = x;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  const out: number[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const e of v) walk(e);
    else out.push(typeof v === "boolean" ? (v ? 1 : 0) : (v as number));
  };
  walk(x);
  return { shape, data: Float64Array.from(out) };
}

/** The elements a strided view reads from a flat buffer, as a dense array (stride 0 repeats). */
export function asStrided(buffer: ArrayLike<number>, shape: readonly number[], strides: readonly number[], offset: number): Arr {
  return make(shape, (i) => {
    const idx = unravel(i, shape);
    let p = offset;
    for (let d = 0; d < idx.length; d++) p += idx[d]! * strides[d]!;
    return buffer[p]!;
  });
}

// ------------------------------------------------------------------ broadcasting and elementwise

export function broadcastShape(...shapes: ReadonlyArray<readonly number[]>): number[] {
  const n = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let size = 1;
    for (const s of shapes) {
      const d = s[s.length - n + i] ?? 1;
      if (d !== 1) {
        if (size !== 1 && size !== d) throw new Error(`reference: shapes ${JSON.stringify(shapes)} do not broadcast`);
        size = d;
      }
    }
    out.push(size);
  }
  return out;
}

/** The element of `a` that a broadcast result reads at `outIdx`. */
function broadcastRead(a: Arr, outIdx: readonly number[]): number {
  const lead = outIdx.length - a.shape.length;
  const idx = a.shape.map((d, k) => (d === 1 ? 0 : outIdx[k + lead]!));
  return at(a, idx);
}

export function mapN(inputs: readonly Arr[], f: (...v: number[]) => number): Arr {
  const shape = broadcastShape(...inputs.map((a) => a.shape));
  return make(shape, (i) => {
    const idx = unravel(i, shape);
    return f(...inputs.map((a) => broadcastRead(a, idx)));
  });
}

export const map1 = (a: Arr, f: (v: number) => number): Arr => make(a.shape, (i) => f(a.data[i]!));

/** Sum of `g` (shaped like a broadcast result) down to `shape` (undoing broadcasting). */
export function unbroadcast(g: Arr, shape: readonly number[]): Arr {
  const out = make(shape);
  const lead = g.shape.length - shape.length;
  for (let i = 0; i < g.data.length; i++) {
    const idx = unravel(i, g.shape);
    const own = shape.map((d, k) => (d === 1 ? 0 : idx[k + lead]!));
    out.data[ravel(own, shape)] += g.data[i]!;
  }
  return out;
}

// ------------------------------------------------------------------ scalar functions

/** erf by composite 8-point Gauss-Legendre quadrature of 2/sqrt(pi) exp(-t^2) (not a series). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === 0) return x;
  const a = Math.min(Math.abs(x), 7);
  const nodes = [0.1834346424956498, 0.525532409916329, 0.7966664774136267, 0.9602898564975363];
  const weights = [0.362683783378362, 0.3137066458778873, 0.2223810344533745, 0.1012285362903763];
  const panels = 64;
  const h = a / panels;
  let s = 0;
  for (let p = 0; p < panels; p++) {
    const mid = (p + 0.5) * h;
    for (let k = 0; k < 4; k++) {
      const dt = (nodes[k]! * h) / 2;
      s += weights[k]! * (Math.exp(-(mid - dt) * (mid - dt)) + Math.exp(-(mid + dt) * (mid + dt)));
    }
  }
  const r = Math.min(1, ((s * h) / 2) * (2 / Math.sqrt(Math.PI)));
  return x < 0 ? -r : r;
}

export const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** PyTorch's maximum/minimum: NaN if either is NaN. */
export const maxNaN = (p: number, q: number): number => (Number.isNaN(p) || Number.isNaN(q) ? NaN : Math.max(p, q));
export const minNaN = (p: number, q: number): number => (Number.isNaN(p) || Number.isNaN(q) ? NaN : Math.min(p, q));

/** PyTorch's clamp: min(max(x, lo), hi), NaN stays NaN. */
export function clampScalar(v: number, lo: number | null, hi: number | null): number {
  if (Number.isNaN(v)) return v;
  let r = v;
  if (lo !== null) r = r < lo ? lo : r;
  if (hi !== null) r = r > hi ? hi : r;
  return r;
}

// ------------------------------------------------------------------ reductions

/** The dims to reduce: all for undefined or [], else normalised, sorted. */
export function reduceDims(dim: number | readonly number[] | undefined, ndim: number): number[] {
  const list = dim === undefined ? [] : typeof dim === "number" ? [dim] : [...dim];
  if (list.length === 0) return Array.from({ length: ndim }, (_, i) => i);
  return list.map((d) => (d < 0 ? d + Math.max(ndim, 1) : d)).filter((d) => d < ndim).sort((a, b) => a - b);
}

/** Apply `f` to the list of elements of each reduced group, in row-major order within the group. */
export function reduceGroups(a: Arr, dims: readonly number[], keepdim: boolean, f: (values: number[]) => number): Arr {
  const keptShape = a.shape.map((d, i) => (dims.includes(i) ? 1 : d));
  const outShape = keepdim ? keptShape : a.shape.filter((_, i) => !dims.includes(i));
  const groups: number[][] = Array.from({ length: numel(keptShape) }, () => []);
  for (let i = 0; i < a.data.length; i++) {
    const idx = unravel(i, a.shape);
    const key = idx.map((v, k) => (dims.includes(k) ? 0 : v));
    groups[ravel(key, keptShape)]!.push(a.data[i]!);
  }
  return { shape: outShape, data: Float64Array.from(groups.map(f)) };
}

export const sumOf = (v: number[]): number => v.reduce((s, x) => s + x, 0);

export function varianceOf(v: number[], correction: number): number {
  const mean = sumOf(v) / v.length;
  const ss = sumOf(v.map((x) => (x - mean) * (x - mean)));
  return ss / Math.max(0, v.length - correction);
}

/** Max with NaN propagation (first NaN wins). */
export function maxOf(v: number[]): number {
  let m = -Infinity;
  for (const x of v) {
    if (Number.isNaN(x)) return NaN;
    if (x > m) m = x;
  }
  return m;
}
export function minOf(v: number[]): number {
  let m = Infinity;
  for (const x of v) {
    if (Number.isNaN(x)) return NaN;
    if (x < m) m = x;
  }
  return m;
}

/** Position of the max (greater) or min: first occurrence on ties, first NaN if any. */
export function argOf(v: number[], greater: boolean): number {
  let best = 0;
  for (let i = 0; i < v.length; i++) {
    if (Number.isNaN(v[i]!)) return i;
    if (greater ? v[i]! > v[best]! : v[i]! < v[best]!) best = i;
  }
  return best;
}

export function logsumexpOf(v: number[]): number {
  if (v.length === 0) return -Infinity;
  if (v.some(Number.isNaN)) return NaN;
  const m = Math.max(...v);
  if (!Number.isFinite(m)) return m === Infinity ? Infinity : -Infinity;
  return m + Math.log(sumOf(v.map((x) => Math.exp(x - m))));
}

export function normOf(v: number[], p: number): number {
  if (p === Infinity) return v.length === 0 ? 0 : maxOf(v.map(Math.abs));
  if (p === 0) return v.filter((x) => x !== 0).length;
  return Math.pow(sumOf(v.map((x) => Math.pow(Math.abs(x), p))), 1 / p);
}

/** max/min along one dim with indices (PyTorch's `max(dim)`). */
export function extremumAlong(a: Arr, dim: number, keepdim: boolean, greater: boolean): { values: Arr; indices: Arr } {
  if (a.shape.length === 0) return { values: { shape: [], data: a.data.slice() }, indices: make([], () => 0) };
  return {
    values: reduceGroups(a, [dim], keepdim, greater ? maxOf : minOf),
    indices: reduceGroups(a, [dim], keepdim, (v) => argOf(v, greater)),
  };
}

// ------------------------------------------------------------------ softmax

/**
 * Softmax along `dim` as `exp(x - logsumexp(row))`. As in PyTorch's kernels (which subtract the row
 * maximum first), a row holding NaN or +inf, or made only of -inf, is NaN throughout.
 */
export function softmaxAlong(a: Arr, dim: number, log: boolean): Arr {
  if (a.shape.length === 0) return { shape: [], data: softmaxAlong({ shape: [1], data: a.data }, 0, log).data };
  const out = make(a.shape);
  for (let i = 0; i < a.data.length; i++) {
    const idx = unravel(i, a.shape);
    const row: number[] = [];
    for (let k = 0; k < a.shape[dim]!; k++) row.push(at(a, idx.map((v, d) => (d === dim ? k : v))));
    const poisoned = row.some((x) => Number.isNaN(x) || x === Infinity) || row.every((x) => x === -Infinity);
    const lse = logsumexpOf(row);
    const v = poisoned ? NaN : a.data[i]! - lse;
    out.data[i] = log ? v : Math.exp(v);
  }
  return out;
}

// ------------------------------------------------------------------ linear algebra

/** PyTorch's matmul rules, with explicit loops over batch indices. */
export function matmul(a: Arr, b: Arr): Arr {
  if (a.shape.length === 1 && b.shape.length === 1) {
    let s = 0;
    for (let k = 0; k < a.shape[0]!; k++) s += a.data[k]! * b.data[k]!;
    return make([], () => s);
  }
  const A = a.shape.length === 1 ? { shape: [1, a.shape[0]!], data: a.data } : a;
  const B = b.shape.length === 1 ? { shape: [b.shape[0]!, 1], data: b.data } : b;
  const M = A.shape[A.shape.length - 2]!;
  const K = A.shape[A.shape.length - 1]!;
  const N = B.shape[B.shape.length - 1]!;
  const batch = broadcastShape(A.shape.slice(0, -2), B.shape.slice(0, -2));
  const full = make([...batch, M, N]);
  for (let i = 0; i < full.data.length; i++) {
    const idx = unravel(i, full.shape);
    const bIdx = idx.slice(0, -2);
    const m = idx[idx.length - 2]!;
    const n = idx[idx.length - 1]!;
    let s = 0;
    for (let k = 0; k < K; k++) {
      s += broadcastRead(A, [...bIdx, m, k]) * broadcastRead(B, [...bIdx, k, n]);
    }
    full.data[i] = s;
  }
  let shape = full.shape;
  if (a.shape.length === 1) shape = [...shape.slice(0, -2), shape[shape.length - 1]!];
  if (b.shape.length === 1) shape = shape.slice(0, -1);
  return { shape, data: full.data };
}

export function outer(a: Arr, b: Arr): Arr {
  const n = b.shape[0]!;
  return make([a.shape[0]!, n], (i) => a.data[Math.floor(i / n)]! * b.data[i % n]!);
}

// ------------------------------------------------------------------ movement

export function permute(a: Arr, perm: readonly number[]): Arr {
  const shape = perm.map((p) => a.shape[p]!);
  return make(shape, (i) => {
    const idx = unravel(i, shape);
    const src = new Array<number>(a.shape.length);
    perm.forEach((p, k) => (src[p] = idx[k]!));
    return at(a, src);
  });
}

export function transpose(a: Arr, d0: number, d1: number): Arr {
  const perm = a.shape.map((_, i) => i);
  [perm[d0], perm[d1]] = [perm[d1]!, perm[d0]!];
  return permute(a, perm);
}

/** Python-style slice of every dim: specs[d] = [start, end, step] already normalised. */
export function sliceDims(a: Arr, specs: ReadonlyArray<readonly [number, number, number]>): Arr {
  const shape = specs.map(([s, e, st]) => Math.max(0, Math.ceil((e - s) / st)));
  return make(shape, (i) => at(a, unravel(i, shape).map((v, d) => specs[d]![0] + v * specs[d]![2])));
}

export function selectDim(a: Arr, dim: number, index: number): Arr {
  const shape = a.shape.filter((_, d) => d !== dim);
  return make(shape, (i) => {
    const idx = unravel(i, shape);
    idx.splice(dim, 0, index);
    return at(a, idx);
  });
}

export function expandTo(a: Arr, shape: readonly number[]): Arr {
  return make(shape, (i) => broadcastRead(a, unravel(i, shape)));
}

export function cat(list: readonly Arr[], dim: number): Arr {
  const shape = list[0]!.shape.slice();
  shape[dim] = list.reduce((s, a) => s + a.shape[dim]!, 0);
  return make(shape, (i) => {
    const idx = unravel(i, shape);
    let k = idx[dim]!;
    for (const a of list) {
      if (k < a.shape[dim]!) return at(a, idx.map((v, d) => (d === dim ? k : v)));
      k -= a.shape[dim]!;
    }
    throw new Error("reference cat: unreachable");
  });
}

export function stack(list: readonly Arr[], dim: number): Arr {
  return cat(list.map((a) => { const s = a.shape.slice(); s.splice(dim, 0, 1); return { shape: s, data: a.data }; }), dim);
}

// ------------------------------------------------------------------ indexing

export function gather(a: Arr, dim: number, index: Arr): Arr {
  return make(index.shape, (i) => {
    const idx = unravel(i, index.shape);
    if (a.shape.length === 0) return a.data[0]!;
    idx[dim] = index.data[i]!;
    return at(a, idx);
  });
}

export function scatterAdd(x: Arr, dim: number, index: Arr, src: Arr): Arr {
  const out = { shape: x.shape.slice(), data: x.data.slice() };
  for (let i = 0; i < index.data.length; i++) {
    const idx = unravel(i, index.shape);
    const value = at(src, idx);
    if (x.shape.length === 0) {
      out.data[0] += value;
      continue;
    }
    idx[dim] = index.data[i]!;
    out.data[ravel(idx, x.shape)] += value;
  }
  return out;
}

export function indexSelect(a: Arr, dim: number, index: readonly number[]): Arr {
  if (a.shape.length === 0) return { shape: [], data: a.data.slice() };
  const shape = a.shape.slice();
  shape[dim] = index.length;
  return make(shape, (i) => {
    const idx = unravel(i, shape);
    idx[dim] = index[idx[dim]!]!;
    return at(a, idx);
  });
}

export function indexAdd(x: Arr, dim: number, index: readonly number[], source: Arr, alpha: number): Arr {
  const out = { shape: x.shape.slice(), data: x.data.slice() };
  if (x.shape.length === 0) {
    out.data[0] += alpha * source.data[0]!;
    return out;
  }
  for (let i = 0; i < source.data.length; i++) {
    const idx = unravel(i, source.shape);
    idx[dim] = index[idx[dim]!]!;
    out.data[ravel(idx, x.shape)] += alpha * source.data[i]!;
  }
  return out;
}

// ------------------------------------------------------------------ differentiation

/**
 * Gradient of a scalar function of a flat vector by the 5-point central difference
 * `(-f(x+2h) + 8f(x+h) - 8f(x-h) + f(x-2h)) / 12h` (error O(h^4)).
 */
export function finiteDifferenceGrad(f: (x: Float64Array) => number, x: Float64Array, h = 1e-3): Float64Array {
  const g = new Float64Array(x.length);
  const y = x.slice();
  for (let i = 0; i < x.length; i++) {
    const step = h * Math.max(1, Math.abs(x[i]!));
    const val = (d: number): number => {
      y[i] = x[i]! + d;
      const r = f(y);
      y[i] = x[i]!;
      return r;
    };
    g[i] = (-val(2 * step) + 8 * val(step) - 8 * val(-step) + val(-2 * step)) / (12 * step);
  }
  return g;
}

/** A small seeded PRNG (mulberry32) so the tests need nothing from the library to make data. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
