/**
 * The tensor printer behind `Tensor.toString()`, Node's `util.inspect` and {@link format}: PyTorch's
 * `repr` (torch/_tensor_str.py) with tapegrad's names.
 *
 * - Floating tensors share one format per tensor, chosen from the non-zero finite values: all
 *   integral → `1.` style; the largest over the smallest magnitude above 1000, or the largest above
 *   1e8 (or, when not all integral, the smallest below 1e-4) → scientific `1.2346e+03`; else fixed
 *   with `precision` decimals. Values are right-aligned to the widest. Rounding is
 *   round-half-to-even on the exact binary value, as Python's `format` does.
 * - Past `threshold` elements only `edgeitems` items are shown at each end of every dimension,
 *   with `...` between; rows wrap at `linewidth` characters.
 * - Suffixes: `dtype=float64` unless the dtype is the default float dtype, int32 or bool;
 *   `gradFn=<MulBackward>` when the tensor has a gradient function, else `requiresGrad=true` when it
 *   requires grad; `size=[2, 0]` for an empty tensor that is not 1-D.
 * @module
 */
import { getDefaultDtype } from "./dtype.js";
import { describe } from "./describe.js";
import type { Tensor } from "./tensor.js";

/** Options of the tensor printer (PyTorch's `torch.set_printoptions`, camelCase). */
export interface PrintOptions {
  /** Digits after the decimal point for floating values (default 4). */
  precision: number;
  /** Tensors with more elements than this are summarized with `...` (default 1000). */
  threshold: number;
  /** Items shown at each end of a summarized dimension (default 3). */
  edgeitems: number;
  /** Characters per line before wrapping (default 80). */
  linewidth: number;
  /** Force scientific notation on (true) or off (false); null chooses per tensor (default). */
  sciMode: boolean | null;
}

/** PyTorch's named option sets for {@link setPrintOptions}. */
export type PrintProfile = "default" | "short" | "full";

const PROFILES: Record<PrintProfile, Omit<PrintOptions, "sciMode">> = {
  default: { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80 },
  short: { precision: 2, threshold: 1000, edgeitems: 2, linewidth: 80 },
  full: { precision: 4, threshold: Number.POSITIVE_INFINITY, edgeitems: 3, linewidth: 80 },
};

let printOptions: PrintOptions = { ...PROFILES.default, sciMode: null };

function checkOptions(options: unknown, where: string): Partial<PrintOptions> {
  if (options === undefined) return {};
  if (options === null || typeof options !== "object") throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  const o = options as Record<string, unknown>;
  const int = (key: string, min: number): void => {
    const v = o[key];
    if (v !== undefined && (typeof v !== "number" || !Number.isInteger(v) || v < min)) {
      throw new RangeError(`${where}: ${key} must be an integer >= ${min}, got ${describe(v)}`);
    }
  };
  int("precision", 0);
  int("edgeitems", 0);
  int("linewidth", 1);
  if (typeof o.precision === "number" && o.precision > 100) throw new RangeError(`${where}: precision must be at most 100, got ${o.precision}`);
  const th = o.threshold;
  if (th !== undefined && (typeof th !== "number" || Number.isNaN(th) || th < 0)) {
    throw new RangeError(`${where}: threshold must be a non-negative number (Infinity for no summarization), got ${describe(th)}`);
  }
  if (o.sciMode !== undefined && o.sciMode !== null && typeof o.sciMode !== "boolean") {
    throw new TypeError(`${where}: sciMode must be true, false or null, got ${describe(o.sciMode)}`);
  }
  const out: Partial<PrintOptions> = {};
  for (const key of ["precision", "threshold", "edgeitems", "linewidth", "sciMode"] as const) {
    if (o[key] !== undefined) (out as Record<string, unknown>)[key] = o[key];
  }
  return out;
}

/**
 * Change how tensors print (`torch.set_printoptions`). Only the options given change; `profile`
 * first resets precision, threshold, edgeitems and linewidth to PyTorch's "default", "short" or
 * "full" set. (PyTorch also resets `sci_mode` to automatic whenever it is not passed; tapegrad keeps
 * it, and `sciMode: null` restores automatic.) Everything is validated before anything changes.
 * @throws RangeError / TypeError naming the bad option.
 * @example setPrintOptions({ precision: 2 }); String(tensor([1.12345])); // "tensor([1.12])"
 */
