// Properties of the core ops on random shapes (size-1 dims included): gradients agree with finite
// differences, broadcasting agrees with an explicit expand, and views stay consistent with their
// base under in-place writes.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  Generator, Tensor, add, amax, amin, broadcastShapes, cat, div, dot, gather, grad, gradcheck, gradgradcheck, indexAdd, indexSelect, logSoftmax,
  logsumexp, matmul, max, maximum, min, minimum, mul, norm, outer, pow, randint, randn, scatterAdd, softmax, stack, std, sub, tensor, variance,
  where,
} from "@tapegrad/core";

const seedArb = fc.integer({ min: 0, max: 0x7fffffff });
const sizeArb = fc.integer({ min: 1, max: 3 });
const shapeArb = (minLength = 0, maxLength = 3) => fc.array(sizeArb, { minLength, maxLength });

/** A float64 leaf that requires grad, with normal values passed through `map` (to keep away from kinks or poles). */
function leaf(shape: readonly number[], seed: number, map: (v: number) => number = (v) => v): Tensor {
  const t = randn(shape.slice(), { dtype: "float64", generator: new Generator(seed) });
  const mapped = Array.from(t.dataSync(), map);
  t.copy_(tensor(mapped, { dtype: "float64" }).reshape(shape.slice()));
  return t.requiresGrad_(true);
}

const positive = (v: number): number => Math.abs(v) + 0.5;
/** Keep |v| >= 0.3, for ops with a kink or pole at 0. */
const awayFromZero = (v: number): number => (v >= 0 ? v + 0.3 : v - 0.3);

/** Two shapes that broadcast together: a common shape with some dims set to 1 and leading dims dropped. */
const broadcastPairArb = fc
  .record({
    shape: shapeArb(0, 3),
    onesA: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    onesB: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    dropA: fc.integer({ min: 0, max: 3 }),
    dropB: fc.integer({ min: 0, max: 3 }),
  })
  .map(({ shape, onesA, onesB, dropA, dropB }) => {
    const a = shape.map((d, i) => (onesA[i] ? 1 : d)).slice(Math.min(dropA, shape.length));
    const b = shape.map((d, i) => (onesB[i] ? 1 : d)).slice(Math.min(dropB, shape.length));
    return [a, b] as const;
  });

const RUNS = { numRuns: 100 };

