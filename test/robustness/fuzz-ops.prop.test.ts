// Differential fuzzing of every core op against the independent float64 reference in
// ./reference.ts: random shapes (0-sized and size-1 dims included), inputs laid out as contiguous
// tensors, transposes, strided slices and stride-0 expansions, both float dtypes. Forward values
// are compared with float32- or float64-appropriate tolerances; gradients of a random linear
// functional of the output are compared with finite differences of the reference, taken with
// respect to the storage the views read from. Every run is seeded, so CI is deterministic.
import fc from "fast-check";
import { afterAll, describe, expect, test } from "vitest";
import * as tg from "@tapegrad/core";
import { Tensor, tensor } from "@tapegrad/core";
import * as R from "./reference.js";
import type { Arr } from "./reference.js";

type Float = "float32" | "float64";
type Layout = "contiguous" | "transposed" | "sliced" | "expanded";

const SEED = 20250609;
const RUNS = 60;
const FC = { seed: SEED, numRuns: RUNS };

/** Cases run per class, reported at the end (the counts of docs/reliability.md). */
const counts = new Map<string, number>();
const count = (cls: string): void => void counts.set(cls, (counts.get(cls) ?? 0) + 1);
afterAll(() => {
  console.log(`fuzz-ops case counts: ${JSON.stringify(Object.fromEntries(counts))}`);
});

// ------------------------------------------------------------------ inputs

interface Geometry {
  shape: number[];
  strides: number[];
  offset: number;
}

/** A tapegrad view of a leaf, with the reference's knowledge of which storage elements it reads. */
interface Operand {
  base: Tensor;
  view: Tensor;
  baseData: Float64Array;
  geometry: Geometry;
  logical: Arr;
  /** The same view applied to another base of the same shape. */
  toView: (b: Tensor) => Tensor;
}

interface OperandOptions {
  dtype: Float;
  layout: Layout;
  rand: () => number;
  /** Shifts this operand's values off the others' grid, so different operands never tie. */
  shift: number;
  domain?: (v: number) => number;
  requiresGrad: boolean;
}

/**
 * Distinct values on a grid of spacing 0.37 (plus jitter in [0.02, 0.1] and `shift`): no two
 * elements tie, none is within 0.02 of 0, so finite differences never straddle a kink.
 */
function distinctValues(n: number, rand: () => number, shift: number): number[] {
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  const mid = Math.floor(n / 2);
  return perm.map((k) => (k - mid) * 0.37 + 0.02 + 0.08 * rand() + shift);
}

function makeOperand(shape: readonly number[], o: OperandOptions): Operand {
  let layout = o.layout;
  if (layout === "transposed" && shape.length < 2) layout = "sliced";
  if (layout === "expanded" && !shape.some((d) => d !== 1)) layout = "contiguous";
  let baseShape = shape.slice();
  let geometry: Geometry;
  let toView: (b: Tensor) => Tensor;
  if (layout === "transposed") {
    const j = shape.length - 1;
    [baseShape[0], baseShape[j]] = [shape[j]!, shape[0]!];
    const st = R.rowMajorStrides(baseShape);
    [st[0], st[j]] = [st[j]!, st[0]!];
    geometry = { shape: shape.slice(), strides: st, offset: 0 };
    toView = (b) => b.transpose(0, j);
  } else if (layout === "sliced") {
    baseShape = shape.map((d) => 2 * d + 1);
    const st = R.rowMajorStrides(baseShape);
    geometry = { shape: shape.slice(), strides: st.map((s) => 2 * s), offset: st.reduce((a, s) => a + s, 0) };
    toView = (b) => b.slice(...shape.map((d): [number, number, number] => [1, 2 * d + 1, 2]));
  } else if (layout === "expanded") {
    // Every dim of size != 1 comes from a size-1 dim with stride 0, except the first such dim
    // half of the time (so expansions mix with real dims).
    const keep = o.rand() < 0.5 ? shape.findIndex((d) => d !== 1) : -1;
    baseShape = shape.map((d, i) => (d !== 1 && i !== keep ? 1 : d));
    const st = R.rowMajorStrides(baseShape);
    geometry = { shape: shape.slice(), strides: st.map((s, i) => (baseShape[i] === 1 && shape[i] !== 1 ? 0 : s)), offset: 0 };
    toView = (b) => b.expand(shape.slice());
  } else {
    geometry = { shape: shape.slice(), strides: R.rowMajorStrides(shape), offset: 0 };
    toView = (b) => b;
  }
  // Only the elements the view reads get test values; the others hold a sentinel that would show
  // up in any result that read them by mistake.
  const read = readPositions(geometry);
  const raw = distinctValues(read.length, o.rand, o.shift).map(o.domain ?? ((v) => v));
  const baseData = new Float64Array(R.numel(baseShape)).fill(UNREAD);
  read.forEach((p, k) => (baseData[p] = o.dtype === "float32" ? Math.fround(raw[k]!) : raw[k]!));
  const base = tensor(Array.from(baseData), { dtype: o.dtype }).reshape(baseShape);
  if (o.requiresGrad) base.requiresGrad_(true);
  const view = toView(base);
  return { base, view, baseData, geometry, logical: R.asStrided(baseData, geometry.shape, geometry.strides, geometry.offset), toView };
}

const UNREAD = 4321.5;

/** Storage positions a geometry reads (the only ones with a possibly non-zero gradient). */
function readPositions(g: Geometry): number[] {
  const seen = new Set<number>();
  for (let i = 0; i < R.numel(g.shape); i++) {
    const idx = R.unravel(i, g.shape);
    seen.add(idx.reduce((p, v, d) => p + v * g.strides[d]!, g.offset));
  }
  return [...seen];
}

// ------------------------------------------------------------------ comparison

function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) m = Math.max(m, Math.abs(values[i]!));
  return m;
}

/** |a - e| <= rtol |e| + atol, with NaN matching NaN and infinities matching exactly. */
function expectClose(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      if (!Object.is(a, e) && !(Number.isNaN(a) && Number.isNaN(e))) {
        throw new Error(`${what}: element ${i} is ${a}, expected ${e}`);
      }
      continue;
    }
    if (!(Math.abs(a - e) <= rtol * Math.abs(e) + atol)) {
      throw new Error(`${what}: element ${i} is ${a}, expected ${e} (|diff| ${Math.abs(a - e)} > ${rtol * Math.abs(e) + atol})`);
    }
  }
}