export function setPrintOptions(options: Partial<PrintOptions> & { profile?: PrintProfile }): void {
  const checked = checkOptions(options, "setPrintOptions");
  const profile = (options as { profile?: unknown }).profile;
  if (profile !== undefined && !(typeof profile === "string" && profile in PROFILES)) {
    throw new RangeError(`setPrintOptions: profile must be "default", "short" or "full", got ${describe(profile)}`);
  }
  const base = profile === undefined ? printOptions : { ...printOptions, ...PROFILES[profile as PrintProfile] };
  printOptions = { ...base, ...checked };
}

/** The current print options (a copy). */
export function getPrintOptions(): PrintOptions {
  return { ...printOptions };
}

// ---------------------------------------------------------------- exact decimal formatting

const scratch = new DataView(new ArrayBuffer(8));

/** The exact decimal expansion of a finite double: sign, integer digits, fraction digits. */
function exactDecimal(x: number): { negative: boolean; int: string; frac: string } {
  scratch.setFloat64(0, x);
  const hi = scratch.getUint32(0);
  const lo = scratch.getUint32(4);
  const negative = hi >>> 31 === 1;
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exponent = -1074;
  if (biased !== 0) {
    mantissa |= 1n << 52n;
    exponent = biased - 1075;
  }
  if (mantissa === 0n) return { negative, int: "0", frac: "" };
  if (exponent >= 0) return { negative, int: (mantissa << BigInt(exponent)).toString(), frac: "" };
  // mantissa * 2^e = mantissa * 5^-e / 10^-e
  const k = -exponent;
  const digits = (mantissa * 5n ** BigInt(k)).toString().padStart(k + 1, "0");
  return { negative, int: digits.slice(0, digits.length - k), frac: digits.slice(digits.length - k) };
}

/** Keep the first `keep` digits of `digits`, rounding half to even on the rest; may grow by one digit. */
function roundDigits(digits: string, keep: number): string {
  const head = digits.slice(0, keep);
  const rest = digits.slice(keep);
  let up = false;
  if (rest.length > 0) {
    const first = rest.charCodeAt(0) - 48;
    if (first > 5 || (first === 5 && /[1-9]/.test(rest.slice(1)))) up = true;
    else if (first === 5) up = keep > 0 && (head.charCodeAt(keep - 1) - 48) % 2 === 1;
  }
  if (!up) return head;
  const d = head.split("");
  let i = d.length - 1;
  for (; i >= 0 && d[i] === "9"; i--) d[i] = "0";
  if (i < 0) d.unshift("1");
  else d[i] = String.fromCharCode(d[i]!.charCodeAt(0) + 1);
  return d.join("");
}

function nonFinite(x: number): string {
  return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
}

/**
 * Whether JavaScript's own correctly rounded text (`text`, with one digit more than needed) may sit
 * on an exact tie, where JavaScript rounds half away from zero and Python half to even. Only then,
 * and for zeros (whose sign JavaScript drops), is the exact decimal expansion needed.
 */
function mayBeTie(x: number, oneMoreDigit: string): boolean {
  return x === 0 || oneMoreDigit.charCodeAt(oneMoreDigit.length - 1) === 53; // "5"
}

/** Python's `"{:.Nf}".format(x)`. */
export function formatFixed(x: number, precision: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  if (Math.abs(x) < 1e21 && precision < 100 && !mayBeTie(x, x.toFixed(precision + 1))) return x.toFixed(precision);
  return exactFixed(x, precision);
}

/** @internal {@link formatFixed} from the exact decimal expansion (finite x). */
export function exactFixed(x: number, precision: number): string {
  const { negative, int, frac } = exactDecimal(x);
  const all = int + frac.padEnd(precision, "0");
  const rounded = roundDigits(all, int.length + precision);
  const intLen = rounded.length - precision;
  const intPart = rounded.slice(0, intLen).replace(/^0+(?=\d)/, "");
  return `${negative ? "-" : ""}${intPart}${precision > 0 ? `.${rounded.slice(intLen)}` : ""}`;
}

