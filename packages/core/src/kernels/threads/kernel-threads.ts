/**
 * Helper threads for large kernels: threads that instantiate the same WebAssembly modules on the
 * shared kernel memory and each run one call while the calling thread runs its own share (a block
 * of matrix rows, a range of parameters). A kernel cuts its work into more calls than threads, and
 * every thread claims the next call until none is left, so a helper that wakes late (or shares its
 * core with another process) costs the others only the calls it did not take. The caller blocks
 * in `Atomics.wait` until the helpers are done, so a kernel stays a synchronous function.
 *
 * In Node.js the helpers are worker threads, started synchronously when first needed. In a browser
 * they are dedicated Web Workers, which need cross-origin isolation (shared memory) and a calling
 * thread that may block: a Worker, not the page's main thread (there everything runs on one thread).
 * Browsers start workers only while the starting thread returns to its event loop, so browser
 * helpers start in the background ({@link startKernelThreads} waits for them). Wherever a helper is
 * not there, its share runs on the calling thread, after its own, with the same result: the work is
 * split the same way whatever runs it.
 * @module
 */
import { kernelMemory, kernelMemoryShared } from "../wasm/kernel-memory.js";
import type { WasmModule } from "../wasm/wasm-types.js";
import { type Helper, type JobBlock, MAX_ARGS, MAX_CALLS, START_TIMEOUT_MS, helpersPossible, newJobBlock, nodeProcess, refreshReady, startHelper } from "./helper-hosts.js";

/** Polls of a shared word before a thread sleeps in `Atomics.wait` (tens of microseconds). */
const SPIN = 10_000;
/** A helper's word 1 while it sleeps until notified (see `helper-source.ts`). */
const ASLEEP = 2;
/** Upper bound of {@link setKernelThreads}. */
const MAX_THREADS = 64;
/** Environment variable with the initial thread count (`TAPEGRAD_THREADS=1` disables helpers). */
const ENV_VAR = "TAPEGRAD_THREADS";

const helpers: Helper[] = [];
/** The job block of this thread's helpers; made with the first helper. */
let job: JobBlock | undefined;
/** Ids and export names of the modules sent to helpers. */
const moduleInfo = new WeakMap<WasmModule, { id: number; names: string[] }>();
let nextModuleId = 0;
/** Threads requested (caller included); undefined until first asked: the default then applies. */
let requested: number | undefined;
/** Set once a helper failed to start: from then on everything runs on the caller. */
let unavailable = false;
/** Helper threads started so far (see {@link helperStartCount}). */
let helperStarts = 0;

/** The environment variable's count, else the machine's parallelism capped at 4. */
function defaultThreads(): number {
  const process = nodeProcess();
  const env = Number(process?.env?.[ENV_VAR]);
  if (Number.isInteger(env) && env >= 1) return Math.min(env, MAX_THREADS);
  const os = process?.getBuiltinModule?.("node:os") as { availableParallelism?(): number } | undefined;
  const browser = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Math.max(1, Math.min(4, os?.availableParallelism?.() ?? browser ?? 1));
}

/**
 * Set how many threads large kernels (float32 and float64 matmuls, ASGD steps on many
 * parameters) may use, the calling thread included; 1 disables helper threads. The default is the
 * machine's available parallelism (`navigator.hardwareConcurrency` in a browser), at most 4, or the
 * environment variable `TAPEGRAD_THREADS`. Results do not depend on the thread count: each thread
 * computes whole output elements exactly as one thread would. Helpers already started stay parked
 * (asleep, and never keeping the process alive) when the count goes down, so raising it again
 * starts no new thread.
 * @param threads an integer from 1 to 64
 * @throws RangeError for anything else
 * @example
 * setKernelThreads(1); // everything on the calling thread
 */
export function setKernelThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new RangeError(`setKernelThreads: threads must be an integer from 1 to ${MAX_THREADS}, got ${String(threads)}`);
  }
  // Only the count changes: stopping helpers here would make the next raise start new threads
  // (tens of milliseconds each, inside whatever kernel comes next).
  requested = threads;
}

/**
 * How many threads large kernels use now, the calling thread included: the requested count where
 * helper threads can run (Node.js; a cross-origin isolated browser Worker), else 1 (a page's main
 * thread, no shared WebAssembly memory, or helpers that failed to start). In a browser, the helpers
 * start in the background and count once they run: await {@link startKernelThreads} first (until
 * then kernels run their helpers' shares on the calling thread, with the same results).
 * @example getKernelThreads() // 2 on a two-core machine
 */
export function getKernelThreads(): number {
  const planned = kernelSplitThreads();
  if (planned === 1 || nodeProcess() !== undefined) return planned;
  return 1 + helpers.slice(0, planned - 1).filter(refreshReady).length;
}

/**
 * @internal how many shares a large kernel splits its work into: the requested thread count where
 * helper threads can run, else 1. Shares whose helper is not running (yet) run on the calling
 * thread; the results are the same for any split.
 */
export function kernelSplitThreads(): number {
  if (requested === undefined) requested = defaultThreads();
  if (requested === 1 || unavailable || !kernelMemoryShared() || !helpersPossible()) return 1;
  return requested;
}

/**
 * Start the helper threads now and resolve, once they all run, with {@link getKernelThreads} (1 if
 * they cannot run here or fail to start within 10 seconds). In a browser Worker, await this before
 * training: browsers start workers only while the starting thread is idle. In Node.js it is
 * optional (helpers start when a kernel first needs them).
 * @example
 * setKernelThreads(2);
 * await startKernelThreads(); // 2 in a cross-origin isolated Worker, 1 on a page's main thread
 */
