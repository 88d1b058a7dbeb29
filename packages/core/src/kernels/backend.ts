/**
 * Which implementation the hot kernels use: hand-written WebAssembly SIMD modules (built from the
 * `.wat` sources in `kernels/wasm/`) or the portable TypeScript kernels.
 * @module
 */

/** An implementation of the hot kernels: `"wasm"` (WebAssembly SIMD) or `"js"` (plain TypeScript). */
export type KernelBackend = "js" | "wasm";

/** Environment variable that forces a backend at startup (`TAPEGRAD_KERNELS=js`). */
const ENV_VAR = "TAPEGRAD_KERNELS";

/** The requested backend: "auto" picks wasm when the runtime compiles SIMD modules. */
let requested: KernelBackend | "auto" = initialRequest();
/** Whether WebAssembly SIMD kernels can run here, and if not why (undefined until first asked). */
let wasmStatus: { available: boolean; reason: string } | undefined;

function initialRequest(): KernelBackend | "auto" {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[ENV_VAR];
  return env === "js" || env === "wasm" ? env : "auto";
}

/**
 * The smallest module using a SIMD instruction (`v128.const` then drop): compiling it tells
 * whether the runtime supports WebAssembly SIMD.
 */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x17,
  0x01, 0x15, 0x00, 0xfd, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x1a, 0x0b,
]);

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Validating the probe is not enough: a Content-Security-Policy without `'wasm-unsafe-eval'`
 * validates modules but refuses to compile them. So the probe is compiled and instantiated.
 */
function probeWasm(): { available: boolean; reason: string } {
  if (typeof WebAssembly !== "object" || WebAssembly === null) return { available: false, reason: "this runtime has no WebAssembly" };
  try {
    if (!WebAssembly.validate(SIMD_PROBE)) return { available: false, reason: "this runtime does not support WebAssembly SIMD" };
    new WebAssembly.Instance(new WebAssembly.Module(SIMD_PROBE), {});
  } catch (e) {
    return {
      available: false,
      reason: `compiling WebAssembly failed (${messageOf(e)}); a Content-Security-Policy without 'wasm-unsafe-eval' causes this`,
    };
  }
  return { available: true, reason: "WebAssembly SIMD modules compile and run here" };
}

/** Whether this runtime can compile and run WebAssembly modules that use SIMD (checked once). */
export function wasmSimdSupported(): boolean {
  if (wasmStatus === undefined) wasmStatus = probeWasm();
  return wasmStatus.available;
}

/** @internal why WebAssembly kernels can or cannot run here (see {@link wasmSimdSupported}). */
export function wasmStatusReason(): string {
  wasmSimdSupported();
  return wasmStatus!.reason;
}

/**
 * @internal a kernel module failed to compile or instantiate although the probe passed (a
 * runtime size limit, a policy that only blocks larger modules, no kernel memory): from now on the
 * TypeScript kernels run, and {@link getKernelBackend} says so, with `reason` in
 * `kernelBackendInfo()`.
 */
export function markWasmUnavailable(reason: string): void {
  wasmStatus = { available: false, reason };
}

/**
 * Choose the implementation of the hot kernels (float32 and float64 matmul and linear, the
 * dense elementwise ops relu, neg, add, sub, mul, div and relu's gradient, the float32 ASGD
 * update). `"auto"` (the default) uses WebAssembly SIMD when the runtime can compile
 * and run it and the TypeScript kernels otherwise; `"js"` forces the TypeScript kernels; `"wasm"`
 * requires WebAssembly. The environment variable `TAPEGRAD_KERNELS=js` (or `wasm`) sets the
 * initial choice.
 *
 * Results of the two backends agree within rounding, not bit for bit: the wasm matmul
 * accumulates float32 products in float32 as PyTorch and XNNPACK do, the TypeScript kernel in
 * float64; float64 products differ only in the order of the sums. The elementwise ops give the
 * same bits on both.
 * @param backend `"auto"`, `"wasm"` or `"js"`.
 * @throws TypeError for any other value; Error for `"wasm"` when WebAssembly SIMD kernels cannot
 * run here (no SIMD, or compilation refused, e.g. by a Content-Security-Policy), with the reason.
 * @example
 * setKernelBackend("js");   // compare against the portable kernels
 * setKernelBackend("auto"); // back to the default
 */
export function setKernelBackend(backend: KernelBackend | "auto"): void {
  if (backend !== "auto" && backend !== "js" && backend !== "wasm") {
    throw new TypeError(`setKernelBackend: backend must be "auto", "wasm" or "js", got ${JSON.stringify(backend)}`);
  }
  if (backend === "wasm" && !wasmSimdSupported()) {
    throw new Error(`setKernelBackend: "wasm" requested, but WebAssembly kernels cannot run here: ${wasmStatusReason()}`);
  }
  requested = backend;
}

/** @internal the backend asked for (`"auto"` unless set). */
export function requestedKernelBackend(): KernelBackend | "auto" {
  return requested;
}

/**
 * The backend the hot kernels actually use now: `"wasm"` when requested (or "auto") and
 * WebAssembly kernels compile and run here, else `"js"` (also after a kernel module failed to
 * compile). `kernelBackendInfo()` tells why.
 * @example getKernelBackend() // "wasm" on Node 20 and current browsers
 */
export function getKernelBackend(): KernelBackend {
  return requested !== "js" && wasmSimdSupported() ? "wasm" : "js";
}