/** Python's `"{:.Ne}".format(x)`. */
export function formatExponential(x: number, precision: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  if (precision < 100 && !mayBeTie(x, x.toExponential(precision + 1).split("e")[0]!)) {
    return x.toExponential(precision).replace(/e([+-])(\d)$/, "e$10$2");
  }
  return exactExponential(x, precision);
}

/** @internal {@link formatExponential} from the exact decimal expansion (finite x). */
export function exactExponential(x: number, precision: number): string {
  const { negative, int, frac } = exactDecimal(x);
  const sign = negative ? "-" : "";
  const all = int + frac;
  const first = all.search(/[1-9]/);
  if (first < 0) return `${sign}0${precision > 0 ? `.${"0".repeat(precision)}` : ""}e+00`;
  let exponent = int.length - 1 - first;
  let sig = roundDigits(all.slice(first).padEnd(precision + 1, "0"), precision + 1);
  if (sig.length > precision + 1) {
    exponent += 1;
    sig = sig.slice(0, precision + 1);
  }
  const mantissa = precision > 0 ? `${sig[0]}.${sig.slice(1)}` : sig;
  return `${sign}${mantissa}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
}

// ---------------------------------------------------------------- the printer (PyTorch's _tensor_str.py)

/** One tensor's element format: the mode and width chosen from its (summarized) values. */
class Formatter {
  private intMode = true;
  private sciMode = false;
  private maxWidth = 1;

  constructor(
    values: ArrayLike<number>,
    private readonly kind: "float" | "int" | "bool",
    private readonly options: PrintOptions,
  ) {
    if (kind !== "float") {
      for (let i = 0; i < values.length; i++) this.maxWidth = Math.max(this.maxWidth, this.plain(values[i]!).length);
      return;
    }
    const finite: number[] = [];
    for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]) && values[i] !== 0) finite.push(values[i]!);
    // As in PyTorch, nothing to measure means the defaults, and sciMode is not applied either.
    if (finite.length === 0) return;
    let min = Infinity;
    let max = 0;
    for (const v of finite) {
      min = Math.min(min, Math.abs(v));
      max = Math.max(max, Math.abs(v));
      if (v !== Math.ceil(v)) this.intMode = false;
    }
    const p = options.precision;
    const widest = (f: (v: number) => number): void => {
      for (const v of finite) this.maxWidth = Math.max(this.maxWidth, f(v));
    };
    if (max / min > 1000 || max > 1e8 || (!this.intMode && min < 1e-4)) {
      this.sciMode = true;
      widest((v) => formatExponential(v, p).length);
    } else if (this.intMode) widest((v) => formatFixed(v, 0).length + 1);
    else widest((v) => formatFixed(v, p).length);
    if (options.sciMode !== null) this.sciMode = options.sciMode;
  }

  private plain(v: number): string {
    return this.kind === "bool" ? (v !== 0 ? "true" : "false") : String(v);
  }

  get width(): number {
    return this.maxWidth;
  }

  format(v: number): string {
    let s: string;
    if (this.kind !== "float") s = this.plain(v);
    else if (this.sciMode) s = formatExponential(v, this.options.precision);
    else if (this.intMode) s = formatFixed(v, 0) + (Number.isFinite(v) ? "." : "");
    else s = formatFixed(v, this.options.precision);
    return s.padStart(this.maxWidth, " ");
  }
}

/** Row-major values with their shape, and the positions printing will show. */
interface Layout {
  values: ArrayLike<number>;
  shape: readonly number[];
  strides: number[];
  summarize: boolean;
  edge: number;
}

/** The indices of dimension `d` that are printed (null marks the `...` gap). */
function shown(layout: Layout, d: number): Array<number | null> {
  const n = layout.shape[d]!;
  const range = (start: number, end: number): number[] => Array.from({ length: end - start }, (_, i) => start + i);
  if (!layout.summarize || n <= 2 * layout.edge) return range(0, n);
  return [...range(0, layout.edge), null, ...range(n - layout.edge, n)];
}

/** The values printing shows (PyTorch's get_summarized_data), for the formatter to measure. */
function shownValues(layout: Layout): number[] {
  const out: number[] = [];
  const walk = (d: number, offset: number): void => {
    if (d === layout.shape.length) {
      out.push(layout.values[offset]!);
      return;
    }
    for (const i of shown(layout, d)) if (i !== null) walk(d + 1, offset + i * layout.strides[d]!);
  };
  walk(0, 0);
  return out;
}

function vectorString(layout: Layout, offset: number, indent: number, f: Formatter, options: PrintOptions): string {
  const d = layout.shape.length - 1;
  const perLine = Math.max(1, Math.floor((options.linewidth - indent) / (f.width + 2)));
  const items = shown(layout, d).map((i) => (i === null ? " ..." : f.format(layout.values[offset + i * layout.strides[d]!]!)));
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(", "));
  return `[${lines.join(`,\n${" ".repeat(indent + 1)}`)}]`;
}

function tensorString(layout: Layout, d: number, offset: number, indent: number, f: Formatter, options: PrintOptions): string {
  const ndim = layout.shape.length;
  if (ndim === 0) return f.format(layout.values[0]!);
  if (d === ndim - 1) return vectorString(layout, offset, indent, f, options);
  const slices = shown(layout, d).map((i) =>
    i === null ? "..." : tensorString(layout, d + 1, offset + i * layout.strides[d]!, indent + 1, f, options),
  );
  return `[${slices.join(`,${"\n".repeat(ndim - d - 1)}${" ".repeat(indent + 1)}`)}]`;
}

function addSuffixes(body: string, suffixes: string[], indent: number, linewidth: number): string {
  const parts = [body];
  // PyTorch's measure, kept as is (it counts two extra characters).
  let lastLineLength = body.length - body.lastIndexOf("\n") + 1;
  for (const suffix of suffixes) {
    if (lastLineLength + suffix.length + 2 > linewidth) {
      parts.push(`,\n${" ".repeat(indent)}${suffix}`);
      lastLineLength = indent + suffix.length;
    } else {
      parts.push(`, ${suffix}`);
      lastLineLength += suffix.length + 2;
    }
  }
  parts.push(")");
  return parts.join("");
}

/**
 * Render a tensor the way PyTorch's `repr` does, with tapegrad's names:
 * `tensor([[0.1234, 0.5678]], dtype=float64, gradFn=<MulBackward>)`. This is what `String(t)`,
 * `t.toString()`, `console.log(t)` in Node and the playground show. Only the printed elements are
 * read, so a large tensor prints quickly and briefly (`...` past `threshold` elements).
 * @param t - the tensor
 * @param options - print options for this call only, over those of {@link setPrintOptions}
 * @returns the text, possibly several lines
 * @throws RangeError / TypeError for bad options.
 * @example format(randn([100, 100]), { precision: 2 }); // 7 lines with ... in the middle
 */
export function format(t: Tensor, options?: Partial<PrintOptions>): string {
  const opts: PrintOptions = { ...printOptions, ...checkOptions(options, "format") };
  const prefix = "tensor(";
  const indent = prefix.length;
  const suffixes: string[] = [];
  const numel = t.numel();
  let body: string;
  if (numel === 0) {
    if (t.ndim !== 1) suffixes.push(`size=[${t.shape.join(", ")}]`);
    if (t.dtype !== getDefaultDtype()) suffixes.push(`dtype=${t.dtype}`);
    body = "[]";
  } else {
    if (t.dtype !== getDefaultDtype() && t.dtype !== "int32" && t.dtype !== "bool") suffixes.push(`dtype=${t.dtype}`);
    const shape = t.shape;
    const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
    const layout: Layout = { values: t.values(), shape, strides, summarize: numel > opts.threshold, edge: opts.edgeitems };
    const kind = t.dtype === "bool" ? "bool" : t.dtype === "int32" ? "int" : "float";
    const formatter = new Formatter(layout.summarize ? shownValues(layout) : layout.values, kind, opts);
    body = tensorString(layout, 0, 0, indent, formatter, opts);
  }
  const fn = t.gradFn;
  if (fn !== null) suffixes.push(`gradFn=<${fn.name}>`);
  else if (t.requiresGrad) suffixes.push("requiresGrad=true");
  return addSuffixes(prefix + body, suffixes, indent, opts.linewidth);
}