const FORWARD_RTOL: Record<Float, number> = { float32: 1e-6, float64: 1e-12 };
const GRAD_RTOL: Record<Float, number> = { float32: 2e-4, float64: 1e-6 };

function expectMatches(what: string, actual: Tensor, expected: Arr, dtype: Float, inputScale: number, factor = 1): void {
  expect(actual.shape, `${what}: shape`).toEqual(expected.shape);
  const rtol = FORWARD_RTOL[dtype] * factor;
  const scale = Math.max(1, maxAbs(expected.data), inputScale * inputScale);
  expectClose(what, actual.dataSync(), expected.data, rtol, 16 * rtol * scale);
}

// ------------------------------------------------------------------ the op table

interface Case<P> {
  shapes: number[][];
  p: P;
}

interface Spec<P> {
  name: string;
  arb: fc.Arbitrary<Case<P>>;
  /** Value maps per operand (e.g. positive inputs for log). */
  domains?: ReadonlyArray<((v: number) => number) | undefined>;
  /** Operands that get a gradient (default: all); [] = forward only. */
  grad?: readonly number[];
  /** Tolerance multiplier. */
  factor?: number;
  /** Number of random cases (default RUNS). */
  runs?: number;
  /** Whether the gradient is defined for this case (default: always). */
  gradWhen?: (c: Case<P>) => boolean;
  run(xs: Tensor[], p: P): Tensor;
  ref(xs: Arr[], p: P): Arr;
}

const spec = <P,>(s: Spec<P>): Spec<unknown> => s as Spec<unknown>;

const sizeArb = fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.constant(1) }, { weight: 5, arbitrary: fc.integer({ min: 2, max: 3 }) });
const shapeArb = (minRank = 0, maxRank = 3): fc.Arbitrary<number[]> => fc.array(sizeArb, { minLength: minRank, maxLength: maxRank });
const one = <P,>(p: fc.Arbitrary<P>, minRank = 0, maxRank = 3): fc.Arbitrary<Case<P>> =>
  fc.tuple(shapeArb(minRank, maxRank), p).map(([s, q]) => ({ shapes: [s], p: q }));
const none = fc.constant(null);

/** Two shapes that broadcast: a common shape, some dims set to 1, some leading dims dropped. */
const broadcastPair: fc.Arbitrary<Case<null>> = fc
  .tuple(shapeArb(0, 3), fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), fc.nat(3), fc.nat(3))
  .map(([shape, ones, dropA, dropB]) => ({
    shapes: [
      shape.map((d, i) => (ones[i] ? 1 : d)).slice(Math.min(dropA, shape.length)),
      shape.map((d, i) => (ones[i + 3] ? 1 : d)).slice(Math.min(dropB, shape.length)),
    ],
    p: null,
  }));

/** A shape with a valid dim argument (undefined, a number or a list) and keepdim. */
interface Red {
  dim: number | number[] | undefined;
  keepdim: boolean;
}
const reductionCase = (allowList = true, minRank = 0): fc.Arbitrary<Case<Red>> =>
  shapeArb(minRank, 3).chain((shape) => {
    const n = Math.max(shape.length, 1);
    const single = fc.integer({ min: -n, max: n - 1 });
    const dims =
      allowList && shape.length > 0
        ? fc.oneof(
            fc.constant(undefined),
            single,
            fc.subarray(Array.from({ length: shape.length }, (_, i) => i), { minLength: 1 }).map((ds) => ds.map((d, k) => (k % 2 ? d - shape.length : d))),
          )
        : fc.oneof(fc.constant(undefined), single);
    return fc.record({ dim: dims as fc.Arbitrary<number | number[] | undefined>, keepdim: fc.boolean() }).map((p) => ({ shapes: [shape], p }));
  });

/** A shape with one dim and every reduced dim non-empty (max/min have no identity). */
const nonEmptyAlong = (c: Case<Red>): boolean => {
  const s = c.shapes[0]!;
  return R.reduceDims(c.p.dim, s.length).every((d) => s[d]! > 0) && (s.length === 0 || R.numel(s) > 0 || c.p.dim !== undefined);
};

/** Number of elements in each reduced group. */
const groupSize = (c: Case<Red>): number => {
  const s = c.shapes[0]!;
  return R.numel(R.reduceDims(c.p.dim, s.length).map((d) => s[d]!));
};

const dimOf = (shape: readonly number[], dim: number): number => (dim < 0 ? dim + Math.max(shape.length, 1) : dim);

const positive = (v: number): number => Math.abs(v) + 0.5;
const small = (v: number): number => v / 3;

const unarySpecs: Array<Spec<unknown>> = (
  [
    ["neg", (x) => x.neg(), (v) => -v],
    ["exp", (x) => x.exp(), Math.exp, small],
    ["log", (x) => x.log(), Math.log, positive],
    ["log1p", (x) => x.log1p(), Math.log1p, positive],
    ["sqrt", (x) => x.sqrt(), Math.sqrt, positive],
    ["rsqrt", (x) => x.rsqrt(), (v) => 1 / Math.sqrt(v), positive],
    ["abs", (x) => x.abs(), Math.abs],
    ["tanh", (x) => x.tanh(), Math.tanh],
    ["sigmoid", (x) => x.sigmoid(), R.sigmoid],
    ["relu", (x) => x.relu(), (v) => (v > 0 || Number.isNaN(v) ? v : 0)],
    ["reciprocal", (x) => x.reciprocal(), (v) => 1 / v, positive],
    ["sin", (x) => x.sin(), Math.sin],
    ["cos", (x) => x.cos(), Math.cos],
    ["erf", (x) => x.erf(), R.erf],
    ["square", (x) => x.square(), (v) => v * v],
  ] as Array<[string, (x: Tensor) => Tensor, (v: number) => number, ((v: number) => number)?]>
).map(([name, run, f, domain]) =>
  spec({ name, arb: one(none), domains: [domain], run: ([x]) => run(x!), ref: ([x]) => R.map1(x!, f) }),
);

