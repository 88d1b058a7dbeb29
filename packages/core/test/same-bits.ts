// Test helper: the SIMD kernels are compared with the TypeScript loops bit for bit.

/** Fail, naming the first differing element, unless both arrays hold the same values (±0 told apart; any NaN equals any NaN). */
export function expectSameBits(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!Object.is(a, e) && !(Number.isNaN(a) && Number.isNaN(e))) throw new Error(`element ${i}: ${a} != ${e}`);
  }
}