describe("gradcheck of every differentiable op on random shapes", () => {
  const unary: Array<[string, (x: Tensor) => Tensor, ((v: number) => number)?]> = [
    ["neg", (x) => x.neg()],
    ["exp", (x) => x.exp()],
    ["tanh", (x) => x.tanh()],
    ["sigmoid", (x) => x.sigmoid()],
    ["sin", (x) => x.sin()],
    ["cos", (x) => x.cos()],
    ["erf", (x) => x.erf()],
    ["square", (x) => x.square()],
    ["log", (x) => x.log(), positive],
    ["log1p", (x) => x.log1p(), positive],
    ["sqrt", (x) => x.sqrt(), positive],
    ["rsqrt", (x) => x.rsqrt(), positive],
    ["reciprocal", (x) => x.reciprocal(), awayFromZero],
    ["abs", (x) => x.abs(), awayFromZero],
    ["relu", (x) => x.relu(), awayFromZero],
    ["pow scalar", (x) => x.pow(2.5), positive],
    ["pow negative scalar", (x) => x.pow(-1.5), positive],
    ["scalar pow", (x) => pow(1.7, x)],
    ["clone", (x) => x.clone()],
    ["float64 to float64", (x) => x.to("float64")],
  ];
  test.each(unary)("%s", (_name, f, map) => {
    fc.assert(fc.property(shapeArb(), seedArb, (shape, seed) => gradcheck(f, [leaf(shape, seed, map)])), RUNS);
  });

  test("clamp away from its kinks", () => {
    const lo = -0.5;
    const hi = 0.6;
    // Values within 0.05 of a bound are moved 0.1 away from it.
    const nudge = (v: number): number => (Math.abs(v - lo) < 0.05 ? v - 0.1 : Math.abs(v - hi) < 0.05 ? v + 0.1 : v);
    fc.assert(
      fc.property(shapeArb(), seedArb, fc.constantFrom<[number | null, number | null]>([lo, hi], [lo, null], [null, hi]), (shape, seed, [min, max]) =>
        gradcheck((x) => x.clamp(min, max), [leaf(shape, seed, nudge)]),
      ),
      RUNS,
    );
  });

  const binary: Array<[string, (a: Tensor, b: Tensor) => Tensor, ((v: number) => number)?, ((v: number) => number)?]> = [
    ["add", (a, b) => add(a, b)],
    ["add with alpha", (a, b) => a.add(b, { alpha: -0.75 })],
    ["sub", (a, b) => sub(a, b)],
    ["sub with alpha", (a, b) => a.sub(b, { alpha: 2.5 })],
    ["mul", (a, b) => mul(a, b)],
    ["div", (a, b) => div(a, b), undefined, awayFromZero],
    ["pow with positive base", (a, b) => pow(a, b), positive],
    ["maximum", (a, b) => maximum(a, b)],
    ["minimum", (a, b) => minimum(a, b)],
    ["where", (a, b) => where(a.gt(b.mul(0.5)), a, b)],
  ];
  test.each(binary)("%s with broadcasting", (_name, f, mapA, mapB) => {
    fc.assert(
      fc.property(broadcastPairArb, seedArb, ([sa, sb], seed) => gradcheck(f, [leaf(sa, seed, mapA), leaf(sb, seed + 1, mapB)])),
      RUNS,
    );
  });

  /** A non-empty subset of the dims of a rank-n shape, or undefined (all dims). */
  const dimsArb = (n: number) =>
    fc.oneof(
      fc.constant(undefined),
      fc.subarray(Array.from({ length: n }, (_, i) => i), { minLength: 1 }).chain((ds) =>
        fc.constantFrom(ds, ds.map((d) => d - n)),
      ),
    );
  test.each([["sum"], ["mean"]] as const)("%s over random dims, keepdim or not", (kind) => {
    fc.assert(
      fc.property(
        shapeArb(1, 3).chain((shape) => fc.tuple(fc.constant(shape), dimsArb(shape.length), fc.boolean())),
        seedArb,
        ([shape, dims, keepdim], seed) => gradcheck((x) => (dims === undefined ? x[kind]() : x[kind](dims, keepdim)), [leaf(shape, seed)]),
      ),
      RUNS,
    );
  });

  test("reshape, flatten, unsqueeze and squeeze", () => {
    fc.assert(
      fc.property(shapeArb(0, 3), seedArb, fc.integer({ min: 0, max: 3 }), (shape, seed, pick) => {
        const n = shape.reduce((p, d) => p * d, 1);
        const f = [
          (x: Tensor) => x.reshape(-1),
          (x: Tensor) => x.reshape([n, 1]).mul(x.reshape(1, n)),
          (x: Tensor) => x.flatten().unsqueeze(0).squeeze(0),
          (x: Tensor) => x.unsqueeze(-1).squeeze(),
        ][pick]!;
        return gradcheck(f, [leaf(shape, seed)]);
      }),
      RUNS,
    );
  });

  test("transpose and permute (also of non-contiguous results)", () => {
    fc.assert(
      fc.property(
        shapeArb(2, 3).chain((shape) => fc.tuple(fc.constant(shape), fc.shuffledSubarray([0, 1, 2].slice(0, shape.length), { minLength: shape.length }))),
        seedArb,
        ([shape, perm], seed) =>
          gradcheck((x) => {
            const p = x.permute(perm);
            return p.transpose(0, -1).mul(p.transpose(0, -1).sin()).reshape(-1);
          }, [leaf(shape, seed)]),
      ),
      RUNS,
    );
  });

  test("expand", () => {
    fc.assert(
      fc.property(broadcastPairArb, seedArb, ([sa, sb], seed) => {
        const target = broadcastShapes(sa, sb, "test");
        return gradcheck((x) => x.expand(target).mul(x.expand(target)), [leaf(sa, seed)]);
      }),
      RUNS,
    );
  });

  test("narrow, select and slice", () => {
    const viewArb = shapeArb(1, 3).chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        fc.integer({ min: 0, max: shape.length - 1 }).chain((dim) =>
          fc.tuple(fc.constant(dim), fc.integer({ min: 0, max: shape[dim]! - 1 })).chain(([d, start]) =>
            fc.tuple(fc.constant(d), fc.constant(start), fc.integer({ min: 1, max: shape[d]! - start }), fc.integer({ min: 1, max: 2 })),
          ),
        ),
      ),
    );
    fc.assert(
      fc.property(viewArb, seedArb, fc.integer({ min: 0, max: 2 }), ([shape, [dim, start, length, step]], seed, kind) => {
        const specs: Array<null | [number, number, number]> = shape.slice(0, dim).map(() => null);
        specs.push([start, start + length, step]);
        const f = [
          (x: Tensor) => x.narrow(dim, start, length).exp(),
          (x: Tensor) => x.select(dim, start - shape[dim]!).mul(x.select(dim, start)),
          (x: Tensor) => x.slice(...specs).tanh(),
        ][kind]!;
        return gradcheck(f, [leaf(shape, seed)]);
      }),
      RUNS,
    );
  });

  test("matmul in every rank combination, with batch broadcasting", () => {
    const matmulArb = fc.record({
      n: sizeArb,
      k: sizeArb,
      m: sizeArb,
      batch: broadcastPairArb.filter(([a, b]) => a.length <= 2 && b.length <= 2),
      vecA: fc.boolean(),
      vecB: fc.boolean(),
    });
    fc.assert(
      fc.property(matmulArb, seedArb, ({ n, k, m, batch, vecA, vecB }, seed) => {
        const sa = vecA ? [k] : [...batch[0], n, k];
        const sb = vecB ? [k] : [...batch[1], k, m];
        return gradcheck((a, b) => matmul(a, b), [leaf(sa, seed), leaf(sb, seed + 1)]);
      }),
      RUNS,
    );
  });

  test("softmax and logSoftmax along a random dim", () => {
    fc.assert(
      fc.property(
        shapeArb(1, 3).chain((shape) => fc.tuple(fc.constant(shape), fc.integer({ min: -shape.length, max: shape.length - 1 }))),
        seedArb,
        fc.boolean(),
        ([shape, dim], seed, log) => gradcheck((x) => (log ? logSoftmax(x, dim) : softmax(x, dim)), [leaf(shape, seed)]),
      ),
      RUNS,
    );
  });

  test("gather with random in-range indices (repeats included)", () => {
    fc.assert(
      fc.property(
        shapeArb(1, 3).chain((shape) => fc.tuple(fc.constant(shape), fc.integer({ min: 0, max: shape.length - 1 }), sizeArb)),
        seedArb,
        ([shape, dim, picks], seed) => {
          const indexShape = shape.slice();
          indexShape[dim] = picks;
          const index = randint(0, shape[dim]!, indexShape, { generator: new Generator(seed) });
          return gradcheck((x) => gather(x, dim, index), [leaf(shape, seed)]);
        },
      ),
      RUNS,
    );
  });

  test("cat and stack of two or three tensors", () => {
    fc.assert(
      fc.property(
        shapeArb(1, 3).chain((shape) =>
          fc.tuple(fc.constant(shape), fc.integer({ min: 0, max: shape.length - 1 }), fc.array(sizeArb, { minLength: 2, maxLength: 3 })),
        ),
        seedArb,
        fc.boolean(),
        ([shape, dim, sizes], seed, stacking) => {
          const inputs = sizes.map((s, i) => {
            const own = shape.slice();
            if (!stacking) own[dim] = s;
            return leaf(own, seed + i);
          });
          return gradcheck((...xs) => (stacking ? stack(xs, dim) : cat(xs, dim)), inputs);
        },
      ),
      RUNS,
    );
  });
});

