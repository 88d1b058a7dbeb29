/**
 * Short, readable numbers for progress lines and chart labels.
 * @module
 */

/**
 * A number as a person reads it in a log: integers as they are, ordinary values with four significant
 * digits (`0.1235`, `12.35`), large ones rounded (`12346`), very small or very large ones in exponent
 * form (`3.00e-5`, `2.50e+9`).
 *
 * @example
 * formatMetric(0.123456); // "0.1235"
 * formatMetric(3e-5);     // "3.00e-5"
 */
export function formatMetric(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e7) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e4) return value.toPrecision(4);
  if (magnitude >= 1e4 && magnitude < 1e7) return String(Math.round(value));
  return value.toExponential(2);
}