const clampBounds = fc.constantFrom<[number | null, number | null]>([-0.535, 0.575], [null, 0.205], [-0.165, null], [0.945, -0.165]);

const elementwiseSpecs: Array<Spec<unknown>> = [
  ...unarySpecs,
  spec({ name: "sign", arb: one(none), grad: [], run: ([x]) => x!.sign(), ref: ([x]) => R.map1(x!, Math.sign) }),
  spec({
    name: "clamp",
    arb: one(clampBounds),
    run: ([x], [lo, hi]) => x!.clamp(lo, hi),
    ref: ([x], [lo, hi]) => R.map1(x!, (v) => R.clampScalar(v, lo, hi)),
  }),
  spec({ name: "add", arb: broadcastPair, run: ([a, b]) => a!.add(b!), ref: (xs) => R.mapN(xs, (p, q) => p + q) }),
  spec({
    name: "add(alpha)",
    arb: broadcastPair,
    run: ([a, b]) => tg.add(a!, b!, { alpha: -0.75 }),
    ref: (xs) => R.mapN(xs, (p, q) => p - 0.75 * q),
  }),
  spec({ name: "sub", arb: broadcastPair, run: ([a, b]) => a!.sub(b!), ref: (xs) => R.mapN(xs, (p, q) => p - q) }),
  spec({ name: "mul", arb: broadcastPair, run: ([a, b]) => a!.mul(b!), ref: (xs) => R.mapN(xs, (p, q) => p * q) }),
  spec({ name: "div", arb: broadcastPair, domains: [undefined, positive], run: ([a, b]) => a!.div(b!), ref: (xs) => R.mapN(xs, (p, q) => p / q) }),
  spec({
    name: "pow",
    arb: broadcastPair,
    domains: [positive, small],
    run: ([a, b]) => a!.pow(b!),
    ref: (xs) => R.mapN(xs, (p, q) => Math.pow(p, q)),
  }),
  spec({ name: "pow(scalar)", arb: one(fc.constantFrom(2, 3, 0.5, -1.5)), domains: [positive], run: ([a], e) => a!.pow(e), ref: ([a], e) => R.map1(a!, (v) => Math.pow(v, e)) }),
  spec({ name: "maximum", arb: broadcastPair, run: ([a, b]) => a!.maximum(b!), ref: (xs) => R.mapN(xs, R.maxNaN) }),
  spec({ name: "minimum", arb: broadcastPair, run: ([a, b]) => a!.minimum(b!), ref: (xs) => R.mapN(xs, R.minNaN) }),
  spec({
    name: "where",
    arb: broadcastPair,
    run: ([a, b]) => tg.where(a!.gt(0.3), a!, b!),
    ref: ([a, b]) => R.mapN([a!, b!], (p, q) => (p > 0.3 ? p : q)),
  }),
  ...(
    [
      ["eq", (a, b) => a.eq(b), (p, q) => +(p === q)],
      ["lt", (a, b) => a.lt(b), (p, q) => +(p < q)],
      ["ge", (a, b) => a.ge(b), (p, q) => +(p >= q)],
      ["logicalXor", (a, b) => a.gt(0).logicalXor(b.gt(0)), (p, q) => +(p > 0 !== q > 0)],
    ] as Array<[string, (a: Tensor, b: Tensor) => Tensor, (p: number, q: number) => number]>
  ).map(([name, run, f]) => spec({ name, arb: broadcastPair, grad: [], run: ([a, b]) => run(a!, b!), ref: (xs) => R.mapN(xs, f) })),
  spec({
    name: "cast",
    arb: one(none),
    run: ([x]) => x!.to(x!.dtype === "float32" ? "float64" : "float32").mul(1.5),
    ref: ([x]) => R.map1(x!, (v) => v * 1.5),
  }),
];