describe("gradcheck of the other reductions and indexing ops", () => {
  /** A shape with at least one dim, and one of its dims (as a non-negative or negative index). */
  const shapeDimArb = shapeArb(1, 3).chain((shape) =>
    fc.tuple(fc.constant(shape), fc.integer({ min: -shape.length, max: shape.length - 1 }), fc.boolean()),
  );

  test("max and min over a dim (values), amax and amin", () => {
    fc.assert(
      fc.property(shapeDimArb, seedArb, fc.integer({ min: 0, max: 3 }), ([shape, dim, keepdim], seed, kind) => {
        const f = [
          (x: Tensor) => max(x, dim, keepdim).values,
          (x: Tensor) => min(x, dim, keepdim).values,
          (x: Tensor) => amax(x, dim, keepdim),
          (x: Tensor) => amin(x, [dim], keepdim),
        ][kind]!;
        // Normal samples have no ties, so the max is differentiable.
        return gradcheck(f, [leaf(shape, seed)]);
      }),
      RUNS,
    );
  });

  test("logsumexp, variance, std and norm over a dim", () => {
    fc.assert(
      fc.property(shapeDimArb, seedArb, fc.integer({ min: 0, max: 5 }), ([shape, dim, keepdim], seed, kind) => {
        // The unbiased estimators need two elements along dim; with one, use the biased one.
        const correction = shape.at(dim)! > 1 ? 1 : 0;
        const f = [
          (x: Tensor) => logsumexp(x, dim, keepdim),
          (x: Tensor) => variance(x, { dim, keepdim, correction }),
          (x: Tensor) => std(x, { dim, keepdim, correction: 0 }).add(std(x.mul(x), { dim, keepdim, correction })),
          (x: Tensor) => norm(x, 2, dim, keepdim),
          (x: Tensor) => norm(x, 1, dim, keepdim),
          (x: Tensor) => norm(x, 3, dim, keepdim),
        ][kind]!;
        // Values away from 0 keep the 1-norm away from its kink; std needs a non-zero spread,
        // which distinct normal samples give.
        return gradcheck(f, [leaf(shape, seed, awayFromZero)]);
      }),
      RUNS,
    );
  });

  test("indexSelect, scatterAdd and indexAdd with repeated indices", () => {
    fc.assert(
      fc.property(shapeDimArb, seedArb, sizeArb, fc.integer({ min: 0, max: 2 }), ([shape, dim], seed, picks, kind) => {
        const d = dim < 0 ? dim + shape.length : dim;
        const g = new Generator(seed);
        const x = leaf(shape, seed);
        if (kind === 0) {
          const index = randint(0, shape[d]!, [picks], { generator: g });
          return gradcheck((a) => indexSelect(a, dim, index), [x]);
        }
        if (kind === 1) {
          const indexShape = shape.slice();
          indexShape[d] = picks;
          const index = randint(0, shape[d]!, indexShape, { generator: g });
          return gradcheck((a, src) => scatterAdd(a, dim, index, src), [x, leaf(indexShape, seed + 1)]);
        }
        const index = randint(0, shape[d]!, [picks], { generator: g });
        const sourceShape = shape.slice();
        sourceShape[d] = picks;
        return gradcheck((a, src) => indexAdd(a, dim, index, src, { alpha: -1.5 }), [x, leaf(sourceShape, seed + 1)]);
      }),
      RUNS,
    );
  });

  test("dot and outer", () => {
    fc.assert(
      fc.property(sizeArb, sizeArb, seedArb, (n, m, seed) => {
        gradcheck((a, b) => dot(a, b), [leaf([n], seed), leaf([n], seed + 1)]);
        return gradcheck((a, b) => outer(a, b), [leaf([n], seed), leaf([m], seed + 1)]);
      }),
      RUNS,
    );
  });
});

