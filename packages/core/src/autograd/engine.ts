/**
 * The reverse-mode engine: topological order by an explicit stack (no recursion, so graphs of any
 * depth work), a reverse walk (ready nodes in a heap, latest first) that calls each node's rule
 * once all gradients into it are summed, shape and dtype checks on every gradient, and release of
 * saved tensors unless `retainGraph`.
 * @module
 */
import { describe } from "../describe.js";
import { isFloatingDtype } from "../dtype.js";
import { cast } from "../ops/unary.js";
import { formatShape, sameShape } from "../shape.js";
import { Tensor } from "../tensor.js";
import { anomaly, checkBackwardResult } from "./anomaly-mode.js";
import { setGradEnabled } from "./grad-mode.js";
import { AccumulateGrad, Node, type TensorHook } from "./node.js";

interface RunOptions {
  retainGraph: boolean;
  createGraph: boolean;
  /** grad(): capture gradients of these nodes instead of accumulating into leaves. */
  captureNodes: Node[] | null;
  /** backward({ inputs }): accumulate only into these leaves. */
  accumulateOnly: Set<Node> | null;
}

/**
 * Collect nodes reachable from the roots and count the edges into each. The map doubles as the
 * "seen" set: a node is pushed when it is first discovered.
 */
function dependencies(roots: readonly Node[]): Map<Node, number> {
  const deps = new Map<Node, number>();
  const stack: Node[] = [];
  for (const r of roots) {
    if (deps.has(r)) continue;
    deps.set(r, 0);
    stack.push(r);
  }
  while (stack.length > 0) {
    const next = stack.pop()!.nextFunctions;
    for (let i = 0; i < next.length; i++) {
      const n = next[i];
      if (n === null || n === undefined) continue;
      const d = deps.get(n);
      if (d === undefined) {
        deps.set(n, 1);
        stack.push(n);
      } else {
        deps.set(n, d + 1);
      }
    }
  }
  return deps;
}

/**
 * The ready nodes as a binary max-heap on `sequenceNumber`: the most recently recorded ready op
 * runs first (as in PyTorch), in O(log n) per push/pop instead of a scan of the whole ready set.
 */
class ReadyQueue {
  private readonly heap: Node[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(node: Node): void {
    const h = this.heap;
    let i = h.length;
    h.push(node);
    const key = node.sequenceNumber;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.sequenceNumber >= key) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = node;
  }

  pop(): Node {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    const n = h.length;
    if (n > 0) {
      const key = last.sequenceNumber;
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && h[child + 1]!.sequenceNumber > h[child]!.sequenceNumber) child++;
        if (h[child]!.sequenceNumber <= key) break;
        h[i] = h[child]!;
        i = child;
      }
      h[i] = last;
    }
    return top;
  }
}

/** Nodes from which some target is reachable (the only ones worth running). */
function usefulNodes(deps: Map<Node, number>, targets: Set<Node>): Set<Node> {
  // Iterative post-order: a node is useful if it is a target or leads to a useful node.
  const useful = new Set<Node>();
  const state = new Map<Node, number>(); // 1 = on stack, 2 = done
  for (const start of deps.keys()) {
    if (state.has(start)) continue;
    const stack: Array<[Node, number]> = [[start, 0]];
    state.set(start, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [node, i] = top;
      if (i < node.nextFunctions.length) {
        top[1]++;
        const next = node.nextFunctions[i];
        if (next && !state.has(next)) {
          state.set(next, 1);
          stack.push([next, 0]);
        }
        continue;
      }
      stack.pop();
      state.set(node, 2);
      if (targets.has(node) || node.nextFunctions.some((n) => n !== null && useful.has(n))) useful.add(node);
    }
  }
  return useful;
}

function addInto(buffers: Map<Node, Tensor>, node: Node, grad: Tensor): void {
  const prev = buffers.get(node);
  buffers.set(node, prev === undefined ? grad : prev.add(grad));
}

/**
 * Check the gradient a rule returned for input `index` against that input's shape, and cast it to
 * the input's dtype when both are floats (PyTorch's `validate_outputs`), so a leaf's `.grad` always
 * has the leaf's dtype.
 */
function checkGrad(node: Node, index: number, grad: Tensor): Tensor {
  const input = node.nextFunctions[index]!;
  const shape = input.outputShape;
  if (!sameShape(shape, grad.shape)) {
    throw new Error(
      `${node.name}: the gradient for input ${index} has shape ${formatShape(grad.shape)} but the input has shape ${formatShape(shape)}`,
    );
  }
  const dtype = input.outputDtype;
  if (grad.dtype !== dtype && isFloatingDtype(grad.dtype) && isFloatingDtype(dtype)) return cast(grad, dtype);
  return grad;
}

