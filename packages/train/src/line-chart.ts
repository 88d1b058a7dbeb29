/**
 * `lineChartSvg`: training curves as a standalone SVG document (one or more panels side by side, an
 * optional second y-axis for a learning rate), written as plain text so it works anywhere.
 * @module
 */
import { logTicks, niceTicks, tickLabel } from "./chart-ticks.js";

/** One curve of a panel. */
export interface ChartSeries {
  /** Legend text. */
  name: string;
  /** The y values; non-finite values leave a gap. */
  values: readonly number[];
  /** The x values (default 1, 2, ..., n); same length as `values`. */
  x?: readonly number[];
  /** Stroke colour (default: the next colour of a colour-blind-safe palette). */
  color?: string;
  /** Dash pattern, e.g. `"6 3"` (default: solid for the first series, then distinct dashes). */
  dash?: string;
  /** Which y-axis the series is drawn against (default `"left"`). */
  axis?: "left" | "right";
}

/** A panel: a title, its y-axis labels and the curves drawn in it. */
export interface ChartPanel {
  /** Title above the plot. */
  title: string;
  /** Label of the left y-axis. */
  yLabel: string;
  /** Label of the right y-axis (used when a series has `axis: "right"`). */
  rightLabel?: string;
  /** The curves. */
  series: readonly ChartSeries[];
  /** Where the legend goes inside the plot (default `"top"`; `"bottom"` suits rising curves). */
  legendAt?: "top" | "bottom";
  /** Draw the y-axes on a log scale (every value must then be positive). */
  logY?: boolean;
}

/** Options of {@link lineChartSvg}. */
export interface LineChartOptions {
  /** Label of the x-axis, shared by the panels (default `"epoch"`). */
  xLabel?: string;
  /** Width of one panel in pixels (default 520). */
  panelWidth?: number;
  /** Height in pixels (default 300). */
  height?: number;
}

/** Okabe and Ito's colour-blind-safe palette, in order of use. */
const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];
/** Dash patterns in order of use, so series stay apart in grey print too. */
const DASHES = ["", "7 4", "2 3", "10 3 2 3"];
/** Plot margins; the right one widens when a second axis needs its labels. */
const MARGIN = { left: 64, right: 20, rightWithAxis: 64, top: 36, bottom: 44 };
const FONT = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif";

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

interface Scale {
  lo: number;
  hi: number;
  log: boolean;
}

function scaleFor(values: number[], log: boolean, where: string): Scale {
  const finite = values.filter(Number.isFinite);
  if (log && finite.some((v) => v <= 0)) throw new RangeError(`lineChartSvg: ${where} has values <= 0 on a log axis`);
  const mapped = log ? finite.map(Math.log10) : finite;
  let lo = mapped.length > 0 ? Math.min(...mapped) : 0;
  let hi = mapped.length > 0 ? Math.max(...mapped) : 1;
  if (lo === hi) [lo, hi] = [lo - (Math.abs(lo) || 1) * 0.1, hi + (Math.abs(hi) || 1) * 0.1];
  const pad = (hi - lo) * 0.05;
  return { lo: lo - pad, hi: hi + pad, log };
}

function checkSeries(panel: ChartPanel, p: number): void {
  if (typeof panel.title !== "string" || typeof panel.yLabel !== "string" || !Array.isArray(panel.series)) {
    throw new TypeError(`lineChartSvg: panel ${p} needs a title, a yLabel and a series array`);
  }
  panel.series.forEach((s, i) => {
    if (typeof s.name !== "string" || !Array.isArray(s.values)) throw new TypeError(`lineChartSvg: panel ${p} series ${i} needs a name and a values array`);
    if (s.x !== undefined && s.x.length !== s.values.length) {
      throw new RangeError(`lineChartSvg: panel ${p} series "${s.name}" has ${s.x.length} x values for ${s.values.length} y values`);
    }
  });
}

