/**
 * The source of a kernel helper thread: plain JavaScript in strings (not a function's
 * `toString()`: transpilers may rewrite a function body with helpers that do not exist inside the
 * worker). {@link HELPER_SOURCE} runs as a Node.js worker thread (`new Worker(source, { eval: true })`),
 * {@link BROWSER_HELPER_SOURCE} as a browser's dedicated Web Worker (from a Blob URL); both serve
 * jobs with the same loop.
 *
 * Protocol. Each helper has its control words (an Int32Array over a SharedArrayBuffer): word 0 is
 * its state (0 idle, 1 job posted, 2 done or started, 3 failed, 4 running), word 1 says how it
 * waits for a job: 0 spinning, 1 napping (short timed waits), 2 asleep until notified. A job lives in one
 * block shared by the calling thread and all its helpers: word 0 is the next call to claim, words 1
 * to 4 the call count, the module id, the export index and the arguments per call, word 5 counts
 * the calls helpers have run; the arguments follow as float64 values from byte 32, call after call. A helper takes a posted job by moving
 * its state from 1 to 4 (the caller may take it back first, moving 1 to 0, when it has already
 * run every call), then claims calls with `Atomics.add` on word 0 until none is left, like the
 * caller does: a helper that wakes late simply gets fewer calls. Modules arrive as messages ({ id,
 * module, names }), which the helper instantiates on the shared kernel memory; the caller always
 * posts a module before the first job that uses it. A Node helper reads its port synchronously
 * (`receiveMessageOnPort`); a browser worker cannot, so a job whose module has not been handled
 * yet waits for the message, which reaches the worker while its caller blocks.
 * @module
 */

/**
 * `serve(state, job, modules, receive)`: signal "started", then run jobs for ever. `receive(id)`
 * makes `modules[id]` (the module's exports in export order, or null if it failed) available.
 */
const SERVE = `
// Waiting for a job, in three phases. Spin a little (tens of microseconds): kernels come in bursts.
// Then nap: short timed waits that find a job without the caller's \`Atomics.notify\` (waking a
// sleeping thread costs the caller tens of microseconds, more than a medium product gains from a
// second thread) and leave the core to other threads; the products of one training step come
// well within NAPS of each other. Then sleep until notified.
const SPIN = 10000;
const NAPS = 40;
const NAP_MS = 0.05;
async function serve(state, job, modules, receive) {
  const words = new Int32Array(job, 0, 8);
  const args = new Float64Array(job, 32);
  // Listening: tell the starting thread.
  Atomics.store(state, 0, 2);
  Atomics.notify(state, 0);
  for (;;) {
    let s = Atomics.load(state, 0);
    for (let i = 0; i < SPIN && s !== 1; i++) s = Atomics.load(state, 0);
    if (s !== 1) {
      // Word 1 tells the caller how to reach this helper: 1 napping (finds a posted job by itself), 2 asleep (needs a notify).
      Atomics.store(state, 1, 1);
      for (let i = 0; i < NAPS && s !== 1; i++) {
        Atomics.wait(state, 0, s, NAP_MS);
        s = Atomics.load(state, 0);
      }
      if (s !== 1) {
        Atomics.store(state, 1, 2);
        for (s = Atomics.load(state, 0); s !== 1; s = Atomics.load(state, 0)) Atomics.wait(state, 0, s);
      }
      Atomics.store(state, 1, 0);
    }
    // The caller took the job back (it ran every call itself).
    if (Atomics.compareExchange(state, 0, 1, 4) !== 1) continue;
    // Everything in the try: a helper that died would leave the caller waiting for ever.
    try {
      const count = words[1];
      const argc = words[4];
      let i = Atomics.add(words, 0, 1);
      if (i < count) {
        const id = words[2];
        if (modules[id] === undefined) await receive(id);
        const fn = modules[id][words[3]];
        for (; i < count; i = Atomics.add(words, 0, 1)) {
          fn(...Array.from(args.subarray(i * argc, (i + 1) * argc)));
          Atomics.add(words, 5, 1);
        }
      }
      Atomics.store(state, 0, 2);
    } catch {
      Atomics.store(state, 0, 3);
    }
    Atomics.notify(state, 0);
  }
}
function register(modules, memory, { id, module, names }) {
  try {
    const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
    modules[id] = names.map((name) => exports[name]);
  } catch {
    modules[id] = null; // the job then fails, and the caller reports it
  }
}
`;

/** @internal JavaScript source of one Node.js helper thread (`workerData`: { control, job, port, memory }). */
export const HELPER_SOURCE = `
"use strict";
const { workerData, receiveMessageOnPort } = require("node:worker_threads");
const { control, job, port, memory } = workerData;
const modules = [];
${SERVE}
void serve(new Int32Array(control, 0, 2), job, modules, () => {
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) register(modules, memory, m.message);
});
`;

/** @internal JavaScript source of one browser helper thread; its first message is { control, job, memory }. */
export const BROWSER_HELPER_SOURCE = `
"use strict";
let memory;
const modules = [];
const arrivals = new Map();
${SERVE}
onmessage = (event) => {
  const m = event.data;
  if (m.control !== undefined) {
    memory = m.memory;
    void serve(new Int32Array(m.control, 0, 2), m.job, modules, (id) => new Promise((resolve) => arrivals.set(id, resolve)));
    return;
  }
  register(modules, memory, m);
  const wake = arrivals.get(m.id);
  arrivals.delete(m.id);
  if (wake !== undefined) wake();
};
`;
