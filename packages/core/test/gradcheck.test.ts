import { describe, expect, test } from "vitest";
import { Generator, Tensor, gradcheck, gradgradcheck, noGrad, randn, tensor } from "@tapegrad/core";

const leaf = (shape: number[], seed: number): Tensor => randn(shape, { dtype: "float64", generator: new Generator(seed), requiresGrad: true });

describe("gradcheck", () => {
  test("accepts correct gradients for one or several inputs and outputs", () => {
    const x = leaf([2, 3], 1);
    const y = leaf([3], 2);
    expect(gradcheck((a, b) => a.mul(b).tanh(), [x, y])).toBe(true);
    expect(gradcheck((a, b) => [a.sum(0).mul(b), b.exp()], [x, y])).toBe(true);
    expect(gradcheck((a) => a.sum(), [x])).toBe(true);
  });

  test("reports the input index, the element and both values on a mismatch", () => {
    const x = tensor([1, 2, 3], { dtype: "float64", requiresGrad: true });
    // x * detach(x): the tape sees d/dx = x, the true derivative is 2x.
    expect(() => gradcheck((a) => a.mul(a.detach()), [x])).toThrow(
      /^gradcheck: Jacobian mismatch for inputs\[0\] element \[0\] and output 0 element \[0\]: numerical 2.0000000\d*, analytical 1 \(atol 0.00001, rtol 0.001\)$/,
    );
    const w = tensor([[0.5], [-1]], { dtype: "float64", requiresGrad: true });
    // A hook that scales the gradient flowing back from one branch makes the tape wrong for w only.
    const scaled = (a: Tensor, b: Tensor): Tensor => {
      const t = b.mul(2);
      t.registerHook((g) => g.mul(1.5));
      return a.add(t);
    };
    expect(() => gradcheck(scaled, [x.detach().requiresGrad_(), w])).toThrow(
      /gradcheck: Jacobian mismatch for inputs\[1\] element \[0,0\] and output 0 element \[0,0\]: numerical 2.0000000\d*, analytical 3 /,
    );
  });

  test("leaves the inputs' values and versions unchanged, and works inside noGrad", () => {
    const x = leaf([4], 3);
    const before = Array.from(x.dataSync());
    noGrad(() => gradcheck((a) => a.sin().mul(a), [x]));
    expect(Array.from(x.dataSync())).toEqual(before);
    expect(x.version).toBe(0);
    expect(x.grad).toBeNull();
  });

  test("validates its arguments", () => {
    const x = leaf([2], 4);
    expect(() => gradcheck("f" as never, [x])).toThrow(/gradcheck: fn must be a function/);
    expect(() => gradcheck((a) => a, [] as never)).toThrow(/inputs must be a non-empty array of tensors/);
    expect(() => gradcheck((a) => a, [[1, 2]] as never)).toThrow(/inputs\[0\] must be a Tensor, got an array of length 2/);
    expect(() => gradcheck((a) => a, [tensor([1], { requiresGrad: true })])).toThrow(
      /gradcheck: inputs\[0\] must be float64 \(finite differences need double precision\), got float32/,
    );
    expect(() => gradcheck((a) => a, [x, tensor([1], { dtype: "float64" })])).toThrow(/gradcheck: inputs\[1\] must require grad/);
    expect(() => gradcheck((a) => a.float(), [x])).toThrow(/gradcheck: output 0 of fn must be float64, got float32/);
    expect(() => gradcheck((() => 3) as never, [x])).toThrow(/output 0 of fn must be a Tensor, got 3/);
    expect(() => gradcheck((a) => a, [x], { eps: 0 })).toThrow(/gradcheck: eps must be a positive finite number, got 0/);
    expect(() => gradcheck((a) => a, [x], { atol: -1 })).toThrow(/atol must be a non-negative finite number, got -1/);
    const base = tensor([[1], [2]], { dtype: "float64", requiresGrad: true });
    expect(() => gradcheck((a) => a.mul(2), [base.expand([2, 3])])).toThrow(/gradcheck: inputs\[0\] \(shape \[2,3\]\) has elements sharing memory/);
  });

  test("works on a non-contiguous input view", () => {
    const base = leaf([3, 2], 5);
    expect(gradcheck((a) => a.mul(a).sum(1), [base.t()])).toBe(true);
  });
});

describe("gradgradcheck", () => {
  test("accepts correct second derivatives", () => {
    expect(gradgradcheck((a) => a.tanh(), [leaf([3], 6)])).toBe(true);
    expect(gradgradcheck((a, b) => a.mul(b).exp(), [leaf([2, 2], 7), leaf([2], 8)])).toBe(true);
    expect(gradgradcheck((a) => [a.sin(), a.pow(3).sum()], [leaf([2], 9)])).toBe(true);
  });

  test("detects a first gradient that is right but not differentiable as recorded", () => {
    const x = tensor([1, 2], { dtype: "float64", requiresGrad: true });
    // 2x*detach(x) - detach(x)^2 equals x^2 and has the right gradient 2x, but its recorded
    // gradient 2*detach(x) does not depend on x.
    const f = (a: Tensor): Tensor => a.mul(a.detach().mul(2)).sub(a.detach().pow(2));
    expect(gradcheck(f, [x])).toBe(true);
    expect(() => gradgradcheck(f, [x], { gradOutputs: [tensor([1, 1], { dtype: "float64" })] })).toThrow(
      /gradgradcheck: Jacobian mismatch for inputs\[0\] element \[0\] and output 0 element \[0\]: numerical (1\.9999|2\.0000)\d*, analytical 0 /,
    );
  });

  test("uses given gradOutputs and validates them", () => {
    const x = leaf([3], 10);
    expect(gradgradcheck((a) => a.pow(3), [x], { gradOutputs: [tensor([1, -2, 0.5], { dtype: "float64" })] })).toBe(true);
    expect(() => gradgradcheck((a) => a.pow(3), [x], { gradOutputs: [tensor([1, 2], { dtype: "float64" })] })).toThrow(
      /gradgradcheck: gradOutputs\[0\] has shape \[2\] and dtype float64, but output 0 has shape \[3\] and dtype float64/,
    );
    expect(() => gradgradcheck((a) => a.pow(3), [x], { gradOutputs: [] })).toThrow(/gradOutputs must have one tensor per output \(1\)/);
    expect(() => gradgradcheck((a) => a, [tensor([1], { requiresGrad: true })])).toThrow(/gradgradcheck: inputs\[0\] must be float64/);
  });
});
