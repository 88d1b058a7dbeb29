/**
 * A first-fit allocator of aligned byte ranges inside one growable address space (the kernels'
 * WebAssembly memory). Few, long-lived blocks are expected (parameters, optimizer state, kernel
 * scratch), so a sorted free list with coalescing is enough: no size classes, no headers in the
 * managed memory itself.
 * @module
 */

/** A free byte range `[start, start + size)`. */
interface FreeRange {
  start: number;
  size: number;
}

/** Occupancy figures of kernel memory (see `kernelMemoryUsage`). */
export interface AllocatorStats {
  /** Bytes between the first managed address and the current end of the address space. */
  managedBytes: number;
  /** Bytes held by live blocks (rounded up to the alignment). */
  usedBytes: number;
  /** Number of live blocks. */
  blocks: number;
}

/**
 * Hands out `alignment`-aligned blocks between `base` and the end of a space that `grow` extends.
 * Released blocks merge with free neighbours, so a released region is reused by later blocks of
 * any size that fits.
 */
export class BlockAllocator {
  /** Free ranges sorted by start, never adjacent (adjacent ranges are merged). */
  private readonly freeRanges: FreeRange[] = [];
  /** Size of every live block, by start address. */
  private readonly live = new Map<number, number>();
  private end: number;
  private used = 0;

  /**
   * @param base first address handed out (a multiple of `alignment`)
   * @param alignment block alignment and size granularity in bytes (a power of two)
   * @param grow extends the space so that it ends at or after `minEnd`; returns the new end, or null when it cannot
   */
  constructor(
    private readonly base: number,
    private readonly alignment: number,
    private readonly grow: (minEnd: number) => number | null,
  ) {
    this.end = base;
  }

  /** The start of a new block of at least `bytes` bytes, or null when the space cannot grow enough. */
  allocate(bytes: number): number | null {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`BlockAllocator.allocate: bytes must be a non-negative integer, got ${bytes}`);
    const size = Math.max(this.alignment, Math.ceil(bytes / this.alignment) * this.alignment);
    let index = this.freeRanges.findIndex((r) => r.size >= size);
    if (index < 0) {
      // Grow, extending the last free range when it ends where the space ends.
      const last = this.freeRanges[this.freeRanges.length - 1];
      const tailStart = last !== undefined && last.start + last.size === this.end ? last.start : this.end;
      const newEnd = this.grow(tailStart + size);
      if (newEnd === null || newEnd < tailStart + size) return null;
      this.addFree(this.end, newEnd - this.end);
      this.end = newEnd;
      index = this.freeRanges.length - 1;
    }
    const range = this.freeRanges[index]!;
    const start = range.start;
    if (range.size === size) this.freeRanges.splice(index, 1);
    else {
      range.start += size;
      range.size -= size;
    }
    this.live.set(start, size);
    this.used += size;
    return start;
  }

  /** Return the block starting at `start` to the free list. */
  release(start: number): void {
    const size = this.live.get(start);
    if (size === undefined) throw new RangeError(`BlockAllocator.release: no live block starts at ${start}`);
    this.live.delete(start);
    this.used -= size;
    this.addFree(start, size);
  }

  /** Current occupancy. */
  stats(): AllocatorStats {
    return { managedBytes: this.end - this.base, usedBytes: this.used, blocks: this.live.size };
  }

  /** Insert a free range in order, merging it with the ranges it touches. */
  private addFree(start: number, size: number): void {
    const ranges = this.freeRanges;
    let i = 0;
    while (i < ranges.length && ranges[i]!.start < start) i++;
    const before = ranges[i - 1];
    const after = ranges[i];
    if (before !== undefined && before.start + before.size === start) {
      before.size += size;
      if (after !== undefined && before.start + before.size === after.start) {
        before.size += after.size;
        ranges.splice(i, 1);
      }
    } else if (after !== undefined && start + size === after.start) {
      after.start = start;
      after.size += size;
    } else {
      ranges.splice(i, 0, { start, size });
    }
  }
}
