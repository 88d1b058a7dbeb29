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
/** Whether the runtime compiles WebAssembly SIMD (undefined until first asked). */
let simdSupported: boolean | undefined;

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

/**
 * Whether this runtime can compile WebAssembly modules that use SIMD (checked once). Compiles the
 * probe rather than only validating it: a page whose Content-Security-Policy lacks
 * `'wasm-unsafe-eval'` validates modules but refuses to compile them.
 */
export function wasmSimdSupported(): boolean {
  if (simdSupported === undefined) {
    try {
      simdSupported = typeof WebAssembly === "object" && new WebAssembly.Module(SIMD_PROBE) instanceof WebAssembly.Module;
    } catch {
      simdSupported = false;
    }
  }
  return simdSupported;
}

/**
 * Choose the implementation of the hot kernels (float32 and float64 matmul and linear, the
 * float32 ASGD update). `"auto"` (the default) uses WebAssembly SIMD when the runtime supports it and the
 * TypeScript kernels otherwise; `"js"` forces the TypeScript kernels; `"wasm"` requires SIMD.
 * The environment variable `TAPEGRAD_KERNELS=js` (or `wasm`) sets the initial choice.
 *
 * Results of the two backends agree within rounding, not bit for bit: the wasm matmul
 * accumulates float32 products in float32 as PyTorch and XNNPACK do, the TypeScript kernel in
 * float64; float64 products differ only in the order of the sums.
 * @param backend `"auto"`, `"wasm"` or `"js"`.
 * @throws TypeError for any other value; Error for `"wasm"` when the runtime lacks WebAssembly SIMD.
 * @example
 * setKernelBackend("js");   // compare against the portable kernels
 * setKernelBackend("auto"); // back to the default
 */
export function setKernelBackend(backend: KernelBackend | "auto"): void {
  if (backend !== "auto" && backend !== "js" && backend !== "wasm") {
    throw new TypeError(`setKernelBackend: backend must be "auto", "wasm" or "js", got ${JSON.stringify(backend)}`);
  }
  if (backend === "wasm" && !wasmSimdSupported()) {
    throw new Error('setKernelBackend: "wasm" requested, but this runtime does not support WebAssembly SIMD');
  }
  requested = backend;
}

/**
 * The backend the hot kernels use now: `"wasm"` when requested (or "auto") and supported, else `"js"`
 * (also where a Content-Security-Policy forbids compiling WebAssembly).
 * @example getKernelBackend() // "wasm" on Node 20 and current browsers
 */
export function getKernelBackend(): KernelBackend {
  return requested !== "js" && wasmSimdSupported() ? "wasm" : "js";
}
