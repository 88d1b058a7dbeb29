// Pooling on random geometries: gradcheck and gradgradcheck in float64 (strides, paddings,
// dilations and ceil mode that leave ragged borders), and max pooling against a direct definition.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { Generator, type Tensor, adaptiveAvgPool2d, avgPool2d, gradcheck, gradgradcheck, jvp, maxPool2d, randn, tensor } from "@tapegrad/core";

interface Win {
  k: [number, number]; s: [number, number]; p: [number, number]; d: [number, number]; ceilMode: boolean; h: number; w: number;
}

const winArb = (dilate: boolean): fc.Arbitrary<Win> =>
  fc
    .record({
      kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }), sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }),
      dh: fc.integer({ min: 1, max: dilate ? 2 : 1 }), dw: fc.integer({ min: 1, max: dilate ? 2 : 1 }),
      eh: fc.integer({ min: 0, max: 3 }), ew: fc.integer({ min: 0, max: 3 }), ph: fc.boolean(), pw: fc.boolean(), ceilMode: fc.boolean(),
    })
    .map((r) => {
      const p: [number, number] = [r.ph ? Math.floor(r.kh / 2) : 0, r.pw ? Math.floor(r.kw / 2) : 0];
      return {
        k: [r.kh, r.kw], s: [r.sh, r.sw], d: [r.dh, r.dw], p, ceilMode: r.ceilMode,
        // At least one dilated kernel: no window then holds only padding (that case has its own test).
        h: r.dh * (r.kh - 1) + 1 + r.eh,
        w: r.dw * (r.kw - 1) + 1 + r.ew,
      };
    });

const leaf = (shape: number[], seed: number): Tensor => randn(shape, { dtype: "float64", generator: new Generator(seed), requiresGrad: true });

describe("maxPool2d", () => {
  test("equals the direct definition (float32, random windows)", () => {
    fc.assert(
      fc.property(winArb(true), fc.integer({ min: 0, max: 1e6 }), (g, seed) => {
        const x = randn([2, 2, g.h, g.w], { generator: new Generator(seed) });
        const y = maxPool2d(x, g.k, { stride: g.s, padding: g.p, dilation: g.d, ceilMode: g.ceilMode });
        const [, , OH, OW] = y.shape as number[];
        const xv = x.dataSync();
        const yv = y.dataSync();
        for (let pl = 0; pl < 4; pl++)
          for (let i = 0; i < OH!; i++)
            for (let j = 0; j < OW!; j++) {
              let best = -Infinity;
              for (let a = 0; a < g.k[0]; a++)
                for (let b = 0; b < g.k[1]; b++) {
                  const r = i * g.s[0] - g.p[0] + a * g.d[0];
                  const c = j * g.s[1] - g.p[1] + b * g.d[1];
                  if (r >= 0 && r < g.h && c >= 0 && c < g.w) best = Math.max(best, xv[(pl * g.h + r) * g.w + c]!);
                }
              expect(yv[(pl * OH! + i) * OW! + j]).toBe(best);
            }
      }),
      { numRuns: 60 },
    );
  });

  test("gradcheck and gradgradcheck", () => {
    fc.assert(
      fc.property(winArb(true), fc.integer({ min: 0, max: 1e6 }), (g, seed) => {
        const f = (x: Tensor): Tensor => maxPool2d(x, g.k, { stride: g.s, padding: g.p, dilation: g.d, ceilMode: g.ceilMode });
        const x = leaf([1, 2, g.h, g.w], seed);
        return gradcheck(f, [x]) && gradgradcheck(f, [x]);
      }),
      { numRuns: 20 },
    );
  });

  test("ties send the gradient to the first maximum; overlapping windows accumulate", () => {
    // Channel 0: every window's maximum (1) is tied; each window takes its first (top-left) element.
    // Channel 1: all four windows share the maximum 5 in the middle.
    const x = tensor([[[[1, 1, 0], [1, 1, 0], [0, 0, 0]], [[0, 0, 0], [0, 5, 0], [0, 0, 0]]]], { requiresGrad: true });
    maxPool2d(x, 2, { stride: 1 }).sum().backward();
    expect(x.grad!.tolist()).toEqual([[[[1, 1, 0], [1, 1, 0], [0, 0, 0]], [[0, 0, 0], [0, 4, 0], [0, 0, 0]]]]);
  });

  test("NaN is the maximum of its window, and -infinity windows pick their first element", () => {
    const x = tensor([[[[1, NaN], [3, 4]], [[-Infinity, -Infinity], [-Infinity, -Infinity]]]], { requiresGrad: true });
    const y = maxPool2d(x, 2);
    expect(y.tolist()).toEqual([[[[NaN]], [[-Infinity]]]]);
    y.sum().backward();
    expect(x.grad!.tolist()).toEqual([[[[0, 1], [0, 0]], [[1, 0], [0, 0]]]]);
  });
});

