/**
 * The seeded random generator behind `rand`, `randn`, `randint`, dropout and parameter init.
 *
 * Algorithm: xoshiro128** (Blackman and Vigna) on four 32-bit words, seeded by expanding the seed with
 * splitmix32. Everything is 32-bit integer arithmetic (`Math.imul`, shifts), so a seed gives the same
 * stream on every JavaScript engine and platform. Derived values:
 * - float32 uniform in [0, 1): the top 24 bits of one draw times 2^-24;
 * - float64 uniform in [0, 1): 53 bits from two draws times 2^-53;
 * - normal: Box–Muller on two float64 uniforms, both outputs used in turn;
 * - integers in [low, high): rejection sampling on 32-bit draws (no modulo bias).
 * The streams are not PyTorch's: the same seed gives different numbers than `torch.manual_seed`.
 * @module
 */
import { describe } from "./describe.js";

/** A seedable random number generator (xoshiro128**). */
export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | null = null;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  /** Reset the stream to the one determined by `seed` (an integer; only its low 53 bits matter). */
  manualSeed(seed: number): this {
    if (typeof seed !== "number" || !Number.isInteger(seed)) {
      throw new TypeError(`manualSeed: seed must be an integer, got ${describe(seed)}`);
    }
    let x = (seed >>> 0) ^ Math.imul(Math.floor(seed / 4294967296) >>> 0, 0x9e3779b9);
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.spareNormal = null;
    return this;
  }

  /** The next raw 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 24 random bits (exactly representable in float32). */
  nextFloat32(): number {
    return (this.nextUint32() >>> 8) * 5.9604644775390625e-8;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  nextFloat64(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) * 1.1102230246251565e-16;
  }

  /** A standard normal sample (Box–Muller). */
  nextNormal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    do u = this.nextFloat64();
    while (u === 0);
    const v = this.nextFloat64();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A uniform integer in [low, high). */
  nextInt(low: number, high: number): number {
    const range = high - low;
    if (range <= 0) throw new RangeError(`randint: high (${high}) must be greater than low (${low})`);
    if (range > 4294967296) throw new RangeError(`randint: the range ${range} exceeds 2^32`);
    const limit = 4294967296 - (4294967296 % range);
    let x: number;
    do x = this.nextUint32();
    while (x >= limit);
    return low + (x % range);
  }

  /** Snapshot of the generator's state (to restore with {@link Generator.setState}). */
  getState(): number[] {
    return [this.s0, this.s1, this.s2, this.s3, this.spareNormal ?? Number.NaN];
  }

  /** Restore a state returned by {@link Generator.getState}. */
  setState(state: readonly number[]): void {
    if (!Array.isArray(state) || state.length !== 5) throw new TypeError("setState: expected the 5-number array from getState()");
    [this.s0, this.s1, this.s2, this.s3] = state.map((v) => v >>> 0) as [number, number, number, number];
    this.spareNormal = Number.isNaN(state[4]) ? null : state[4]!;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The generator used when no generator is passed (seed 0 at startup). */
export const defaultGenerator = new Generator(0);

/**
 * Seed the default generator so that every random function (rand, randn, randint, init, dropout)
 * becomes deterministic.
 * @example manualSeed(42); const w = randn([3, 3]);
 */
export function manualSeed(seed: number): void {
  defaultGenerator.manualSeed(seed);
}