describe("regressions", () => {
  test("minimum sends the gradient to the smaller input (it used to go to the larger one)", () => {
    const a = tensor([1, 5, 2], { dtype: "float64", requiresGrad: true });
    const b = tensor([3, 2, 2], { dtype: "float64", requiresGrad: true });
    const [ga, gb] = grad([minimum(a, b).sum()], [a, b]);
    expect(ga!.tolist()).toEqual([1, 0, 0.5]);
    expect(gb!.tolist()).toEqual([0, 1, 0.5]);
  });
});

describe("broadcasting equals an explicit expand", () => {
  const ops: Array<[string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number]> = [
    ["add", add, (x, y) => x + y],
    ["sub", sub, (x, y) => x - y],
    ["mul", mul, (x, y) => x * y],
    ["div", div, (x, y) => x / y],
    ["pow", (a, b) => pow(a.abs(), b), (x, y) => Math.pow(Math.abs(x), y)],
    ["maximum", maximum, (x, y) => Math.max(x, y)],
    ["minimum", minimum, (x, y) => Math.min(x, y)],
    ["lt", (a, b) => a.lt(b), (x, y) => (x < y ? 1 : 0)],
    ["where", (a, b) => where(a.gt(0), a, b), (x, y) => (x > 0 ? x : y)],
  ];
  test.each(ops)("%s", (_name, op, scalar) => {
    fc.assert(
      fc.property(broadcastPairArb, seedArb, fc.boolean(), fc.constantFrom("float32", "float64"), ([sa, sb], seed, transposed, dtype) => {
        const g = new Generator(seed);
        // Optionally feed a non-contiguous operand: a transposed view of a tensor of the swapped shape.
        const a =
          transposed && sa.length >= 2
            ? randn([...sa.slice(0, -2), sa[sa.length - 1]!, sa[sa.length - 2]!], { dtype, generator: g }).transpose(-1, -2)
            : randn(sa, { dtype, generator: g });
        const b = randn(sb, { dtype, generator: g });
        const shape = broadcastShapes(sa, sb, "test");
        const out = op(a, b);
        expect(out.shape).toEqual(shape);
        const xa = a.expand(shape).contiguous().dataSync();
        const xb = b.expand(shape).contiguous().dataSync();
        const round = dtype === "float32" && out.dtype !== "bool" ? Math.fround : (v: number) => v;
        const expected = Array.from(xa, (x, i) => round(scalar(x, xb[i]!)));
        expect(Array.from(out.dataSync())).toEqual(expected);
      }),
      RUNS,
    );
  });
});