/**
 * What a hook returned, checked as PyTorch does: a tensor of the gradient's shape and dtype.
 * @throws TypeError for a non-tensor or another dtype; RangeError for another shape (naming the hook).
 */
function checkHookResult(hook: TensorHook, before: Tensor, after: unknown): Tensor {
  const name = `'${hook.name || "<anonymous>"}'`;
  if (!(after instanceof Tensor)) throw new TypeError(`hook ${name} returned ${describe(after)}; expected a Tensor (or nothing)`);
  if (!sameShape(after.shape, before.shape)) {
    throw new RangeError(`hook ${name} has changed the size of value: was ${formatShape(before.shape)}, got ${formatShape(after.shape)}`);
  }
  if (after.dtype !== before.dtype) throw new TypeError(`hook ${name} has changed the type of value (was ${before.dtype} got ${after.dtype})`);
  return after;
}

function runHooks(hooks: ReadonlyArray<TensorHook>, grad: Tensor): Tensor {
  if (hooks.length === 0) return grad;
  let g = grad;
  for (const hook of hooks.slice()) {
    const replaced: unknown = hook(g);
    if (replaced !== undefined && replaced !== null) g = checkHookResult(hook, g, replaced);
  }
  return g;
}

/**
 * Run the backward pass from `roots` seeded with `rootGrads`. Returns the gradients captured for
 * `captureNodes` (grad()), in order, or an empty list (backward()).
 */
export function runBackward(roots: Node[], rootGrads: Tensor[], options: RunOptions): Array<Tensor | null> {
  return setGradEnabled(options.createGraph, () => {
    const deps = dependencies(roots);
    const targets = new Set<Node>(options.captureNodes ?? options.accumulateOnly ?? []);
    const useful = targets.size > 0 ? usefulNodes(deps, targets) : null;
    const buffers = new Map<Node, Tensor>();
    roots.forEach((r, i) => addInto(buffers, r, rootGrads[i]!));
    const captured = new Map<Node, Tensor>();
    // `deps` now counts the edges still to be processed; a node becomes ready exactly once, when its
    // count reaches 0 (roots are distinct in `deps`), so no visited set is needed.
    const ready = new ReadyQueue();
    for (const [node, count] of deps) if (count === 0) ready.push(node);
    while (ready.size > 0) {
      const node = ready.pop();
      let grad = buffers.get(node);
      if (grad !== undefined) buffers.delete(node);
      const run = useful === null || useful.has(node);
      const next = node.nextFunctions;
      if (grad !== undefined && run) {
        if (node.hasHooks) grad = runHooks(node.tensorHooks, grad);
        if (node.retainGradOf !== null) node.retainGradOf.accumulateGrad(grad, options.createGraph);
        if (options.captureNodes !== null && targets.has(node)) {
          const prev = captured.get(node);
          captured.set(node, prev === undefined ? grad : prev.add(grad));
        }
        if (node instanceof AccumulateGrad) {
          if (options.captureNodes === null && (options.accumulateOnly === null || targets.has(node))) {
            node.variable.accumulateGrad(runHooks(node.variable.leafHooks, grad), options.createGraph);
          }
        } else if (useful === null || next.some((n) => n !== null && useful.has(n))) {
          const grads = node.apply(grad);
          for (let i = 0; i < next.length; i++) {
            const n = next[i];
            const g = grads[i];
            if (n === null || n === undefined || g === null || g === undefined) continue;
            if (anomaly.enabled && anomaly.checkNan) checkBackwardResult(node.name, i, g, node.forwardStack);
            addInto(buffers, n, checkGrad(node, i, g));
          }
        }
      }
      // A grad() target whose own rule does not run (its gradient is only captured) keeps its saved
      // tensors, as in PyTorch: the target's history must stay usable for a later backward pass.
      const capturedOnly =
        options.captureNodes !== null && targets.has(node) && !(useful !== null && node.nextFunctions.some((n) => n !== null && useful.has(n)));
      if (!options.retainGraph && !(node instanceof AccumulateGrad) && run && !capturedOnly) node.release();
      for (let i = 0; i < next.length; i++) {
        const n = next[i];
        if (n === null || n === undefined) continue;
        const left = deps.get(n)! - 1;
        deps.set(n, left);
        if (left === 0) ready.push(n);
      }
    }
    return (options.captureNodes ?? []).map((n) => captured.get(n) ?? null);
  });
}
