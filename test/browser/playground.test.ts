// The playground end to end in headless Chromium (Debian's, driven by playwright-core): built with Vite,
// served as static files on 127.0.0.1 with the cross-origin-isolation headers, each panel is run and its
// numbers are checked against the same recipe run here in Node; screenshots go to test-results/.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { moons } from "../../examples/playground/src/recipes/datasets.js";
import { learnLearningRate } from "../../examples/playground/src/recipes/hypergrad.js";
import { PRESETS, inspectComputation } from "../../examples/playground/src/recipes/tape.js";
import { DEFAULT_CONFIG, type EpochMetrics, type TrainConfig, Trainer } from "../../examples/playground/src/recipes/train.js";
import { CHROMIUM, ISOLATION_HEADERS, launchChromium } from "./harness.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const shots = join(root, "test-results");
const outDir = mkdtempSync(join(tmpdir(), "tapegrad-playground-"));
const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm" };
let server: Server;
let origin: string;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;

/** Serve a built site's files with the isolation headers a host should send (see the playground's README). */
function serveDirectory(dir: string): Promise<Server> {
  const s = createServer((req, res) => {
    const path = normalize(join(dir, decodeURIComponent((req.url ?? "/").split("?")[0]!)));
    const file = path.endsWith("/") ? join(path, "index.html") : path;
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", ...ISOLATION_HEADERS });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => s.listen(0, "127.0.0.1", () => resolve(s)));
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium package (.ci/run does)`);
  await build({ root: join(root, "examples/playground"), logLevel: "silent", build: { outDir, emptyOutDir: true } });
  server = await serveDirectory(outDir);
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
  page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  mkdirSync(shots, { recursive: true });
  await page.goto(`${origin}/index.html`);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
  rmSync(outDir, { recursive: true, force: true });
});

/** Fill the training form and start; returns the metrics of every epoch the page showed. */
async function trainInPage(config: Partial<TrainConfig>): Promise<{ metrics: EpochMetrics; stepsPerSecond: number }> {
  await page.click("#tab-train");
  await page.selectOption("#train-dataset", config.dataset ?? DEFAULT_CONFIG.dataset);
  await page.fill("#train-hidden", (config.hidden ?? DEFAULT_CONFIG.hidden).join(", "));
  await page.fill("#train-epochs", String(config.epochs ?? DEFAULT_CONFIG.epochs));
  await page.fill("#train-warmup", String(config.warmupEpochs ?? DEFAULT_CONFIG.warmupEpochs));
  await page.fill("#train-batch", String(config.batchSize ?? DEFAULT_CONFIG.batchSize));
  await page.click("#train-start");
  await page.waitForSelector("[data-testid=train-status][data-finished=true]", { timeout: 60_000 });
  const status = page.locator("[data-testid=train-status]");
  return { metrics: JSON.parse((await status.getAttribute("data-metrics"))!), stepsPerSecond: Number(await status.getAttribute("data-steps-per-second")) };
}

/** Node's run of the same configuration. */
function trainInNode(config: TrainConfig, data = moons(400, config.seed)): EpochMetrics {
  const trainer = new Trainer(config, data);
  while (!trainer.done) trainer.runEpoch();
  return trainer.history.at(-1)!;
}

describe("the playground in headless Chromium", () => {
  test("the tape panel shows Node's values and gradients, and the second-order graph", async () => {
    await page.waitForSelector("[data-testid=grad-x]");
    const node = inspectComputation(PRESETS.neuron!.build());
    for (const leaf of node.leaves) {
      expect(await page.textContent(`[data-testid=grad-${leaf.name}]`)).toBe(leaf.grad.map((v) => Number(v.toPrecision(6))).join(", "));
    }
    const firstGraph = await page.locator(".graph svg").innerHTML();
    await page.check("#tape-second-order");
    await expect.poll(async () => page.locator(".graph svg").innerHTML()).not.toBe(firstGraph);
    await page.screenshot({ path: join(shots, "playground-tape.png"), fullPage: true });
  }, 60_000);

  test("training in a Worker gives Node's numbers, epoch for epoch; the kernel backend is reported", async () => {
    const config = { ...DEFAULT_CONFIG, epochs: 8, warmupEpochs: 2 };
    const { metrics } = await trainInPage(config);
    expect(metrics).toEqual(trainInNode(config));
    expect(metrics.averagedValAccuracy).not.toBeNull();
    expect(await page.getAttribute("#backend", "data-backend")).toBe("wasm");
    // cross-origin isolated: the Worker's kernels have a helper thread (the same results, as checked above)
    expect(Number(await page.getAttribute("#backend", "data-threads"))).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: join(shots, "playground-training.png"), fullPage: true });
  }, 90_000);

  test("a checkpoint made in Node loads from a file and the run continues to Node's end", async () => {
    const config = { ...DEFAULT_CONFIG, epochs: 6, warmupEpochs: 2 };
    const partial = new Trainer(config, moons(400, config.seed));
    for (let i = 0; i < 3; i++) partial.runEpoch();
    const file = join(outDir, "partial.safetensors");
    writeFileSync(file, partial.checkpoint());
    await page.click("#tab-train");
    await page.setInputFiles("#train-upload", file);
    await page.waitForSelector("[data-testid=train-status][data-finished=true][data-epoch='6']", { timeout: 60_000 });
    const shown = JSON.parse((await page.getAttribute("[data-testid=train-status]", "data-metrics"))!);
    expect(shown).toEqual(trainInNode(config));
    const download = page.waitForEvent("download");
    await page.click("#train-save");
    const saved = readFileSync((await (await download).path())!);
    expect(Trainer.configOf(saved)).toEqual(config);
    expect(Trainer.fromCheckpoint(saved, moons(400, 0)).history.at(-1)).toEqual(shown);
  }, 90_000);

  test("the digits MLP (64-128-10, batch 64) trains in the browser; steps/s is reported", async () => {
    const config = { ...DEFAULT_CONFIG, dataset: "digits" as const, hidden: [128], epochs: 3, warmupEpochs: 1, batchSize: 64 };
    const { metrics, stepsPerSecond } = await trainInPage(config);
    const { digitsFromCsv } = await import("../../examples/playground/src/recipes/datasets.js");
    const { gunzipSync } = await import("node:zlib");
    const digits = digitsFromCsv(gunzipSync(readFileSync(join(root, "examples/data/digits.csv.gz"))).toString("utf8"));
    expect(metrics).toEqual(trainInNode(config, digits));
    expect(stepsPerSecond).toBeGreaterThan(0);
    console.log(`playground, digits MLP 64-128-10 b64 in the browser Worker: ${stepsPerSecond.toFixed(0)} steps/s (last epoch)`);
  }, 90_000);

  test("the hypergradient panel shows Node's learned lr and grid", async () => {
    await page.click("#tab-hyper");
    await page.fill("#hyper-inner", "5");
    await page.fill("#hyper-steps", "4");
    await page.click("#hyper-run");
    await page.waitForSelector("[data-testid=hyper-status][data-result]", { timeout: 60_000 });
    const shown = JSON.parse((await page.getAttribute("[data-testid=hyper-status]", "data-result"))!);
    const node = learnLearningRate({ innerSteps: 5, hyperSteps: 4, lr0: 0.01, gridSize: 9, seed: 0 });
    // float64 values through Math.exp/Math.log: Chromium's V8 and Node's may differ in the last bit.
    const flat = (r: typeof node): number[] => [...r.steps.flatMap((s) => [s.iteration, s.lr, s.valLoss, s.hypergradient]), ...r.grid.flatMap((g) => [g.lr, g.valLoss])];
    const [a, b] = [flat(shown), flat(node)];
    expect(a).toHaveLength(b.length);
    a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b[i]!))));
    await page.screenshot({ path: join(shots, "playground-hypergradients.png"), fullPage: true });
  }, 90_000);

  test("keyboard and narrow screens: arrow keys move between tabs; nothing overflows at 390 px", async () => {
    await page.focus("#tab-tape");
    await page.keyboard.press("ArrowRight");
    expect(await page.getAttribute("#tab-train", "aria-selected")).toBe("true");
    expect(await page.isVisible("#panel-train")).toBe(true);
    expect(await page.isVisible("#panel-tape")).toBe(false);
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(shots, "playground-narrow.png"), fullPage: false });
    for (const id of ["train-dataset", "train-lr", "train-upload", "hyper-lr0", "tape-choice"]) {
      expect(await page.locator(`label[for=${id}]`).count(), `a label for #${id}`).toBe(1);
    }
  }, 60_000);
});
