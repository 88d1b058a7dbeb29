// End to end in a real browser: the page trains a small MLP in a Worker under headless Chromium,
// with and without cross-origin isolation, and gets Node's losses bit for bit.
import { existsSync } from "node:fs";
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { WorkerReply } from "./page/main.js";
import { CHROMIUM, bundlePage, launchChromium, serve } from "./harness.js";
import { SMALL_MLP, type TrainOptions, type TrainReport, trainMlp } from "./train-mlp.js";

let server: Server;
let origin: string;
let browser: Awaited<ReturnType<typeof launchChromium>>;
/** Node's run of the same training, for comparison. */
let node: TrainReport;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium package (.ci/run does)`);
  ({ server, origin } = await serve(await bundlePage()));
  browser = await launchChromium();
  node = trainMlp({ ...SMALL_MLP, threads: 1 });
});

afterAll(async () => {
  await browser?.close();
  server?.close();
});

/** Open the page under `/<mode>/` and train in a Worker there. */
async function trainInBrowser(mode: "isolated" | "plain", options: TrainOptions): Promise<{ isolated: boolean; report: TrainReport }> {
  const page = await browser.context.newPage();
  try {
    await page.goto(`${origin}/${mode}/index.html`);
    const reply = await page.evaluate((o) => (window as unknown as { train(o: TrainOptions): Promise<WorkerReply> }).train(o), options);
    if (!reply.ok) throw new Error(`training failed in the browser: ${reply.error}`);
    return reply;
  } finally {
    await page.close();
  }
}

describe("training in a browser Worker (headless Chromium)", () => {
  test("without cross-origin isolation: the wasm kernels on one thread, Node's losses", async () => {
    const { isolated, report } = await trainInBrowser("plain", { ...SMALL_MLP, threads: 2 });
    expect(isolated).toBe(false);
    expect(report.backend).toBe("wasm");
    expect(report.threads).toBe(1);
    expect(report.losses).toEqual(node.losses);
    console.log(`browser (not isolated, 1 thread): ${report.msPerStep.toFixed(1)} ms/step; Node, 1 thread: ${node.msPerStep.toFixed(1)} ms/step`);
  });

  test("cross-origin isolated: Node's losses", async () => {
    const { isolated, report } = await trainInBrowser("isolated", { ...SMALL_MLP, threads: 1 });
    expect(isolated).toBe(true);
    expect(report.backend).toBe("wasm");
    expect(report.threads).toBe(1);
    expect(report.losses).toEqual(node.losses);
    console.log(`browser (isolated, 1 thread): ${report.msPerStep.toFixed(1)} ms/step; Node, 1 thread: ${node.msPerStep.toFixed(1)} ms/step`);
  });
});
