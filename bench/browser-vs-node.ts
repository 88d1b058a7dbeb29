/**
 * ms/step of the browser test's MLP (256-512-10, batch 128, ASGD) in headless Chromium (a Worker,
 * cross-origin isolated or not) and in Node, in interleaved rounds; prints the fastest
 * round and the median. Needs
 * Debian's chromium (see test/browser). Not part of `npm test`; docs/browser.md quotes its output.
 *
 *     npx tsx --tsconfig tsconfig.test.json bench/browser-vs-node.ts [--rounds=5] [--steps=20]
 * @module
 */
import type { TestPage, TrainReply } from "../test/browser/page/main.js";
import { type Mode, bundlePage, launchChromium, serve } from "../test/browser/harness.js";
import { SMALL_MLP, type TrainOptions, trainWarm } from "../test/browser/train-mlp.js";

const flag = (name: string, fallback: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const rounds = flag("rounds", 5);
const options: TrainOptions = { ...SMALL_MLP, steps: flag("steps", 20) };

const { server, origin } = await serve({ page: await bundlePage() });
const browser = await launchChromium();
const samples = new Map<string, number[]>();
const record = (name: string, ms: number): void => void samples.set(name, [...(samples.get(name) ?? []), ms]);

async function inBrowser(mode: Mode, threads: number): Promise<number> {
  const page = await browser.context.newPage();
  try {
    await page.goto(`${origin}/${mode}/page/index.html`);
    const reply: TrainReply = await page.evaluate((o) => (window as unknown as TestPage).train(o), { ...options, threads });
    if (!reply.ok) throw new Error(reply.error);
    return reply.report.msPerStep;
  } finally {
    await page.close();
  }
}

try {
  for (let r = 0; r < rounds; r++) {
    record("Chromium Worker, isolated, 1 thread", await inBrowser("isolated", 1));
    record("Chromium Worker, isolated, 2 threads", await inBrowser("isolated", 2));
    record("Chromium Worker, not isolated (1 thread)", await inBrowser("plain", 2));
    record("Node, 1 thread", trainWarm({ ...options, threads: 1 }).msPerStep);
    record("Node, 2 threads", trainWarm({ ...options, threads: 2 }).msPerStep);
  }
} finally {
  await browser.close();
  server.close();
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
// On a busy machine the fastest round is the one least disturbed: print it beside the median.
console.log(`ms/step over ${rounds} rounds of ${options.steps} steps (warm runs): fastest, median, all`);
for (const [name, xs] of samples) {
  console.log(`  ${name.padEnd(42)} ${Math.min(...xs).toFixed(1).padStart(6)} ${median(xs).toFixed(1).padStart(6)}   (${xs.map((x) => x.toFixed(1)).join(", ")})`);
}
