import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const source = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources, so they need no build step.
    alias: {
      "@tapegrad/core": source("./packages/core/src/index.ts"),
      "@tapegrad/nn": source("./packages/nn/src/index.ts"),
      "@tapegrad/optim": source("./packages/optim/src/index.ts"),
      "@tapegrad/data": source("./packages/data/src/index.ts"),
    },
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    reporters: ["default", ["json", { outputFile: "test-results/vitest.json" }]],
    testTimeout: 60_000,
    setupFiles: ["test/setup/fast-check.ts"],
  },
});
