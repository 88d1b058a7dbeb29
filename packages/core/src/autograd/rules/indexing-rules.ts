/**
 * Gradient rules of the joining and indexing ops. gather and scatterAdd are each other's
 * gradient, as are indexSelect and indexAdd, so every rule can be differentiated again.
 * @module
 */
import type { DType } from "../../dtype.js";
import { type Shape, contiguousStrides, sameShape } from "../../shape.js";
import type { Tensor } from "../../tensor.js";
import { mul } from "../../ops/binary.js";
import { zeros } from "../../ops/creation.js";
import { cat, gather, indexAdd, indexSelect, scatterAdd } from "../../ops/indexing.js";
import { embed, narrow } from "../../ops/movement.js";
import { cast } from "../../ops/unary.js";
import type { Tangent } from "./tangent-sum.js";

/** What the cat rule needs to know of each input. */
export interface CatInputMeta {
  size: number;
  dtype: DType;
  floating: boolean;
}

/** d cat: each input gets its slice of `g` along `dim`, cast back to its own dtype. */
export function catRule(g: Tensor, dim: number, inputs: readonly CatInputMeta[]): Array<Tensor | null> {
  let offset = 0;
  return inputs.map(({ size, dtype, floating }) => {
    const start = offset;
    offset += size;
    return floating ? cast(narrow(g, dim, start, size), dtype) : null;
  });
}

/** d gather(x, dim, index) / dx: zeros of x's shape with `g` scatter-added at `index`. */
export function gatherRule(g: Tensor, inputShape: Shape, dim: number, index: Tensor): Tensor {
  return scatterAdd(zeros(inputShape, { dtype: g.dtype }), dim, index, g);
}

/**
 * d scatterAdd(x, dim, index, src): `g` for x; for src, `g` gathered at `index`, padded with zeros
 * where src is larger than index (those elements were not used).
 */
export function scatterAddRule(g: Tensor, dim: number, index: Tensor, srcShape: Shape): [Tensor, Tensor] {
  const picked = gather(g, dim, index);
  if (sameShape(picked.shape, srcShape)) return [g, picked];
  return [g, embed(picked, srcShape, { shape: index.shape.slice(), strides: contiguousStrides(srcShape), offset: 0 })];
}

/** d indexSelect(x, dim, index) / dx: zeros of x's shape with the rows of `g` added at `index`. */
export function indexSelectRule(g: Tensor, inputShape: Shape, dim: number, index: Tensor): Tensor {
  return indexAdd(zeros(inputShape, { dtype: g.dtype }), dim, index, g);
}

/** d indexAdd(x, dim, index, source, alpha): `g` for x and `alpha * indexSelect(g, dim, index)` for source. */
export function indexAddRule(g: Tensor, dim: number, index: Tensor, alpha: number): [Tensor, Tensor] {
  const picked = indexSelect(g, dim, index);
  return [g, alpha === 1 ? picked : mul(picked, alpha)];
}

/** Tangent of cat: the inputs' tangents (zeros where absent) concatenated along `dim`, in the result's dtype. */
export function catForward(tangents: readonly Tangent[], inputs: readonly Tensor[], dim: number, dtype: DType): Tensor {
  return cat(
    inputs.map((t, i) => {
      const d = tangents[i];
      return d ? cast(d, dtype) : zeros(t.shape, { dtype });
    }),
    dim,
  );
}

/** Tangent of scatterAdd(x, dim, index, src): `scatterAdd(dx, dim, index, dsrc)` (zeros where absent). */
export function scatterAddForward(x: Tensor, src: Tensor, dim: number, index: Tensor, dx: Tangent, dsrc: Tangent): Tensor {
  return scatterAdd(dx ?? zeros(x.shape, { dtype: dsrc!.dtype }), dim, index, dsrc ?? zeros(src.shape, { dtype: dx!.dtype }));
}

/** Tangent of indexAdd(x, dim, index, source, alpha): `indexAdd(dx, dim, index, dsource, alpha)` (zeros where absent). */
export function indexAddForward(x: Tensor, source: Tensor, dim: number, index: Tensor, alpha: number, dx: Tangent, ds: Tangent): Tensor {
  return indexAdd(dx ?? zeros(x.shape, { dtype: ds!.dtype }), dim, index, ds ?? zeros(source.shape, { dtype: dx!.dtype }), { alpha });
}
