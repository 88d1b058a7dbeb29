/**
 * The reverse-mode engine: topological order by an explicit stack (no recursion, so graphs of any
 * depth work), a reverse walk that calls each node's rule once all gradients into it are summed,
 * shape and dtype checks on every gradient, and release of saved tensors unless `retainGraph`.
 * @module
 */
import { formatShape, sameShape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { setGradEnabled } from "./grad-mode.js";
import { AccumulateGrad, Node } from "./node.js";

interface RunOptions {
  retainGraph: boolean;
  createGraph: boolean;
  /** grad(): capture gradients of these nodes instead of accumulating into leaves. */
  captureNodes: Node[] | null;
  /** backward({ inputs }): accumulate only into these leaves. */
  accumulateOnly: Set<Node> | null;
}

/** Collect nodes reachable from the roots and count the edges into each. */
function dependencies(roots: Node[]): Map<Node, number> {
  const deps = new Map<Node, number>();
  const seen = new Set<Node>(roots);
  const stack = [...roots];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const next of node.nextFunctions) {
      if (next === null) continue;
      deps.set(next, (deps.get(next) ?? 0) + 1);
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  for (const r of roots) if (!deps.has(r)) deps.set(r, 0);
  return deps;
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

function checkGrad(node: Node, index: number, grad: Tensor): void {
  const meta = node.inputMeta[index]!;
  if (!sameShape(meta.shape, grad.shape)) {
    throw new Error(
      `${node.name}: the gradient for input ${index} has shape ${formatShape(grad.shape)} but the input has shape ${formatShape(meta.shape)}`,
    );
  }
}

function runHooks(hooks: ReadonlyArray<(g: Tensor) => Tensor | void | undefined>, grad: Tensor): Tensor {
  let g = grad;
  for (const hook of hooks.slice()) {
    const replaced = hook(g);
    if (replaced !== undefined && replaced !== null) g = replaced;
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
    // Ready nodes, highest sequence number first (the most recently recorded op runs first).
    const ready: Node[] = roots.filter((r) => deps.get(r) === 0);
    const pending = new Map(deps);
    const visited = new Set<Node>();
    while (ready.length > 0) {
      let best = 0;
      for (let i = 1; i < ready.length; i++) if (ready[i]!.sequenceNumber > ready[best]!.sequenceNumber) best = i;
      const node = ready[best]!;
      ready[best] = ready[ready.length - 1]!;
      ready.pop();
      if (visited.has(node)) continue;
      visited.add(node);
      let grad = buffers.get(node);
      buffers.delete(node);
      const run = useful === null || useful.has(node);
      if (grad !== undefined && run) {
        grad = runHooks(node.tensorHooks, grad);
        if (node.retainGradOf !== null) node.retainGradOf.accumulateGrad(grad, options.createGraph);
        if (options.captureNodes !== null && targets.has(node)) {
          const prev = captured.get(node);
          captured.set(node, prev === undefined ? grad : prev.add(grad));
        }
        if (node instanceof AccumulateGrad) {
          if (options.captureNodes === null && (options.accumulateOnly === null || targets.has(node))) {
            node.variable.accumulateGrad(runHooks(node.variable.leafHooks, grad), options.createGraph);
          }
        } else if (useful === null || node.nextFunctions.some((n) => n !== null && useful.has(n))) {
          const grads = node.apply(grad);
          node.nextFunctions.forEach((next, i) => {
            const g = grads[i];
            if (next === null || g === null || g === undefined) return;
            checkGrad(node, i, g);
            addInto(buffers, next, g);
          });
        }
      }
      // A grad() target whose own rule does not run (its gradient is only captured) keeps its saved
      // tensors, as in PyTorch: the target's history must stay usable for a later backward pass.
      const capturedOnly =
        options.captureNodes !== null && targets.has(node) && !(useful !== null && node.nextFunctions.some((n) => n !== null && useful.has(n)));
      if (!options.retainGraph && !(node instanceof AccumulateGrad) && run && !capturedOnly) node.release();
      for (const next of node.nextFunctions) {
        if (next === null) continue;
        const left = pending.get(next)! - 1;
        pending.set(next, left);
        if (left === 0) ready.push(next);
      }
    }
    return (options.captureNodes ?? []).map((n) => captured.get(n) ?? null);
  });
}
