// Every publishable workspace package carries what a user installing it from npm needs: a build on
// `prepack`, ESM `exports` with types, `files`, `sideEffects`, `engines`, `repository`, `license`,
// public publishing, a README and the root's MIT LICENSE. A new package under `workspaces` is
// checked by this file with no change here; copy core's package.json fields to make it pass.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { ROOT, readJson, workspacePackages } from "./workspace.js";

const root = readJson("package.json");
const packages = workspacePackages();
const versions = new Map(packages.map(({ manifest }) => [manifest.name, manifest.version]));

test("the workspace lists the three packages (and any added later)", () => {
  expect(packages.map(({ manifest }) => manifest.name)).toEqual(expect.arrayContaining(["@tapegrad/core", "@tapegrad/nn", "@tapegrad/optim"]));
});

test("the root has an MIT LICENSE, a license field and a repository", () => {
  expect(readFileSync(join(ROOT, "LICENSE"), "utf8")).toMatch(/^MIT License\n/);
  expect(root["license"]).toBe("MIT");
  expect(root["repository"]).toMatchObject({ type: "git", url: expect.stringMatching(/^git\+https:\/\//) });
});

describe.each(packages)("$manifest.name ($dir)", ({ dir, manifest }) => {
  const file = (path: string): string => join(ROOT, dir, path);

  test("identity: scoped name, version, description, ESM, MIT, no side effects", () => {
    expect(manifest.name).toMatch(/^@tapegrad\/[a-z][a-z0-9-]*$/);
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
    expect(manifest["description"]).toEqual(expect.any(String));
    expect(manifest["type"]).toBe("module");
    expect(manifest["license"]).toBe("MIT");
    expect(manifest["sideEffects"]).toBe(false);
  });

  test("repository, engines and publishConfig", () => {
    expect(manifest["repository"]).toEqual({ ...(root["repository"] as object), directory: dir });
    expect(manifest["engines"]).toEqual(root["engines"]);
    expect(manifest["publishConfig"]).toEqual({ access: "public" });
  });

  test("builds on prepack and ships dist (with its sources for the declaration maps)", () => {
    const scripts = manifest["scripts"] as Record<string, string>;
    expect(scripts["prepack"]).toBe(scripts["build"]);
    expect(scripts["build"]).toMatch(/\btsc -b\b/);
    expect(manifest["files"]).toEqual(["dist", "src"]);
  });

  test("exports: each entry has types and default in dist, built from a source file that exists", () => {
    const exports = manifest["exports"] as Record<string, unknown>;
    expect(Object.keys(exports)).toContain(".");
    expect(exports["./package.json"]).toBe("./package.json");
    expect(manifest["main"]).toBe((exports["."] as { default: string }).default);
    expect(manifest["types"]).toBe((exports["."] as { types: string }).types);
    for (const [subpath, target] of Object.entries(exports)) {
      if (subpath === "./package.json") continue;
      // `types` first: TypeScript takes the first condition that matches.
      expect(Object.keys(target as object), subpath).toEqual(["types", "default"]);
      const { types, default: js } = target as { types: string; default: string };
      const stem = js.replace(/^\.\/dist\//, "").replace(/\.js$/, "");
      expect(js, subpath).toBe(`./dist/${stem}.js`);
      expect(types, subpath).toBe(`./dist/${stem}.d.ts`);
      expect(existsSync(file(`src/${stem}.ts`)), `${subpath}: src/${stem}.ts`).toBe(true);
    }
  });

  test("dependencies: workspace packages only, at their exact versions (no registry dependency)", () => {
    for (const [name, range] of Object.entries((manifest["dependencies"] ?? {}) as Record<string, string>)) {
      expect(versions.get(name), `${name} is a workspace package`).toBeDefined();
      expect(range, name).toBe(versions.get(name));
    }
    expect(manifest["peerDependencies"]).toBeUndefined();
  });

  test("a README that says how to install, and the root's LICENSE", () => {
    const readme = readFileSync(file("README.md"), "utf8");
    expect(readme.startsWith(`# ${manifest.name}\n`)).toBe(true);
    expect(readme).toMatch(new RegExp(`npm install [^\\n]*${manifest.name.replace("/", "\\/")}`));
    expect(readFileSync(file("LICENSE"), "utf8")).toBe(readFileSync(join(ROOT, "LICENSE"), "utf8"));
  });
});
