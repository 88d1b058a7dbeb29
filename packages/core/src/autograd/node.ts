import type { DType } from "../dtype.js";
import type { Shape } from "../shape.js";
import type { Storage } from "../storage.js";
import type { Tensor } from "../tensor.js";

/**
 * A gradient rule: gets the gradient of the op's output and the op's saved tensors (checked against
 * in-place modification; an entry the op chose not to save, because no gradient it must compute
 * uses it, is null), returns one gradient per input (null where the input needs none).
 * Rules are written with differentiable tensor ops, so running them with grad mode on records the
 * backward pass itself (that is what `createGraph` does).
 */
export type GradRule = (gradOutput: Tensor, saved: Array<Tensor | null>) => Array<Tensor | null>;

/**
 * A forward (tangent) rule: gets the tangent of each op input at the active dual level, in the
 * order of the op's `inputs` (null where an input has none, or was passed as null), at least one
 * non-null, and returns the tangent of the output (the Jacobian-vector product `J u`). The rule
 * reads the primals from its closure. It must return a tensor of the output's shape or one that
 * broadcasts to it, and is written with differentiable tensor ops, like a {@link GradRule}: it runs
 * with grad mode as it is, so a tangent is itself on the tape when the primals require grad
 * (reverse-over-forward), and rules used by backward passes propagate tangents through them
 * (forward-over-reverse: Hessian-vector products).
 */
export type ForwardRule = (tangents: Array<Tensor | null>) => Tensor;

/** A hook on a tensor's gradient: may return a replacement gradient. */
export type TensorHook = (grad: Tensor) => Tensor | void | undefined;

/**
 * A tensor saved for backward: the tensor with the storage, layout, history and storage version it
 * had when saved. If the tensor was later rebound to a new storage (a differentiable optimizer step,
 * see `rebindingInPlace`), backward reads an alias of what was saved instead.
 */
class SavedTensor {
  readonly version: number;
  private readonly storage: Storage;
  private readonly strides: readonly number[] | null;
  private readonly offset: number;
  private readonly history: Node | null;
  constructor(readonly tensor: Tensor) {
    this.storage = tensor.storage;
    this.version = tensor.storage.version;
    this.strides = tensor.stridesOrNull;
    this.offset = tensor.offset;
    this.history = tensor.gradFn;
  }

  /** The storage's version now (a change since saving means an in-place write). */
  get currentVersion(): number {
    return this.storage.version;
  }

  /** The saved value: the tensor itself, or an alias of what it was if it has been rebound since. */
  value(): Tensor {
    const t = this.tensor;
    // Strides saved as null (row-major, not yet materialized) may have been materialized since.
    const sameStrides = t.stridesOrNull === this.strides || (this.strides === null && t.isContiguous());
    if (t.storage === this.storage && t.offset === this.offset && sameStrides) return t;
    return t.aliasOf(this.storage, this.strides, this.offset, this.history);
  }
}

/** The shape and dtype a gradient flowing into an input must have. */
export interface InputMeta {
  /** The input's shape. */
  shape: Shape;
  /** The input's dtype. */
  dtype: DType;
}

let nextSequenceNumber = 0;

const NOTHING_SAVED: ReadonlyArray<SavedTensor | null> = Object.freeze([]);

/** The parts of a node few nodes use, made on first use (keeps every recorded node small). */
interface NodeExtras {
  hooks: TensorHook[] | null;
  retainGradOf: Tensor | null;
  forwardStack: string | null;
}

/**
 * One recorded operation on the tape (a tensor's `gradFn`). `nextFunctions` are the nodes of the
 * inputs' history (null for an input that needs no gradient).
 */
export class Node {
  /** Creation order; the engine runs later nodes first when several are ready (as PyTorch does). */
  readonly sequenceNumber = nextSequenceNumber++;
  /** Shape of the op's output (what the incoming gradient must have). */
  readonly outputShape: Shape;
  /** Dtype of the op's output. */
  readonly outputDtype: DType;
  private extras: NodeExtras | null = null;
  /** @internal engine scratch: the backward run using this node (0: none). */
  runId = 0;
  /** @internal engine scratch: edges into this node that run has still to process. */
  pendingEdges = 0;
  /** @internal engine scratch: the sum of the gradients that arrived in that run so far. */
  gradSum: Tensor | undefined = undefined;
  private saved: ReadonlyArray<SavedTensor | null> | null;
  private rule: GradRule | null;