/** A plain-JS model of a view: the flat base position of each view element, in row-major order. */
interface IndexModel {
  shape: number[];
  pos: number[];
}

function baseModel(shape: readonly number[]): IndexModel {
  const n = shape.reduce((p, d) => p * d, 1);
  return { shape: shape.slice(), pos: Array.from({ length: n }, (_, i) => i) };
}

function at(m: IndexModel, idx: number[]): number {
  let flat = 0;
  for (let d = 0; d < m.shape.length; d++) flat = flat * m.shape[d]! + idx[d]!;
  return m.pos[flat]!;
}

/** Build a model of shape `shape` whose element at `idx` is the source model element at `source(idx)`. */
function remap(m: IndexModel, shape: number[], source: (idx: number[]) => number[]): IndexModel {
  const n = shape.reduce((p, d) => p * d, 1);
  const pos: number[] = [];
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    pos.push(at(m, source(idx)));
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return { shape, pos };
}

type ViewStep = { kind: "transpose"; d0: number; d1: number } | { kind: "slice"; dim: number; start: number; end: number; step: number } | { kind: "select"; dim: number; index: number };

function applyStep(t: Tensor, s: ViewStep): Tensor {
  if (s.kind === "transpose") return t.transpose(s.d0, s.d1);
  if (s.kind === "select") return t.select(s.dim, s.index);
  const specs: Array<null | [number, number, number]> = Array.from({ length: s.dim }, () => null);
  specs.push([s.start, s.end, s.step]);
  return t.slice(...specs);
}

function applyModel(m: IndexModel, s: ViewStep): IndexModel {
  if (s.kind === "transpose") {
    const shape = m.shape.slice();
    [shape[s.d0], shape[s.d1]] = [shape[s.d1]!, shape[s.d0]!];
    return remap(m, shape, (idx) => {
      const src = idx.slice();
      [src[s.d0], src[s.d1]] = [src[s.d1]!, src[s.d0]!];
      return src;
    });
  }
  if (s.kind === "select") {
    const shape = m.shape.filter((_, d) => d !== s.dim);
    return remap(m, shape, (idx) => [...idx.slice(0, s.dim), s.index, ...idx.slice(s.dim)]);
  }
  const shape = m.shape.slice();
  shape[s.dim] = Math.ceil((s.end - s.start) / s.step);
  return remap(m, shape, (idx) => idx.map((v, d) => (d === s.dim ? s.start + v * s.step : v)));
}

/** One random view step valid for `shape` (null when none applies, e.g. on a 0-dim view). */
function stepArb(shape: readonly number[]): fc.Arbitrary<ViewStep | null> {
  const n = shape.length;
  if (n === 0) return fc.constant(null);
  const dim = fc.integer({ min: 0, max: n - 1 });
  const options: Array<fc.Arbitrary<ViewStep>> = [
    dim.chain((d) =>
      fc.integer({ min: 0, max: shape[d]! - 1 }).chain((start) =>
        fc.tuple(fc.integer({ min: start + 1, max: shape[d]! }), fc.integer({ min: 1, max: 2 })).map(
          ([end, step]): ViewStep => ({ kind: "slice", dim: d, start, end, step }),
        ),
      ),
    ),
    dim.chain((d) => fc.integer({ min: 0, max: shape[d]! - 1 }).map((index): ViewStep => ({ kind: "select", dim: d, index }))),
  ];
  if (n >= 2) options.push(fc.tuple(dim, dim).map(([d0, d1]): ViewStep => ({ kind: "transpose", d0, d1 })));
  return fc.oneof(...options);
}

