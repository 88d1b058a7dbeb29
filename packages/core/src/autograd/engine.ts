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
import { recycleArray } from "../recycled-arrays.js";
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

let lastRunId = 0;

/**
 * The nodes one backward run uses. Each node's count of edges still to be processed and the sum of
 * the gradients that arrived so far live in the node's scratch fields (no map lookups, nothing
 * allocated per node). A run started while another is going (a hook or rule calling backward)
 * saves the scratch of every node it takes over from the outer run and puts it back when it ends.
 */
class RunNodes {
  readonly id = ++lastRunId;
  /** Every node reached from the roots, in discovery order. */
  readonly nodes: Node[] = [];
  private readonly displaced: Array<{ node: Node; runId: number; pending: number; grad: Tensor | undefined }> = [];

  /** Find the nodes reachable from the roots and count the edges into each. */
  constructor(roots: readonly Node[]) {
    const stack: Node[] = [];
    for (const r of roots) {
      if (r.runId === this.id) continue;
      this.take(r, 0);
      stack.push(r);
    }
    while (stack.length > 0) {
      const next = stack.pop()!.nextFunctions;
      for (let i = 0; i < next.length; i++) {
        const n = next[i];
        if (n === null || n === undefined) continue;
        if (n.runId === this.id) {
          n.pendingEdges++;
        } else {
          this.take(n, 1);
          stack.push(n);
        }
      }
    }
  }

  private take(node: Node, pending: number): void {
    if (node.runId !== 0) this.displaced.push({ node, runId: node.runId, pending: node.pendingEdges, grad: node.gradSum });
    node.runId = this.id;
    node.pendingEdges = pending;
    node.gradSum = undefined;
    this.nodes.push(node);
  }

