// The examples' shared command-line parser (examples/support/cli.ts): --help, one-line errors.
import { describe, expect, test } from "vitest";
import { UsageError, helpText, parseFlags } from "../examples/support/cli.js";

const specs = {
  epochs: { type: "integer", min: 1, default: 5, help: "epochs" },
  lr: { type: "number", min: 0, default: 0.1, help: "learning rate" },
  out: { type: "string", help: "output folder" },
  quick: { type: "boolean", help: "short run", short: "q" },
} as const;

describe("parseFlags", () => {
  test("reads --name value, --name=value, short booleans and defaults", () => {
    expect(parseFlags(["--epochs", "3", "--lr=0.5", "-q"], specs)).toEqual({ epochs: 3, lr: 0.5, out: undefined, quick: true });
    expect(parseFlags([], specs)).toEqual({ epochs: 5, lr: 0.1, out: undefined, quick: false });
    expect(parseFlags(["--out", "-dir-"], specs)).toMatchObject({ out: "-dir-" });
    expect(parseFlags(["--epochs", "3", "-h"], specs)).toBe("help");
  });

  test.each([
    [["--epochs", "-3"], '--epochs must be an integer >= 1, got "-3"'],
    [["--epochs", "2.5"], '--epochs must be an integer >= 1, got "2.5"'],
    [["--lr", "fast"], '--lr must be a number >= 0, got "fast"'],
    [["--bogus"], "unknown option --bogus (see --help)"],
    [["-x"], "unknown option -x (see --help)"],
    [["stray"], 'unexpected argument "stray" (see --help)'],
    [["--epochs"], "--epochs needs a value (see --help)"],
    [["--quick=yes"], '--quick takes no value, got "yes"'],
    [["--epochs", "2", "--epochs", "3"], "--epochs is given twice"],
    [["--__proto__", "1"], "unknown option --__proto__ (see --help)"],
  ])("%j is refused: %s", (argv, message) => {
    expect(() => parseFlags(argv, specs)).toThrow(new UsageError(message));
  });

  test("helpText lists every flag with its default, and --help itself", () => {
    const text = helpText("Usage: x", specs);
    expect(text).toContain("  --epochs N             epochs (default 5)");
    expect(text).toContain("  -q, --quick            short run");
    expect(text).toContain("  -h, --help             show this help");
  });
});
