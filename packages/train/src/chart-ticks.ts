/**
 * Axis ticks for the line charts: round numbers (1, 2 or 5 times a power of ten) and short labels.
 * @module
 */

/**
 * About `count` round tick values covering [min, max]: steps of 1, 2 or 5 times a power of ten.
 * @param min lower end of the axis.
 * @param max upper end of the axis.
 * @param count the wanted number of ticks (a few more or fewer come out).
 * @returns the tick values in increasing order, inside [min, max].
 */
export function niceTicks(min: number, max: number, count: number): number[] {
  const span = max - min || Math.abs(max) || 1;
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/**
 * Ticks of a log axis whose ends are `lo` and `hi` in log10 units: the powers of ten inside, or
 * round values when fewer than two powers fit.
 * @returns the tick values (not their logarithms).
 */
export function logTicks(lo: number, hi: number): number[] {
  const powers: number[] = [];
  for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) powers.push(10 ** e);
  if (powers.length >= 2) return powers;
  return niceTicks(10 ** lo, 10 ** hi, 4).filter((t) => t > 0);
}

/** A tick value as a short label: `0.25`, `1000`, `1e-4`. */
export function tickLabel(value: number): string {
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e6) return String(Number(value.toPrecision(6)));
  return value.toExponential().replace(/\.?0+e/, "e").replace("e+", "e");
}
