/**
 * The source of a kernel helper thread: plain JavaScript in strings (not a function's
 * `toString()`: transpilers may rewrite a function body with helpers that do not exist inside the
 * worker). {@link HELPER_SOURCE} runs as a Node.js worker thread (`new Worker(source, { eval: true })`),
 * {@link BROWSER_HELPER_SOURCE} as a browser's dedicated Web Worker (from a Blob URL); both serve
 * jobs with the same loop.
 *
 * Protocol, on the control words (an Int32Array over a SharedArrayBuffer): word 0 is the state (0
 * idle, 1 job posted, 2 done or started, 3 failed), words 1 to 3 the module id, the export index
 * and the argument count; the arguments follow as float64 values from byte 16. Modules arrive as
 * messages ({ id, module, names }), which the helper instantiates on the shared kernel memory; the
 * caller always posts a module before the first job that uses it. A Node helper reads its port
 * synchronously (`receiveMessageOnPort`); a browser worker cannot, so a job whose module has not
 * been handled yet waits for the message, which reaches the worker while its caller blocks.
 * @module
 */

/**
 * `serve(state, args, modules, receive)`: signal "started", then run jobs for ever. `receive(id)`
 * makes `modules[id]` (the module's exports in export order, or null if it failed) available.
 */
const SERVE = `
const SPIN = 10000;
async function serve(state, args, modules, receive) {
  // Listening: tell the starting thread.
  Atomics.store(state, 0, 2);
  Atomics.notify(state, 0);
  for (;;) {
    let s = Atomics.load(state, 0);
    // Spin a little before sleeping: kernels come in bursts (the products of one training step),
    // and waking a sleeping thread costs far more than this loop.
    for (let i = 0; i < SPIN && s !== 1; i++) s = Atomics.load(state, 0);
    while (s !== 1) {
      Atomics.wait(state, 0, s);
      s = Atomics.load(state, 0);
    }
    // Everything in the try: a helper that died would leave the caller waiting for ever.
    try {
      const id = state[1];
      if (modules[id] === undefined) await receive(id);
      const fn = modules[id][state[2]];
      fn(...Array.from(args.subarray(0, state[3])));
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

/** @internal JavaScript source of one Node.js helper thread (`workerData`: { control, port, memory }). */
export const HELPER_SOURCE = `
"use strict";
const { workerData, receiveMessageOnPort } = require("node:worker_threads");
const { control, port, memory } = workerData;
const modules = [];
${SERVE}
void serve(new Int32Array(control, 0, 4), new Float64Array(control, 16), modules, () => {
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) register(modules, memory, m.message);
});
`;

/** @internal JavaScript source of one browser helper thread; its first message is { control, memory }. */
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
    void serve(new Int32Array(m.control, 0, 4), new Float64Array(m.control, 16), modules, (id) => new Promise((resolve) => arrivals.set(id, resolve)));
    return;
  }
  register(modules, memory, m);
  const wake = arrivals.get(m.id);
  arrivals.delete(m.id);
  if (wake !== undefined) wake();
};
`;
