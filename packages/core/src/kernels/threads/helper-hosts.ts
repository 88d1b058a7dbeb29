/**
 * Starting one kernel helper thread where the runtime allows it: a Node.js worker thread, or a
 * dedicated Web Worker in a browser. Both run the same protocol on a shared control block (see
 * `helper-source.ts`) and instantiate the kernel modules on the shared kernel memory.
 *
 * Nothing here imports a Node module: `worker_threads` is looked up with
 * `process.getBuiltinModule` when a Node helper starts, so the browser bundle never sees it.
 * @module
 */
import type { WasmMemory, WasmModule } from "../wasm/wasm-types.js";
import { BROWSER_HELPER_SOURCE, HELPER_SOURCE } from "./helper-source.js";

/** Float64 argument slots per call. */
export const MAX_ARGS = 16;
/** Calls per job. */
export const MAX_CALLS = 256;
/** How long a new helper may take to start before threads are given up (ms). */
export const START_TIMEOUT_MS = 10_000;

/** A module sent to a helper, which instantiates it on the kernel memory. */
export interface ModuleMessage {
  id: number;
  module: WasmModule;
  names: string[];
}

/**
 * The job block shared by a calling thread and its helpers (see `helper-source.ts`): the next call
 * to claim, the call count, the module id, the export index, the arguments per call and the calls
 * helpers have run so far, then the arguments of every call.
 */
export interface JobBlock {
  buffer: SharedArrayBuffer;
  words: Int32Array;
  args: Float64Array;
}

/** A new job block for up to {@link MAX_CALLS} calls of {@link MAX_ARGS} arguments. */
export function newJobBlock(): JobBlock {
  const buffer = new SharedArrayBuffer(32 + 8 * MAX_ARGS * MAX_CALLS);
  return { buffer, words: new Int32Array(buffer, 0, 8), args: new Float64Array(buffer, 32) };
}

/** One helper thread as the calling thread sees it. */
export interface Helper {
  /** The helper's state (0 idle, 1 job posted, 2 done or started, 3 failed, 4 running) and whether it sleeps (1). */
  state: Int32Array;
  /** Ids of the modules sent to this helper. */
  modules: Set<number>;
  /** Whether the helper takes jobs (a browser helper starts in the background). */
  ready: boolean;
  /** Set when a browser helper reported an error (it will never take a job). */
  failed: boolean;
  send(message: ModuleMessage): void;
  stop(): void;
}

interface NodePort {
  postMessage(value: unknown): void;
  unref(): void;
}
interface WorkerThreads {
  Worker: new (source: string, options: { eval: true; workerData: unknown; transferList: unknown[] }) => {
    unref(): void;
    terminate(): Promise<number>;
    on(event: "error", listener: (error: unknown) => void): void;
  };
  MessageChannel: new () => { port1: NodePort; port2: NodePort };
}
interface NodeProcess {
  getBuiltinModule?(id: string): unknown;
  env?: Record<string, string | undefined>;
}
/** The parts of a browser's Worker used here. */
interface BrowserWorker {
  postMessage(value: unknown): void;
  terminate(): void;
  addEventListener(type: "error", listener: () => void): void;
}
interface BrowserGlobals {
  Worker?: new (url: string, options?: { name?: string }) => BrowserWorker;
  Blob?: new (parts: string[], options: { type: string }) => unknown;
  URL?: { createObjectURL?(blob: unknown): string };
}

/** `process` where this runs in Node.js (with `getBuiltinModule`, Node 20.16 and later), else undefined. */
export function nodeProcess(): NodeProcess | undefined {
  const process = (globalThis as { process?: NodeProcess }).process;
  return typeof process?.getBuiltinModule === "function" ? process : undefined;
}

/** Whether this thread may block in `Atomics.wait` (not a browser page's main thread). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

let browserPossible: boolean | undefined;

/**
 * Where helper threads can run at all: Node.js, or a browser context that has Web Workers and may
 * block (a dedicated Worker, not the page's main thread). Shared kernel memory is checked by the caller.
 */
export function helpersPossible(): boolean {
  if (nodeProcess() !== undefined) return true;
  if (browserPossible === undefined) {
    const g = globalThis as BrowserGlobals;
    browserPossible = typeof g.Worker === "function" && typeof g.Blob === "function" && typeof g.URL?.createObjectURL === "function" && canBlock();
  }
  return browserPossible;
}

function newControl(): { control: SharedArrayBuffer; state: Int32Array } {
  const control = new SharedArrayBuffer(8);
  return { control, state: new Int32Array(control) };
}

/** A Node.js worker thread, started synchronously (the caller blocks until it listens); null if it cannot start. */
function startNodeHelper(process: NodeProcess, memory: WasmMemory, job: JobBlock): Helper | null {
  const threads = process.getBuiltinModule!("node:worker_threads") as WorkerThreads | undefined;
  if (threads === undefined) return null;
  const { control, state } = newControl();
  const { port1, port2 } = new threads.MessageChannel();
  const worker = new threads.Worker(HELPER_SOURCE, { eval: true, workerData: { control, job: job.buffer, port: port2, memory }, transferList: [port2] });
  // Helpers never keep the process alive; an error after start-up surfaces as a failed call.
  worker.unref();
  port1.unref();
  worker.on("error", () => {});
  // A helper signals "done" once it is listening.
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Atomics.load(state, 0) !== 2 && Date.now() < deadline) Atomics.wait(state, 0, 0, 50);
  if (Atomics.load(state, 0) !== 2) {
    void worker.terminate();
    return null;
  }
  Atomics.store(state, 0, 0);
  return {
    state, modules: new Set(), ready: true, failed: false,
    send: (message) => port1.postMessage(message),
    stop: () => void worker.terminate(),
  };
}

/**
 * A dedicated Web Worker from a Blob URL of the helper source. It starts in the background (only
 * once this thread returns to its event loop): `ready` is false until {@link refreshReady} sees it listening.
 */
function startBrowserHelper(memory: WasmMemory, job: JobBlock): Helper | null {
  const g = globalThis as Required<BrowserGlobals>;
  const url = g.URL.createObjectURL!(new g.Blob([BROWSER_HELPER_SOURCE], { type: "text/javascript" }));
  const worker = new g.Worker(url, { name: "tapegrad kernel helper" });
  const { control, state } = newControl();
  const helper: Helper = {
    state, modules: new Set(), ready: false, failed: false,
    send: (message) => worker.postMessage(message),
    stop: () => worker.terminate(),
  };
  // E.g. a Content-Security-Policy without `worker-src blob:` refuses the script.
  worker.addEventListener("error", () => {
    helper.failed = true;
  });
  worker.postMessage({ control, job: job.buffer, memory });
  return helper;
}

/** Start one helper thread on `memory`, serving jobs of `job`; null where none can start here. */
export function startHelper(memory: WasmMemory, job: JobBlock): Helper | null {
  try {
    const process = nodeProcess();
    return process !== undefined ? startNodeHelper(process, memory, job) : startBrowserHelper(memory, job);
  } catch {
    return null;
  }
}

/** Mark `helper` ready once it has signalled that it listens; returns `helper.ready`. */
export function refreshReady(helper: Helper): boolean {
  if (!helper.ready && !helper.failed && Atomics.load(helper.state, 0) === 2) {
    Atomics.store(helper.state, 0, 0);
    helper.ready = true;
  }
  return helper.ready;
}
