// The tape panel's recipe: build a small computation from leaves that require grad, draw what the tape
// recorded (toDot), run backward for every leaf's gradient, and draw the graph of a gradient itself
// (grad with createGraph: true), which is what makes second derivatives possible.
import { type Tensor, grad, tensor, toDot } from "@tapegrad/core";
import { F } from "@tapegrad/nn";
import { evaluateExpression, parseAssignments } from "./expression.js";

/** A computation: named leaves and the output built from them. */
export interface Computation {
  leaves: Record<string, Tensor>;
  output: Tensor;
}

const leaf = (value: number | number[] | number[][]): Tensor => tensor(value, { dtype: "float64", requiresGrad: true });

/** The computations to pick from, each written out as tapegrad code. */
export const PRESETS: Record<string, { label: string; build: () => Computation }> = {
  neuron: {
    label: "y = tanh(w * x + b)",
    build: () => {
      const x = leaf(0.5);
      const w = leaf(-1.2);
      const b = leaf(0.3);
      return { leaves: { x, w, b }, output: w.mul(x).add(b).tanh() };
    },
  },
  softmaxCrossEntropy: {
    label: "softmax cross-entropy of 3 logits, target class 2",
    build: () => {
      const logits = leaf([[1.5, -0.3, 0.8]]);
      return { leaves: { logits }, output: F.crossEntropy(logits, tensor([2], { dtype: "int32" })) };
    },
  },
  mlp: {
    label: "two-layer MLP: y = W2 tanh(W1 x + b1) + b2",
    build: () => {
      const x = leaf([[0.5, -1.0]]);
      const W1 = leaf([[0.2, -0.4], [0.7, 0.1], [-0.3, 0.5]]);
      const b1 = leaf([0.1, 0, -0.1]);
      const W2 = leaf([[0.6, -0.2, 0.3]]);
      const b2 = leaf([0.05]);
      return { leaves: { x, W1, b1, W2, b2 }, output: x.matmul(W1.T).add(b1).tanh().matmul(W2.T).add(b2).sum() };
    },
  },
};

/** A computation typed by the learner: `expression` over the variables assigned in `values` ("x = 0.5, w = -1.2"). */
export function customComputation(expression: string, values: string): Computation {
  const leaves = Object.fromEntries(Object.entries(parseAssignments(values)).map(([name, v]) => [name, leaf(v)]));
  const output = evaluateExpression(expression, leaves);
  return { leaves, output: output.numel() === 1 ? output : output.sum() };
}

/** What the panel shows for a computation. */
export interface TapeReport {
  /** The recorded graph of the output, as Graphviz DOT. */
  dot: string;
  /** The output's value. */
  output: number;
  /** Each leaf's value and, after backward, its gradient (flattened). */
  leaves: Array<{ name: string; shape: number[]; value: number[]; grad: number[] }>;
  /** The graph of the first leaf's gradient, recorded with createGraph: true (second order). */
  secondOrderDot: string;
}

/** Record, draw, differentiate: everything the tape panel shows. */
export function inspectComputation({ leaves, output }: Computation): TapeReport {
  const names = Object.keys(leaves);
  const dot = toDot(output, { names: { ...leaves, y: output } });
  const first = leaves[names[0]!]!;
  const [firstGrad] = grad([output], [first], { createGraph: true, retainGraph: true });
  const secondOrderDot = toDot(firstGrad!.sum(), { names: leaves });
  output.backward();
  return {
    dot,
    output: output.item(),
    leaves: names.map((name) => {
      const t = leaves[name]!;
      return { name, shape: [...t.shape], value: Array.from(t.dataSync()), grad: Array.from(t.grad!.dataSync()) };
    }),
    secondOrderDot,
  };
}
