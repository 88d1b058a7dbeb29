/**
 * `ProgressBar`: progress of a loop on a terminal (one line redrawn in place, with rate and ETA) or in
 * a log (plain periodic lines), without any Node import so it runs in a browser too.
 * @module
 */
import { formatMetric } from "./format-metric.js";

/** Where a progress bar writes: `process.stdout`, or anything with a `write` method. */
export interface ProgressStream {
  /** Write text as is (no newline is added). */
  write(text: string): unknown;
  /** Whether the stream is a terminal (then the bar redraws one line in place). */
  isTTY?: boolean;
  /** Terminal width in characters, when known (the line is cut to fit). */
  columns?: number;
}

/** Values shown after the bar, e.g. `{ loss: 0.1234, lr: 0.01 }`, in the given order. */
export type ProgressMetrics = Readonly<Record<string, number | string>>;

/** Options of {@link ProgressBar}. */
export interface ProgressBarOptions {
  /** Number of steps in the loop (e.g. batches per epoch); a positive integer. */
  total: number;
  /** Text before the bar, e.g. `"epoch 3/60"` (default none). */
  label?: string;
  /** Where to write (default `process.stdout` in Node, the console elsewhere). */
  stream?: ProgressStream;
  /** Characters in the bar itself on a terminal (default 24). */
  width?: number;
  /**
   * Off a terminal, a plain line is written each time this fraction of `total` is passed
   * (default 0.25: four lines per loop besides the final one); 0 writes only the final line.
   */
  logEvery?: number;
  /** Name of one step in the rate (default `"it"`, giving `it/s`). */
  unit?: string;
  /** Clock in milliseconds (default `performance.now`); tests pass a fake one. */
  clock?: () => number;
}

/** Redraws on a terminal at most this often (milliseconds), so a fast loop is not slowed by output. */
const REDRAW_INTERVAL_MS = 50;

function defaultStream(): ProgressStream {
  const nodeStdout = (globalThis as { process?: { stdout?: ProgressStream } }).process?.stdout;
  if (nodeStdout !== undefined) return nodeStdout;
  return { write: (text: string) => console.log(text.replace(/\n$/, "")), isTTY: false };
}

/** `m:ss` or `h:mm:ss` for a duration in seconds. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const secs = String(s % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${secs}` : `${minutes}:${secs}`;
}

function checkOptions(options: ProgressBarOptions): void {
  if (typeof options !== "object" || options === null) throw new TypeError("ProgressBar: options must be an object with a total");
  const known = new Set(["total", "label", "stream", "width", "logEvery", "unit", "clock"]);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new TypeError(`ProgressBar: unknown option "${key}" (known: ${[...known].join(", ")})`);
  }
  const { total, width, logEvery } = options;
  if (!Number.isInteger(total) || total <= 0) throw new RangeError(`ProgressBar: total must be a positive integer, got ${String(total)}`);
  if (width !== undefined && (!Number.isInteger(width) || width < 1)) throw new RangeError(`ProgressBar: width must be a positive integer, got ${String(width)}`);
  if (logEvery !== undefined && (typeof logEvery !== "number" || !(logEvery >= 0 && logEvery <= 1))) {
    throw new RangeError(`ProgressBar: logEvery must be a fraction in [0, 1], got ${String(logEvery)}`);
  }
}

/**
 * Progress of a loop of `total` steps. On a terminal one line is redrawn in place:
 * `label [#########---------] 37/100 37% 12.3 it/s ETA 0:05 loss 0.1234`; on a pipe or file (CI logs)
 * a plain line is written every `logEvery` of the way, so logs stay readable. {@link ProgressBar.finish}
 * ends with one summary line either way.
 *
 * @example
 * const bar = new ProgressBar({ total: loader.length, label: `epoch ${epoch}/${epochs}` });
 * for (const [x, y] of loader) { ...; bar.tick(1, { loss: loss.item() }); }
 * bar.finish({ loss: mean.value, "val acc": acc });
 */
export class ProgressBar {
  readonly #total: number;
  readonly #label: string;
  readonly #stream: ProgressStream;
  readonly #width: number;
  readonly #logEvery: number;
  readonly #unit: string;
  readonly #clock: () => number;
  readonly #start: number;
  #done = 0;
  #lastRedraw = Number.NEGATIVE_INFINITY;
  #nextLogAt: number;
  #finished = false;

