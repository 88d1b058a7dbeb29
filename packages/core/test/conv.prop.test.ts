// conv2d / conv1d on random geometries: forward against a direct nested-loop convolution, and
// gradcheck / gradgradcheck in float64 (random strides, paddings and dilations, often leaving a
// ragged border the window never reaches; groups).
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { Generator, type Tensor, conv1d, conv2d, gradcheck, gradgradcheck, randn } from "@tapegrad/core";

interface Geo {
  n: number; groups: number; cg: number; ocg: number;
  kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
  h: number; w: number; bias: boolean;
}

/** A geometry whose (dilated) kernel fits the padded input. */
const geoArb = (maxSide: number): fc.Arbitrary<Geo> =>
  fc
    .record({
      n: fc.integer({ min: 1, max: 2 }), groups: fc.integer({ min: 1, max: 2 }), cg: fc.integer({ min: 1, max: 2 }), ocg: fc.integer({ min: 1, max: 2 }),
      kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }), sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }),
      ph: fc.integer({ min: 0, max: 2 }), pw: fc.integer({ min: 0, max: 2 }), dh: fc.integer({ min: 1, max: 2 }), dw: fc.integer({ min: 1, max: 2 }),
      eh: fc.integer({ min: 0, max: maxSide }), ew: fc.integer({ min: 0, max: maxSide }), bias: fc.boolean(),
    })
    .map((r) => ({
      ...r,
      // The smallest input the kernel fits in, plus a random extra.
      h: Math.max(1, r.dh * (r.kh - 1) + 1 - 2 * r.ph) + r.eh,
      w: Math.max(1, r.dw * (r.kw - 1) + 1 - 2 * r.pw) + r.ew,
    }));

/** Direct convolution: the definition, one output element at a time. */
function naiveConv(x: Float64Array, wt: Float64Array, b: Float64Array | null, g: Geo): { data: Float64Array; oh: number; ow: number } {
  const C = g.groups * g.cg;
  const OC = g.groups * g.ocg;
  const oh = Math.floor((g.h + 2 * g.ph - g.dh * (g.kh - 1) - 1) / g.sh) + 1;
  const ow = Math.floor((g.w + 2 * g.pw - g.dw * (g.kw - 1) - 1) / g.sw) + 1;
  const out = new Float64Array(g.n * OC * oh * ow);
  for (let n = 0; n < g.n; n++)
    for (let o = 0; o < OC; o++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          let s = b === null ? 0 : b[o]!;
          const grp = Math.floor(o / g.ocg);
          for (let c = 0; c < g.cg; c++)
            for (let p = 0; p < g.kh; p++)
              for (let q = 0; q < g.kw; q++) {
                const y = i * g.sh - g.ph + p * g.dh;
                const xx = j * g.sw - g.pw + q * g.dw;
                if (y < 0 || y >= g.h || xx < 0 || xx >= g.w) continue;
                s += x[((n * C + grp * g.cg + c) * g.h + y) * g.w + xx]! * wt[((o * g.cg + c) * g.kh + p) * g.kw + q]!;
              }
          out[((n * OC + o) * oh + i) * ow + j] = s;
        }
  return { data: out, oh, ow };
}

function operands(g: Geo, seed: number, dtype: "float32" | "float64", requiresGrad = false): [Tensor, Tensor, Tensor | null] {
  const gen = new Generator(seed);
  const C = g.groups * g.cg;
  const OC = g.groups * g.ocg;
  return [
    randn([g.n, C, g.h, g.w], { dtype, generator: gen, requiresGrad }),
    randn([OC, g.cg, g.kh, g.kw], { dtype, generator: gen, requiresGrad }),
    g.bias ? randn([OC], { dtype, generator: gen, requiresGrad }) : null,
  ];
}

const opts = (g: Geo) => ({ stride: [g.sh, g.sw], padding: [g.ph, g.pw], dilation: [g.dh, g.dw], groups: g.groups });

