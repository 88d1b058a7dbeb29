import { type Tensor, getKernelBackend, isPinned, setKernelBackend, tensor } from "@tapegrad/core";
import { SGD } from "@tapegrad/optim";
import { afterEach, describe, expect, test } from "vitest";

const initialBackend = getKernelBackend();
afterEach(() => setKernelBackend(initialBackend));

/** Three steps of SGD on a 1000-element float32 param and a 10-element one, under `backend`. */
function train(backend: "wasm" | "js", momentum: number): { big: Tensor; small: Tensor; opt: SGD } {
  setKernelBackend(backend);
  const big = tensor(Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i)), { requiresGrad: true });
  const small = tensor(Float32Array.from({ length: 10 }, (_, i) => i / 10), { requiresGrad: true });
  const opt = new SGD([big, small], { lr: 0.1, momentum });
  for (let s = 0; s < 3; s++) {
    opt.zeroGrad();
    big.mul(big).sum().add(small.mul(3).sum()).backward();
    opt.step();
  }
  return { big, small, opt };
}

describe("SGD pins its long-lived tensors under the wasm backend", () => {
  test.each([0, 0.9])("momentum %s: params of 256+ elements and their buffers pinned, gradients and small params not; same bits as js", (momentum) => {
    const fast = train("wasm", momentum);
    const ref = train("js", momentum);
    expect(isPinned(fast.big)).toBe(true);
    expect(isPinned(fast.small)).toBe(false);
    expect(isPinned(fast.big.grad!)).toBe(false);
    expect(isPinned(ref.big)).toBe(false);
    if (momentum !== 0) {
      expect(isPinned(fast.opt.state.get(fast.big)!["momentumBuffer"] as Tensor)).toBe(true);
      expect(isPinned(fast.opt.state.get(fast.small)!["momentumBuffer"] as Tensor)).toBe(false);
    }
    expect(Array.from(fast.big.dataSync())).toEqual(Array.from(ref.big.dataSync()));
    expect(Array.from(fast.small.dataSync())).toEqual(Array.from(ref.small.dataSync()));
  });

  test("a view param pins its whole base, which keeps its values", () => {
    const base = tensor(Float32Array.from({ length: 2000 }, (_, i) => i), { requiresGrad: false });
    const view = base.narrow(0, 500, 1000).requiresGrad_();
    view.grad = tensor(new Float32Array(1000).fill(1));
    new SGD([view], { lr: 0.5 }).step();
    expect(isPinned(base)).toBe(true);
    expect(base.dataSync()[499]).toBe(499);
    expect(base.dataSync()[500]).toBe(499.5);
    expect(base.dataSync()[1500]).toBe(1500);
  });
});
