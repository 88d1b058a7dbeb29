import { Tensor, isGradEnabled, noGrad, tensor } from "@tapegrad/core";
import { Optimizer, type ParamGroup, type ParamsInput, required } from "@tapegrad/optim";
import { describe, expect, test } from "vitest";

interface SgdGroup extends ParamGroup {
  lr: number;
  momentum: number;
  differentiable: boolean;
}

/** Test-only SGD: p -= lr * (g or momentum buffer b = momentum * b + g). */
class TestSGD extends Optimizer<SgdGroup> {
  gradModeDuringUpdate: boolean[] = [];
  constructor(params: ParamsInput, options: { lr?: number | typeof required; momentum?: number; differentiable?: boolean } = {}) {
    super(params, { lr: options.lr ?? 0.1, momentum: options.momentum ?? 0, differentiable: options.differentiable ?? false });
  }
  protected override validateGroup(group: SgdGroup): void {
    if (typeof group.lr !== "number" || !(group.lr >= 0)) throw new RangeError(`TestSGD: invalid learning rate: ${String(group.lr)}`);
  }
  protected override updateGroups(): void {
    this.gradModeDuringUpdate.push(isGradEnabled());
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (p.grad === null) continue;
        let d = p.grad;
        if (group.momentum !== 0) {
          let st = this.state.get(p);
          if (st === undefined) {
            st = { momentumBuffer: d.clone() };
            this.state.set(p, st);
          } else {
            (st.momentumBuffer as Tensor).mul_(group.momentum).add_(d);
          }
          d = st.momentumBuffer as Tensor;
        }
        p.sub_(d, { alpha: group.lr });
      }
    }
  }
}

const param = (values: number[]) => tensor(values, { requiresGrad: true });

describe("Optimizer basics", () => {
  test("a plain step updates parameters with grads only", () => {
    const a = param([1, 2]);
    const b = param([3]);
    const opt = new TestSGD([a, b], { lr: 0.5 });
    a.grad = tensor([1, 1]);
    expect(opt.step()).toBeUndefined();
    expect(a.tolist()).toEqual([0.5, 1.5]);
    expect(b.tolist()).toEqual([3]);
    expect(opt.stepCount).toBe(1);
    expect(opt.gradModeDuringUpdate).toEqual([false]);
  });

  test("stateDict layout and round trip", () => {
    const [a, b, c] = [param([1, 2]), param([3]), param([4, 5, 6])];
    const opt = new TestSGD([{ params: [a, b] }, { params: [c], lr: 0.2 }], { momentum: 0.9 });
    for (const p of [a, b, c]) p.grad = noGrad(() => p.mul(0).add(1));
    opt.step();
    const sd = opt.stateDict();
    expect(sd.paramGroups.map((g) => g.params)).toEqual([[0, 1], [2]]);
    expect(Object.keys(sd.state)).toEqual(["0", "1", "2"]);
    const [a2, b2, c2] = [param([1, 2]), param([3]), param([4, 5, 6])];
    const opt2 = new TestSGD([{ params: [a2, b2] }, { params: [c2] }]);
    opt2.loadStateDict(sd);
    expect(opt2.paramGroups[1]!.lr).toBe(0.2);
    expect(opt2.paramGroups[0]!.momentum).toBe(0.9);
    expect((opt2.state.get(c2)!.momentumBuffer as Tensor).tolist()).toEqual([1, 1, 1]);
    expect(opt2.state.get(c2)!.momentumBuffer).not.toBe(opt.state.get(c)!.momentumBuffer);
  });
});
