/**
 * The initialisation Linear and the convolution layers share (not exported from the package).
 * @module
 */
import type { Generator, Tensor } from "@tapegrad/core";
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from "./init.js";

/**
 * PyTorch's `reset_parameters` of Linear and the convolutions: `kaimingUniform_(weight, { a: sqrt(5) })`,
 * then the bias (if any) from U(-1/sqrt(fanIn), 1/sqrt(fanIn)); weight first.
 */
export function resetAffineParameters(weight: Tensor, bias: Tensor | null, generator: Generator | undefined): void {
  kaimingUniform_(weight, { a: Math.sqrt(5), generator });
  if (bias !== null) {
    const [fanIn] = calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, { a: -bound, b: bound, generator });
  }
}
