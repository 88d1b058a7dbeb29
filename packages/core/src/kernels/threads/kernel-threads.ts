/**
 * Helper threads for large kernels: worker threads that instantiate the same WebAssembly modules
 * on the shared kernel memory and each run one call while the calling thread runs its own share
 * (a block of matrix rows, a range of parameters). The caller blocks in `Atomics.wait` until the
 * helpers are done, so a kernel stays a synchronous function.
 *
 * Node.js only: browsers forbid `Atomics.wait` on the main thread. Where helpers cannot start
 * (no `worker_threads`, no shared memory, a helper that does not come up), every share runs on the
 * calling thread, in order, with the same result.
 * @module
 */
import { kernelMemory, kernelMemoryShared } from "../wasm/kernel-memory.js";
import type { WasmModule } from "../wasm/wasm-types.js";
import { HELPER_SOURCE } from "./helper-source.js";

interface NodePort {
  postMessage(value: unknown): void;
  unref(): void;
}
interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  on(event: "error", listener: (error: unknown) => void): void;
}
interface WorkerThreads {
  Worker: new (source: string, options: { eval: true; workerData: unknown; transferList: unknown[] }) => NodeWorker;
  MessageChannel: new () => { port1: NodePort; port2: NodePort };
}
interface NodeProcess {
  getBuiltinModule?(id: string): unknown;
  env?: Record<string, string | undefined>;
}

/** One helper thread: its control words, argument slots and the modules it has been sent. */
interface Helper {
  worker: NodeWorker;
  state: Int32Array;
  args: Float64Array;
  port: NodePort;
  modules: Set<number>;
}

/** Float64 argument slots per call. */
const MAX_ARGS = 16;
/** How long a new helper may take to start before threads are given up (ms). */
const START_TIMEOUT_MS = 10_000;
/** Polls of a shared word before a thread sleeps in `Atomics.wait` (tens of microseconds). */
const SPIN = 10_000;
/** Upper bound of {@link setKernelThreads}. */
const MAX_THREADS = 64;
/** Environment variable with the initial thread count (`TAPEGRAD_THREADS=1` disables helpers). */
const ENV_VAR = "TAPEGRAD_THREADS";

const helpers: Helper[] = [];
/** Ids and export names of the modules sent to helpers. */
const moduleInfo = new WeakMap<WasmModule, { id: number; names: string[] }>();
let nextModuleId = 0;
/** Threads requested (caller included); undefined until first asked: the default then applies. */
let requested: number | undefined;
/** Set once a helper failed to start: from then on everything runs on the caller. */
let unavailable = false;

function nodeProcess(): NodeProcess | undefined {
  return (globalThis as { process?: NodeProcess }).process;
}

/** The environment variable's count, else the machine's parallelism capped at 4. */
function defaultThreads(): number {
  const env = Number(nodeProcess()?.env?.[ENV_VAR]);
  if (Number.isInteger(env) && env >= 1) return Math.min(env, MAX_THREADS);
  const os = nodeProcess()?.getBuiltinModule?.("node:os") as { availableParallelism?(): number } | undefined;
  return Math.max(1, Math.min(4, os?.availableParallelism?.() ?? 1));
}

/**
 * Set how many threads large kernels (float32 and float64 matmuls, ASGD steps on many
 * parameters) may use, the calling thread included; 1 disables helper threads. The default is the
 * machine's available parallelism, at most 4, or the environment variable `TAPEGRAD_THREADS`. Results do not depend on
 * the thread count: each thread computes whole output elements exactly as one thread would.
 * @param threads an integer from 1 to 64
 * @throws RangeError for anything else
 * @example
 * setKernelThreads(1); // everything on the calling thread
 */
export function setKernelThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new RangeError(`setKernelThreads: threads must be an integer from 1 to ${MAX_THREADS}, got ${String(threads)}`);
  }
  requested = threads;
  while (helpers.length > threads - 1) void helpers.pop()!.worker.terminate();
}

/**
 * How many threads large kernels use now, the calling thread included: the requested count, or 1
 * where helper threads are unavailable (browsers, or no shared WebAssembly memory).
 * @example getKernelThreads() // 2 on a two-core machine
 */