describe("conv2d forward equals the direct definition", () => {
  test("random geometries, float64 and float32", () => {
    fc.assert(
      fc.property(geoArb(6), fc.integer({ min: 0, max: 1e6 }), fc.constantFrom("float32", "float64"), (g, seed, dtype) => {
        const [x, w, b] = operands(g, seed, dtype as "float32" | "float64");
        const y = conv2d(x, w, b, opts(g));
        const ref = naiveConv(Float64Array.from(x.dataSync()), Float64Array.from(w.dataSync()), b && Float64Array.from(b.dataSync()), g);
        expect(y.shape).toEqual([g.n, g.groups * g.ocg, ref.oh, ref.ow]);
        const got = y.dataSync();
        const tol = dtype === "float64" ? 1e-12 : 1e-4;
        ref.data.forEach((v, i) => expect(Math.abs(got[i]! - v)).toBeLessThanOrEqual(tol * (1 + Math.abs(v))));
      }),
      { numRuns: 60 },
    );
  });

  test("a batch large enough to be processed in chunks equals per-image results, forward and backward", () => {
    // 30 images of 8 x 32 x 32 with a 3 x 3 kernel: a 72 x 1024 column matrix per image, so chunks of 28 and 2 images.
    const gen = new Generator(3);
    const x = randn([30, 8, 32, 32], { generator: gen, requiresGrad: true });
    const w = randn([4, 8, 3, 3], { generator: gen, requiresGrad: true });
    const y = conv2d(x, w, null, { padding: 1 });
    const g = randn(y.shape, { generator: gen });
    y.backward(g);
    const xi = x.detach().narrow(0, 29, 1).requiresGrad_(true);
    const wi = w.detach().requiresGrad_(true);
    const yi = conv2d(xi, wi, null, { padding: 1 });
    const gi = g.narrow(0, 29, 1);
    yi.backward(gi);
    const slice = (t: Tensor): number[] => Array.from(t.narrow(0, 29, 1).dataSync());
    expect(slice(y)).toEqual(Array.from(yi.dataSync()));
    expect(slice(x.grad!)).toEqual(Array.from(xi.grad!.dataSync()));
    // The weight gradient sums over chunks: compare with the sum of two halves.
    const half = (lo: number): Float32Array => {
      const xh = x.detach().narrow(0, lo, 15);
      const wh = w.detach().requiresGrad_(true);
      conv2d(xh, wh, null, { padding: 1 }).backward(g.narrow(0, lo, 15));
      return wh.grad!.dataSync() as Float32Array;
    };
    const a = half(0);
    const b = half(15);
    const whole = w.grad!.dataSync();
    whole.forEach((v, k) => expect(Math.abs(v - (a[k]! + b[k]!))).toBeLessThanOrEqual(1e-3 * (1 + Math.abs(v))));
  });
});

describe("conv gradients (float64)", () => {
  test("gradcheck over random geometries", () => {
    fc.assert(
      fc.property(geoArb(3), fc.integer({ min: 0, max: 1e6 }), (g, seed) => {
        const [x, w, b] = operands(g, seed, "float64", true);
        const inputs = b === null ? [x, w] : [x, w, b];
        return gradcheck((xi, wi, bi) => conv2d(xi!, wi!, bi ?? null, opts(g)), inputs);
      }),
      { numRuns: 25 },
    );
  });

  test("gradgradcheck over random geometries", () => {
    fc.assert(
      fc.property(geoArb(2), fc.integer({ min: 0, max: 1e6 }), (g, seed) => {
        const [x, w, b] = operands({ ...g, n: 1 }, seed, "float64", true);
        const inputs = b === null ? [x, w] : [x, w, b];
        return gradgradcheck((xi, wi, bi) => conv2d(xi!, wi!, bi ?? null, opts(g)), inputs);
      }),
      { numRuns: 10 },
    );
  });

  test("conv1d: gradcheck and gradgradcheck, padding 'same' with an even kernel, dilation and groups", () => {
    const gen = new Generator(11);
    const x = randn([2, 2, 7], { dtype: "float64", generator: gen, requiresGrad: true });
    const w = randn([4, 1, 4], { dtype: "float64", generator: gen, requiresGrad: true });
    const b = randn([4], { dtype: "float64", generator: gen, requiresGrad: true });
    const f = (xi: Tensor, wi: Tensor, bi: Tensor): Tensor => conv1d(xi, wi, bi, { padding: "same", dilation: 2, groups: 2 });
    expect(gradcheck(f as never, [x, w, b])).toBe(true);
    expect(gradgradcheck(f as never, [x, w, b])).toBe(true);
  });
});