  /**
   * @param output the op's output: only its shape and dtype are kept. The gradient the rule returns
   *   for input `i` is checked against `nextFunctions[i]`'s output: every tensor has the shape and
   *   dtype of the node it flows into (its gradFn's output, or itself for a leaf's accumulator).
   */
  constructor(
    /** The op's backward name, e.g. `MulBackward`. */
    readonly name: string,
    /** One entry per op input. */
    readonly nextFunctions: ReadonlyArray<Node | null>,
    rule: GradRule | null,
    saved: ReadonlyArray<Tensor | null>,
    output: Tensor,
  ) {
    this.outputShape = output.shape;
    this.outputDtype = output.dtype;
    this.rule = rule;
    if (saved.length === 0) this.saved = NOTHING_SAVED;
    else {
      const s = new Array<SavedTensor | null>(saved.length);
      for (let i = 0; i < saved.length; i++) {
        const t = saved[i];
        s[i] = t === null || t === undefined ? null : new SavedTensor(t);
      }
      this.saved = s;
    }
  }

  private extra(): NodeExtras {
    return (this.extras ??= { hooks: null, retainGradOf: null, forwardStack: null });
  }

  /** Hooks registered on the output tensor (non-leaf `registerHook`). */
  get tensorHooks(): TensorHook[] {
    return (this.extra().hooks ??= []);
  }

  /** @internal whether any hook is registered on the output tensor (without making the list). */
  get hasHooks(): boolean {
    const hooks = this.extras === null ? null : this.extras.hooks;
    return hooks !== null && hooks.length > 0;
  }

  /** Tensor whose gradient is kept in `.grad` (set by `retainGrad()`). */
  get retainGradOf(): Tensor | null {
    return this.extras === null ? null : this.extras.retainGradOf;
  }
  set retainGradOf(t: Tensor | null) {
    if (t !== null || this.extras !== null) this.extra().retainGradOf = t;
  }

  /** The stack of the forward call that recorded this node, kept only in anomaly mode (`setDetectAnomaly`). */
  get forwardStack(): string | null {
    return this.extras === null ? null : this.extras.forwardStack;
  }
  set forwardStack(stack: string | null) {
    if (stack !== null || this.extras !== null) this.extra().forwardStack = stack;
  }

  /**
   * Shape and dtype of each input a gradient flows into (null for an input that needs none), to
   * check the gradients the rule returns.
   */
  get inputMeta(): Array<InputMeta | null> {
    return this.nextFunctions.map((n) => (n === null ? null : n.outputMeta));
  }

  /** Shape and dtype of the op's output (what the incoming gradient must have). */
  get outputMeta(): InputMeta {
    return { shape: this.outputShape, dtype: this.outputDtype };
  }

  /** Whether `release()` already dropped the saved tensors. */
  get released(): boolean {
    return this.rule === null;
  }

  /** The saved tensors, after checking none was modified in place since it was saved. */
  unpackSaved(): Array<Tensor | null> {
    const saved = this.saved;
    if (saved === null) throw freedError(this.name);
    if (saved.length === 0) return [];
    const out = new Array<Tensor | null>(saved.length);
    for (let i = 0; i < saved.length; i++) {
      const s = saved[i]!;
      if (s === null) {
        out[i] = null;
        continue;
      }
      if (s.currentVersion !== s.version) {
        throw new Error(
          `${this.name}: one of the tensors needed for gradient computation has been modified by an in-place operation: ` +
            `a ${s.tensor.dtype} tensor of shape [${s.tensor.shape.join(",")}] is at version ${s.currentVersion}; expected version ${s.version} instead`,
        );
      }
      out[i] = s.value();
    }
    return out;
  }

  /**
   * @internal point every saved entry that holds `from` at `to` instead, checked against `to`'s
   * current version (an in-place op whose result, saved by its rule, now lives in `to`).
   */
  replaceSaved(from: Tensor, to: Tensor): void {
    if (this.saved === null) return;
    this.saved = this.saved.map((s) => (s !== null && s.tensor === from ? new SavedTensor(to) : s));
  }

  /** Run the gradient rule. */
  apply(gradOutput: Tensor): Array<Tensor | null> {
    if (this.rule === null) throw freedError(this.name);
    return this.rule(gradOutput, this.unpackSaved());
  }

  /** Drop saved tensors and the rule (after a backward without `retainGraph`). */
  release(): void {
    this.saved = null;
    this.rule = null;
  }
}

const NO_INPUTS: readonly never[] = Object.freeze([]);

/** The sink node of a leaf tensor that requires grad: the engine accumulates into `variable.grad`. */
export class AccumulateGrad extends Node {
  constructor(
    /** The leaf whose `.grad` this node accumulates into. */
    readonly variable: Tensor,
  ) {
    // A fresh (not frozen) empty array: the engine's loops over nextFunctions stay monomorphic.
    super("AccumulateGrad", [], null, NO_INPUTS, variable);
  }
  override get released(): boolean {
    return false;
  }
  override apply(): Array<Tensor | null> {
    return [];
  }
}

function freedError(name: string): Error {
  return new Error(
    `${name}: trying to backward through the graph a second time (or to use saved tensors after they were freed). ` +
      `Saved intermediate values are freed after the first backward; pass { retainGraph: true } to the first backward() or grad() call if you need to go through the graph again.`,
  );
}
