// The packages as a user gets them: `npm pack` every workspace package (the dist that `npm test`
// just built), install the tarballs offline into a new project outside the workspace, and there run
// the README's fifteen-line example as plain Node ESM and type-check a TypeScript file with a strict,
// Node-only config (no DOM, no WebAssembly lib types) under moduleResolution nodenext and bundler.
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ROOT, workspacePackages } from "./workspace.js";

const run = promisify(execFile);
const packages = workspacePackages();

/** What `npm pack --json` reports for one tarball. */
interface PackResult {
  name: string;
  filename: string;
  size: number;
  unpackedSize: number;
  files: Array<{ path: string }>;
}

/** npm's environment without the `npm_*` variables of the `npm test` that started vitest. */
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
const npm = (args: string[], cwd: string): Promise<{ stdout: string }> =>
  run("npm", [...args, "--offline", "--no-audit", "--no-fund", "--no-update-notifier"], { cwd, env, maxBuffer: 64 << 20 });
const tsc = join(ROOT, "node_modules/typescript/bin/tsc");

let dir = "";
let project = "";
let packed: PackResult[] = [];
/** The two type checks, started together once the project is installed (each takes seconds). */
const typeChecks: Partial<Record<"nodenext" | "bundler", Promise<{ files: string[]; errors: string }>>> = {};

/** tsconfig for the consumer: strict, Node-only lib, library declarations checked too. */
function tsconfig(resolution: "nodenext" | "bundler"): object {
  return {
    compilerOptions: {
      strict: true,
      target: "ES2022",
      module: resolution === "nodenext" ? "nodenext" : "esnext",
      moduleResolution: resolution,
      lib: ["ES2023"],
      types: ["node"],
      typeRoots: [join(ROOT, "node_modules/@types")],
      skipLibCheck: false,
      noEmit: true,
    },
    // Every shipped declaration file, not only those the consumer reaches.
    include: ["consumer.ts", "node_modules/@tapegrad/*/dist/**/*.d.ts"],
  };
}

/** Run tsc on the consumer; `--listFiles` lines are paths, anything else is a diagnostic. */
async function typeCheck(resolution: "nodenext" | "bundler"): Promise<{ files: string[]; errors: string }> {
  const name = `tsconfig.${resolution}.json`;
  writeFileSync(join(project, name), JSON.stringify(tsconfig(resolution), null, 2));
  const { stdout } = await run(process.execPath, [tsc, "-p", name, "--listFiles"], { cwd: project, env }).catch((error: { stdout: string }) => error);
  const lines = stdout.split("\n").filter((line) => line !== "");
  const isFile = (line: string): boolean => line.startsWith("/") && line.endsWith(".ts") && !line.includes("error TS");
  return { files: lines.filter(isFile), errors: lines.filter((line) => !isFile(line)).join("\n") };
}