  /** Clear every node's scratch (dropping gradients not consumed, after a throw) and give back the outer run's. */
  finish(): void {
    for (const n of this.nodes) {
      n.runId = 0;
      n.pendingEdges = 0;
      n.gradSum = undefined;
    }
    for (let i = this.displaced.length - 1; i >= 0; i--) {
      const d = this.displaced[i]!;
      d.node.runId = d.runId;
      d.node.pendingEdges = d.pending;
      d.node.gradSum = d.grad;
    }
  }
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
function usefulNodes(nodes: readonly Node[], targets: Set<Node>): Set<Node> {
  // Iterative post-order: a node is useful if it is a target or leads to a useful node.
  const useful = new Set<Node>();
  const state = new Map<Node, number>(); // 1 = on stack, 2 = done
  for (const start of nodes) {
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

/**
 * Add `grad` to the gradient summed at `node`. `owned` (null when building a graph) holds the
 * pending gradient sums that nothing but their node holds: a sum made here is one, and so is
 * `grad` when the caller vouches for it (`isOwned`).
 */
function addInto(node: Node, grad: Tensor, owned: Set<Tensor> | null, isOwned: boolean): void {
  if (node.gradSum === undefined) {
    node.gradSum = grad;
    if (isOwned) owned?.add(grad);
  } else {
    owned?.delete(node.gradSum);
    node.gradSum = node.gradSum.add(grad);
    owned?.add(node.gradSum);
  }
}

/**
 * Rules audited to return, for every input, a tensor they allocate themselves (the matrix
 * products' and linear's: products and sums), or at most a view of their incoming gradient, which
 * {@link ownsOutput} rules out. Their gradients can become a leaf's `.grad` without a copy.
 */
const FRESH_OUTPUT_RULES: ReadonlySet<string> = new Set(["AddmmBackward", "MmBackward", "BmmBackward", "ReluBackward"]);

/**
 * Whether no gradient a rule returned lies on `storage` (the rule read its incoming gradient and
 * did not pass it on, or a view of it).
 */
function noneOn(grads: ReadonlyArray<Tensor | null | undefined>, storage: Tensor["storage"]): boolean {
  for (let j = 0; j < grads.length; j++) if (grads[j] !== null && grads[j] !== undefined && grads[j]!.storage === storage) return false;
  return true;
}

/**
 * Whether output `i` of a {@link FRESH_OUTPUT_RULES} rule is a tensor nothing else holds: a dense
 * tensor of its own storage (not a view), on a storage that is neither the incoming gradient's
 * nor another output's.
 */
function ownsOutput(grads: ReadonlyArray<Tensor | null | undefined>, i: number, incoming: Tensor): boolean {
  const g = grads[i]!;
  const storage = g.storage;
  if (g.base !== null || g.offset !== 0 || storage.data.length !== g.numel() || !g.isContiguous() || storage === incoming.storage) return false;
  for (let j = 0; j < grads.length; j++) {
    if (j !== i && grads[j] !== null && grads[j] !== undefined && grads[j]!.storage === storage) return false;
  }
  return true;
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
    const run = new RunNodes(roots);
    try {
      return walk(run, roots, rootGrads, options);
    } finally {
      run.finish();
    }
  });
}

function walk(run: RunNodes, roots: Node[], rootGrads: Tensor[], options: RunOptions): Array<Tensor | null> {
  const targets = new Set<Node>(options.captureNodes ?? options.accumulateOnly ?? []);
  const useful = targets.size > 0 ? usefulNodes(run.nodes, targets) : null;
  // Gradient sums only their node holds: a leaf adopts one as its `.grad` instead of copying it
  // (as PyTorch steals a gradient whose use count says nothing else refers to it). Never when
  // building a graph: the gradient is then part of it. Root gradients are the caller's, never owned.
  const owned = options.createGraph ? null : new Set<Tensor>();
  roots.forEach((r, i) => addInto(r, rootGrads[i]!, owned, false));
  const captured = new Map<Node, Tensor>();
  // `pendingEdges` counts the edges still to be processed; a node becomes ready exactly once, when
  // its count reaches 0 (roots are distinct in `run.nodes`), so no visited set is needed.
  const ready = new ReadyQueue();
  for (const node of run.nodes) if (node.pendingEdges === 0) ready.push(node);
  while (ready.size > 0) {
    const node = ready.pop();
    let grad = node.gradSum;
    node.gradSum = undefined;
    // Whether nothing but this node holds its gradient. Once handed to hooks or a rule it may be
    // passed on (add's rule gives it to both inputs), so it leaves the set either way.
    let mine = grad !== undefined && owned !== null && owned.size !== 0 && owned.delete(grad);
    const runs = useful === null || useful.has(node);
    const next = node.nextFunctions;
    if (grad !== undefined && runs) {
      // A hook may keep the gradient it is given.
      if (node.hasHooks) {
        mine = false;
        grad = runHooks(node.tensorHooks, grad);
      }
      if (node.retainGradOf !== null) node.retainGradOf.accumulateGrad(grad, options.createGraph);
      if (options.captureNodes !== null && targets.has(node)) {
        const prev = captured.get(node);
        captured.set(node, prev === undefined ? grad : prev.add(grad));
      }
      if (node instanceof AccumulateGrad) {
        if (options.captureNodes === null && (options.accumulateOnly === null || targets.has(node))) {
          const leaf = node.variable;
          const hooks = leaf.leafHooks;
          if (mine && hooks.length === 0 && leaf.grad === null) leaf.grad = grad;
          else leaf.accumulateGrad(runHooks(hooks, grad), options.createGraph);
        }
      } else if (useful === null || next.some((n) => n !== null && useful.has(n))) {
        const grads = node.apply(grad);
        const fresh = owned !== null && FRESH_OUTPUT_RULES.has(node.name);
        // These rules keep nothing of the gradient they read: once it is consumed, and unless
        // grad() returns it or a result lies on it, its array can hold the next result.
        if (mine && fresh && !(options.captureNodes !== null && targets.has(node)) && noneOn(grads, grad.storage)) recycleArray(grad.storage.data);
        for (let i = 0; i < next.length; i++) {
          const n = next[i];
          const g = grads[i];
          if (n === null || n === undefined || g === null || g === undefined) continue;
          if (anomaly.enabled && anomaly.checkNan) checkBackwardResult(node.name, i, g, node.forwardStack);
          const checked = checkGrad(node, i, g);
          // A cast made by checkGrad is a new tensor too.
          addInto(n, checked, owned, checked !== g || (fresh && ownsOutput(grads, i, grad)));
        }
      }
    }
    // A grad() target whose own rule does not run (its gradient is only captured) keeps its saved
    // tensors, as in PyTorch: the target's history must stay usable for a later backward pass.
    const capturedOnly =
      options.captureNodes !== null && targets.has(node) && !(useful !== null && node.nextFunctions.some((n) => n !== null && useful.has(n)));
    if (!options.retainGraph && !(node instanceof AccumulateGrad) && runs && !capturedOnly) node.release();
    for (let i = 0; i < next.length; i++) {
      const n = next[i];
      if (n !== null && n !== undefined && --n.pendingEdges === 0) ready.push(n);
    }
  }
  return (options.captureNodes ?? []).map((n) => captured.get(n) ?? null);
}
