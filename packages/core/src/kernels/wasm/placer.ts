/**
 * Where a kernel call's operands are in kernel memory: pinned storage and kernel scratch arrays
 * are read in place, everything else is copied into the kernel's scratch block (and results
 * copied out, except into kernel scratch arrays, which are written in place).
 * @module
 */
import { kernelAddress } from "../../pin.js";
import { kernelScratchAddress } from "./kernel-memory.js";

/** @internal a dense float buffer of either width. */
export type FloatBuffer = Float32Array | Float64Array;

/** @internal round a byte count up to 64 (a cache line: keeps v128 accesses aligned and work areas apart). */
export const align = (n: number): number => (n + 63) & ~63;

/**
 * @internal lays out a kernel's operands in its scratch block: pinned ones stay where they are,
 * the others are copied into the next slot (results get a slot of their own).
 */
export class Placer {
  private next: number;
  /** Bytes per element, and its log2 (addresses are multiples of 64, so `>>>` gives the index). */
  private readonly es: number;
  private readonly sh: number;
  constructor(private readonly h: FloatBuffer, start: number) {
    this.next = start;
    this.es = h.BYTES_PER_ELEMENT;
    this.sh = this.es === 4 ? 2 : 3;
  }

  /** Bytes of scratch that `length` elements take (with 32 readable bytes after them), 0 when read in place. */
  static bytes(src: FloatBuffer, length: number, inPlace = true): number {
    return inPlace && inKernelMemory(src) !== null ? 0 : align(src.BYTES_PER_ELEMENT * length + 32);
  }

  /** Bytes of scratch that a result of `length` elements written to `dst` takes: 0 when written in place. */
  static resultBytes(dst: FloatBuffer, length: number): number {
    return kernelScratchAddress(dst) !== null ? 0 : align(dst.BYTES_PER_ELEMENT * length + 32);
  }

  /**
   * The byte address of `length` values of `src` from `offset`: in place when pinned and `inPlace`,
   * else copied in (the bias is always copied: the kernel reads 32 bytes past its end).
   */
  place(src: FloatBuffer, offset: number, length: number, inPlace = true): number {
    const pinned = inPlace ? inKernelMemory(src) : null;
    if (pinned !== null) return pinned + offset * this.es;
    const at = this.next;
    this.h.set(offset === 0 && length === src.length ? src : src.subarray(offset, offset + length), at >>> this.sh);
    this.next = at + align(length * this.es + 32);
    return at;
  }

  /** A slot of `length` elements for a result. */
  slot(length: number): number {
    const at = this.next;
    this.next = at + align(length * this.es + 32);
    return at;
  }

  /**
   * Where a result of `length` elements for `dst` from `offset` is written: in place when `dst` is
   * a kernel scratch array (never an operand of the same call), else a slot of its own, for
   * {@link copyOut}.
   */
  result(dst: FloatBuffer, offset: number, length: number): number {
    const at = kernelScratchAddress(dst);
    return at === null ? this.slot(length) : at + offset * this.es;
  }

  /** Copy `length` elements at byte address `at` out to `dst` from `offset` (nothing when `at` is `dst` itself). */
  copyOut(at: number, length: number, dst: FloatBuffer, offset: number): void {
    if (kernelScratchAddress(dst) !== null && kernelScratchAddress(dst)! + offset * this.es === at) return;
    dst.set(this.h.subarray(at >>> this.sh, (at >>> this.sh) + length), offset);
  }
}

/** @internal the byte address of element 0 of `src` when it lives in kernel memory (pinned storage or a kernel scratch array), else null. */
export function inKernelMemory(src: FloatBuffer): number | null {
  return kernelAddress(src) ?? kernelScratchAddress(src);
}
