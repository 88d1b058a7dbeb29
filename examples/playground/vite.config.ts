// The playground is a static site: `vite build` writes dist/, which any static host serves. Cross-origin
// isolation (the two headers below) gives the page SharedArrayBuffer, so tapegrad's kernels can use
// helper threads; without them everything still runs, on one thread.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const repo = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const isolation = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

export default defineConfig({
  base: "./",
  resolve: {
    // The packages' TypeScript sources, so the playground needs no separate package build.
    alias: [
      { find: /^@tapegrad\/core$/, replacement: repo("packages/core/src/index.ts") },
      { find: /^@tapegrad\/core\/internal$/, replacement: repo("packages/core/src/internal.ts") },
      { find: /^@tapegrad\/nn$/, replacement: repo("packages/nn/src/index.ts") },
      { find: /^@tapegrad\/optim$/, replacement: repo("packages/optim/src/index.ts") },
      { find: /^@tapegrad\/train$/, replacement: repo("packages/train/src/index.ts") },
      { find: /^@tapegrad\/data$/, replacement: repo("packages/data/src/index.ts") },
    ],
  },
  server: { host: "127.0.0.1", headers: isolation, fs: { allow: [repo("")] } },
  preview: { host: "127.0.0.1", headers: isolation },
  worker: { format: "es" },
  build: { target: "es2022", outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 4096 },
});