const reductionSpecs: Array<Spec<unknown>> = [
  spec({ name: "sum", arb: reductionCase(), run: ([x], p) => x!.sum(p.dim, p.keepdim), ref: ([x], p) => R.reduceGroups(x!, R.reduceDims(p.dim, x!.shape.length), p.keepdim, R.sumOf) }),
  spec({
    name: "mean",
    arb: reductionCase(),
    run: ([x], p) => x!.mean(p.dim, p.keepdim),
    ref: ([x], p) => R.reduceGroups(x!, R.reduceDims(p.dim, x!.shape.length), p.keepdim, (v) => R.sumOf(v) / v.length),
  }),
  ...[0, 1, 2].map((correction) =>
    spec({
      name: `var(correction=${correction})`,
      arb: reductionCase(),
      factor: 4,
      // Where N <= correction the divisor is 0 and PyTorch's gradient is +-inf, not a limit.
      gradWhen: (c: Case<Red>) => groupSize(c) > correction,
      run: ([x], p: Red) => x!.var({ dim: p.dim, keepdim: p.keepdim, correction }),
      ref: ([x], p: Red) => R.reduceGroups(x!, R.reduceDims(p.dim, x!.shape.length), p.keepdim, (v) => R.varianceOf(v, correction)),
    }),
  ),
  spec({
    name: "std",
    arb: reductionCase(),
    factor: 4,
    gradWhen: (c) => groupSize(c) > 1,
    run: ([x], p) => x!.std({ dim: p.dim, keepdim: p.keepdim }),
    ref: ([x], p) => R.reduceGroups(x!, R.reduceDims(p.dim, x!.shape.length), p.keepdim, (v) => Math.sqrt(R.varianceOf(v, 1))),
  }),
  spec({
    name: "logsumexp",
    arb: reductionCase().map((c) => ({ ...c, p: { ...c.p, dim: c.p.dim ?? [] } })),
    run: ([x], p) => x!.logsumexp(p.dim!, p.keepdim),
    ref: ([x], p) => R.reduceGroups(x!, R.reduceDims(p.dim, x!.shape.length), p.keepdim, R.logsumexpOf),
  }),
  ...[1, 2, 3, 0.5, Infinity, 0].map((ord) =>
    spec({
      name: `norm(p=${ord})`,
      arb: ord === Infinity ? reductionCase().filter(nonEmptyAlong) : reductionCase(),
      run: ([x], p: Red) => x!.norm(ord, p.dim, p.keepdim),
      ref: ([x], p: Red) => R.reduceGroups(x!, R.reduceDims(p.dim, x!.shape.length), p.keepdim, (v) => R.normOf(v, ord)),
    }),
  ),
  spec({
    name: "amax",
    arb: reductionCase().filter(nonEmptyAlong),
    run: ([x], p) => x!.amax(p.dim, p.keepdim),
    ref: ([x], p) => R.reduceGroups(x!, R.reduceDims(p.dim, x!.shape.length), p.keepdim, R.maxOf),
  }),
  spec({
    name: "amin",
    arb: reductionCase().filter(nonEmptyAlong),
    run: ([x], p) => x!.amin(p.dim, p.keepdim),
    ref: ([x], p) => R.reduceGroups(x!, R.reduceDims(p.dim, x!.shape.length), p.keepdim, R.minOf),
  }),
  spec({ name: "max()", arb: one(none).filter((c) => c.shapes[0]!.length === 0 || R.numel(c.shapes[0]!) > 0), run: ([x]) => x!.max(), ref: ([x]) => R.make([], () => R.maxOf([...x!.data])) }),
  ...(["max", "min"] as const).flatMap((kind) => [
    spec({
      name: `${kind}(dim).values`,
      arb: reductionCase(false).filter((c) => typeof c.p.dim === "number" && nonEmptyAlong(c)),
      run: ([x], p) => x![kind](p.dim as number, p.keepdim).values,
      ref: ([x], p) => R.extremumAlong(x!, dimOf(x!.shape, p.dim as number), p.keepdim, kind === "max").values,
    }),
    spec({
      name: `${kind}(dim).indices`,
      arb: reductionCase(false).filter((c) => typeof c.p.dim === "number" && nonEmptyAlong(c)),
      grad: [],
      run: ([x], p) => x![kind](p.dim as number, p.keepdim).indices,
      ref: ([x], p) => R.extremumAlong(x!, dimOf(x!.shape, p.dim as number), p.keepdim, kind === "max").indices,
    }),
  ]),
  ...(["argmax", "argmin"] as const).map((kind) =>
    spec({
      name: kind,
      arb: reductionCase(false).filter(nonEmptyAlong).filter((c) => c.p.dim !== undefined || R.numel(c.shapes[0]!) > 0),
      grad: [],
      run: ([x], p) => x![kind](p.dim as number | undefined, p.keepdim),
      ref: ([x], p) => {
        const a = x!;
        if (p.dim === undefined) {
          const flat = { shape: [a.data.length], data: a.data };
          const r = R.reduceGroups(flat, [0], false, (v) => R.argOf(v, kind === "argmax"));
          return { shape: p.keepdim ? a.shape.map(() => 1) : [], data: r.data };
        }
        return R.extremumAlong(a, dimOf(a.shape, p.dim as number), p.keepdim, kind === "argmax").indices;
      },
    }),
  ),
  ...(["softmax", "logSoftmax"] as const).map((kind) =>
    spec({
      name: kind,
      arb: shapeArb().chain((s) => fc.integer({ min: -Math.max(s.length, 1), max: Math.max(s.length, 1) - 1 }).map((dim) => ({ shapes: [s], p: dim }))),
      run: ([x], dim) => x![kind](dim),
      ref: ([x], dim) => R.softmaxAlong(x!, dimOf(x!.shape, dim), kind === "logSoftmax"),
    }),
  ),
];

/** matmul operand shapes covering 1-D, 2-D and broadcast batch cases (sizes may be 0). */
const matmulCase: fc.Arbitrary<Case<null>> = fc
  .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), sizeArb, sizeArb, sizeArb, shapeArb(0, 2), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }))
  .map(([ra, rb, m, k, n, batch, flags]) => {
    const batchOf = (rank: number, ones: boolean): number[] => batch.slice(Math.max(0, batch.length - (rank - 2))).map((d) => (ones ? 1 : d));
    const a = ra === 1 ? [k] : [...(flags[0] ? batchOf(ra, flags[2]!) : []), m, k];
    const b = rb === 1 ? [k] : [...(flags[1] ? batchOf(rb, flags[3]!) : []), k, n];
    return { shapes: [a, b], p: null };
  });

const linalgSpecs: Array<Spec<unknown>> = [
  spec({ name: "matmul", arb: matmulCase, factor: 4, run: ([a, b]) => a!.matmul(b!), ref: ([a, b]) => R.matmul(a!, b!) }),
  spec({
    name: "dot",
    arb: sizeArb.map((k) => ({ shapes: [[k], [k]], p: null })),
    run: ([a, b]) => a!.dot(b!),
    ref: ([a, b]) => R.matmul(a!, b!),
  }),
  spec({
    name: "outer",
    arb: fc.tuple(sizeArb, sizeArb).map(([m, n]) => ({ shapes: [[m], [n]], p: null })),
    run: ([a, b]) => a!.outer(b!),
    ref: ([a, b]) => R.outer(a!, b!),
  }),
];

/** Shapes for cat along `dim`: equal except along it. */
const catCase = (forStack: boolean): fc.Arbitrary<Case<number>> =>
  fc.tuple(shapeArb(forStack ? 0 : 1, 3), fc.integer({ min: 1, max: 3 }), fc.array(sizeArb, { minLength: 3, maxLength: 3 }), fc.nat())
    .map(([shape, count, sizes, pick]) => {
      const rank = forStack ? shape.length + 1 : shape.length;
      const dim = (pick % rank) - (pick % 2 ? rank : 0);
      const d = dim < 0 ? dim + rank : dim;
      const shapes = Array.from({ length: count }, (_, i) => (forStack ? shape.slice() : shape.map((s, k) => (k === d ? sizes[i]! : s))));
      return { shapes, p: dim };
    });

interface IndexCase {
  dim: number;
  index: number[];
  indexShape: number[];
}

