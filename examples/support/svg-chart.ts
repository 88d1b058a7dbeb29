// A small line chart written as SVG text (enough for training curves), and SVG -> PNG with resvg.
import { Resvg } from "@resvg/resvg-js";

/** One line of a chart. */
export interface Series {
  name: string;
  values: number[];
  color: string;
}

/** A panel: a title, a y-axis label and the lines drawn against the same x (1..n). */
export interface Panel {
  title: string;
  yLabel: string;
  series: Series[];
  /** Where the legend goes inside the plot (default "top"; use "bottom" for rising curves). */
  legendAt?: "top" | "bottom";
}

const WIDTH = 520;
const HEIGHT = 300;
const MARGIN = { left: 60, right: 20, top: 36, bottom: 44 };

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function niceTicks(min: number, max: number, count: number): number[] {
  const span = max - min || Math.abs(max) || 1;
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function panelSvg(panel: Panel, xLabel: string, offsetX: number): string {
  const all = panel.series.flatMap((s) => s.values.filter(Number.isFinite));
  const n = Math.max(...panel.series.map((s) => s.values.length), 2);
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (lo === hi) [lo, hi] = [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (i: number): number => offsetX + MARGIN.left + (i / (n - 1)) * plotW;
  const y = (v: number): number => MARGIN.top + (1 - (v - lo) / (hi - lo)) * plotH;
  const parts: string[] = [];
  parts.push(`<text x="${offsetX + WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escape(panel.title)}</text>`);
  for (const t of niceTicks(lo, hi, 5)) {
    parts.push(`<line x1="${offsetX + MARGIN.left}" x2="${offsetX + WIDTH - MARGIN.right}" y1="${y(t)}" y2="${y(t)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${offsetX + MARGIN.left - 6}" y="${y(t) + 4}" text-anchor="end" font-size="11">${t}</text>`);
  }
  for (const t of niceTicks(1, n, 6).filter((v) => Number.isInteger(v) && v >= 1)) {
    parts.push(`<text x="${x(t - 1)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle" font-size="11">${t}</text>`);
  }
  parts.push(`<rect x="${offsetX + MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`);
  parts.push(`<text x="${offsetX + WIDTH / 2}" y="${HEIGHT - 8}" text-anchor="middle" font-size="12">${escape(xLabel)}</text>`);
  parts.push(`<text transform="translate(${offsetX + 16} ${HEIGHT / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escape(panel.yLabel)}</text>`);
  panel.series.forEach((s, k) => {
    const points = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    parts.push(`<polyline points="${points}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    const ly = panel.legendAt === "bottom" ? HEIGHT - MARGIN.bottom - 10 - (panel.series.length - 1 - k) * 16 : MARGIN.top + 14 + k * 16;
    parts.push(`<line x1="${offsetX + WIDTH - MARGIN.right - 150}" x2="${offsetX + WIDTH - MARGIN.right - 130}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"/>`);
    parts.push(`<text x="${offsetX + WIDTH - MARGIN.right - 125}" y="${ly}" font-size="11">${escape(s.name)}</text>`);
  });
  return parts.join("\n");
}

/** Panels side by side, sharing the x-axis label, as a standalone SVG document. */
export function lineChartsSvg(panels: Panel[], xLabel: string): string {
  const width = WIDTH * panels.length;
  const body = panels.map((p, i) => panelSvg(p, xLabel, i * WIDTH)).join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${HEIGHT}" viewBox="0 0 ${width} ${HEIGHT}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${body}\n</svg>\n`;
}

/** Render an SVG document to PNG bytes (resvg, a well-kept Rust SVG renderer). */
export function svgToPng(svg: string, width = 1040): Uint8Array {
  return new Resvg(svg, { background: "white", fitTo: { mode: "width", value: width } }).render().asPng();
}