export async function startKernelThreads(): Promise<number> {
  const want = kernelSplitThreads() - 1;
  ensureHelpers(want);
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const started = helpers.slice(0, want);
    if (unavailable || started.every(refreshReady)) break;
    if (started.some((h) => h.failed) || Date.now() > deadline) {
      giveUp();
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return getKernelThreads();
}

/**
 * @internal how many kernel calls helper threads have run since the process (or Worker) started:
 * tells that helpers really ran.
 */
export function helperCallCount(): number {
  return job === undefined ? 0 : Atomics.load(job.words, 5);
}

/**
 * @internal how many helper threads have been started since the process (or Worker) started:
 * tells that changing the thread count reuses the started ones.
 */
export function helperStartCount(): number {
  return helperStarts;
}

/** No helper threads from now on: stop the started ones. */
function giveUp(): void {
  unavailable = true;
  while (helpers.length > 0) helpers.pop()!.stop();
}

/** Start helpers until there are `count` (fewer if they cannot start); returns those ready for a job. */
function ensureHelpers(count: number): Helper[] {
  if (count <= 0) return [];
  const memory = kernelMemory();
  while (helpers.length < count && !unavailable) {
    job ??= newJobBlock();
    const helper = memory === null ? null : startHelper(memory, job);
    if (helper === null) giveUp();
    else {
      helpers.push(helper);
      helperStarts++;
    }
  }
  if (helpers.some((h) => h.failed)) giveUp();
  return helpers.slice(0, count).filter(refreshReady);
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
 * @internal run the export `name` of `module` once per entry of `calls` (its arguments, the same
 * number for every call): the calling thread runs `calls[0]` (with `local`), then it and the
 * helpers each claim the next call until all have run; returns when all are done. With one thread, or
 * no helper ready, every call runs on this thread, in order. The calls must write disjoint memory
 * and give the same results whichever thread runs them. `module` must import the kernel memory as
 * `env.memory` and nothing else. With `wake` false, helpers that sleep are left asleep (waking one
 * costs this thread tens of microseconds): for jobs too small to pay for that.
 * @throws Error when a call failed (a trap, here or in a helper), after every other claimed call finished
 */
export function runParallel(
  module: WasmModule, name: string, calls: readonly (readonly number[])[], local: (args: readonly number[]) => void, wake = true,
): void {
  const info = infoOf(module);
  const index = info.names.indexOf(name);
  if (index < 0) throw new Error(`runParallel: the module exports no function ${name}`);
  // Checked before any helper starts: a throw after posting would leave helpers writing memory.
  const argc = calls[0]?.length ?? 0;
  if (calls.length > MAX_CALLS) throw new RangeError(`runParallel: at most ${MAX_CALLS} calls, got ${calls.length}`);
  const long = calls.find((args) => args.length > MAX_ARGS);
  if (long !== undefined) throw new RangeError(`runParallel: at most ${MAX_ARGS} arguments per call, got ${long.length}`);
  const uneven = calls.find((args) => args.length !== argc);
  if (uneven !== undefined) throw new RangeError(`runParallel: every call needs the same number of arguments, got ${argc} and ${uneven.length}`);
  if (calls.length === 0) return;
  const ready = ensureHelpers(Math.min(calls.length, kernelSplitThreads()) - 1);
  const posted = wake ? ready : ready.filter((h) => Atomics.load(h.state, 1) !== ASLEEP);
  if (posted.length === 0) {
    for (const args of calls) runLocal(name, local, args);
    return;
  }
  const { words, args } = job!;
  calls.forEach((call, i) => args.set(call, i * argc));
  words[1] = calls.length;
  words[2] = info.id;
  words[3] = index;
  words[4] = argc;
  // Call 0 is the caller's: it runs at once, whether or not a helper is awake.
  Atomics.store(words, 0, 1);
  for (const h of posted) {
    if (!h.modules.has(info.id)) {
      h.send({ id: info.id, module, names: info.names });
      h.modules.add(info.id);
    }
    Atomics.store(h.state, 0, 1);
    // Spinning and napping helpers find the job by themselves; a notify costs this thread tens of µs.
    if (Atomics.load(h.state, 1) === ASLEEP) Atomics.notify(h.state, 0);
  }
  let failed = false;
  try {
    runLocal(name, local, calls[0]!);
    for (let i = Atomics.add(words, 0, 1); i < calls.length; i = Atomics.add(words, 0, 1)) runLocal(name, local, calls[i]!);
  } catch (e) {
    // Nothing more to claim for the helpers either; they finish the calls they have.
    Atomics.store(words, 0, calls.length);
    throw e;
  } finally {
    for (const h of posted) {
      // Not taken yet: every call has been claimed, so take the job back instead of waiting for the helper to wake.
      if (Atomics.compareExchange(h.state, 0, 1, 0) === 1) continue;
      // The helper usually finishes about when this thread does: spin briefly before sleeping.
      for (let i = 0; i < SPIN && Atomics.load(h.state, 0) === 4; i++);
      while (Atomics.load(h.state, 0) === 4) Atomics.wait(h.state, 0, 4);
      failed ||= Atomics.load(h.state, 0) === 3;
      Atomics.store(h.state, 0, 0);
    }
  }
  if (failed) throw new Error(`runParallel: ${name} failed in a helper thread`);
}

/** Run one call on this thread; a trap becomes an error naming the export. */
function runLocal(name: string, local: (args: readonly number[]) => void, args: readonly number[]): void {
  try {
    local(args);
  } catch (e) {
    throw new Error(`runParallel: ${name} failed on the calling thread`, { cause: e });
  }
}
