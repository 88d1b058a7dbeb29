import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const source = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources, so they need no build step. Exact matches, so that
    // a subpath (`@tapegrad/core/internal`) does not resolve under the package's index.
    alias: [
      { find: /^@tapegrad\/core$/, replacement: source("./packages/core/src/index.ts") },
      { find: /^@tapegrad\/core\/internal$/, replacement: source("./packages/core/src/internal.ts") },
      { find: /^@tapegrad\/nn$/, replacement: source("./packages/nn/src/index.ts") },
      { find: /^@tapegrad\/optim$/, replacement: source("./packages/optim/src/index.ts") },
      { find: /^@tapegrad\/data$/, replacement: source("./packages/data/src/index.ts") },
      { find: /^@tapegrad\/train$/, replacement: source("./packages/train/src/index.ts") },
    ],
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts", "examples/playground/test/**/*.test.ts"],
    reporters: ["default", ["json", { outputFile: "test-results/vitest.json" }]],
    testTimeout: 60_000,
    setupFiles: ["test/setup/fast-check.ts"],
  },
});
