// Every example in examples/ runs as a learner would run it, in its short mode (`--quick`), exits 0
// and prints its key line; the pictures in docs/images/ are what their scripts draw today.
// Examples run in child processes, where `@tapegrad/*` resolve to packages/*/dist (`npm test` builds
// first). train-digits has its own test (train-digits.test.ts).
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "tapegrad-examples-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `node --import tsx <file> ...args` from the repository root. */
function runScript(file: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", file, ...args], { cwd: root, timeout: 90_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : null, stdout, stderr });
    });
  });
}

/** The line each example must print in its short mode (a file not listed here must still exit 0 and print something). */
const keyLines: Record<string, RegExp> = {
  "autograd-basics.ts": /^d2\/da2 sin\(a\^3\) = 2\.906463 \(exact: 2\.906463\)$/m,
  "linear-regression-asgd.ts": /^the averaged parameters are closer to the least-squares solution than the last iterate$/m,
  "checkpoint-resume.ts": /^resumed run equals the uninterrupted run: all 20 lrs, the parameters and the ASGD averages are bit-identical$/m,
  "hypergradient-descent-lr.ts": /^fixed lr 0\.005: validation loss [\d.]+; adapted lr \(final [\d.]+\): validation loss [\d.]+$/m,
  "learn-lr-unrolled.ts": /^learned lr \d+\.\d+ \(val loss \d+\.\d+/m,
  "train-fashion-cnn.ts": /^test accuracy \d+\.\d+% on 500 test images after 1 epoch on 256 training images; [\d.]+ s per epoch$/m,
  "forward-hypergradient-long-unroll.ts": /^forward mode agrees with the finite difference$/m,
  "learn-weight-decay.ts": /^learned weight decay [\d.e+-]+: validation loss [\d.]+ \(no weight decay: [\d.]+\)$/m,
  "char-transformer.ts": /^train loss \d+\.\d+, val loss \d+\.\d+; bigram baseline val loss \d+\.\d+ \(nats per character\)$/m,
};

const examples = readdirSync(join(root, "examples"))
  .filter((f) => f.endsWith(".ts") && f !== "train-digits.ts")
  .sort();

describe.concurrent("examples (--quick)", () => {
  test("the examples folder holds the guides' examples", () => {
    expect(examples).toEqual(expect.arrayContaining(["autograd-basics.ts", "checkpoint-resume.ts", "linear-regression-asgd.ts"]));
  });

  for (const file of examples) {
    test(`${file} exits 0 and prints its key line`, async () => {
      const run = await runScript(join("examples", file), ["--quick"]);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(run.stdout.trim()).not.toBe("");
      const key = keyLines[file];
      if (key !== undefined) expect(run.stdout).toMatch(key);
    }, 120_000);
  }
});

describe.concurrent("every example's command line", () => {
  for (const file of [...examples, "train-digits.ts"]) {
    test(`${file}: --help prints usage and exits 0; an unknown flag is one line and exit 2`, async () => {
      const help = await runScript(join("examples", file), ["--help"]);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^Usage: npx tsx examples\//);
      expect(help.stdout).toContain("--help");
      const bogus = await runScript(join("examples", file), ["--bogus"]);
      expect(bogus.code).toBe(2);
      expect(bogus.stdout).toBe("");
      expect(bogus.stderr).toBe("error: unknown option --bogus (see --help)\n");
    }, 120_000);
  }
});

describe.concurrent("pictures in docs/images", () => {
  test("autograd-graph.svg is the graph examples/autograd-basics.ts draws", async () => {
    const svgPath = join(scratch, "autograd-graph.svg");
    const run = await runScript(join("examples", "autograd-basics.ts"), ["--svg", svgPath]);
    expect(run.code).toBe(0);
    const svg = readFileSync(svgPath, "utf8");
    expect(svg).toContain("<svg");
    expect(svg).toContain("MmBackward");
    const regenerate = "regenerate with: npx tsx examples/autograd-basics.ts --svg docs/images/autograd-graph.svg";
    expect(svg, regenerate).toBe(readFileSync(join(root, "docs", "images", "autograd-graph.svg"), "utf8"));
  });

  test("asgd-eta-mu.svg is what docs/scripts/asgd-eta-mu.ts draws", async () => {
    const svgPath = join(scratch, "asgd-eta-mu.svg");
    const run = await runScript(join("docs", "scripts", "asgd-eta-mu.ts"), ["--out", svgPath]);
    expect(run.code).toBe(0);
    const svg = readFileSync(svgPath, "utf8");
    expect(svg).toContain("mu after step t");
    expect(svg, "regenerate with: npx tsx docs/scripts/asgd-eta-mu.ts").toBe(readFileSync(join(root, "docs", "images", "asgd-eta-mu.svg"), "utf8"));
  });
});
