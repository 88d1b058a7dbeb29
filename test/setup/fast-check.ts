// Property tests explore new random cases on every local run, but CI must be reproducible: under
// CI (or with FC_SEED set) every fast-check run uses one fixed seed. A failure report prints the
// seed and path, so `FC_SEED=<seed> npx vitest run <file>` replays it.
import fc from "fast-check";

const fixed = process.env.FC_SEED ?? (process.env.CI ? "20261125" : undefined);
if (fixed !== undefined) fc.configureGlobal({ seed: Number(fixed) });
