/**
 * Dedicated loops for the most frequent float ops on dense operands: same-length arrays, or one
 * side a single value (a scalar or a 1-element tensor). The generic kernels call a function per
 * element, and that call site sees every op's function, so V8 cannot inline it; here each op has
 * its own loop. The expressions are those of the generic path, so the results are the same bits.
 * Float buffers go to the WebAssembly SIMD kernels first (same bits again); these loops then
 * finish the elements after the last whole vector.
 * @module
 */
import type { TypedArray } from "../dtype.js";
import { binarySimd } from "./wasm/elementwise-runtime.js";

/** The ops with a dedicated loop: `a + alpha*b`, `a - alpha*b`, `a * b`, `a / b`, `b > 0 ? a : 0`. */
export type DenseOp = "add" | "sub" | "mul" | "div" | "reluMask";

/**
 * `out[i] = op(a[i], b[i])` where an operand given as a number is that value for every i.
 * @param alpha the scale of b for add and sub (1 otherwise)
 */
export function denseBinary(op: DenseOp, a: TypedArray | number, b: TypedArray | number, out: TypedArray, alpha: number): void {
  const n = out.length;
  // The SIMD kernels write the leading whole vectors (none when they do not apply); the loops do the rest.
  const from = binarySimd(op, a, b, out, alpha);
  if (from === n) return;
  if (typeof a === "number") {
    if (typeof b === "number") {
      out.fill(scalarOp(op, a, b, alpha));
      return;
    }
    switch (op) {
      case "add": for (let i = from; i < n; i++) out[i] = a + alpha * b[i]!; return;
      case "sub": for (let i = from; i < n; i++) out[i] = a - alpha * b[i]!; return;
      case "mul": for (let i = from; i < n; i++) out[i] = a * b[i]!; return;
      case "div": for (let i = from; i < n; i++) out[i] = a / b[i]!; return;
      case "reluMask": for (let i = from; i < n; i++) out[i] = b[i]! > 0 ? a : 0; return;
    }
  }
  if (typeof b === "number") {
    const s = alpha * b;
    switch (op) {
      case "add": for (let i = from; i < n; i++) out[i] = a[i]! + s; return;
      case "sub": for (let i = from; i < n; i++) out[i] = a[i]! - s; return;
      case "mul": for (let i = from; i < n; i++) out[i] = a[i]! * b; return;
      case "div": for (let i = from; i < n; i++) out[i] = a[i]! / b; return;
      case "reluMask":
        if (b > 0) out.set(from === 0 ? a : a.subarray(from), from);
        else out.fill(0, from);
        return;
    }
  }
  switch (op) {
    case "add":
      if (alpha === 1) for (let i = from; i < n; i++) out[i] = a[i]! + b[i]!;
      else for (let i = from; i < n; i++) out[i] = a[i]! + alpha * b[i]!;
      return;
    case "sub":
      if (alpha === 1) for (let i = from; i < n; i++) out[i] = a[i]! - b[i]!;
      else for (let i = from; i < n; i++) out[i] = a[i]! - alpha * b[i]!;
      return;
    case "mul": for (let i = from; i < n; i++) out[i] = a[i]! * b[i]!; return;
    case "div": for (let i = from; i < n; i++) out[i] = a[i]! / b[i]!; return;
    case "reluMask": for (let i = from; i < n; i++) out[i] = b[i]! > 0 ? a[i]! : 0; return;
  }
}

/**
 * `out[i] = op(a[i], b[i])` where one operand is a row of `rowLength` values repeated over `out`
 * (a bias `[N]` against `[B, N]`) and the other covers `out`. Only the SIMD kernels take this
 * (same bits as the generic kernel); returns false when they cannot (no WebAssembly, other
 * types, a row whose length is not a multiple of the vector lanes), and the caller then uses the
 * generic kernel.
 */
export function denseBinaryRows(op: DenseOp, a: TypedArray, b: TypedArray, out: TypedArray, alpha: number, rowLength: number): boolean {
  return binarySimd(op, a, b, out, alpha, rowLength) === out.length;
}

/** The op on two numbers, as the loops compute it. */
export function scalarOp(op: DenseOp, a: number, b: number, alpha: number): number {
  switch (op) {
    case "add": return a + alpha * b;
    case "sub": return a - alpha * b;
    case "mul": return a * b;
    case "div": return a / b;
    case "reluMask": return b > 0 ? a : 0;
  }
}
