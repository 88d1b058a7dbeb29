/**
 * `@tapegrad/train`: the parts of a training loop a learner sees — a progress bar with rate and ETA,
 * SVG line charts of the curves, and metrics. Nothing here needs Node: all of it runs in a browser.
 * @example
 * import { ProgressBar, RunningMean, accuracy, lineChartSvg } from "@tapegrad/train";
 * @packageDocumentation
 */
export { ProgressBar, formatDuration, type ProgressBarOptions, type ProgressMetrics, type ProgressStream } from "./progress-bar.js";
export { lineChartSvg, type ChartPanel, type ChartSeries, type LineChartOptions } from "./line-chart.js";
export { accuracy, RunningMean } from "./metrics.js";
export { formatMetric } from "./format-metric.js";
