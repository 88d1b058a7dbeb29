/**
 * Metrics for training loops: classification accuracy and a running (weighted) mean.
 * @module
 */
import { Tensor, noGrad } from "@tapegrad/core";

/**
 * Fraction of rows whose largest score is at the true class (ties go to the first index, as
 * `argmax` does).
 *
 * @param scores logits or probabilities, shape `[N, C]` (or `[C]` for one sample).
 * @param labels class indices, int32, shape `[N]` (or `[]`).
 * @returns a number in [0, 1].
 * @throws TypeError for non-tensors or non-integer labels; RangeError when the shapes disagree.
 * @example
 * accuracy(model.forward(x), y); // 0.975
 */
export function accuracy(scores: Tensor, labels: Tensor): number {
  if (!(scores instanceof Tensor) || !(labels instanceof Tensor)) throw new TypeError("accuracy: scores and labels must be tensors");
  if (labels.dtype !== "int32") throw new TypeError(`accuracy: labels must be int32 class indices, got ${labels.dtype}`);
  const batched = scores.dim() === 2;
  if (!(batched || scores.dim() === 1) || labels.dim() !== (batched ? 1 : 0) || (batched && scores.shape[0] !== labels.shape[0])) {
    throw new RangeError(`accuracy: scores [N, C] need labels [N], got [${scores.shape.join(", ")}] and [${labels.shape.join(", ")}]`);
  }
  const n = batched ? scores.shape[0]! : 1;
  if (n === 0) throw new RangeError("accuracy: no samples (N = 0)");
  return noGrad(() => scores.argmax(-1).eq(labels).sum().item() / n);
}

/**
 * A mean kept up to date one value (or one batch) at a time, e.g. the epoch's loss. Each value can
 * carry a weight (the batch size), so a smaller last batch counts for what it is.
 *
 * @example
 * const loss = new RunningMean();
 * for (const [x, y] of loader) { ...; loss.add(l.item(), y.shape[0]); }
 * loss.value; // the sample-weighted mean
 */
export class RunningMean {
  #sum = 0;
  #weight = 0;
  #count = 0;

  /** Add `value` with `weight` (default 1, must be > 0). */
  add(value: number, weight = 1): void {
    if (typeof value !== "number" || Number.isNaN(value)) throw new TypeError(`RunningMean.add: value must be a number, got ${String(value)}`);
    if (typeof weight !== "number" || !(weight > 0) || !Number.isFinite(weight)) {
      throw new RangeError(`RunningMean.add: weight must be a positive finite number, got ${String(weight)}`);
    }
    this.#sum += value * weight;
    this.#weight += weight;
    this.#count += 1;
  }

  /** The weighted mean so far (NaN before the first value). */
  get value(): number {
    return this.#weight > 0 ? this.#sum / this.#weight : Number.NaN;
  }

  /** How many values were added. */
  get count(): number {
    return this.#count;
  }

  /** Forget every value. */
  reset(): void {
    this.#sum = 0;
    this.#weight = 0;
    this.#count = 0;
  }
}
