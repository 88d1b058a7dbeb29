/**
 * The source of a kernel helper thread, run with `new Worker(source, { eval: true })`. Plain
 * JavaScript in a string (not a function's `toString()`): transpilers may rewrite a function body
 * with helpers that do not exist inside the worker.
 *
 * Protocol, on the control words of `workerData.control` (an Int32Array over a SharedArrayBuffer):
 * word 0 is the state (0 idle, 1 job posted, 2 done or started, 3 failed), words 1 to 3 the module id, the
 * export index and the argument count; the arguments follow as float64 values from byte 16. Before
 * each job the helper drains `workerData.port` synchronously for newly registered modules
 * ({ id, module, names }), which it instantiates on the shared kernel memory.
 * @module
 */

/** @internal JavaScript source of one helper thread. */
export const HELPER_SOURCE = `
"use strict";
const { workerData, receiveMessageOnPort } = require("node:worker_threads");
const { control, port, memory } = workerData;
const state = new Int32Array(control, 0, 4);
const args = new Float64Array(control, 16);
const modules = [];
const SPIN = 10000;
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
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
      const { id, module, names } = m.message;
      const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
      modules[id] = names.map((name) => exports[name]);
    }
    const fn = modules[state[1]][state[2]];
    fn(...Array.from(args.subarray(0, state[3])));
    Atomics.store(state, 0, 2);
  } catch {
    Atomics.store(state, 0, 3);
  }
  Atomics.notify(state, 0);
}
`;
