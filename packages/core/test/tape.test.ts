import { describe, expect, test } from "vitest";
import { Tensor, enableGrad, grad, isGradEnabled, noGrad, setGradEnabled, tensor, zeros } from "@tapegrad/core";

const f64 = (data: number[] | number[][], requiresGrad = true): Tensor => tensor(data, { dtype: "float64", requiresGrad });

describe("in-place ops and autograd", () => {
  test("an in-place op on a leaf that requires grad throws in grad mode, and works inside noGrad", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    expect(() => x.add_(1)).toThrow(/add_: a leaf tensor that requires grad is being used in an in-place operation/);
    expect(() => x.mul_(2)).toThrow(/mul_: a leaf tensor that requires grad/);
    expect(() => x.zero_()).toThrow(/fill_: a leaf tensor/);
    expect(() => x.select(0, 1).fill_(0)).toThrow(/fill_: a view of a leaf tensor that requires grad/);
    // The failed call changed nothing.
    expect(x.tolist()).toEqual([1, 2, 3]);
    expect(x.version).toBe(0);
    noGrad(() => x.add_(1));
    expect(x.tolist()).toEqual([2, 3, 4]);
    expect(x.version).toBe(1);
    expect(x.isLeaf).toBe(true);
    expect(x.requiresGrad).toBe(true);
  });

  test("an in-place op on a non-leaf re-bases its history and gradients stay correct", () => {
    const x = f64([1, 2, 3]);
    const y = x.mul(x); // x^2
    const before = y.gradFn;
    y.mul_(3); // 3 x^2
    expect(y.gradFn).not.toBe(before);
    expect(y.gradFn!.name).toBe("MulBackward");
    expect(y.version).toBe(1);
    y.add_(x); // 3 x^2 + x
    y.sum().backward();
    expect(x.grad!.tolist()).toEqual([7, 13, 19]); // 6x + 1
  });

  test("an in-place op on a view of a non-leaf (CopySlices) gives correct gradients to the base", () => {
    const x = f64([[1, 2], [3, 4], [5, 6]]);
    const base = x.mul(1);
    const row = base.select(0, 1);
    row.mul_(x.select(0, 1)); // row 1 becomes x[1]^2
    expect(base.gradFn!.name).toBe("CopySlices");
    expect(row.tolist()).toEqual([9, 16]);
    expect(base.tolist()).toEqual([[1, 2], [9, 16], [5, 6]]);
    base.pow(2).sum().backward();
    // d/dx of sum(base^2): 2x on rows 0 and 2, d(x^4)/dx = 4x^3 on row 1.
    expect(x.grad!.tolist()).toEqual([[2, 4], [108, 256], [10, 12]]);
  });

  test("views of a base modified in place see the new history (strided view of a transpose)", () => {
    const x = f64([[1, 2, 3], [4, 5, 6]]);
    const base = x.mul(2);
    const col = base.t().select(0, 2); // base[:, 2], a strided view
    const otherView = base.narrow(1, 0, 2);
    col.add_(10);
    expect(base.tolist()).toEqual([[2, 4, 16], [8, 10, 22]]);
    otherView.mul(x.narrow(1, 0, 2)).sum().backward(undefined, { retainGraph: true });
    expect(x.grad!.tolist()).toEqual([[4, 8, 0], [16, 20, 0]]);
    x.grad = null;
    col.sum().backward();
    expect(x.grad!.tolist()).toEqual([[0, 0, 2], [0, 0, 2]]);
  });

  test("modifying a saved tensor makes backward throw, naming the op and both versions", () => {
    const x = f64([0.5, 1.5]);
    const a = x.mul(2);
    const b = a.sin(); // saves a
    a.add_(1);
    expect(() => b.sum().backward()).toThrow(
      /SinBackward: one of the tensors needed for gradient computation has been modified by an in-place operation: a float64 tensor of shape \[2\] is at version 1; expected version 0 instead/,
    );
  });

  test("modifying a saved leaf under noGrad is also detected", () => {
    const x = f64([1, 2]);
    const y = x.mul(x);
    noGrad(() => x.mul_(2));
    noGrad(() => x.add_(1));
    expect(() => y.sum().backward()).toThrow(/MulBackward: .*is at version 2; expected version 0/);
  });

  test("an in-place op on an output that saved itself (exp) is detected", () => {
    const x = f64([0, 1]);
    const y = x.exp();
    const z = y.add(1); // add saves nothing, so ExpBackward is the first to look
    y.add_(1);
    expect(() => z.sum().backward()).toThrow(/ExpBackward: .*version 1; expected version 0/);
  });
});