export function getKernelThreads(): number {
  if (requested === undefined) requested = defaultThreads();
  if (requested === 1 || unavailable || !kernelMemoryShared() || !nodeProcess()?.getBuiltinModule) return 1;
  return requested;
}

/** Start helpers until there are `count` (fewer if they cannot start); returns the helpers to use. */
function ensureHelpers(count: number): Helper[] {
  while (helpers.length < count && !unavailable) {
    const helper = startHelper();
    if (helper === null) unavailable = true;
    else helpers.push(helper);
  }
  return unavailable ? [] : helpers.slice(0, count);
}

function startHelper(): Helper | null {
  const threads = nodeProcess()?.getBuiltinModule?.("node:worker_threads") as WorkerThreads | undefined;
  const memory = kernelMemory();
  if (threads === undefined || memory === null) return null;
  try {
    const control = new SharedArrayBuffer(16 + 8 * MAX_ARGS);
    const { port1, port2 } = new threads.MessageChannel();
    const worker = new threads.Worker(HELPER_SOURCE, { eval: true, workerData: { control, port: port2, memory }, transferList: [port2] });
    // Helpers never keep the process alive; an error after start-up surfaces as a failed call.
    worker.unref();
    port1.unref();
    worker.on("error", () => {});
    const state = new Int32Array(control, 0, 4);
    // A helper signals "done" once it is listening.
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Atomics.load(state, 0) !== 2 && Date.now() < deadline) Atomics.wait(state, 0, 0, 50);
    if (Atomics.load(state, 0) !== 2) {
      void worker.terminate();
      return null;
    }
    Atomics.store(state, 0, 0);
    return { worker, state, args: new Float64Array(control, 16, MAX_ARGS), port: port1, modules: new Set() };
  } catch {
    return null;
  }
}

function infoOf(module: WasmModule): { id: number; names: string[] } {
  let info = moduleInfo.get(module);
  if (info === undefined) {
    const names = WebAssembly.Module.exports(module as WebAssembly.Module).filter((e) => e.kind === "function").map((e) => e.name);
    info = { id: nextModuleId++, names };
    moduleInfo.set(module, info);
  }
  return info;
}

/**
 * @internal run the export `name` of `module` once per entry of `calls` (its arguments): helper
 * threads take `calls[1..]` while `local` runs `calls[0]` on this thread; returns when all are
 * done. Calls without a helper run on this thread after `calls[0]`, in order. The calls must
 * write disjoint memory. `module` must import the kernel memory as `env.memory` and nothing else.
 * @throws Error when a helper's call trapped (after every other call finished)
 */
export function runParallel(module: WasmModule, name: string, calls: readonly (readonly number[])[], local: (args: readonly number[]) => void): void {
  const info = infoOf(module);
  const index = info.names.indexOf(name);
  if (index < 0) throw new Error(`runParallel: the module exports no function ${name}`);
  // Checked before any helper starts: a throw after posting would leave helpers writing memory.
  const long = calls.find((args) => args.length > MAX_ARGS);
  if (long !== undefined) throw new RangeError(`runParallel: at most ${MAX_ARGS} arguments per call, got ${long.length}`);
  if (calls.length === 0) return;
  const posted = ensureHelpers(Math.min(calls.length, getKernelThreads()) - 1);
  posted.forEach((h, i) => {
    const args = calls[i + 1]!;
    if (!h.modules.has(info.id)) {
      h.port.postMessage({ id: info.id, module, names: info.names });
      h.modules.add(info.id);
    }
    h.args.set(args);
    h.state[1] = info.id;
    h.state[2] = index;
    h.state[3] = args.length;
    Atomics.store(h.state, 0, 1);
    Atomics.notify(h.state, 0);
  });
  let failed = false;
  try {
    local(calls[0]!);
    for (let i = posted.length + 1; i < calls.length; i++) local(calls[i]!);
  } finally {
    for (const h of posted) {
      // The helper usually finishes about when this thread does: spin briefly before sleeping.
      for (let i = 0; i < SPIN && Atomics.load(h.state, 0) === 1; i++);
      while (Atomics.load(h.state, 0) === 1) Atomics.wait(h.state, 0, 1);
      failed ||= Atomics.load(h.state, 0) === 3;
      Atomics.store(h.state, 0, 0);
    }
  }
  if (failed) throw new Error(`runParallel: ${name} failed in a helper thread`);
}
