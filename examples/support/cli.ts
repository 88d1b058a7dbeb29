// The one command-line parser of the examples: `--help` everywhere, and a bad flag or value gives one
// line on stderr and exit code 2 (never a stack trace).
import { UsageError } from "./usage-error.js";

export { UsageError };

/** How one flag is read. */
export interface FlagSpec {
  type: "boolean" | "string" | "integer" | "number";
  /** Help text. */
  help: string;
  /** Value when the flag is absent (booleans default to false). */
  default?: string | number;
  /** Smallest accepted value, for integer and number flags. */
  min?: number;
  /** One-letter alias, e.g. "h". */
  short?: string;
}

/** The flags of an example, by long name (kebab-case, without the dashes). */
export type FlagSpecs = Record<string, FlagSpec>;

/** The parsed values: booleans, strings and numbers, by flag name. */
export type FlagValues<S extends FlagSpecs> = {
  [K in keyof S]: S[K]["type"] extends "boolean"
    ? boolean
    : S[K]["type"] extends "string"
      ? string | undefined
      : S[K] extends { default: number }
        ? number
        : number | undefined;
};


function describeDefault(spec: FlagSpec): string {
  return spec.default === undefined ? "" : ` (default ${spec.default})`;
}

/** The `--help` text: the example's summary, then one line per flag. */
export function helpText(summary: string, specs: FlagSpecs): string {
  const rows = Object.entries({ ...specs, help: { type: "boolean", help: "show this help", short: "h" } as FlagSpec }).map(([name, spec]) => {
    const value = spec.type === "boolean" ? "" : spec.type === "string" ? " VALUE" : " N";
    const flag = `${spec.short ? `-${spec.short}, ` : ""}--${name}${value}`;
    return `  ${flag.padEnd(22)} ${spec.help}${describeDefault(spec)}`;
  });
  return `${summary}\n\nOptions:\n${rows.join("\n")}`;
}

function convert(name: string, spec: FlagSpec, raw: string): string | number {
  if (spec.type === "string") return raw;
  const value = Number(raw);
  const integer = spec.type === "integer";
  const min = spec.min ?? Number.NEGATIVE_INFINITY;
  if (raw.trim() === "" || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min) {
    const bound = spec.min === undefined ? "" : ` >= ${spec.min}`;
    throw new UsageError(`--${name} must be ${integer ? "an integer" : "a number"}${bound}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/**
 * Parse `argv` against `specs`. `--name value`, `--name=value` and `-x` are accepted; a value may
 * start with "-" (`--epochs -3` is read and then refused as below 1, not as a missing value).
 * Returns "help" for `--help`/`-h`; throws UsageError for anything else that is wrong.
 */
export function parseFlags<S extends FlagSpecs>(argv: readonly string[], specs: S): FlagValues<S> | "help" {
  const byShort = new Map(Object.entries(specs).filter(([, s]) => s.short).map(([n, s]) => [s.short!, n]));
  const raw = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return "help";
    let name: string | undefined;
    let inline: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq === -1 ? undefined : arg.slice(eq + 1);
    } else if (/^-[A-Za-z]$/.test(arg)) {
      name = byShort.get(arg.slice(1));
      if (name === undefined) throw new UsageError(`unknown option ${arg} (see --help)`);
    } else {
      throw new UsageError(`unexpected argument ${JSON.stringify(arg)} (see --help)`);
    }
    const spec = Object.prototype.hasOwnProperty.call(specs, name) ? specs[name] : undefined;
    if (spec === undefined) throw new UsageError(`unknown option --${name} (see --help)`);
    if (raw.has(name)) throw new UsageError(`--${name} is given twice`);
    if (spec.type === "boolean") {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value, got ${JSON.stringify(inline)}`);
      raw.set(name, true);
    } else if (inline !== undefined) {
      raw.set(name, inline);
    } else {
      if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value (see --help)`);
      raw.set(name, argv[++i]!);
    }
  }
  const values: Record<string, string | number | boolean | undefined> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const given = raw.get(name);
    if (spec.type === "boolean") values[name] = given === true;
    else if (given === undefined) values[name] = spec.default;
    else values[name] = convert(name, spec, given as string);
  }
  return values as FlagValues<S>;
}

/**
 * Parse `process.argv` for an example: prints the help and exits 0 on `--help`; prints
 * `error: <reason>` and exits 2 on a bad command line.
 */
export function cli<S extends FlagSpecs>(summary: string, specs: S): FlagValues<S> {
  try {
    const values = parseFlags(process.argv.slice(2), specs);
    if (values === "help") {
      console.log(helpText(summary, specs));
      process.exit(0);
    }
    return values;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}`);
    process.exit(2);
  }
}

/** Run `main`; an error meant for the user (UsageError, or any error with `exitCode` 2) prints one line and exits 2. */
export function runMain(main: () => void | Promise<void>): void {
  const fail = (error: unknown): void => {
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}`);
      process.exitCode = 2;
      return;
    }
    throw error;
  };
  try {
    const done = main();
    if (done instanceof Promise) done.catch(fail);
  } catch (error) {
    fail(error);
  }
}
