/**
 * Dropout as a function.
 * @module
 */
import { type Generator, type Tensor, mul, rand } from "@tapegrad/core";
import { checkFloatTensor, checkOptions, describe } from "../util.js";

/**
 * Inverted dropout: in training, zero each element with probability `p` and scale the others by
 * `1 / (1 - p)`, so the expected value is unchanged; outside training, return `x` unchanged.
 * The mask is drawn from `generator` (the seeded default generator if omitted).
 * @param p drop probability in [0, 1] (default 0.5); p = 1 gives zeros.
 * @param training apply dropout (default true); pass `module.training` from a module.
 * @throws RangeError when p is outside [0, 1].
 * @example F.dropout(h, 0.1, this.training)
 */
export function dropout(x: Tensor, p = 0.5, training = true, options?: { generator?: Generator }): Tensor {
  const where = "dropout";
  checkFloatTensor(x, where, "input");
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
    throw new RangeError(`${where}: dropout probability has to be between 0 and 1, but got ${describe(p)}`);
  }
  if (typeof training !== "boolean") throw new TypeError(`${where}: training must be a boolean, got ${describe(training)}`);
  const { generator } = checkOptions(options, where, ["generator"]);
  if (!training || p === 0) return x;
  if (p === 1) return mul(x, 0);
  const u = rand(x.shape, { dtype: x.dtype, generator });
  // keep = (u >= p) has probability 1 - p; scale computed in double like PyTorch's 1 / (1 - p).
  const mask = u.ge(p).to(x.dtype).mul(1 / (1 - p));
  return mul(x, mask);
}
