// The browser test's harness: bundles the test page and examples/browser with esbuild (from the packages' TypeScript
// sources), serves it on 127.0.0.1 with and without cross-origin isolation and under two
// Content-Security-Policies, and starts Debian's
// Chromium through playwright-core (never a downloaded browser).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { type BrowserContext, chromium } from "playwright-core";

/** Debian's chromium package (`apt-get install chromium`). */
export const CHROMIUM = "/usr/bin/chromium";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** The packages' entry points as TypeScript sources (the bundle is built from them, as vitest runs them). */
const SOURCES: Record<string, string> = {
  "@tapegrad/core": join(root, "packages/core/src/index.ts"),
  "@tapegrad/core/internal": join(root, "packages/core/src/internal.ts"),
  "@tapegrad/nn": join(root, "packages/nn/src/index.ts"),
  "@tapegrad/optim": join(root, "packages/optim/src/index.ts"),
};

/** Bundle `entryPoints` (name: source file) for the browser; returns the output files by name. */
async function bundle(entryPoints: Record<string, string>, format: "iife" | "esm"): Promise<Record<string, string>> {
  const result = await build({
    entryPoints,
    bundle: true,
    write: false,
    format,
    platform: "browser",
    target: "es2022",
    outdir: "/bundle",
    plugins: [{
      name: "tapegrad-sources",
      setup(b) {
        b.onResolve({ filter: /^@tapegrad\// }, (args) => (args.path in SOURCES ? { path: SOURCES[args.path]! } : undefined));
      },
    }],
    logLevel: "silent",
  });
  const files: Record<string, string> = {};
  for (const file of result.outputFiles) files[file.path.slice(file.path.lastIndexOf("/") + 1)] = file.text;
  return files;
}

/** The test page: `page/main.ts` and `page/worker.ts` as classic scripts (a plain `<script>` and `new Worker(url)` load them). */
export async function bundlePage(): Promise<Record<string, string>> {
  const files = await bundle({ main: join(root, "test/browser/page/main.ts"), worker: join(root, "test/browser/page/worker.ts") }, "iife");
  return { ...files, "index.html": '<!doctype html><meta charset="utf-8"><title>tapegrad</title><script src="main.js"></script>' };
}

/** examples/browser as docs/browser.md builds it with esbuild (ES modules), with its index.html. */
export async function bundleExample(): Promise<Record<string, string>> {
  const dir = join(root, "examples/browser");
  const files = await bundle({ main: join(dir, "main.ts"), "train.worker": join(dir, "train.worker.ts") }, "esm");
  return { ...files, "index.html": readFileSync(join(dir, "index.html"), "utf8") };
}

/** The headers that make a page cross-origin isolated (and so give it SharedArrayBuffer). */
export const ISOLATION_HEADERS = { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" };

/** The ways the test serves the page: the first part of the path, and the headers sent with every file. */
export const MODES = {
  isolated: ISOLATION_HEADERS,
  plain: {},
  /** Isolated, under a Content-Security-Policy that allows neither WebAssembly compilation nor blob: workers. */
  "strict-csp": { ...ISOLATION_HEADERS, "content-security-policy": "script-src 'self'" },
  /** Isolated, under the Content-Security-Policy docs/browser.md recommends. */
  "wasm-csp": { ...ISOLATION_HEADERS, "content-security-policy": "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:" },
} as const satisfies Record<string, Record<string, string>>;

/** A way of serving the page (see {@link MODES}). */
export type Mode = keyof typeof MODES;

/** Serve each site's files under `/<mode>/<site>/` for every mode of {@link MODES} on an ephemeral port of 127.0.0.1. */
export async function serve(sites: Record<string, Record<string, string>>): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const match = /^\/([\w-]+)\/([\w-]+)\/([\w.-]+)$/.exec(req.url ?? "");
    const headers: Record<string, string> | undefined = match ? (MODES as Record<string, Record<string, string>>)[match[1]!] : undefined;
    const body = match ? sites[match[2]!]?.[match[3]!] : undefined;
    if (match === null || headers === undefined || body === undefined) {
      res.writeHead(404).end();
      return;
    }
    const type = match[3]!.endsWith(".js") ? "text/javascript" : "text/html";
    res.writeHead(200, { "content-type": `${type}; charset=utf-8`, "cache-control": "no-store", ...headers });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Headless Chromium with a fresh profile; `close()` also removes the profile. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), "tapegrad-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