function panelSvg(panel: ChartPanel, p: number, xLabel: string, offsetX: number, width: number, height: number): string {
  const left = panel.series.filter((s) => s.axis !== "right");
  const right = panel.series.filter((s) => s.axis === "right");
  const marginRight = right.length > 0 ? MARGIN.rightWithAxis : MARGIN.right;
  const plotW = width - MARGIN.left - marginRight;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const xsOf = (s: ChartSeries): readonly number[] => s.x ?? s.values.map((_, i) => i + 1);
  const allX = panel.series.flatMap((s) => xsOf(s).filter(Number.isFinite));
  const xLo = allX.length > 0 ? Math.min(...allX) : 1;
  const xHi = allX.length > 0 && Math.max(...allX) > xLo ? Math.max(...allX) : xLo + 1;
  const logY = panel.logY === true;
  const leftScale = scaleFor(left.flatMap((s) => [...s.values]), logY, `panel ${p} (left axis)`);
  const rightScale = scaleFor(right.flatMap((s) => [...s.values]), logY, `panel ${p} (right axis)`);
  const px = (x: number): number => offsetX + MARGIN.left + ((x - xLo) / (xHi - xLo)) * plotW;
  const py = (v: number, s: Scale): number => MARGIN.top + (1 - ((s.log ? Math.log10(v) : v) - s.lo) / (s.hi - s.lo)) * plotH;
  const out: string[] = [];
  const text = (x: number, y: number, body: string, attrs = ""): void => {
    out.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}"${attrs}>${escapeXml(body)}</text>`);
  };

  text(offsetX + width / 2, 22, panel.title, ` text-anchor="middle" font-size="15" font-weight="bold"`);
  const yTicks = (s: Scale): number[] => (s.log ? logTicks(s.lo, s.hi) : niceTicks(s.lo, s.hi, 5));
  for (const t of yTicks(leftScale)) {
    const y = py(t, leftScale);
    out.push(`<line x1="${offsetX + MARGIN.left}" x2="${offsetX + width - marginRight}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#e5e5e5"/>`);
    text(offsetX + MARGIN.left - 6, y + 4, tickLabel(t), ` text-anchor="end" font-size="11"`);
  }
  if (right.length > 0) {
    for (const t of yTicks(rightScale)) text(offsetX + width - marginRight + 6, py(t, rightScale) + 4, tickLabel(t), ` font-size="11"`);
    const label = panel.rightLabel ?? right.map((s) => s.name).join(", ");
    text(0, 0, label, ` transform="translate(${offsetX + width - 14} ${height / 2}) rotate(90)" text-anchor="middle" font-size="12"`);
  }
  // Integer x values (epochs, steps) get integer ticks only.
  const integerX = allX.every(Number.isInteger);
  for (const t of niceTicks(xLo, xHi, 6).filter((v) => !integerX || Number.isInteger(v))) text(px(t), height - MARGIN.bottom + 16, tickLabel(t), ` text-anchor="middle" font-size="11"`);
  out.push(`<rect x="${offsetX + MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`);
  text(offsetX + MARGIN.left + plotW / 2, height - 8, xLabel, ` text-anchor="middle" font-size="12"`);
  text(0, 0, panel.yLabel, ` transform="translate(${offsetX + 16} ${height / 2}) rotate(-90)" text-anchor="middle" font-size="12"`);

  panel.series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length]!;
    const dash = s.dash ?? DASHES[k % DASHES.length]!;
    const scale = s.axis === "right" ? rightScale : leftScale;
    const xs = xsOf(s);
    // A non-finite value ends one polyline and starts the next, leaving a visible gap.
    let run: string[] = [];
    const flush = (): void => {
      if (run.length > 0) out.push(`<polyline points="${run.join(" ")}" fill="none" stroke="${escapeXml(color)}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`);
      run = [];
    };
    s.values.forEach((v, i) => {
      if (Number.isFinite(v) && Number.isFinite(xs[i]!)) run.push(`${px(xs[i]!).toFixed(1)},${py(v, scale).toFixed(1)}`);
      else flush();
    });
    flush();
    const legendX = offsetX + width - marginRight - 160;
    const ly = panel.legendAt === "bottom" ? height - MARGIN.bottom - 10 - (panel.series.length - 1 - k) * 16 : MARGIN.top + 14 + k * 16;
    out.push(`<line x1="${legendX}" x2="${legendX + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${escapeXml(color)}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`);
    text(legendX + 30, ly, s.axis === "right" ? `${s.name} (right axis)` : s.name, ` font-size="11"`);
  });
  return out.join("\n");
}

/**
 * Panels of line charts side by side as one SVG document (white background, sans-serif text),
 * e.g. a loss panel and an accuracy panel, with the learning rate on a second axis. Series get
 * distinct colours from a colour-blind-safe palette and distinct dash patterns.
 *
 * @param panels one panel or several.
 * @param options axis label and sizes.
 * @returns the SVG text (write it to a `.svg` file, or put it in a page).
 * @throws TypeError / RangeError for a malformed panel, mismatched x and y lengths, or a value <= 0 on a log axis.
 * @example
 * const svg = lineChartSvg([
 *   { title: "loss", yLabel: "cross-entropy", rightLabel: "lr", series: [
 *     { name: "train", values: trainLoss }, { name: "val", values: valLoss },
 *     { name: "lr", values: lrs, axis: "right" }] },
 * ], { xLabel: "epoch" });
 */
export function lineChartSvg(panels: ChartPanel | readonly ChartPanel[], options: LineChartOptions = {}): string {
  const list: readonly ChartPanel[] = Array.isArray(panels) ? panels : [panels as ChartPanel];
  if (list.length === 0) throw new RangeError("lineChartSvg: no panels to draw");
  list.forEach(checkSeries);
  const panelWidth = options.panelWidth ?? 520;
  const height = options.height ?? 300;
  if (!(panelWidth >= 200) || !(height >= 150)) throw new RangeError(`lineChartSvg: panelWidth must be >= 200 and height >= 150, got ${panelWidth} and ${height}`);
  const xLabel = options.xLabel ?? "epoch";
  const width = panelWidth * list.length;
  const body = list.map((panel, p) => panelSvg(panel, p, xLabel, p * panelWidth, panelWidth, height)).join("\n");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">\n` +
    `<rect width="100%" height="100%" fill="white"/>\n${body}\n</svg>\n`
  );
}