  /** @param options see {@link ProgressBarOptions}; `total` is required. */
  constructor(options: ProgressBarOptions) {
    checkOptions(options);
    this.#total = options.total;
    this.#label = options.label ?? "";
    this.#stream = options.stream ?? defaultStream();
    this.#width = options.width ?? 24;
    this.#logEvery = options.logEvery ?? 0.25;
    this.#unit = options.unit ?? "it";
    this.#clock = options.clock ?? (() => performance.now());
    this.#start = this.#clock();
    this.#nextLogAt = this.#logEvery > 0 ? Math.ceil(this.#logEvery * this.#total) : Number.POSITIVE_INFINITY;
  }

  /** Steps done so far. */
  get done(): number {
    return this.#done;
  }

  /** Advance by `steps` (default 1) and show `metrics`. */
  tick(steps = 1, metrics: ProgressMetrics = {}): void {
    if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`ProgressBar.tick: steps must be a non-negative integer, got ${String(steps)}`);
    this.update(Math.min(this.#done + steps, this.#total), metrics);
  }

  /** Set the number of steps done (0..total) and show `metrics`. */
  update(done: number, metrics: ProgressMetrics = {}): void {
    if (this.#finished) throw new Error("ProgressBar.update: the bar is finished");
    if (!Number.isInteger(done) || done < 0 || done > this.#total) {
      throw new RangeError(`ProgressBar.update: done must be an integer in 0..${this.#total}, got ${String(done)}`);
    }
    this.#done = done;
    const now = this.#clock();
    if (this.#stream.isTTY) {
      if (now - this.#lastRedraw < REDRAW_INTERVAL_MS && done < this.#total) return;
      this.#lastRedraw = now;
      this.#stream.write(`\r${this.#fit(this.#line(now, metrics, true))}\x1b[K`);
    } else if (done >= this.#nextLogAt && done < this.#total) {
      while (this.#nextLogAt <= done) this.#nextLogAt += Math.max(1, Math.ceil(this.#logEvery * this.#total));
      this.#stream.write(`${this.#line(now, metrics, false)}\n`);
    }
  }

  /** End the loop: one final line (rate and elapsed time instead of the ETA) with `metrics`. */
  finish(metrics: ProgressMetrics = {}): void {
    if (this.#finished) throw new Error("ProgressBar.finish: the bar is already finished");
    this.#finished = true;
    const now = this.#clock();
    const elapsed = (now - this.#start) / 1000;
    const parts = [this.#label, `${this.#done}/${this.#total}`, this.#rate(elapsed), `in ${formatDuration(elapsed)}`, ...metricParts(metrics)];
    const line = parts.filter((p) => p !== "").join("  ");
    this.#stream.write(this.#stream.isTTY ? `\r${line}\x1b[K\n` : `${line}\n`);
  }

  #rate(elapsedSeconds: number): string {
    const rate = elapsedSeconds > 0 ? this.#done / elapsedSeconds : 0;
    return `${formatMetric(rate)} ${this.#unit}/s`;
  }

  #line(now: number, metrics: ProgressMetrics, withBar: boolean): string {
    const elapsed = (now - this.#start) / 1000;
    const fraction = this.#done / this.#total;
    const eta = this.#done > 0 ? (elapsed / this.#done) * (this.#total - this.#done) : Number.NaN;
    const filled = Math.round(fraction * this.#width);
    const bar = withBar ? `[${"#".repeat(filled)}${"-".repeat(this.#width - filled)}]` : "";
    const parts = [this.#label, bar, `${this.#done}/${this.#total}`, `${Math.floor(fraction * 100)}%`, this.#rate(elapsed), `ETA ${formatDuration(eta)}`, ...metricParts(metrics)];
    return parts.filter((p) => p !== "").join(" ");
  }

  #fit(line: string): string {
    const columns = this.#stream.columns;
    return columns !== undefined && columns > 1 && line.length >= columns ? line.slice(0, columns - 1) : line;
  }
}

function metricParts(metrics: ProgressMetrics): string[] {
  return Object.entries(metrics).map(([name, value]) => `${name} ${typeof value === "number" ? formatMetric(value) : value}`);
}