/** gather/scatterAdd: x shape, dim, an index shape no larger than x outside dim, values in range. */
const gatherCase = (withSrc: boolean): fc.Arbitrary<Case<IndexCase>> =>
  fc.tuple(shapeArb(1, 3), fc.nat(), fc.array(fc.nat(3), { minLength: 3, maxLength: 3 }), fc.array(fc.nat(), { minLength: 40, maxLength: 40 }), fc.array(fc.nat(1), { minLength: 3, maxLength: 3 }))
    .filter(([shape, pick]) => shape[pick % shape.length]! > 0)
    .map(([shape, pick, along, raw, extra]) => {
      const d = pick % shape.length;
      const indexShape = shape.map((s, k) => (k === d ? along[k]! : Math.min(s, along[k]!)));
      const index = raw.slice(0, R.numel(indexShape)).map((v) => v % shape[d]!);
      const srcShape = indexShape.map((s, k) => s + extra[k]!);
      return { shapes: withSrc ? [shape, srcShape] : [shape], p: { dim: pick % 2 ? d - shape.length : d, index, indexShape } };
    });

/** indexSelect/indexAdd: x shape, dim, a 1-D index of in-range values. */
const selectCase = (withSource: boolean): fc.Arbitrary<Case<IndexCase>> =>
  fc.tuple(shapeArb(1, 3), fc.nat(), fc.array(fc.nat(), { maxLength: 4 }))
    .filter(([shape, pick, raw]) => shape[pick % shape.length]! > 0 || raw.length === 0)
    .map(([shape, pick, raw]) => {
      const d = pick % shape.length;
      const index = raw.map((v) => v % Math.max(shape[d]!, 1));
      const sourceShape = shape.map((s, k) => (k === d ? index.length : s));
      return { shapes: withSource ? [shape, sourceShape] : [shape], p: { dim: d, index, indexShape: [index.length] } };
    });

const int32 = (values: number[], shape: number[]): Tensor => tensor(values, { dtype: "int32" }).reshape(shape);
const indexArr = (p: IndexCase): Arr => ({ shape: p.indexShape, data: Float64Array.from(p.index) });

const indexingSpecs: Array<Spec<unknown>> = [
  spec({ name: "cat", arb: catCase(false), run: (xs, dim) => tg.cat(xs, dim), ref: (xs, dim) => R.cat(xs, dimOf(xs[0]!.shape, dim)) }),
  spec({ name: "stack", arb: catCase(true), run: (xs, dim) => tg.stack(xs, dim), ref: (xs, dim) => R.stack(xs, dim < 0 ? dim + xs[0]!.shape.length + 1 : dim) }),
  spec({
    name: "gather",
    arb: gatherCase(false),
    run: ([x], p) => x!.gather(p.dim, int32(p.index, p.indexShape)),
    ref: ([x], p) => R.gather(x!, dimOf(x!.shape, p.dim), indexArr(p)),
  }),
  spec({
    name: "scatterAdd",
    arb: gatherCase(true),
    run: ([x, src], p) => x!.scatterAdd(p.dim, int32(p.index, p.indexShape), src!),
    ref: ([x, src], p) => R.scatterAdd(x!, dimOf(x!.shape, p.dim), indexArr(p), src!),
  }),
  spec({
    name: "indexSelect",
    arb: selectCase(false),
    run: ([x], p) => x!.indexSelect(p.dim, int32(p.index, [p.index.length])),
    ref: ([x], p) => R.indexSelect(x!, p.dim, p.index),
  }),
  spec({
    name: "indexAdd",
    arb: selectCase(true),
    run: ([x, s], p) => x!.indexAdd(p.dim, int32(p.index, [p.index.length]), s!, { alpha: -1.25 }),
    ref: ([x, s], p) => R.indexAdd(x!, p.dim, p.index, s!, -1.25),
  }),
];

interface MoveCase {
  kind: string;
  args: number[];
}

/** A movement op with valid arguments for the shape. */
const movementCase: fc.Arbitrary<Case<MoveCase>> = fc
  .tuple(shapeArb(0, 3), fc.constantFrom("reshape", "transpose", "permute", "unsqueeze", "squeeze", "flatten", "narrow", "select", "slice", "expand", "clone", "t"), fc.array(fc.nat(), { minLength: 6, maxLength: 6 }))
  .map(([shape, kind, r]) => {
    const n = shape.length;
    const dimIn = (k: number, rank = n): number => (rank === 0 ? 0 : r[k]! % rank);
    let args: number[] = [];
    if (kind === "reshape") args = [r[0]! % 3];
    if (kind === "transpose") args = [dimIn(0), dimIn(1) - (r[2]! % 2 ? Math.max(n, 1) : 0)];
    if (kind === "permute") args = shape.map((_, i) => i).sort((a, b) => ((a * 7 + r[0]!) % 5) - ((b * 7 + r[0]!) % 5));
    if (kind === "unsqueeze") args = [dimIn(0, n + 1)];
    if (kind === "squeeze") args = r[1]! % 2 && n > 0 ? [dimIn(0)] : [];
    if (kind === "flatten") args = n === 0 ? [0, -1] : [Math.min(dimIn(0), dimIn(1)), Math.max(dimIn(0), dimIn(1))];
    if (kind === "narrow" || kind === "select" || kind === "slice") {
      if (n === 0 || shape[dimIn(0)] === 0) return { shapes: [shape], p: { kind: "clone", args: [] } };
      const d = dimIn(0);
      const size = shape[d]!;
      const start = r[1]! % size;
      if (kind === "narrow") args = [d, start, r[2]! % (size - start + 1)];
      if (kind === "select") args = [d, r[2]! % 2 ? start - size : start];
      if (kind === "slice") args = [d, start - (r[3]! % 2 ? size : 0), r[4]! % (size + 2), 1 + (r[5]! % 2)];
    }
    if (kind === "expand") args = [1 + (r[0]! % 3)];
    if (kind === "t" && n > 2) return { shapes: [shape], p: { kind: "clone", args: [] } };
    return { shapes: [shape], p: { kind, args } };
  });

/** Reshape targets: flat with -1, the sizes reversed (needs a copy for most strided views), or padded with 1s. */
function reshapeTarget(shape: readonly number[], variant: number): number[] {
  if (variant === 0) return [-1];
  if (variant === 1) return shape.slice().reverse();
  return [1, ...shape, 1];
}

