/**
 * A few recently freed result arrays, reused by `allocate`. A new typed array of tens of KiB costs
 * more than its size suggests: its memory comes back cold from the allocator and is zeroed there,
 * and each one adds to the garbage collector's external-memory pressure. The backward engine gives
 * back the gradients it provably alone held once the rule that read them has run (see
 * `autograd/engine.ts`), and the next result of the same type and length reuses one, still warm
 * in cache, as PyTorch's caching allocator reuses freed blocks.
 *
 * Only standalone arrays (not views of a larger buffer, so never kernel memory or a subarray) of
 * 4 KiB to 1 MiB are kept, at most four and 2 MiB in all, newest first: a bounded amount of memory
 * held between a backward pass and the next allocations.
 * @module
 */
import type { DType, TypedArray } from "./dtype.js";

const MIN_BYTES = 4096;
const MAX_BYTES = 1 << 20;
const MAX_TOTAL_BYTES = 2 << 20;
const MAX_COUNT = 4;

/** Oldest first. */
const kept: TypedArray[] = [];
let keptBytes = 0;

const constructors = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array } as const;

/**
 * @internal give back `a`, which nothing references any more and nothing will read or write
 * again: the caller must have proved it (the engine does, for gradients only it held). Ignored
 * when `a` is a view into a larger buffer or outside the kept sizes.
 */
export function recycleArray(a: TypedArray): void {
  const bytes = a.byteLength;
  if (bytes < MIN_BYTES || bytes > MAX_BYTES || a.byteOffset !== 0 || a.buffer.byteLength !== bytes) return;
  while (kept.length >= MAX_COUNT || keptBytes + bytes > MAX_TOTAL_BYTES) keptBytes -= kept.shift()!.byteLength;
  kept.push(a);
  keptBytes += bytes;
}

/** @internal a kept array of `length` elements of `dtype`, zero-filled, or null when none is kept. */
export function takeRecycled(dtype: DType, length: number): TypedArray | null {
  if (kept.length === 0) return null;
  const ctor = constructors[dtype];
  for (let i = kept.length - 1; i >= 0; i--) {
    const a = kept[i]!;
    if (a.length === length && a.constructor === ctor) {
      kept.splice(i, 1);
      keptBytes -= a.byteLength;
      return a.fill(0);
    }
  }
  return null;
}