test("a dilated window that holds only padding gives -infinity and no gradient", () => {
  // Height 1, kernel 2 dilated by 2, padding 1: the window reads rows -1 and 1, both padding.
  const x = tensor([[[[1, 2]], [[3, 4]]]], { dtype: "float64", requiresGrad: true });
  const y = maxPool2d(x, [2, 1], { dilation: [2, 1], padding: [1, 0] });
  expect(y.tolist()).toEqual([[[[-Infinity, -Infinity]], [[-Infinity, -Infinity]]]]);
  y.backward(tensor([[[[1, 1]], [[1, 1]]]], { dtype: "float64" }));
  expect(x.grad!.tolist()).toEqual([[[[0, 0]], [[0, 0]]]]);
  const [, tangent] = jvp((t) => maxPool2d(t, [2, 1], { dilation: [2, 1], padding: [1, 0] }), [x.detach()], [tensor([[[[1, 2]], [[3, 4]]]], { dtype: "float64" })]);
  expect(tangent.tolist()).toEqual([[[[0, 0]], [[0, 0]]]]);
});

describe("average pooling", () => {
  test("avgPool2d: gradcheck and gradgradcheck over random windows, both divisor conventions", () => {
    fc.assert(
      fc.property(winArb(false), fc.boolean(), fc.integer({ min: 0, max: 1e6 }), (g, include, seed) => {
        const f = (x: Tensor): Tensor => avgPool2d(x, g.k, { stride: g.s, padding: g.p, ceilMode: g.ceilMode, countIncludePad: include });
        const x = leaf([1, 2, g.h, g.w], seed);
        return gradcheck(f, [x]) && gradgradcheck(f, [x]);
      }),
      { numRuns: 20 },
    );
  });

  test("adaptiveAvgPool2d: gradcheck and gradgradcheck, smaller and larger outputs", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), (h, w, oh, ow) => {
        const f = (x: Tensor): Tensor => adaptiveAvgPool2d(x, [oh, ow]);
        const x = leaf([1, 1, h, w], h * 31 + w);
        return gradcheck(f, [x]) && gradgradcheck(f, [x]);
      }),
      { numRuns: 15 },
    );
  });

  test("hand-checked: padding excluded from the divisor, and a divisor override", () => {
    const x = tensor([[[[1, 2], [3, 4]]]]);
    expect(avgPool2d(x, 2, { stride: 1, padding: 1, countIncludePad: false }).tolist()).toEqual([[[[1, 1.5, 2], [2, 2.5, 3], [3, 3.5, 4]]]]);
    expect(avgPool2d(x, 2, { stride: 1, padding: 1 }).tolist()).toEqual([[[[0.25, 0.75, 0.5], [1, 2.5, 1.5], [0.75, 1.75, 1]]]]);
    expect(avgPool2d(x, 2, { divisorOverride: 2 }).tolist()).toEqual([[[[5]]]]);
  });
});

describe("pooling argument errors", () => {
  const x = randn([1, 2, 4, 4]);
  test("messages name the op and the values", () => {
    expect(() => maxPool2d(randn([4, 4]), 2)).toThrow("maxPool2d: expected 3D (unbatched) or 4D (batched) input, but got input of size [4,4]");
    expect(() => maxPool2d(x, 3, { padding: 2 })).toThrow("maxPool2d: pad should be at most half of kernel size, but got padding=[2, 2] and kernelSize=[3, 3]");
    expect(() => maxPool2d(x, 5)).toThrow("maxPool2d: given input size: (2x4x4). Calculated output size: (2x0x0). Output size is too small");
    expect(() => maxPool2d(x, 0)).toThrow("maxPool2d: kernelSize must be at least 1, got 0");
    expect(() => maxPool2d(x, 2, { ceilMode: 1 as never })).toThrow(/ceilMode must be a boolean/);
    expect(() => avgPool2d(x, 2, { divisorOverride: 0 })).toThrow(/divisorOverride must be a non-zero integer, got 0/);
    expect(() => avgPool2d(x.int(), 2)).toThrow(/avgPool2d: input must be a float32 or float64 tensor, got dtype int32/);
    expect(() => adaptiveAvgPool2d(x, [0, 2])).toThrow(/adaptiveAvgPool2d: outputSize must be positive/);
    expect(() => adaptiveAvgPool2d(x, [1, 2, 3] as never)).toThrow(/outputSize must be an integer or a list of 2 integers/);
  });
});