function runMovement(x: Tensor, { kind, args }: MoveCase): Tensor {
  switch (kind) {
    case "reshape":
      return x.reshape(reshapeTarget(x.shape, args[0]!));
    case "transpose":
      return x.transpose(args[0]!, args[1]!);
    case "permute":
      return x.permute(args);
    case "unsqueeze":
      return x.unsqueeze(args[0]!);
    case "squeeze":
      return args.length ? x.squeeze(args[0]!) : x.squeeze();
    case "flatten":
      return x.flatten(args[0], args[1]);
    case "narrow":
      return x.narrow(args[0]!, args[1]!, args[2]!);
    case "select":
      return x.select(args[0]!, args[1]!);
    case "slice": {
      const specs: tg.SliceSpec[] = Array.from({ length: args[0]! }, () => null);
      specs.push([args[1], args[2], args[3]]);
      return x.slice(...specs);
    }
    case "expand":
      return x.unsqueeze(0).expand([args[0]!, ...x.shape]);
    case "t":
      return x.t();
    default:
      return x.clone();
  }
}

function refMovement(x: Arr, { kind, args }: MoveCase): Arr {
  const n = x.shape.length;
  const norm = (d: number, rank = n): number => (d < 0 ? d + Math.max(rank, 1) : d);
  switch (kind) {
    case "reshape": {
      const target = reshapeTarget(x.shape, args[0]!);
      return { shape: target[0] === -1 ? [R.numel(x.shape)] : target, data: x.data.slice() };
    }
    case "transpose":
      return n < 2 ? x : R.transpose(x, norm(args[0]!), norm(args[1]!));
    case "permute":
      return R.permute(x, args);
    case "unsqueeze": {
      const s = x.shape.slice();
      s.splice(args[0]!, 0, 1);
      return { shape: s, data: x.data };
    }
    case "squeeze":
      return { shape: x.shape.filter((d, i) => d !== 1 || (args.length > 0 && i !== args[0])), data: x.data };
    case "flatten": {
      if (n === 0) return { shape: [1], data: x.data };
      const [a, b] = args as [number, number];
      return { shape: [...x.shape.slice(0, a), R.numel(x.shape.slice(a, b + 1)), ...x.shape.slice(b + 1)], data: x.data };
    }
    case "narrow": {
      const [d, start, len] = args as [number, number, number];
      return R.sliceDims(x, x.shape.map((s, k): [number, number, number] => (k === d ? [start, start + len, 1] : [0, s, 1])));
    }
    case "select": {
      const [d, i] = args as [number, number];
      return R.selectDim(x, d, i < 0 ? i + x.shape[d]! : i);
    }
    case "slice": {
      const [d, rawStart, rawEnd, step] = args as [number, number, number, number];
      const size = x.shape[d]!;
      const clampIdx = (v: number): number => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
      const start = clampIdx(rawStart);
      const end = Math.max(clampIdx(rawEnd), start);
      return R.sliceDims(x, x.shape.map((s, k): [number, number, number] => (k === d ? [start, end, step] : [0, s, 1])));
    }
    case "expand":
      return R.expandTo(x, [args[0]!, ...x.shape]);
    case "t":
      return n < 2 ? x : R.transpose(x, 0, 1);
    default:
      return x;
  }
}

const movementSpecs: Array<Spec<unknown>> = [
  spec({ name: "movement", arb: movementCase, runs: 12 * RUNS, run: ([x], p) => runMovement(x!, p), ref: ([x], p) => refMovement(x!, p) }),
];

// ------------------------------------------------------------------ the driver

const layoutArb = fc.constantFrom<Layout>("contiguous", "transposed", "sliced", "expanded");
const dtypeArb = fc.constantFrom<Float>("float32", "float64");

function checkSpec(s: Spec<unknown>, cls: string): void {
  fc.assert(
    fc.property(s.arb, dtypeArb, fc.array(layoutArb, { minLength: 4, maxLength: 4 }), fc.nat(), (c, dtype, layouts, seed) => {
      count(cls);
      const rand = R.prng(seed);
      const gradOf = s.grad ?? c.shapes.map((_, i) => i);
      const ops = c.shapes.map((shape, i) =>
        makeOperand(shape, { dtype, layout: layouts[i % 4]!, rand, shift: (i % 2) * 0.185, domain: s.domains?.[i], requiresGrad: gradOf.includes(i) }),
      );
      const expected = s.ref(ops.map((o) => o.logical), c.p);
      const out = s.run(ops.map((o) => o.view), c.p);
      const inputScale = Math.max(1, ...ops.map((o) => maxAbs(o.baseData)));
      const outDtype = out.dtype === "float32" || out.dtype === "float64" ? out.dtype : dtype;
      expectMatches(`${s.name} forward (${dtype})`, out, expected, outDtype, inputScale, s.factor);
      if (gradOf.length === 0 || (s.gradWhen !== undefined && !s.gradWhen(c))) return;

      // Gradient of L = sum(out * w) with respect to every base, against finite differences.
      const w = R.make(expected.shape, () => rand() * 2 - 1);
      const wData = out.dtype === "float32" ? w.data.map(Math.fround) : w.data;
      out.mul(tensor(Array.from(wData), { dtype: out.dtype as Float }).reshape(expected.shape)).sum().backward();
      for (const i of gradOf) {
        const op = ops[i]!;
        const lossAt = (flat: Float64Array): number => {
          const logical = ops.map((o, k) => (k === i ? R.asStrided(flat, o.geometry.shape, o.geometry.strides, o.geometry.offset) : o.logical));
          const r = s.ref(logical, c.p);
          let sum = 0;
          for (let k = 0; k < r.data.length; k++) sum += r.data[k]! * wData[k]!;
          return sum;
        };
        const fd = new Float64Array(op.baseData.length);
        const positions = readPositions(op.geometry);
        const full = R.finiteDifferenceGrad((sub) => {
          const flat = op.baseData.slice();
          positions.forEach((p, k) => (flat[p] = sub[k]!));
          return lossAt(flat);
        }, Float64Array.from(positions.map((p) => op.baseData[p]!)));
        positions.forEach((p, k) => (fd[p] = full[k]!));
        const got = op.base.grad === null ? new Float64Array(fd.length) : Float64Array.from(op.base.grad.dataSync());
        const rtol = GRAD_RTOL[dtype] * (s.factor ?? 1);
        expectClose(`${s.name} gradient of operand ${i} (${dtype}, ${layouts[i % 4]})`, got, fd, rtol, rtol * Math.max(1, maxAbs(fd)));
      }
    }),
    { ...FC, numRuns: s.runs ?? RUNS },
  );
}

