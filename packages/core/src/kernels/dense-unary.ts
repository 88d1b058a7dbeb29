/**
 * Dedicated loops for the most frequent unary ops on a dense input (see `dense-binary.ts` for why:
 * the generic kernel's per-element callback cannot be inlined). Same expressions as the ops'
 * element functions, so the same bits. relu, neg and sqrt of float buffers go to the WebAssembly SIMD
 * kernels first (same bits; relu without a branch on the sign, which mispredicts on random signs).
 * @module
 */
import type { TypedArray } from "../dtype.js";
import { unarySimd } from "./wasm/elementwise-runtime.js";

/** The unary ops with a dedicated loop. */
export type DenseUnaryOp = "neg" | "exp" | "log" | "sqrt" | "tanh" | "sigmoid" | "relu";

/** Whether `op` has a dedicated loop. */
export function hasDenseUnary(op: string): op is DenseUnaryOp {
  return op === "neg" || op === "exp" || op === "log" || op === "sqrt" || op === "tanh" || op === "sigmoid" || op === "relu";
}

/** `out[i] = op(src[i])` for every i < out.length. */
export function denseUnary(op: DenseUnaryOp, src: TypedArray, out: TypedArray): void {
  const n = out.length;
  switch (op) {
    case "neg": for (let i = unarySimd(op, src, out); i < n; i++) out[i] = -src[i]!; return;
    case "exp": for (let i = 0; i < n; i++) out[i] = Math.exp(src[i]!); return;
    case "log": for (let i = 0; i < n; i++) out[i] = Math.log(src[i]!); return;
    case "sqrt": for (let i = unarySimd(op, src, out); i < n; i++) out[i] = Math.sqrt(src[i]!); return;
    case "tanh": for (let i = 0; i < n; i++) out[i] = Math.tanh(src[i]!); return;
    case "sigmoid":
      for (let i = 0; i < n; i++) {
        const v = src[i]!;
        out[i] = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
      }
      return;
    case "relu":
      // Math.max(v, 0) is relu exactly (NaN stays NaN, -0 gives +0) and V8 compiles it without a branch on the sign.
      for (let i = unarySimd(op, src, out); i < n; i++) out[i] = Math.max(src[i]!, 0);
      return;
  }
}
