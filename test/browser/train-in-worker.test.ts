// End to end in a real browser: the page trains a small MLP in a Worker under headless Chromium
// and gets Node's losses bit for bit. Cross-origin isolated, the Worker's large kernels use a
// helper thread (a nested Worker on the shared memory); without isolation, or on the page's main
// thread, everything runs on one thread; under a CSP without 'wasm-unsafe-eval' the TypeScript
// kernels run. Prints the browser's ms/step beside Node's, each
// from a second, warm run (no speed is asserted).
import { existsSync } from "node:fs";
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { TestPage, TrainReply } from "./page/main.js";
import { CHROMIUM, type Mode, bundleExample, bundlePage, launchChromium, serve } from "./harness.js";
import { SMALL_MLP, type TrainOptions, type TrainReport, trainWarm } from "./train-mlp.js";

let server: Server;
let origin: string;
let browser: Awaited<ReturnType<typeof launchChromium>>;
/** Node's runs of the same training: wasm kernels on one and two threads, TypeScript kernels. */
let node1: TrainReport;
let node2: TrainReport;
let nodeJs: TrainReport;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium package (.ci/run does)`);
  ({ server, origin } = await serve({ page: await bundlePage(), example: await bundleExample() }));
  browser = await launchChromium();
  node1 = trainWarm({ ...SMALL_MLP, threads: 1 });
  node2 = trainWarm({ ...SMALL_MLP, threads: 2 });
  nodeJs = trainWarm({ ...SMALL_MLP, threads: 1, backend: "js" });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
});

/** Open the page served as `mode` and train there: in a Worker, or on the page's main thread. */
async function trainInBrowser(mode: Mode, where: "train" | "trainHere", options: TrainOptions): Promise<Extract<TrainReply, { ok: true }>> {
  const page = await browser.context.newPage();
  try {
    await page.goto(`${origin}/${mode}/page/index.html`);
    const reply = await page.evaluate(([w, o]) => (window as unknown as TestPage)[w](o), [where, options] as const);
    if (!reply.ok) throw new Error(`training failed in the browser: ${reply.error}`);
    return reply;
  } finally {
    await page.close();
  }
}

const ms = (r: TrainReport): string => `${r.msPerStep.toFixed(1)} ms/step`;

describe("training in a browser Worker (headless Chromium)", () => {
  test("Node's own reference: one and two threads give the same losses, and the helper thread ran", () => {
    expect(node1.backend).toBe("wasm");
    expect(node2.threads).toBe(2);
    expect(node2.helperCalls).toBeGreaterThan(0);
    expect(node2.losses).toEqual(node1.losses);
    expect(nodeJs.backend).toBe("js");
  });

  test("cross-origin isolated: a helper thread runs in the browser too, and the losses are Node's", async () => {
    const two = await trainInBrowser("isolated", "train", { ...SMALL_MLP, threads: 2 });
    expect(two.isolated).toBe(true);
    expect(two.started).toBe(2);
    expect(two.report).toMatchObject({ backend: "wasm", threads: 2 });
    expect(two.report.helperCalls).toBeGreaterThan(0);
    expect(two.report.losses).toEqual(node1.losses);
    const one = await trainInBrowser("isolated", "train", { ...SMALL_MLP, threads: 1 });
    expect(one.report).toMatchObject({ backend: "wasm", threads: 1, helperCalls: 0 });
    expect(one.report.losses).toEqual(node1.losses);
    console.log(`isolated Worker: browser ${ms(one.report)} on 1 thread, ${ms(two.report)} on 2; Node ${ms(node1)} on 1 thread, ${ms(node2)} on 2`);
  });

  test("isolated, without awaiting startKernelThreads first: the helper cannot start during a training loop; its shares run on the caller, and getKernelThreads says so", async () => {
    const { threadsBefore, beforeStart, started, report } = await trainInBrowser("isolated", "train", { ...SMALL_MLP, threads: 2, startLate: true });
    expect(threadsBefore).toBe(1);
    expect(beforeStart).toMatchObject({ backend: "wasm", threads: 1, helperCalls: 0 });
    expect(beforeStart!.losses).toEqual(node1.losses);
    expect(started).toBe(2);
    expect(report).toMatchObject({ backend: "wasm", threads: 2 });
    expect(report.helperCalls).toBeGreaterThan(0);
    expect(report.losses).toEqual(node1.losses);
  });

  test.each([
    ["a Worker of a page that is not isolated (no shared memory)", "plain", "train", false],
    ["an isolated page's main thread (which may not block)", "isolated", "trainHere", true],
  ] as const)("%s: one thread whatever is requested; Node's losses", async (_, mode, where, wasIsolated) => {
    const { isolated, started, report } = await trainInBrowser(mode, where, { ...SMALL_MLP, threads: 2 });
    expect(isolated).toBe(wasIsolated);
    expect(started).toBe(1);
    expect(report).toMatchObject({ backend: "wasm", threads: 1, helperCalls: 0 });
    expect(report.losses).toEqual(node1.losses);
    console.log(`${mode} ${where === "train" ? "Worker" : "main thread"}: browser ${ms(report)} (1 thread); Node ${ms(node1)} on 1 thread`);
  });

  test("a CSP without 'wasm-unsafe-eval' and blob: workers: the TypeScript kernels on one thread, Node's TypeScript losses", async () => {
    const { isolated, started, report } = await trainInBrowser("strict-csp", "train", { ...SMALL_MLP, threads: 2 });
    expect(isolated).toBe(true);
    expect(started).toBe(1);
    expect(report).toMatchObject({ backend: "js", threads: 1, helperCalls: 0 });
    expect(report.losses).toEqual(nodeJs.losses);
    console.log(`strict CSP Worker: browser ${ms(report)} (TypeScript kernels); Node ${ms(nodeJs)} (TypeScript kernels)`);
  });

  test("the CSP docs/browser.md recommends keeps the wasm kernels and the helper thread", async () => {
    const { started, report } = await trainInBrowser("wasm-csp", "train", { ...SMALL_MLP, threads: 2 });
    expect(started).toBe(2);
    expect(report).toMatchObject({ backend: "wasm", threads: 2 });
    expect(report.helperCalls).toBeGreaterThan(0);
    expect(report.losses).toEqual(node1.losses);
  });
});

describe("examples/browser (the recipe of docs/browser.md, bundled with esbuild)", () => {
  test("served cross-origin isolated, it trains in its Worker on every core (up to 4), and the loss falls", async () => {
    const page = await browser.context.newPage();
    try {
      await page.goto(`${origin}/isolated/example/index.html`);
      const status = page.locator("#status");
      await status.filter({ hasText: /^(done|the worker failed)/ }).waitFor({ timeout: 50_000 });
      const cores = await page.evaluate(() => navigator.hardwareConcurrency);
      expect(await page.locator("#setup").textContent()).toBe(`wasm kernels, ${Math.min(4, cores)} thread(s), cross-origin isolated: true`);
      expect(await page.locator("#log").textContent()).toMatch(/^step 40: loss \d\.\d{4}$/m);
      const done = /^done: loss (\d+\.\d+) -> (\d+\.\d+), [\d.]+ ms\/step$/.exec((await status.textContent()) ?? "");
      expect(done).not.toBeNull();
      expect(Number(done![2])).toBeLessThan(0.5 * Number(done![1]));
      console.log(`examples/browser: ${await status.textContent()} with ${Math.min(4, cores)} threads`);
    } finally {
      await page.close();
    }
  });
});
