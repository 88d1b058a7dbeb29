import { grad, tensor } from "@tapegrad/core";
import { describe, expect, test } from "vitest";

// Regression: grad() without retainGraph freed the saved tensors of its (non-leaf) targets' own
// nodes, although it never runs them, so the targets' history could not be backpropagated later.
// A first-order unroll (inner gradients w.r.t. the current, non-leaf parameters) depends on it.
describe("grad() keeps the history of its targets usable", () => {
  test("a later backward through a non-leaf target's own node works", () => {
    const x = tensor([0.5, -1], { dtype: "float64", requiresGrad: true });
    const y = x.mul(2).exp(); // ExpBackward saves its output: freeing it would break the next backward
    const [gy] = grad([y.square().sum()], [y]);
    expect(gy!.tolist()).toEqual(y.detach().mul(2).tolist());
    y.sum().backward();
    expect(x.grad!.tolist()).toEqual(x.detach().mul(2).exp().mul(2).tolist());
  });

  test("the nodes grad() does run are still freed", () => {
    const x = tensor([0.5, -1], { dtype: "float64", requiresGrad: true });
    const y = x.exp();
    const loss = y.square().sum();
    grad([loss], [y]);
    expect(() => grad([loss], [y])).toThrow(/backward through the graph a second time/);
  });
});
