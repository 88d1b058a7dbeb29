// Training in a dedicated Worker: the page stays responsive, and in a cross-origin isolated page the
// large kernels use helper threads (nested workers on shared memory). The page (main.ts) starts
// this worker and shows the messages it posts. See docs/browser.md.
import { argmax, getKernelBackend, manualSeed, randn, startKernelThreads } from "@tapegrad/core";
import { CrossEntropyLoss, Linear, ReLU, Sequential } from "@tapegrad/nn";
import { ASGD } from "@tapegrad/optim";

/** What the page asks for. */
export interface StartMessage {
  steps: number;
}

/** What this worker reports to the page. */
export type WorkerMessage =
  | { kind: "ready"; backend: string; threads: number; isolated: boolean }
  | { kind: "step"; step: number; loss: number }
  | { kind: "done"; firstLoss: number; lastLoss: number; msPerStep: number };

// With `"lib": ["ES2022", "WebWorker"]` in a tsconfig of its own, `self` has these types already.
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<StartMessage>) => void) | null;
  postMessage(message: WorkerMessage): void;
  crossOriginIsolated: boolean;
};

async function train({ steps }: StartMessage): Promise<void> {
  // Browsers start workers only while this one is idle: wait for the helper threads here,
  // before the loop (1 thread if the page is not cross-origin isolated).
  const threads = await startKernelThreads();
  scope.postMessage({ kind: "ready", backend: getKernelBackend(), threads, isolated: scope.crossOriginIsolated });

  manualSeed(0);
  const x = randn([512, 64]);
  const y = argmax(x.matmul(randn([64, 4])), 1); // labels from a random linear "teacher"
  const model = new Sequential(new Linear(64, 512), new ReLU(), new Linear(512, 4));
  const opt = new ASGD(model.parameters(), { lr: 0.2, t0: 20 });
  const lossFn = new CrossEntropyLoss();

  const start = performance.now();
  let first = 0;
  let last = 0;
  for (let step = 1; step <= steps; step++) {
    opt.zeroGrad();
    const loss = lossFn.forward(model.forward(x), y);
    loss.backward();
    opt.step();
    last = loss.item();
    if (step === 1) first = last;
    scope.postMessage({ kind: "step", step, loss: last });
  }
  scope.postMessage({ kind: "done", firstLoss: first, lastLoss: last, msPerStep: (performance.now() - start) / steps });
}

scope.onmessage = (event) => void train(event.data);
