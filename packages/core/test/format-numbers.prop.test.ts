// The printer's exact-decimal number formatting against JavaScript's own correctly rounded
// toFixed/toExponential: they must agree except on exact ties, where Python (and so PyTorch) rounds
// half to even and JavaScript half away from zero. (formatFixed/formatExponential use JavaScript's
// text directly when it cannot be a tie, and the exact routines otherwise.)
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { exactExponential, exactFixed, formatExponential, formatFixed } from "../src/format.js";

/** Exact decimal text of x (toFixed(100) is exact for the doubles used here, |x| >= 2^-40). */
const exact = (x: number): string => x.toFixed(100).replace(/0+$/, "").replace(/\.$/, "");

const values = fc.oneof(
  fc.double({ min: -1e12, max: 1e12, noNaN: true }).filter((x) => x === 0 || Math.abs(x) >= 2 ** -40),
  // dyadic values with few binary digits: many exact ties
  fc.tuple(fc.integer({ min: -100000, max: 100000 }), fc.integer({ min: 0, max: 12 })).map(([m, k]) => m / 2 ** k),
);

describe("number formatting (property)", () => {
  test("exactFixed is toFixed, except that exact ties go to the even digit; formatFixed agrees", () => {
    fc.assert(
      fc.property(values, fc.integer({ min: 0, max: 8 }), (x, p) => {
        const ours = exactFixed(x, p);
        expect(formatFixed(x, p)).toBe(ours);
        const digits = exact(Math.abs(x)).split(".")[1] ?? "";
        const tie = digits.length === p + 1 && digits.endsWith("5");
        if (!tie) {
          // JavaScript writes -0 and tiny negatives rounding to zero without the sign; Python keeps it.
          const js = x.toFixed(p);
          expect(ours.replace(/^-(?=0\.?0*$)/, "")).toBe(js.replace(/^-(?=0\.?0*$)/, ""));
        } else {
          const last = ours.replace(".", "").slice(-1);
          expect(Number(last) % 2, `${x} at ${p}: ${ours}`).toBe(0);
          const [lo, hi] = [Math.abs(x) - 0.5 * 10 ** -p, Math.abs(x) + 0.5 * 10 ** -p];
          expect(Math.abs(Number(ours)) >= lo - 1e-9 && Math.abs(Number(ours)) <= hi + 1e-9).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  test("exactExponential is toExponential in Python's layout (e+05), ties to even; formatExponential agrees", () => {
    fc.assert(
      fc.property(values, fc.integer({ min: 0, max: 8 }), (x, p) => {
        const ours = exactExponential(x, p);
        expect(formatExponential(x, p)).toBe(ours);
        const js = x.toExponential(p).replace(/e([+-])(\d)$/, "e$10$2");
        const sig = exact(Math.abs(x)).replace(".", "").replace(/^0+/, "").replace(/0+$/, "");
        const tie = sig.length === p + 2 && sig.endsWith("5");
        if (!tie) expect(ours).toBe(Object.is(x, -0) ? `-${js}` : js); // JavaScript drops the sign of -0
        else expect(Number(ours.split("e")[0]!.slice(-1)) % 2, `${x} at ${p}: ${ours}`).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  test("known cases", () => {
    expect(formatFixed(0.03125, 4)).toBe("0.0312");
    expect(formatFixed(0.09375, 4)).toBe("0.0938");
    expect(formatFixed(-0, 4)).toBe("-0.0000");
    expect(formatFixed(2.5, 0)).toBe("2");
    expect(formatFixed(3.5, 0)).toBe("4");
    expect(formatFixed(9.99995, 4)).toBe("10.0000");
    expect(formatFixed(1e21, 1)).toBe("1000000000000000000000.0");
    expect(formatExponential(12345, 3)).toBe("1.234e+04");
    expect(formatExponential(99999, 2)).toBe("1.00e+05");
    expect(formatExponential(5e-324, 4)).toBe("4.9407e-324");
    expect(formatExponential(0, 2)).toBe("0.00e+00");
    expect(formatExponential(Number.NaN, 2)).toBe("nan");
    expect(formatFixed(Number.NEGATIVE_INFINITY, 2)).toBe("-inf");
  });
});