/** A base shape and a chain of up to three view steps on it. */
const viewChainArb = shapeArb(1, 3)
  .map((s) => s.map((d) => d + 1))
  .chain((shape) => {
    const grow = (current: readonly number[], steps: ViewStep[], left: number): fc.Arbitrary<ViewStep[]> =>
      left === 0
        ? fc.constant(steps)
        : stepArb(current).chain((s) => {
            if (s === null) return fc.constant(steps);
            const next = applyModel(baseModel(current), s).shape;
            return grow(next, [...steps, s], left - 1);
          });
    return fc.tuple(fc.constant(shape), fc.integer({ min: 1, max: 3 }).chain((k) => grow(shape, [], k)));
  });

describe("views and bases under in-place writes", () => {
  type Write = "mul_add" | "fill" | "copy";
  test("writing through a chain of slices, selects and transposes updates exactly the viewed elements", () => {
    fc.assert(
      fc.property(viewChainArb, seedArb, fc.constantFrom<Write>("mul_add", "fill", "copy"), ([shape, steps], seed, write) => {
        const base = randn(shape, { dtype: "float64", generator: new Generator(seed) });
        const reference = Array.from(base.dataSync());
        let view = base;
        let model = baseModel(shape);
        for (const s of steps) {
          view = applyStep(view, s);
          model = applyModel(model, s);
        }
        expect(view.shape).toEqual(model.shape);
        expect(Array.from(view.dataSync())).toEqual(model.pos.map((p) => reference[p]!));
        const src = randn(model.shape, { dtype: "float64", generator: new Generator(seed + 1) });
        const srcValues = src.dataSync();
        const versionBefore = base.version;
        if (write === "mul_add") view.mul_(3).add_(src);
        else if (write === "fill") view.fill_(-2);
        else view.copy_(src);
        model.pos.forEach((p, k) => {
          reference[p] = write === "mul_add" ? reference[p]! * 3 + srcValues[k]! : write === "fill" ? -2 : srcValues[k]!;
        });
        expect(Array.from(base.dataSync())).toEqual(reference);
        expect(base.version).toBeGreaterThan(versionBefore);
        expect(view.version).toBe(base.version);
      }),
      RUNS,
    );
  });

  test("in-place writes through views of a non-leaf give the base the right gradient (CopySlices)", () => {
    fc.assert(
      fc.property(viewChainArb, seedArb, ([shape, steps], seed) => {
        const x = leaf(shape, seed);
        const base = x.mul(1);
        let view = base;
        let model = baseModel(shape);
        for (const s of steps) {
          view = applyStep(view, s);
          model = applyModel(model, s);
        }
        view.mul_(2.5);
        base.sum().backward();
        const expected = new Array<number>(x.numel()).fill(1);
        for (const p of model.pos) expected[p] = 2.5;
        expect(Array.from(x.grad!.dataSync())).toEqual(expected);
      }),
      RUNS,
    );
  });
});

describe("gradgradcheck of smooth ops", () => {
  const SECOND = { numRuns: 50 };
  test.each([
    ["tanh", (x: Tensor) => x.tanh()],
    ["exp", (x: Tensor) => x.exp()],
    ["sigmoid", (x: Tensor) => x.sigmoid()],
    ["pow 3", (x: Tensor) => x.pow(3)],
  ] as const)("%s", (_name, f) => {
    fc.assert(fc.property(shapeArb(0, 2), seedArb, (shape, seed) => gradgradcheck(f, [leaf(shape, seed)])), SECOND);
  });

  test.each([
    ["mul", (a: Tensor, b: Tensor) => a.mul(b), undefined],
    ["div", (a: Tensor, b: Tensor) => a.div(b), awayFromZero],
    ["pow", (a: Tensor, b: Tensor) => a.pow(b), undefined],
  ] as const)("%s with broadcasting", (name, f, mapB) => {
    const mapA = name === "pow" ? positive : undefined;
    fc.assert(
      fc.property(
        broadcastPairArb.filter(([a, b]) => a.length <= 2 && b.length <= 2),
        seedArb,
        ([sa, sb], seed) => gradgradcheck(f, [leaf(sa, seed, mapA), leaf(sb, seed + 1, mapB)]),
      ),
      SECOND,
    );
  });

  test("matmul", () => {
    fc.assert(
      fc.property(sizeArb, sizeArb, sizeArb, fc.boolean(), seedArb, (n, k, m, vector, seed) =>
        gradgradcheck((a, b) => matmul(a, b), [leaf(vector ? [k] : [n, k], seed), leaf([k, m], seed + 1)]),
      ),
      SECOND,
    );
  });
});