// ------------------------------------------------------------------ in-place ops on views

type ViewKind = "whole" | "transposed" | "strided" | "selected";

interface InPlaceOp {
  name: string;
  selfDomain?: (v: number) => number;
  otherDomain?: (v: number) => number;
  /** Whether the op takes a tensor operand. */
  binary: boolean;
  run(v: Tensor, other: Tensor): unknown;
  f(self: number, other: number): number;
}

const inPlaceOps: InPlaceOp[] = [
  { name: "add_", binary: true, run: (v, o) => v.add_(o, { alpha: 0.5 }), f: (a, b) => a + 0.5 * b },
  { name: "sub_", binary: true, run: (v, o) => v.sub_(o), f: (a, b) => a - b },
  { name: "mul_", binary: true, run: (v, o) => v.mul_(o), f: (a, b) => a * b },
  { name: "div_", binary: true, otherDomain: positive, run: (v, o) => v.div_(o), f: (a, b) => a / b },
  { name: "pow_", binary: true, selfDomain: positive, otherDomain: small, run: (v, o) => v.pow_(o), f: (a, b) => Math.pow(a, b) },
  { name: "maximum_", binary: true, run: (v, o) => v.maximum_(o), f: R.maxNaN },
  { name: "copy_", binary: true, run: (v, o) => v.copy_(o), f: (_a, b) => b },
  { name: "addcmul_", binary: true, run: (v, o) => v.addcmul_(o, o, { value: -0.5 }), f: (a, b) => a - 0.5 * b * b },
  { name: "addcdiv_", binary: true, otherDomain: positive, run: (v, o) => v.addcdiv_(o, o.sqrt(), { value: 2 }), f: (a, b) => a + (2 * b) / Math.sqrt(b) },
  { name: "lerp_(0.3)", binary: true, run: (v, o) => v.lerp_(o, 0.3), f: (a, b) => a + 0.3 * (b - a) },
  { name: "lerp_(0.8)", binary: true, run: (v, o) => v.lerp_(o, 0.8), f: (a, b) => a + 0.8 * (b - a) },
  { name: "clamp_", binary: false, run: (v) => v.clamp_(-0.165, 0.575), f: (a) => R.clampScalar(a, -0.165, 0.575) },
  { name: "fill_", binary: false, run: (v) => v.fill_(-2.5), f: () => -2.5 },
  { name: "zero_", binary: false, run: (v) => v.zero_(), f: () => 0 },
  { name: "neg_", binary: false, run: (v) => v.neg_(), f: (a) => -a },
  { name: "sqrt_", binary: false, selfDomain: positive, run: (v) => v.sqrt_(), f: Math.sqrt },
  { name: "reciprocal_", binary: false, selfDomain: positive, run: (v) => v.reciprocal_(), f: (a) => 1 / a },
];

/** The view of a contiguous tensor of `shape` that an in-place op writes through. */
function viewGeometry(shape: readonly number[], kind: ViewKind, pick: number): { geometry: Geometry; make: (t: Tensor) => Tensor } {
  const st = R.rowMajorStrides(shape);
  const n = shape.length;
  if (kind === "transposed" && n >= 2) {
    const sh = shape.slice();
    const s2 = st.slice();
    [sh[0], sh[n - 1]] = [sh[n - 1]!, sh[0]!];
    [s2[0], s2[n - 1]] = [s2[n - 1]!, s2[0]!];
    return { geometry: { shape: sh, strides: s2, offset: 0 }, make: (t) => t.transpose(0, n - 1) };
  }
  if (kind === "strided" && n >= 1) {
    const size = Math.ceil(shape[0]! / 2);
    return { geometry: { shape: [size, ...shape.slice(1)], strides: [2 * st[0]!, ...st.slice(1)], offset: 0 }, make: (t) => t.slice([0, shape[0]!, 2]) };
  }
  if (kind === "selected" && n >= 1 && shape[0]! > 0) {
    const i = pick % shape[0]!;
    return { geometry: { shape: shape.slice(1), strides: st.slice(1), offset: i * st[0]! }, make: (t) => t.select(0, i) };
  }
  return { geometry: { shape: shape.slice(), strides: st, offset: 0 }, make: (t) => t };
}

const inPlaceCase = fc.record({
  op: fc.constantFrom(...inPlaceOps),
  shape: shapeArb(1, 3),
  kind: fc.constantFrom<ViewKind>("whole", "transposed", "strided", "selected"),
  otherLayout: layoutArb,
  ones: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  drop: fc.nat(3),
  dtype: dtypeArb,
  seed: fc.nat(),
  grad: fc.boolean(),
});

