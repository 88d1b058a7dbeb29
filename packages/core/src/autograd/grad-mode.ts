/**
 * Grad mode: whether ops record nodes on the tape. Scoped helpers restore the previous mode even
 * when the callback throws, and nest correctly.
 * @module
 */

let enabled = true;

/** Whether ops currently record gradient nodes. */
export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Set grad mode. With a callback, the mode applies only while it runs (then the previous mode is
 * restored, even if it throws) and its result is returned; without one, the mode is set globally.
 * @example setGradEnabled(false, () => model.forward(x))
 */
export function setGradEnabled(flag: boolean): void;
export function setGradEnabled<T>(flag: boolean, fn: () => T): T;
export function setGradEnabled<T>(flag: boolean, fn?: () => T): T | void {
  if (typeof flag !== "boolean") throw new TypeError(`setGradEnabled: flag must be a boolean, got ${typeof flag}`);
  if (fn === undefined) {
    enabled = flag;
    return;
  }
  if (typeof fn !== "function") throw new TypeError(`setGradEnabled: the second argument must be a function`);
  const previous = enabled;
  enabled = flag;
  try {
    return fn();
  } finally {
    enabled = previous;
  }
}

/**
 * Run `fn` without recording gradients (PyTorch's `torch.no_grad()`).
 * @example const y = noGrad(() => model.forward(x));
 */
export function noGrad<T>(fn: () => T): T {
  return setGradEnabled(false, fn);
}

/** Run `fn` with gradient recording on, even inside {@link noGrad} (PyTorch's `torch.enable_grad()`). */
export function enableGrad<T>(fn: () => T): T {
  return setGradEnabled(true, fn);
}