/** The code block right after `## Fifteen lines` in the root README. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const match = /\n## Fifteen lines\n+```ts\n([\s\S]*?)\n```/.exec(readme);
  if (match === null) throw new Error("README.md has no ```ts block under '## Fifteen lines'");
  return match[1]!;
}

beforeAll(async () => {
  for (const { dir: pkg } of packages) {
    if (!existsSync(join(ROOT, pkg, "dist/index.js"))) throw new Error(`${pkg}/dist is missing: run \`npm run build\` (npm test does) first`);
  }
  dir = mkdtempSync(join(tmpdir(), "tapegrad-packaging-"));
  const tarballs = join(dir, "tarballs");
  project = join(dir, "project");
  mkdirSync(tarballs);
  mkdirSync(project);
  // --ignore-scripts: the build already ran; prepack (the same `tsc -b`) would only re-check it.
  // Only the publishable packages: private workspaces (the playground) are never packed.
  const selected = packages.flatMap(({ dir: pkg }) => ["--workspace", pkg]);
  const { stdout } = await npm(["pack", ...selected, "--ignore-scripts", "--json", "--pack-destination", tarballs], ROOT);
  packed = JSON.parse(stdout) as PackResult[];
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  await npm(["install", "--ignore-scripts", "--no-package-lock", ...packed.map((p) => join(tarballs, p.filename))], project);
  copyFileSync(join(ROOT, "test/packaging/fixtures/consumer.ts"), join(project, "consumer.ts"));
  for (const resolution of ["nodenext", "bundler"] as const) typeChecks[resolution] = typeCheck(resolution);
}, 180_000);

afterAll(async () => {
  await Promise.allSettled(Object.values(typeChecks));
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

test("the project is outside the workspace and got one tarball per package", () => {
  expect(project.startsWith(ROOT)).toBe(false);
  expect(packed.map((p) => p.name).sort()).toEqual(packages.map((p) => p.manifest.name).sort());
  for (const p of packed) console.log(`${p.filename}: ${(p.size / 1024).toFixed(1)} KiB packed, ${(p.unpackedSize / 1024).toFixed(1)} KiB unpacked, ${p.files.length} files`);
});

describe.each(packages)("the $manifest.name tarball", ({ dir: pkg, manifest }) => {
  const files = (): Set<string> => new Set(packed.find((p) => p.name === manifest.name)!.files.map((f) => f.path));

  test("holds package.json, README.md, LICENSE and every export's files, and no tests", () => {
    const have = files();
    for (const f of ["package.json", "README.md", "LICENSE"]) expect(have.has(f), f).toBe(true);
    for (const target of Object.values(manifest["exports"] as Record<string, string | Record<string, string>>)) {
      for (const f of typeof target === "string" ? [target] : Object.values(target)) expect(have.has(f.replace(/^\.\//, "")), f).toBe(true);
    }
    expect([...have].filter((f) => /(^|\/)test\/|\.test\.|tsbuildinfo/.test(f))).toEqual([]);
  });

  test("its dist is built from its src (no stale outputs of deleted sources)", () => {
    const have = files();
    const stale = [...have]
      .filter((f) => f.startsWith("dist/") && f.endsWith(".js"))
      .filter((f) => !have.has(f.replace(/^dist\//, "src/").replace(/\.js$/, ".ts")));
    expect(stale, `stale files in ${pkg}/dist: delete ${pkg}/dist and rebuild`).toEqual([]);
  });
});

test("the README's fifteen-line example runs as plain Node ESM and prints a finite loss", async () => {
  writeFileSync(join(project, "example.mjs"), readmeExample());
  const { stdout } = await run(process.execPath, ["example.mjs"], { cwd: project, env });
  const printed = stdout.trim();
  expect(printed).toMatch(/^[0-9.e+-]+$/);
  expect(Number.isFinite(Number(printed))).toBe(true);
  expect(Number(printed)).toBeGreaterThanOrEqual(0);
}, 60_000);

test("each package README's ```js examples run as plain Node ESM", async () => {
  const examples = packages.flatMap(({ dir: pkg, manifest }) =>
    [...readFileSync(join(ROOT, pkg, "README.md"), "utf8").matchAll(/\n```js\n([\s\S]*?)\n```/g)].map((m, i) => ({ file: `${manifest.name.replace("@tapegrad/", "readme-")}-${i}.mjs`, code: m[1]! })),
  );
  expect(examples.length).toBeGreaterThanOrEqual(packages.length - 1);
  await Promise.all(
    examples.map(async ({ file, code }) => {
      writeFileSync(join(project, file), code);
      const { stdout } = await run(process.execPath, [file], { cwd: project, env });
      return stdout;
    }),
  );
}, 60_000);

describe("a strict, Node-only TypeScript project type-checks against the shipped .d.ts", () => {
  test.each(["nodenext", "bundler"] as const)("moduleResolution %s", async (resolution) => {
    const { files, errors } = await typeChecks[resolution]!;
    expect(files.filter((f) => f.includes("/node_modules/@tapegrad/") && f.endsWith(".d.ts")).length).toBeGreaterThan(50);
    expect(files.filter((f) => /lib\.(dom|webworker)\b/.test(f))).toEqual([]);
    expect(errors).toBe("");
  }, 120_000);
});
