/**
 * The three differentiable primitives behind every convolution: the convolution itself, its
 * input gradient and its weight gradient. Each is bilinear and the gradient rules of each are
 * written with the other two (see `conv-rules.ts`), so derivatives of any order exist. Arguments
 * are trusted here: `conv.ts` validates them.
 * @module
 */
import { record } from "../autograd/record.js";
import { convForward, convInputGradForward, convInputGradRule, convRule, convWeightGradForward, convWeightGradRule } from "../autograd/rules/conv-rules.js";
import { type TypedArray, allocate } from "../dtype.js";
import { type ConvGeometry, conv2dInputGradKernel, conv2dKernel, conv2dWeightGradKernel } from "../kernels/conv.js";
import { Tensor } from "../tensor.js";

/** @internal a tensor's values as a contiguous array and the offset of its first element (no copy when already contiguous). */
export function dense(t: Tensor): [TypedArray, number] {
  return t.isContiguous() ? [t.storage.data, t.offset] : [t.values(), 0];
}

/** @internal the shapes of a geometry's input, weight and output. */
export function convShapes(geo: ConvGeometry): { input: number[]; weight: number[]; output: number[] } {
  return {
    input: [geo.N, geo.C, geo.H, geo.W],
    weight: [geo.OC, geo.C / geo.groups, geo.KH, geo.KW],
    output: [geo.N, geo.OC, geo.OH, geo.OW],
  };
}

/**
 * @internal `y = conv(x, w) + b` for 4-D `x` `[N, C, H, W]` and `w` `[OC, C/groups, KH, KW]` of one
 * float dtype (`b` `[OC]` or null), recorded as `ConvolutionBackward`.
 */
export function convolution(x: Tensor, w: Tensor, b: Tensor | null, geo: ConvGeometry): Tensor {
  const out = allocate(x.dtype, geo.N * geo.OC * geo.OH * geo.OW);
  const [xd, xo] = dense(x);
  const [wd, wo] = dense(w);
  const [bd, bo] = b === null ? [null, 0] : dense(b);
  conv2dKernel(xd, xo, wd, wo, bd, bo, geo, out);
  const y = Tensor.fromData(out, convShapes(geo).output, x.dtype);
  const needB = b !== null && b.requiresGrad;
  return record(
    y,
    "ConvolutionBackward",
    [x, w, b],
    (g, [sx, sw]) => convRule(g, sx, sw, geo, x.requiresGrad, w.requiresGrad, needB),
    [w.requiresGrad ? x : null, x.requiresGrad ? w : null],
    ([dx, dw, db]) => convForward(x, w, dx ?? null, dw ?? null, db ?? null, geo),
  );
}

/**
 * @internal the gradient of `conv(x, w)` with respect to `x` for output gradient `g`: the
 * transposed convolution of `g` with `w`, shape `[N, C, H, W]`. Recorded as `ConvolutionInputGradBackward`.
 */
export function convolutionInputGrad(g: Tensor, w: Tensor, geo: ConvGeometry): Tensor {
  const out = allocate(g.dtype, geo.N * geo.C * geo.H * geo.W);
  const [gd, go] = dense(g);
  const [wd, wo] = dense(w);
  conv2dInputGradKernel(gd, go, wd, wo, geo, out);
  const dx = Tensor.fromData(out, convShapes(geo).input, g.dtype);
  return record(
    dx,
    "ConvolutionInputGradBackward",
    [g, w],
    (h, [sg, sw]) => convInputGradRule(h, sg, sw, geo, g.requiresGrad, w.requiresGrad),
    [w.requiresGrad ? g : null, g.requiresGrad ? w : null],
    ([dg, dw]) => convInputGradForward(g, w, dg ?? null, dw ?? null, geo),
  );
}

/**
 * @internal the gradient of `conv(x, w)` with respect to `w` for output gradient `g`: shape
 * `[OC, C/groups, KH, KW]`. Recorded as `ConvolutionWeightGradBackward`.
 */
export function convolutionWeightGrad(x: Tensor, g: Tensor, geo: ConvGeometry): Tensor {
  const s = convShapes(geo);
  const out = allocate(x.dtype, s.weight.reduce((a, b) => a * b, 1));
  const [xd, xo] = dense(x);
  const [gd, go] = dense(g);
  conv2dWeightGradKernel(xd, xo, gd, go, geo, out);
  const dw = Tensor.fromData(out, s.weight, x.dtype);
  return record(
    dw,
    "ConvolutionWeightGradBackward",
    [x, g],
    (h, [sx, sg]) => convWeightGradRule(h, sx, sg, geo, x.requiresGrad, g.requiresGrad),
    [g.requiresGrad ? x : null, x.requiresGrad ? g : null],
    ([dx, dg]) => convWeightGradForward(x, g, dx ?? null, dg ?? null, geo),
  );
}
