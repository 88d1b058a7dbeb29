/**
 * `npm run build:wasm`: compiles the hand-written WebAssembly text modules of the repository
 * (`.wat`) with wabt and writes each binary, base64-encoded, into a generated TypeScript module
 * that the kernels instantiate synchronously. The generated files are committed (tests and users
 * run from sources without a build step); `packages/core/test/wasm-kernels.test.ts` recompiles
 * every source with {@link generateModule} and fails when a generated file is stale.
 *
 *     npm run build:wasm             # regenerate every target
 *     npm run build:wasm -- --check  # exit 1 if a generated file differs from its source
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import wabtInit from "wabt";

/** One `.wat` source and the TypeScript module generated from it (paths relative to the repository root). */
export interface WasmTarget {
  /** The WebAssembly text source. */
  wat: string;
  /** The generated TypeScript module. */
  out: string;
  /** Name of the exported base64 string constant. */
  exportName: string;
}

/** Every WebAssembly module of the repository. */
export const WASM_TARGETS: readonly WasmTarget[] = [
  { wat: "packages/core/src/kernels/wasm/gemm.wat", out: "packages/core/src/kernels/wasm/gemm.generated.ts", exportName: "gemmWasmBase64" },
  { wat: "packages/core/src/kernels/wasm/elementwise.wat", out: "packages/core/src/kernels/wasm/elementwise.generated.ts", exportName: "elementwiseWasmBase64" },
  { wat: "packages/core/src/kernels/wasm/reduce.wat", out: "packages/core/src/kernels/wasm/reduce.generated.ts", exportName: "reduceWasmBase64" },
  { wat: "packages/core/src/kernels/wasm/softmax.wat", out: "packages/core/src/kernels/wasm/softmax.generated.ts", exportName: "softmaxWasmBase64" },
  { wat: "packages/optim/src/kernels/wasm/asgd.wat", out: "packages/optim/src/kernels/wasm/asgd.generated.ts", exportName: "asgdWasmBase64" },
];

/** The repository root, from this file's location. */
export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Compile WebAssembly text to a binary (SIMD, bulk memory and threads, for shared memory, enabled); throws with wabt's message when invalid. */
export async function compileWat(name: string, source: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const features = { simd: true, bulk_memory: true, threads: true };
  const mod = wabt.parseWat(name, source, features);
  try {
    mod.resolveNames();
    // validate checks against its own feature set (the typings omit the argument).
    (mod as unknown as { validate(f: typeof features): void }).validate(features);
    return mod.toBinary({ write_debug_names: false, canonicalize_lebs: true }).buffer;
  } finally {
    mod.destroy();
  }
}

/** The import of the shared kernel memory, as every module declares it. */
const SHARED_MEMORY_IMPORT = '(import "env" "memory" (memory 1 65536 shared))';

/**
 * The text of the generated TypeScript module of `target` (read relative to `root`): the binary of
 * the source as written, and a second one importing an unshared memory (for runtimes without
 * SharedArrayBuffer, such as a page that is not cross-origin isolated).
 */
export async function generateModule(target: WasmTarget, root: string = REPO_ROOT): Promise<string> {
  const source = readFileSync(root + target.wat, "utf8");
  if (!source.includes(SHARED_MEMORY_IMPORT)) throw new Error(`${target.wat}: expected the kernel memory import ${SHARED_MEMORY_IMPORT}`);
  const file = target.wat.split("/").pop()!;
  const variants = [
    { name: target.exportName, binary: await compileWat(target.wat, source), what: "" },
    {
      name: target.exportName.replace(/Base64$/, "UnsharedBase64"),
      binary: await compileWat(target.wat, source.replace(SHARED_MEMORY_IMPORT, '(import "env" "memory" (memory 1 65536))')),
      what: ", importing an unshared memory",
    },
  ];
  return [
    `// generated from ${file} by scripts/build-wasm (npm run build:wasm); do not edit.`,
    ...variants.flatMap((v) => [
      `/** The WebAssembly binary compiled from \`${file}\`${v.what} (${v.binary.length} bytes), base64-encoded. */`,
      `export const ${v.name} =`,
      (Buffer.from(v.binary).toString("base64").match(/.{1,100}/g) ?? []).map((l) => `  "${l}"`).join(" +\n") + ";",
    ]),
    "",
  ].join("\n");
}

async function main(): Promise<void> {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const target of WASM_TARGETS) {
    const text = await generateModule(target);
    let current = "";
    try {
      current = readFileSync(REPO_ROOT + target.out, "utf8");
    } catch {
      // Missing: stale.
    }
    if (current === text) {
      console.log(`${target.out}: up to date`);
    } else if (check) {
      console.error(`${target.out}: stale (run npm run build:wasm)`);
      stale++;
    } else {
      writeFileSync(REPO_ROOT + target.out, text);
      console.log(`${target.out}: written from ${target.wat}`);
    }
  }
  if (stale > 0) process.exit(1);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