describe("backward errors", () => {
  test("a second backward through a freed graph throws mentioning retainGraph", () => {
    const x = f64([1, 2]);
    const y = x.exp().sum();
    y.backward();
    expect(() => y.backward()).toThrow(/backward through the graph a second time.*retainGraph: true/);
  });

  test("retainGraph allows a second backward, and gradients accumulate", () => {
    const x = f64([1, 2]);
    const y = x.mul(x).sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(x.grad!.tolist()).toEqual([4, 8]);
  });

  test("backward on a tensor that does not require grad throws", () => {
    expect(() => tensor([1, 2]).sum().backward()).toThrow(/backward: element 0 of tensors does not require grad and does not have a gradFn/);
    const x = f64([1, 2]);
    expect(() => noGrad(() => x.mul(2)).sum().backward()).toThrow(/does not require grad/);
  });

  test("backward of a non-scalar needs a gradient of the output's shape", () => {
    const x = f64([1, 2, 3]);
    const y = x.mul(2);
    expect(() => y.backward()).toThrow(/grad can be implicitly created only for scalar outputs.*\[3\]/);
    expect(() => y.backward(tensor([1, 1], { dtype: "float64" }))).toThrow(/gradient has shape \[2\] but the output has shape \[3\]/);
    expect(() => y.backward([1, 1, 1] as never)).toThrow(TypeError);
    y.backward(tensor([1, 0, -1], { dtype: "float64" }));
    expect(x.grad!.tolist()).toEqual([2, 0, -2]);
  });

  test("a one-element non-scalar output may omit the gradient", () => {
    const x = f64([[3]]);
    x.mul(x).backward();
    expect(x.grad!.tolist()).toEqual([[6]]);
  });

  test("backward({ inputs }) accumulates only into the given leaves", () => {
    const x = f64([1, 2]);
    const w = f64([3, 4]);
    x.mul(w).sum().backward(undefined, { inputs: [w] });
    expect(w.grad!.tolist()).toEqual([1, 2]);
    expect(x.grad).toBeNull();
    expect(() => x.mul(w).sum().backward(undefined, { inputs: [] })).toThrow(/inputs must be a non-empty array/);
    expect(() => x.mul(w).sum().backward(undefined, { inputs: [tensor([1])] })).toThrow(/inputs\[0\] must be a tensor that requires grad/);
  });
});

describe("grad()", () => {
  test("allowUnused false throws for an unused input, true returns null", () => {
    const x = f64([1, 2]);
    const unused = f64([5]);
    const y = x.mul(3).sum();
    expect(() => grad([y], [x, unused], { retainGraph: true })).toThrow(
      /grad: inputs\[1\] appears to not have been used in the graph; pass \{ allowUnused: true \}/,
    );
    const [gx, gu] = grad([y], [x, unused], { allowUnused: true });
    expect(gx!.tolist()).toEqual([3, 3]);
    expect(gu).toBeNull();
    // grad() returns gradients without touching .grad.
    expect(x.grad).toBeNull();
  });

  test("rejects bad arguments with named errors", () => {
    const x = f64([1, 2]);
    const y = x.mul(2);
    expect(() => grad([y], [x])).toThrow(/grad can be implicitly created only for scalar outputs/);
    expect(() => grad([], [x])).toThrow(/outputs must be a non-empty list/);
    expect(() => grad([y.sum()], [])).toThrow(/inputs must be a non-empty list/);
    expect(() => grad([y.sum()], [tensor([1])])).toThrow(/inputs\[0\] does not require grad/);
    expect(() => grad([tensor([1]).sum()], [x])).toThrow(/outputs\[0\] does not require grad/);
    expect(() => grad([y], [x], { gradOutputs: [] })).toThrow(/gradOutputs must have one entry per output \(1\)/);
    const [g] = grad([y], [x], { gradOutputs: [tensor([1, 2], { dtype: "float64" })] });
    expect(g!.tolist()).toEqual([2, 4]);
  });

  test("several outputs are summed, each weighted by its gradOutput", () => {
    const x = f64([1, 2]);
    const [g] = grad([x.mul(x).sum(), x.sum()], [x], { gradOutputs: [null, tensor(2, { dtype: "float64" })] });
    expect(g!.tolist()).toEqual([4, 6]);
  });
});