describe("in-place ops writing through views (forward, version counter, gradient)", () => {
  test("random in-place op on a view of a non-leaf, against the reference", () => {
    fc.assert(
      fc.property(inPlaceCase, ({ op, shape, kind, otherLayout, ones, drop, dtype, seed, grad }) => {
        count("in-place");
        const rand = R.prng(seed);
        const x = makeOperand(shape, { dtype, layout: "contiguous", rand, shift: 0, domain: op.selfDomain, requiresGrad: grad });
        const { geometry, make } = viewGeometry(shape, kind, seed);
        const vShape = geometry.shape;
        const oShape = vShape.map((d, i) => (ones[i] ? 1 : d)).slice(Math.min(drop, vShape.length));
        const other = makeOperand(oShape, { dtype, layout: otherLayout, rand, shift: 0.185, domain: op.otherDomain, requiresGrad: grad && op.binary });

        const refResult = (xData: Float64Array, oLogical: Arr): Float64Array => {
          const y = xData.slice();
          const region = R.asStrided(y, geometry.shape, geometry.strides, geometry.offset);
          const updated = R.mapN([region, R.expandTo(oLogical, region.shape)], op.f);
          for (let i = 0; i < updated.data.length; i++) {
            const idx = R.unravel(i, region.shape);
            y[idx.reduce((p, v, d) => p + v * geometry.strides[d]!, geometry.offset)] = updated.data[i]!;
          }
          return y;
        };

        const y = x.base.mul(1);
        const v = make(y);
        const before = y.version;
        const returned = op.run(v, other.view);
        expect(returned).toBe(v);
        expect(y.version).toBeGreaterThan(before);
        const expected = refResult(x.baseData, other.logical);
        const scale = Math.max(1, maxAbs(x.baseData), maxAbs(other.baseData));
        expectClose(`${op.name} forward (${dtype}, ${kind})`, y.dataSync(), expected, FORWARD_RTOL[dtype] * 4, 64 * FORWARD_RTOL[dtype] * scale * scale);
        // The view still reads the written values.
        expectClose(`${op.name} view after write`, v.dataSync(), R.asStrided(y.dataSync(), geometry.shape, geometry.strides, geometry.offset).data, 0, 0);
        if (!grad) return;

        const w = Float64Array.from({ length: expected.length }, () => rand() * 2 - 1).map(dtype === "float32" ? Math.fround : (q) => q);
        y.mul(tensor(Array.from(w), { dtype }).reshape(shape)).sum().backward();
        const loss = (yData: Float64Array): number => yData.reduce((acc, q, i) => acc + q * w[i]!, 0);
        const rtol = GRAD_RTOL[dtype] * 4;
        const fdX = R.finiteDifferenceGrad((xd) => loss(refResult(xd, other.logical)), x.baseData);
        // copy_ from a tensor that requires grad drops the overwritten history, so no gradient
        // (rather than PyTorch's zeros) reaches it: compare as zeros.
        const gotX = x.base.grad === null ? new Float64Array(fdX.length) : x.base.grad.dataSync();
        expectClose(`${op.name} gradient of self (${dtype}, ${kind})`, gotX, fdX, rtol, rtol * Math.max(1, maxAbs(fdX)));
        if (!op.binary) return;
        const positions = readPositions(other.geometry);
        const fdSub = R.finiteDifferenceGrad((sub) => {
          const flat = other.baseData.slice();
          positions.forEach((p, k) => (flat[p] = sub[k]!));
          return loss(refResult(x.baseData, R.asStrided(flat, other.geometry.shape, other.geometry.strides, other.geometry.offset)));
        }, Float64Array.from(positions.map((p) => other.baseData[p]!)));
        const fdO = new Float64Array(other.baseData.length);
        positions.forEach((p, k) => (fdO[p] = fdSub[k]!));
        const gotO = other.base.grad === null ? new Float64Array(fdO.length) : other.base.grad.dataSync();
        expectClose(`${op.name} gradient of other (${dtype}, ${kind}, ${otherLayout})`, gotO, fdO, rtol, rtol * Math.max(1, maxAbs(fdO)));
      }),
      { seed: SEED, numRuns: 400 },
    );
  });
});

// ------------------------------------------------------------------ special values

const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 2.5, -3, 1e-30, 7];
const specialData = (n: number, rand: () => number): number[] => Array.from({ length: n }, () => SPECIALS[Math.floor(rand() * SPECIALS.length)]!);

/** Forward-only ops whose IEEE special-value behaviour (NaN propagation, infinities) must match PyTorch. */
const specialSpecs: Array<Spec<unknown>> = [
  ...elementwiseSpecs.filter((s) => !["pow", "pow(scalar)", "erf", "cast", "where", "div"].includes(s.name)),
  spec({ name: "div", arb: broadcastPair, run: ([a, b]) => a!.div(b!), ref: (xs) => R.mapN(xs, (p, q) => p / q) }),
  spec({ name: "pow", arb: broadcastPair, run: ([a, b]) => a!.pow(b!), ref: (xs) => R.mapN(xs, (p, q) => Math.pow(p, q)) }),
  ...reductionSpecs.filter((s) => /^(sum|amax|amin|max|min|argmax|argmin|softmax|logSoftmax|logsumexp|norm\(p=(Infinity|0|1)\))/.test(s.name)),
];

describe("special values (NaN, +-Infinity, +-0) in every input, forward against the reference", () => {
  for (const s of specialSpecs) {
    test(s.name, () => {
      fc.assert(
        fc.property(s.arb, dtypeArb, fc.array(layoutArb, { minLength: 2, maxLength: 2 }), fc.nat(), (c, dtype, layouts, seed) => {
          count("special values");
          const rand = R.prng(seed);
          const ops = c.shapes.map((shape, i) => {
            const o = makeOperand(shape, { dtype, layout: layouts[i % 2]!, rand, shift: 0, requiresGrad: false });
            const read = readPositions(o.geometry);
            const values = specialData(read.length, rand).map(dtype === "float32" ? Math.fround : (q) => q);
            const data = Float64Array.from(o.baseData);
            read.forEach((p, k) => (data[p] = values[k]!));
            const base = tensor(Array.from(data), { dtype }).reshape(o.base.shape);
            return { logical: R.asStrided(data, o.geometry.shape, o.geometry.strides, o.geometry.offset), view: o.toView(base) };
          });
          const expected = s.ref(ops.map((o) => o.logical), c.p);
          const out = s.run(ops.map((o) => o.view), c.p);
          const outDtype = out.dtype === "float32" || out.dtype === "float64" ? out.dtype : dtype;
          expectMatches(`${s.name} with special values (${dtype})`, out, expected, outDtype, 7, 4);
        }),
        { seed: SEED, numRuns: 40 },
      );
    });
  }
});

describe("differential fuzzing against the float64 reference (forward and gradient)", () => {
  const groups: Array<[string, Array<Spec<unknown>>]> = [
    ["elementwise", elementwiseSpecs],
    ["reductions", reductionSpecs],
    ["linalg", linalgSpecs],
    ["indexing", indexingSpecs],
    ["movement", movementSpecs],
  ];
  for (const [cls, specs] of groups) {
    describe(cls, () => {
      for (const s of specs) test(s.name, () => checkSpec(s, cls));
    });
  }
});
