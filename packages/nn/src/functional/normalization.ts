/**
 * Normalization functions of `F`: `batchNorm`, `layerNorm` and `normalize`, composites of
 * differentiable ops (so second derivatives come for free).
 * @module
 */
import * as core from "@tapegrad/core";
import { type Tensor, noGrad } from "@tapegrad/core";
import { checkFinite, checkOptions, checkTensor, describe, formatShape } from "../util.js";

/** Options of {@link batchNorm}. */
export interface BatchNormOptions {
  /** Per-channel scale `[C]` (none if omitted). */
  weight?: Tensor | null;
  /** Per-channel shift `[C]` (none if omitted). */
  bias?: Tensor | null;
  /** Normalize with the batch's statistics and update the running ones (default false). */
  training?: boolean;
  /** Weight of the new batch statistic in the running average (default 0.1). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
}

/** `v` of shape `[C]` viewed as `[1, C, 1, ...]` to broadcast against an `ndim`-dim input. */
function perChannel(v: Tensor, ndim: number): Tensor {
  return v.reshape([1, v.numel(), ...new Array<number>(Math.max(0, ndim - 2)).fill(1)]);
}

function checkChannelVector(v: unknown, channels: number, where: string, name: string): Tensor | null {
  if (v === null || v === undefined) return null;
  const t = checkTensor(v, where, name);
  if (t.ndim !== 1 || t.shape[0] !== channels) {
    throw new RangeError(`${where}: ${name} must have shape [${channels}] (one value per channel of the input), got ${formatShape(t.shape)}`);
  }
  return t;
}

/**
 * Batch normalization over every dim but the channel dim 1 (PyTorch's `F.batch_norm`):
 * `y = (x - mean) / sqrt(var + eps) * weight + bias`.
 *
 * With `training: true` the mean and the biased variance of the batch are used, and the running
 * statistics (if given) are updated in place: `running = (1 - momentum) * running + momentum * stat`,
 * with the UNBIASED batch variance (`n / (n - 1)` times the biased one) for `runningVar`, exactly as
 * PyTorch. Otherwise the running statistics are used (they are then required).
 * @param x `[N, C, ...]`
 * @param runningMean `[C]` or null
 * @param runningVar `[C]` or null
 * @throws RangeError for mismatched shapes, or one value per channel in training mode.
 * @example F.batchNorm(x, null, null, { training: true })
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options?: BatchNormOptions): Tensor {
  const where = "batchNorm";
  checkTensor(x, where, "input");
  const o = checkOptions(options, where, ["weight", "bias", "training", "momentum", "eps"]);
  const { training = false, momentum = 0.1, eps = 1e-5 } = o;
  if (typeof training !== "boolean") throw new TypeError(`${where}: training must be a boolean, got ${describe(training)}`);
  checkFinite(momentum, where, "momentum");
  checkFinite(eps, where, "eps");
  if (x.ndim < 2) throw new RangeError(`${where}: input must have at least 2 dims [N, C, ...], got shape ${formatShape(x.shape)}`);
  const channels = x.shape[1]!;
  const weight = checkChannelVector(o.weight, channels, where, "weight");
  const bias = checkChannelVector(o.bias, channels, where, "bias");
  const rm = checkChannelVector(runningMean, channels, where, "runningMean");
  const rv = checkChannelVector(runningVar, channels, where, "runningVar");
  const dims = [0, ...Array.from({ length: x.ndim - 2 }, (_, i) => i + 2)];
  const count = x.numel() / Math.max(channels, 1);
  let mean: Tensor;
  let variance: Tensor;
  if (training) {
    if (count <= 1) throw new RangeError(`${where}: expected more than 1 value per channel when training, got input of shape ${formatShape(x.shape)}`);
    mean = core.mean(x, { dim: dims, keepdim: true });
    variance = core.variance(x, { dim: dims, keepdim: true, correction: 0 });
    if (rm !== null || rv !== null) {
      noGrad(() => {
        if (rm !== null) rm.mul_(1 - momentum).add_(mean.reshape([channels]).to(rm.dtype), { alpha: momentum });
        if (rv !== null) rv.mul_(1 - momentum).add_(variance.reshape([channels]).mul(count / (count - 1)).to(rv.dtype), { alpha: momentum });
      });
    }
  } else {
    if (rm === null || rv === null) throw new TypeError(`${where}: runningMean and runningVar are required when training is false`);
    mean = perChannel(rm, x.ndim);
    variance = perChannel(rv, x.ndim);
  }
  let y = core.mul(core.sub(x, mean), core.rsqrt(core.add(variance, eps)));
  if (weight !== null) y = core.mul(y, perChannel(weight, x.ndim));
  if (bias !== null) y = core.add(y, perChannel(bias, x.ndim));
  return y;
}

/** Options of {@link layerNorm}. */
export interface LayerNormOptions {
  /** Elementwise scale of shape `normalizedShape` (none if omitted). */
  weight?: Tensor | null;
  /** Elementwise shift of shape `normalizedShape` (none if omitted). */
  bias?: Tensor | null;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
}

/** @internal check a normalized shape against an input; returns it as a list. */
export function checkNormalizedShape(normalizedShape: unknown, where: string): number[] {
  const list = typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape;
  if (!Array.isArray(list) || list.length === 0 || !list.every((d) => typeof d === "number" && Number.isInteger(d) && d > 0)) {
    throw new TypeError(`${where}: normalizedShape must be a positive integer or a non-empty list of them, got ${describe(normalizedShape)}`);
  }
  return list.slice();
}

/**
 * Layer normalization over the last `normalizedShape.length` dims (PyTorch's `F.layer_norm`):
 * `y = (x - mean) / sqrt(var + eps) * weight + bias`, with the biased variance.
 * @throws RangeError when the input's trailing dims are not `normalizedShape` or weight/bias have another shape.
 * @example F.layerNorm(x, [x.shape.at(-1)!], { weight, bias })
 */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], options?: LayerNormOptions): Tensor {
  const where = "layerNorm";
  checkTensor(x, where, "input");
  const shape = checkNormalizedShape(normalizedShape, where);
  const o = checkOptions(options, where, ["weight", "bias", "eps"]);
  const eps = checkFinite(o.eps ?? 1e-5, where, "eps");
  const trailing = x.shape.slice(x.ndim - shape.length);
  if (x.ndim < shape.length || formatShape(trailing) !== formatShape(shape)) {
    throw new RangeError(`${where}: given normalizedShape=${formatShape(shape)}, expected input with shape [*, ${shape.join(", ")}], but got input of size ${formatShape(x.shape)}`);
  }
  for (const [name, v] of [["weight", o.weight], ["bias", o.bias]] as const) {
    if (v !== null && v !== undefined && formatShape(checkTensor(v, where, name).shape) !== formatShape(shape)) {
      throw new RangeError(`${where}: ${name} must have shape ${formatShape(shape)}, got ${formatShape(v.shape)}`);
    }
  }
  const dims = shape.map((_, i) => x.ndim - shape.length + i);
  const mean = core.mean(x, { dim: dims, keepdim: true });
  const variance = core.variance(x, { dim: dims, keepdim: true, correction: 0 });
  let y = core.mul(core.sub(x, mean), core.rsqrt(core.add(variance, eps)));
  if (o.weight) y = core.mul(y, o.weight);
  if (o.bias) y = core.add(y, o.bias);
  return y;
}

/** Options of {@link normalize}. */
export interface NormalizeOptions {
  /** The norm's exponent (default 2). */
  p?: number;
  /** The dim (or dims) normalized over (default 1). */
  dim?: number | readonly number[];
  /** Lower bound of the divisor, to avoid dividing by 0 (default 1e-12). */
  eps?: number;
}

/**
 * `x / max(||x||_p, eps)` along `dim` (PyTorch's `F.normalize`).
 * @example F.normalize(embeddings, { dim: -1 })
 */
export function normalize(x: Tensor, options?: NormalizeOptions): Tensor {
  const where = "normalize";
  checkTensor(x, where, "input");
  const { p = 2, dim = 1, eps = 1e-12 } = checkOptions(options, where, ["p", "dim", "eps"]);
  checkFinite(eps, where, "eps");
  const denom = core.clamp(core.norm(x, p, dim, true), eps, null);
  return core.div(x, denom);
}