describe("retainGrad and hooks", () => {
  test("non-leaf gradients are kept only after retainGrad()", () => {
    const x = f64([1, 2]);
    const y = x.mul(3);
    const z = y.mul(y);
    expect(y.retainsGrad).toBe(false);
    y.retainGrad();
    expect(y.retainsGrad).toBe(true);
    z.sum().backward();
    expect(y.grad!.tolist()).toEqual([6, 12]); // 2y
    expect(z.grad).toBeNull();
    expect(x.grad!.tolist()).toEqual([18, 36]);
    expect(() => tensor([1]).retainGrad()).toThrow(/retainGrad: can't retain the gradient of a tensor that does not require grad/);
    // On a leaf it is a no-op: leaves keep their gradient anyway.
    x.retainGrad();
    expect(x.retainsGrad).toBe(false);
  });

  test("a hook on a leaf can replace its gradient; remove() is idempotent", () => {
    const x = f64([1, 2]);
    const seen: number[][] = [];
    const handle = x.registerHook((g) => {
      seen.push(g.tolist() as number[]);
      return g.mul(10);
    });
    x.mul(2).sum().backward();
    expect(seen).toEqual([[2, 2]]);
    expect(x.grad!.tolist()).toEqual([20, 20]);
    handle.remove();
    handle.remove();
    x.grad = null;
    x.mul(2).sum().backward();
    expect(x.grad!.tolist()).toEqual([2, 2]);
    expect(seen).toHaveLength(1);
  });

  test("a hook on a non-leaf replaces the gradient flowing further back", () => {
    const x = f64([1, 2]);
    const y = x.mul(x);
    const h = y.registerHook((g) => g.mul(0.5));
    let observed: number[] | null = null;
    y.registerHook((g) => {
      observed = g.tolist() as number[];
    });
    y.mul(4).sum().backward();
    expect(observed).toEqual([2, 2]); // hooks run in order: the second sees the first's result
    expect(x.grad!.tolist()).toEqual([4, 8]); // 2 * 2x
    h.remove();
    h.remove();
  });

  test("registerHook validates its arguments", () => {
    expect(() => tensor([1]).registerHook((g) => g)).toThrow(/registerHook: cannot register a hook on a tensor that doesn't require gradient/);
    expect(() => f64([1]).registerHook(42 as never)).toThrow(/registerHook: hook must be a function, got 42/);
  });
});

describe("grad mode", () => {
  test("noGrad, enableGrad and setGradEnabled nest and restore the previous mode", () => {
    const x = f64([1]);
    expect(isGradEnabled()).toBe(true);
    const inner = noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      expect(x.mul(2).requiresGrad).toBe(false);
      const recorded = enableGrad(() => {
        expect(isGradEnabled()).toBe(true);
        return x.mul(2);
      });
      expect(isGradEnabled()).toBe(false);
      setGradEnabled(true, () => expect(isGradEnabled()).toBe(true));
      expect(isGradEnabled()).toBe(false);
      return recorded;
    });
    expect(inner.requiresGrad).toBe(true);
    expect(inner.gradFn!.name).toBe("MulBackward");
    expect(isGradEnabled()).toBe(true);
  });

  test("the previous mode is restored when the callback throws", () => {
    expect(() =>
      noGrad(() => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(isGradEnabled()).toBe(true);
    setGradEnabled(false);
    try {
      expect(() =>
        enableGrad(() => {
          throw new Error("bang");
        }),
      ).toThrow("bang");
      expect(isGradEnabled()).toBe(false);
    } finally {
      setGradEnabled(true);
    }
    expect(isGradEnabled()).toBe(true);
  });

  test("setGradEnabled returns the callback's result and validates its arguments", () => {
    expect(setGradEnabled(false, () => 42)).toBe(42);
    expect(() => setGradEnabled("no" as never)).toThrow(/setGradEnabled: flag must be a boolean/);
    expect(() => setGradEnabled(true, 3 as never)).toThrow(/second argument must be a function/);
    expect(isGradEnabled()).toBe(true);
  });
});

describe("detach and requiresGrad", () => {
  test("detach() shares storage and version, is a leaf, and never requires grad", () => {
    const x = f64([1, 2]);
    const y = x.mul(2);
    const d = y.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    expect(d.gradFn).toBeNull();
    d.add_(1);
    expect(y.tolist()).toEqual([3, 5]);
    expect(y.version).toBe(1);
  });

  test("detach_() turns a non-leaf into a leaf; views refuse", () => {
    const x = f64([1, 2]);
    const y = x.mul(2);
    expect(y.detach_()).toBe(y);
    expect(y.isLeaf).toBe(true);
    expect(y.requiresGrad).toBe(false);
    const v = x.mul(1).narrow(0, 0, 1);
    expect(() => v.detach_()).toThrow(/detach_: can't detach views in-place/);
  });

  test("requiresGrad_ rules", () => {
    const x = f64([1]);
    const y = x.mul(2);
    expect(() => y.requiresGrad_(false)).toThrow(/only change requiresGrad flags of leaf tensors/);
    expect(y.requiresGrad_(true)).toBe(y);
    expect(() => tensor([1], { dtype: "int32" }).requiresGrad_()).toThrow(/only floating point tensors can require gradients, but this tensor is int32/);
    expect(() => x.requiresGrad_("yes" as never)).toThrow(/flag must be a boolean/);
    const z = tensor([1]);
    z.requiresGrad = true;
    expect(z.requiresGrad).toBe(true);
    z.requiresGrad = false;
    expect(z.requiresGrad).toBe(false);
  });
});

describe("grad assignment", () => {
  test("accepts a tensor of the same shape and dtype, or null", () => {
    const x = tensor([[1, 2]], { requiresGrad: true });
    x.grad = tensor([[0.5, 0.25]]);
    expect(x.grad.tolist()).toEqual([[0.5, 0.25]]);
    x.mul(2).sum().backward();
    expect(x.grad!.tolist()).toEqual([[2.5, 2.25]]);
    x.grad = null;
    expect(x.grad).toBeNull();
  });

  test("rejects shape, dtype and type mismatches with a message naming both", () => {
    const x = tensor([[1, 2]], { requiresGrad: true });
    expect(() => {
      x.grad = tensor([1, 2]);
    }).toThrow("grad: assigned gradient has shape [2] and dtype float32, but the tensor has shape [1,2] and dtype float32");
    expect(() => {
      x.grad = zeros([1, 2], { dtype: "float64" });
    }).toThrow("grad: assigned gradient has shape [1,2] and dtype float64, but the tensor has shape [1,2] and dtype float32");
    expect(() => {
      x.grad = [[1, 2]] as never;
    }).toThrow(/grad: assigned value must be a Tensor or null, got an array of length 1/);
    expect(x.grad).toBeNull();
  });
});

describe("higher-order derivatives with createGraph", () => {
  test("x^4: exact 2nd and 3rd derivatives", () => {
    const x = f64([1, 2, -3]);
    const [d1] = grad([x.pow(4).sum()], [x], { createGraph: true });
    expect(d1!.tolist()).toEqual([4, 32, -108]);
    expect(d1!.requiresGrad).toBe(true);
    const [d2] = grad([d1!.sum()], [x], { createGraph: true });
    expect(d2!.tolist()).toEqual([12, 48, 108]);
    const [d3] = grad([d2!.sum()], [x], { createGraph: true });
    expect(d3!.tolist()).toEqual([24, 48, -72]);
    const [d4] = grad([d3!.sum()], [x]);
    expect(d4!.tolist()).toEqual([24, 24, 24]);
  });

  test("sin: derivatives cycle through cos, -sin, -cos", () => {
    const values = [0.3, -1.2, 2.5];
    const x = f64(values);
    const [d1] = grad([x.sin().sum()], [x], { createGraph: true });
    const [d2] = grad([d1!.sum()], [x], { createGraph: true });
    const [d3] = grad([d2!.sum()], [x]);
    expect(d1!.tolist()).toEqual(values.map(Math.cos));
    expect(d2!.tolist()).toEqual(values.map((v) => -Math.sin(v)));
    expect(d3!.tolist()).toEqual(values.map((v) => -Math.cos(v)));
  });

  test("backward with createGraph leaves a differentiable .grad", () => {
    const x = f64([2]);
    x.pow(3).sum().backward(undefined, { createGraph: true });
    const g = x.grad!;
    expect(g.tolist()).toEqual([12]);
    expect(g.requiresGrad).toBe(true);
    const [h] = grad([g.sum()], [x]);
    expect(h!.tolist()).toEqual([12]); // 6x
  });

  test("a gradient computed without createGraph is not differentiable", () => {
    const x = f64([2]);
    const [g] = grad([x.pow(3).sum()], [x]);
    expect(g!.requiresGrad).toBe(false);
  });
});

describe("saved tensors are only those a needed gradient uses", () => {
  test("updating a weight in place after x @ W does not break backward to W (x is constant)", () => {
    const x = tensor([[1, 2]], { dtype: "float64" });
    const w0 = tensor([[0.5], [-1]], { dtype: "float64", requiresGrad: true });
    const w = w0.mul(1); // non-leaf, like a differentiable optimizer's parameter
    const y = x.matmul(w).sum();
    w.mul_(2); // matmul saved only x (w's gradient needs x; x needs no gradient)
    y.backward();
    expect(w0.grad!.tolist()).toEqual([[1], [2]]);
  });

  test("the operand a needed gradient uses is still version-checked", () => {
    const x = tensor([[1, 2]], { dtype: "float64", requiresGrad: true });
    const w = tensor([[0.5], [-1]], { dtype: "float64", requiresGrad: true }).mul(1);
    const y = x.matmul(w).sum();
    w.mul_(2);
    expect(() => y.backward()).toThrow(/MmBackward: one of the tensors needed for gradient computation has been modified by an in-place operation/);
  });
});
