// The workspace's publishable packages, read from the root package.json's `workspaces` (entries
// may end in `/*`), so a package added there (e.g. packages/data) is checked with no other change.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A workspace package: its folder (relative to the root) and its package.json. */
export interface WorkspacePackage {
  dir: string;
  manifest: Record<string, unknown> & { name: string; version: string };
}

/** Read a JSON file under the root. */
export function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ROOT, path), "utf8")) as Record<string, unknown>;
}

/** Every workspace package that is not private, in the order the root lists them. */
export function workspacePackages(): WorkspacePackage[] {
  const patterns = readJson("package.json")["workspaces"] as string[];
  const dirs = patterns.flatMap((pattern) => {
    if (!pattern.endsWith("/*")) return [pattern];
    const parent = pattern.slice(0, -2);
    return readdirSync(join(ROOT, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${parent}/${entry.name}`)
      .sort();
  });
  return dirs
    .filter((dir) => existsSync(join(ROOT, dir, "package.json")))
    .map((dir) => ({ dir, manifest: readJson(`${dir}/package.json`) as WorkspacePackage["manifest"] }))
    .filter(({ manifest }) => manifest["private"] !== true);
}
