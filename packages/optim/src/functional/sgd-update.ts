/**
 * The SGD update on parallel lists (PyTorch's `torch.optim._functional.sgd`), single-tensor and
 * foreach paths.
 * @module
 */
import { Tensor, isDual, isGradEnabled } from "@tapegrad/core";

/** Hyperparameters of {@link sgdUpdate} (one param group's values). */
export interface SgdUpdateOptions {
  /** Learning rate; a Tensor that requires grad stays on the tape when grad mode is on. */
  lr: number | Tensor;
  /** Momentum factor (0 disables the buffer). */
  momentum: number;
  /** Dampening of the gradient added to the momentum buffer. */
  dampening: number;
  /** L2 penalty added to the gradient: `g + weightDecay * p`. */
  weightDecay: number;
  /** Use Nesterov momentum: `g + momentum * buf` instead of `buf`. */
  nesterov: boolean;
  /** Maximize the objective (the gradient is negated first). */
  maximize: boolean;
  /** Run the update op by op over all tensors (same values as the single-tensor path). */
  foreach?: boolean;
}

/**
 * @internal throw unless every list has as many entries as `params`.
 */
export function checkParallelLists(where: string, params: readonly unknown[], lists: Record<string, readonly unknown[]>): void {
  if (!Array.isArray(params)) throw new TypeError(`${where}: params must be an array of tensors`);
  for (const [name, list] of Object.entries(lists)) {
    if (!Array.isArray(list)) throw new TypeError(`${where}: ${name} must be an array`);
    if (list.length !== params.length) {
      throw new RangeError(`${where}: ${name} has ${list.length} entries but params has ${params.length}`);
    }
  }
  params.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new TypeError(`${where}: params[${i}] must be a Tensor`);
  });
}

/**
 * @internal the lr as a JS number unless it is a tensor that must stay on the tape
 * (it requires grad and grad mode is on); a tensor lr is otherwise read with `item()`.
 */
export function resolveLr(lr: number | Tensor, where: string): number | Tensor {
  if (typeof lr === "number") return lr;
  if (!(lr instanceof Tensor)) throw new TypeError(`${where}: lr must be a number or a Tensor`);
  if (lr.numel() !== 1) throw new RangeError(`${where}: Tensor lr must be 1-element, got shape [${lr.shape.join(", ")}]`);
  // A dual lr (forward-mode hypergradients) stays a tensor too, so that its tangent reaches the update.
  return (lr.requiresGrad && isGradEnabled()) || isDual(lr) ? lr.reshape([]) : lr.item();
}

/**
 * Apply one SGD step to `params` in place, PyTorch 2.8's order of operations:
 *
 * ```
 * g = maximize ? -grad : grad
 * if weightDecay != 0: g = g + weightDecay * p
 * if momentum != 0:
 *     buf = (first step) ? clone(g) : momentum * buf + (1 - dampening) * g
 *     g = nesterov ? g + momentum * buf : buf
 * p = p - lr * g
 * ```
 *
 * `momentumBuffers[i]` is `null` before the first step of param i; new buffers are written into
 * the array (the caller stores them in the optimizer state). Under grad mode (differentiable
 * optimizers) every operation is recorded; unlike PyTorch, the first buffer is not detached from
 * the gradient, so hypergradients through the momentum are exact.
 *
 * @param params the parameters, updated in place.
 * @param grads their gradients (not modified).
 * @param momentumBuffers one entry per param (`null` = none yet); ignored when momentum is 0.
 * @throws TypeError/RangeError if the lists are not parallel.
 * @example
 * sgdUpdate([p], [p.grad!], [null], { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false });
 */
export function sgdUpdate(
  params: readonly Tensor[],
  grads: readonly Tensor[],
  momentumBuffers: Array<Tensor | null>,
  options: SgdUpdateOptions,
): void {
  checkParallelLists("sgdUpdate", params, { grads, momentumBuffers });
  const lr = resolveLr(options.lr, "sgdUpdate");
  if (options.foreach === true) foreachSgd(params, grads, momentumBuffers, { ...options, lr });
  else singleTensorSgd(params, grads, momentumBuffers, { ...options, lr });
}

function applyStep(param: Tensor, direction: Tensor, lr: number | Tensor, aliasesState: boolean): void {
  if (typeof lr === "number") {
    param.add_(direction, { alpha: -lr });
  } else {
    // mul saves its operands; a state buffer changes in place at the next step, so save a copy.
    param.sub_((aliasesState ? direction.clone() : direction).mul(lr));
  }
}

function singleTensorSgd(params: readonly Tensor[], grads: readonly Tensor[], buffers: Array<Tensor | null>, o: SgdUpdateOptions): void {
  const lr = o.lr;
  for (let i = 0; i < params.length; i++) {
    const param = params[i]!;
    let grad = o.maximize ? grads[i]!.neg() : grads[i]!;
    if (o.weightDecay !== 0) grad = grad.add(param, { alpha: o.weightDecay });
    let aliasesState = false;
    if (o.momentum !== 0) {
      let buf = buffers[i] ?? null;
      if (buf === null) {
        buf = isGradEnabled() ? grad.clone() : grad.detach().clone();
        buffers[i] = buf;
      } else {
        buf.mul_(o.momentum).add_(grad, { alpha: 1 - o.dampening });
      }
      if (o.nesterov) {
        grad = grad.add(buf, { alpha: o.momentum });
      } else {
        grad = buf;
        aliasesState = true;
      }
    }
    applyStep(param, grad, lr, aliasesState);
  }
}

function foreachSgd(params: readonly Tensor[], grads: readonly Tensor[], buffers: Array<Tensor | null>, o: SgdUpdateOptions): void {
  let gs = o.maximize ? grads.map((g) => g.neg()) : grads.slice();
  if (o.weightDecay !== 0) gs = gs.map((g, i) => g.add(params[i]!, { alpha: o.weightDecay }));
  let aliasesState = false;
  if (o.momentum !== 0) {
    // Buffers created this step start as a copy of g; only the older ones are decayed.
    const decayed: Tensor[] = [];
    const decayGrads: Tensor[] = [];
    for (let i = 0; i < params.length; i++) {
      const buf = buffers[i] ?? null;
      if (buf === null) {
        buffers[i] = isGradEnabled() ? gs[i]!.clone() : gs[i]!.detach().clone();
      } else {
        decayed.push(buf);
        decayGrads.push(gs[i]!);
      }
    }
    for (const buf of decayed) buf.mul_(o.momentum);
    decayed.forEach((buf, j) => buf.add_(decayGrads[j]!, { alpha: 1 - o.dampening }));
    if (o.nesterov) {
      gs = gs.map((g, i) => g.add(buffers[i]!, { alpha: o.momentum }));
    } else {
      gs = buffers.map((b) => b!);
      aliasesState = true;
    }
  }
  for (let i = 0; i < params.length; i++) applyStep(params[i]!, gs[i]!, o.lr, aliasesState);
}
