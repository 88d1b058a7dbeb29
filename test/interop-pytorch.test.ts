// docs/interop.md's two Python snippets, taken from the page and run with Debian's PyTorch
// (/usr/bin/python3, python3-torch; .ci/run installs it): a tapegrad checkpoint of a Sequential of
// Linear/ReLU loads into the equivalent torch.nn.Sequential and gives tapegrad's outputs, and a
// PyTorch state dict written as safetensors loads into tapegrad and gives PyTorch's outputs.
// Where python3-torch is absent the tests are skipped at run time with a message saying so.
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type Tensor, load, manualSeed, noGrad, randn, save } from "@tapegrad/core";
import { Linear, ReLU, Sequential } from "@tapegrad/nn";
import { afterAll, describe, expect, test } from "vitest";

const PYTHON = "/usr/bin/python3";
const run = promisify(execFile);
const doc = readFileSync(fileURLToPath(new URL("../docs/interop.md", import.meta.url)), "utf8");

/** Why PyTorch cannot run here, or null when it can. */
const torchMissing = ((): string | null => {
  const probe = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" });
  if (probe.error !== undefined) return `${PYTHON} cannot run (${probe.error.message})`;
  return probe.status === 0 ? null : `${PYTHON} cannot import torch (${probe.stderr.trim().split("\n").at(-1)})`;
})();
if (torchMissing !== null) {
  console.warn(`SKIPPED docs/interop.md PyTorch round trips: ${torchMissing}; install Debian's python3-torch (.ci/run does)`);
}

/** The ```python block under `<!-- tested: name -->` in docs/interop.md. */
function snippet(name: string): string {
  const match = new RegExp(`<!-- tested: ${name} -->\\n\`\`\`python\\n([\\s\\S]*?)\\n\`\`\``).exec(doc);
  if (match === null) throw new Error(`docs/interop.md has no python block marked <!-- tested: ${name} -->`);
  return match[1]!;
}

/** The architecture both snippets use. */
const mlp = (): Sequential => new Sequential(new Linear(4, 16), new ReLU(), new Linear(16, 8), new ReLU(), new Linear(8, 3));

const dir = mkdtempSync(join(tmpdir(), "tapegrad-interop-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run `code` with Debian's Python in the temporary folder; its stdout. */
async function python(code: string): Promise<string> {
  const file = join(dir, `script-${Math.random().toString(36).slice(2)}.py`);
  writeFileSync(file, code);
  return (await run(PYTHON, [file], { cwd: dir })).stdout;
}

/** Values of `x` as nested number arrays (float32 values are exact in a double). */
const values = (x: Tensor): number[][] => x.tolist() as number[][];

/** Expect the two outputs to agree within float32 rounding (the frameworks sum in other orders). */
function expectClose(actual: number[][], expected: number[][]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - expected[i]![j]!)).toBeLessThanOrEqual(1e-6 + 1e-6 * Math.abs(expected[i]![j]!))));
}

describe("docs/interop.md: tapegrad <-> PyTorch (Sequential of Linear/ReLU)", () => {
  test("both snippets are on the page", () => {
    expect(snippet("tapegrad-to-pytorch")).toContain("torch.frombuffer");
    expect(snippet("pytorch-to-tapegrad")).toContain("struct.pack");
  });

  test("a tapegrad checkpoint loads into the PyTorch model and gives the same outputs", async (ctx) => {
    if (torchMissing !== null) return ctx.skip(torchMissing);
    manualSeed(7);
    const model = mlp();
    const x = randn([6, 4]);
    save(model.stateDict(), join(dir, "model.safetensors"));
    save({ x }, join(dir, "input.safetensors"));
    const ours = noGrad(() => values(model.forward(x)));
    const printed = await python(
      `${snippet("tapegrad-to-pytorch")}\n\n# test harness\nwith torch.no_grad():\n` +
        `    print(json.dumps(model(load_safetensors("input.safetensors")["x"]).tolist()))\n`,
    );
    const theirs = JSON.parse(printed) as number[][];
    expect(theirs.length).toBe(6);
    expectClose(ours, theirs);
  }, 60_000);

  test("a PyTorch state dict written by the snippet loads into tapegrad and gives the same outputs", async (ctx) => {
    if (torchMissing !== null) return ctx.skip(torchMissing);
    await python(
      `${snippet("pytorch-to-tapegrad")}\n\n# test harness\nx = torch.randn(6, 4)\nwith torch.no_grad():\n` +
        `    save_safetensors({"x": x, "y": model(x)}, "torch-io.safetensors")\n`,
    );
    const model = mlp();
    const result = model.loadStateDict(load(join(dir, "torch-model.safetensors")) as Record<string, Tensor>);
    expect(result).toMatchObject({ missingKeys: [], unexpectedKeys: [] });
    const io = load(join(dir, "torch-io.safetensors")) as { x: Tensor; y: Tensor };
    expect(io.y.shape).toEqual([6, 3]);
    expectClose(noGrad(() => values(model.forward(io.x))), values(io.y));
  }, 60_000);
});
