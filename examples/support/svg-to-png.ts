// SVG -> PNG for the examples' charts, with resvg (a well-kept Rust SVG renderer, Node only; the
// charts themselves come from @tapegrad/train, which runs anywhere).
import { Resvg } from "@resvg/resvg-js";

/** Render an SVG document to PNG bytes, `width` pixels wide, text in the system's sans-serif font. */
export function svgToPng(svg: string, width = 1040): Uint8Array {
  return new Resvg(svg, { background: "white", fitTo: { mode: "width", value: width }, font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" } }).render().asPng();
}
