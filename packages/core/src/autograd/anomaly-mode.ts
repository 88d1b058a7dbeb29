/**
 * Anomaly detection (PyTorch's `torch.autograd.detect_anomaly` / `set_detect_anomaly`): opt-in
 * checks that name the op whose backward first returned NaN or Infinity, with the stack of the
 * forward call that recorded it, and optionally the forward op that first produced NaN. Off by
 * default; when off, the engine and `record` pay one boolean test per op.
 * @module
 */
import type { Tensor } from "../tensor.js";

/** Options of {@link setDetectAnomaly} and {@link detectAnomaly}. */
export interface AnomalyOptions {
  /** Check every gradient a backward rule returns for NaN and ±Infinity (default true). */
  checkNan?: boolean;
  /** Also check every forward op's result for NaN produced from inputs without NaN (default false). */
  checkForward?: boolean;
}

interface AnomalyState {
  enabled: boolean;
  checkNan: boolean;
  checkForward: boolean;
}

const OFF: AnomalyState = { enabled: false, checkNan: true, checkForward: false };

/** @internal the current mode; read by `record` and the engine (a field test when off). */
export let anomaly: AnomalyState = OFF;

function stateOf(flag: unknown, options: AnomalyOptions | undefined, where: string): AnomalyState {
  if (typeof flag !== "boolean") throw new TypeError(`${where}: mode must be a boolean, got ${typeof flag}`);
  if (options !== undefined && (options === null || typeof options !== "object")) throw new TypeError(`${where}: options must be an object`);
  for (const key of Object.keys(options ?? {})) {
    if (key !== "checkNan" && key !== "checkForward") throw new TypeError(`${where}: unknown option ${JSON.stringify(key)} (expected checkNan, checkForward)`);
  }
  const checkNan = options?.checkNan ?? true;
  const checkForward = options?.checkForward ?? false;
  if (typeof checkNan !== "boolean" || typeof checkForward !== "boolean") throw new TypeError(`${where}: checkNan and checkForward must be booleans`);
  return flag ? { enabled: true, checkNan, checkForward } : OFF;
}

/**
 * Turn anomaly detection on or off globally (PyTorch's `torch.autograd.set_detect_anomaly`).
 * While on, every recorded op keeps the stack of its forward call, and backward throws as soon as
 * a rule returns a gradient holding NaN or ±Infinity, naming the backward function, the forward op
 * and that stack. Slower: use it to find a NaN, not for training.
 * @param mode true to turn it on.
 * @param options `{ checkNan, checkForward }` (see {@link AnomalyOptions}).
 * @throws TypeError for a non-boolean mode or unknown options.
 * @example
 * setDetectAnomaly(true);
 * loss.backward(); // Error: detectAnomaly: DivBackward returned NaN in its gradient for input 1 ...
 */
export function setDetectAnomaly(mode: boolean, options?: AnomalyOptions): void {
  anomaly = stateOf(mode, options, "setDetectAnomaly");
}

/** Whether anomaly detection is on (PyTorch's `torch.is_anomaly_enabled`). */
export function isAnomalyEnabled(): boolean {
  return anomaly.enabled;
}

/**
 * Run `fn` with anomaly detection on (PyTorch's `with torch.autograd.detect_anomaly():`); the
 * previous mode is restored afterwards, even if `fn` throws. Returns `fn`'s result.
 * @example detectAnomaly(() => model.forward(x).sum().backward(), { checkForward: true });
 */
export function detectAnomaly<T>(fn: () => T, options?: AnomalyOptions): T {
  if (typeof fn !== "function") throw new TypeError("detectAnomaly: the first argument must be a function");
  const previous = anomaly;
  anomaly = stateOf(true, options, "detectAnomaly");
  try {
    return fn();
  } finally {
    anomaly = previous;
  }
}

/** @internal the stack of the current call, without this module's frames (the forward call of an op). */
export function forwardStack(): string {
  // Enough frames to get past the op's own wrappers to the caller's code (V8's limit is 10 by
  // default; other engines ignore the property).
  const errorClass = Error as { stackTraceLimit?: number };
  const limit = errorClass.stackTraceLimit;
  errorClass.stackTraceLimit = 24;
  const stack = new Error().stack ?? "";
  errorClass.stackTraceLimit = limit;
  const lines = stack.split("\n").slice(1);
  return lines.filter((l) => !/autograd[\\/](anomaly-mode|record)\./.test(l)).join("\n");
}

/** The kind of non-finite value a float tensor holds first, or null. */
function nonFinite(t: Tensor): "NaN" | "Infinity" | null {
  if (!t.isFloatingPoint()) return null;
  const v = t.values();
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (x !== x) return "NaN";
    if (x === Infinity || x === -Infinity) return "Infinity";
  }
  return null;
}

function hasNaN(t: Tensor): boolean {
  if (!t.isFloatingPoint()) return false;
  const v = t.values();
  for (let i = 0; i < v.length; i++) if (v[i] !== v[i]) return true;
  return false;
}

/** The forward op of a backward function's name (`DivBackward` → `div`). */
function forwardName(backwardName: string): string {
  const base = backwardName.replace(/Backward$/, "");
  return base.length === 0 ? backwardName : base[0]!.toLowerCase() + base.slice(1);
}

/**
 * @internal in backward: throw if gradient `index` returned by the rule of `name` holds NaN or
 * ±Infinity, naming the function, the forward op and the stack that recorded it.
 */
export function checkBackwardResult(name: string, index: number, grad: Tensor, stack: string | null): void {
  const bad = nonFinite(grad);
  if (bad === null) return;
  const where = stack === null ? "(recorded before anomaly detection was turned on, so its forward stack is unknown)" : `The forward call that created it:\n${stack}`;
  throw new Error(
    `detectAnomaly: ${name} returned ${bad} in its gradient for input ${index} (shape [${grad.shape.join(",")}]), ` +
      `the first gradient of this backward pass to do so. It is the backward of the forward op ${forwardName(name)}. ${where}`,
  );
}

/** @internal in forward (with `checkForward`): throw if `out` holds NaN although no input does. */
export function checkForwardResult(name: string, out: Tensor, inputs: ReadonlyArray<Tensor | null>): void {
  if (!hasNaN(out) || inputs.some((t) => t !== null && hasNaN(t))) return;
  throw new Error(
    `detectAnomaly: the forward op ${forwardName(name)} produced NaN (output shape [${out.shape.join(",")}]) from inputs without NaN`,
  );
}
