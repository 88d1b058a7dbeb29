import { describe, expect, test } from "vitest";
import { lineChartSvg } from "@tapegrad/train";

const panel = {
  title: "loss & lr",
  yLabel: "cross-entropy",
  rightLabel: "learning rate",
  series: [
    { name: "train", values: [2, 1, 0.5, 0.4] },
    { name: "val", values: [2.1, 1.2, Number.NaN, 0.6] },
    { name: "lr", values: [0.01, 0.1, 0.05, 0.001], axis: "right" as const },
  ],
};

describe("lineChartSvg", () => {
  test("draws a standalone SVG with title, escaped text, legend and a second axis", () => {
    const svg = lineChartSvg(panel, { xLabel: "epoch" });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="520" height="300"')).toBe(true);
    expect(svg).toContain("font-family=\"DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif\"");
    expect(svg).toContain(">loss &amp; lr</text>");
    expect(svg).toContain(">learning rate</text>");
    expect(svg).toContain(">lr (right axis)</text>");
    // distinct colours and dashes for the three series (legend lines included)
    expect(svg).toContain('stroke="#0072B2"');
    expect(svg).toContain('stroke="#D55E00" stroke-width="2" stroke-dasharray="7 4"');
    expect(svg).toContain('stroke="#009E73" stroke-width="2" stroke-dasharray="2 3"');
  });

  test("a NaN leaves a gap: the val series is drawn as two polylines", () => {
    const svg = lineChartSvg(panel);
    const valLines = svg.split("\n").filter((l) => l.startsWith("<polyline") && l.includes("#D55E00"));
    expect(valLines).toHaveLength(2);
    expect(valLines[0]!.match(/,/g)).toHaveLength(2);
  });

  test("maps values into the plot: the largest train value is higher up than the smallest", () => {
    const svg = lineChartSvg({ title: "t", yLabel: "y", series: [{ name: "a", values: [3, 1] }] });
    const points = /<polyline points="([^"]+)"/.exec(svg)![1]!.split(" ").map((p) => p.split(",").map(Number));
    expect(points[0]![1]!).toBeLessThan(points[1]![1]!);
    expect(points[0]![0]!).toBeLessThan(points[1]![0]!);
  });

  test("panels sit side by side and log axes get powers of ten", () => {
    const svg = lineChartSvg([panel, { title: "lr", yLabel: "lr", logY: true, series: [{ name: "lr", values: [1e-1, 1e-2, 1e-3] }] }]);
    expect(svg).toContain('width="1040"');
    expect(svg).toContain(">0.01</text>");
    expect(svg).toContain(">0.001</text>");
    // integer x values get integer ticks only
    expect(svg).toMatch(/y="272\.0" text-anchor="middle" font-size="11">2<\/text>/);
    expect(svg).not.toMatch(/y="272\.0" text-anchor="middle" font-size="11">1\.5<\/text>/);
  });

  test("malformed input is refused by name", () => {
    expect(() => lineChartSvg([])).toThrow(/no panels/);
    expect(() => lineChartSvg({ title: "t", yLabel: "y", series: [{ name: "a", values: [1, 2], x: [1] }] })).toThrow(/series "a" has 1 x values for 2 y values/);
    expect(() => lineChartSvg({ title: "t", yLabel: "y", logY: true, series: [{ name: "a", values: [1, 0] }] })).toThrow(/values <= 0 on a log axis/);
  });
});
