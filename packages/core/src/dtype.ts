/**
 * Element types and PyTorch's type-promotion rules among them.
 * @module
 */
import { describe } from "./describe.js";
import { takeRecycled } from "./recycled-arrays.js";

/** The element types a tensor can hold. `bool` is stored as one byte per element. */
export type DType = "float32" | "float64" | "int32" | "bool";

/** Every supported dtype, in promotion order (bool < int32 < float32 < float64). */
export const DTYPES: readonly DType[] = ["bool", "int32", "float32", "float64"];

/** The typed arrays that back tensor storage. */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

let defaultFloatDtype: "float32" | "float64" = "float32";

/** The dtype used for floating-point tensors created without an explicit dtype (float32 unless changed). */
export function getDefaultDtype(): "float32" | "float64" {
  return defaultFloatDtype;
}

/**
 * Set the default floating-point dtype, as `torch.set_default_dtype` does.
 * @throws TypeError when `dtype` is not "float32" or "float64".
 */
export function setDefaultDtype(dtype: "float32" | "float64"): void {
  if (dtype !== "float32" && dtype !== "float64") {
    throw new TypeError(`setDefaultDtype: dtype must be "float32" or "float64", got ${describe(dtype)}`);
  }
  defaultFloatDtype = dtype;
}

/** Whether `x` names a supported dtype. */
export function isDType(x: unknown): x is DType {
  return x === "float32" || x === "float64" || x === "int32" || x === "bool";
}

/** Validate a dtype argument coming from an untyped caller. */
export function checkDtype(x: unknown, where: string): DType {
  if (!isDType(x)) {
    throw new TypeError(`${where}: dtype must be one of ${DTYPES.join(", ")}, got ${describe(x)}`);
  }
  return x;
}

/** Whether the dtype is float32 or float64. */
export function isFloatingDtype(dtype: DType): dtype is "float32" | "float64" {
  return dtype === "float32" || dtype === "float64";
}

/** Allocate a zero-filled typed array for `length` elements of `dtype` (a recycled one when one fits). */
export function allocate(dtype: DType, length: number): TypedArray {
  const reused = takeRecycled(dtype, length);
  if (reused !== null) return reused;
  switch (dtype) {
    case "float32":
      return new Float32Array(length);
    case "float64":
      return new Float64Array(length);
    case "int32":
      return new Int32Array(length);
    case "bool":
      return new Uint8Array(length);
  }
}


const rank: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** The dtype two tensor operands promote to (PyTorch's `promote_types` for these four). */
export function promoteTypes(a: DType, b: DType): DType {
  return rank[a] >= rank[b] ? a : b;
}

/**
 * Result dtype of a tensor combined with a JS number or boolean.
 * A scalar only raises the result's category (bool → integer → floating), never its width:
 * float32 + 1.5 stays float32, int32 + 1.5 becomes the default float dtype, bool + 2 becomes int32.
 */
export function promoteWithScalar(dtype: DType, scalar: number | boolean): DType {
  const category = typeof scalar === "boolean" ? 0 : Number.isInteger(scalar) ? 1 : 2;
  const tensorCategory = dtype === "bool" ? 0 : dtype === "int32" ? 1 : 2;
  if (tensorCategory >= category) return dtype;
  return category === 2 ? getDefaultDtype() : "int32";
}

