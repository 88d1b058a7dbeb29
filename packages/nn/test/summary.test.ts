import { describe, expect, test } from "vitest";
import { inspect } from "node:util";
import { type Tensor, randn } from "@tapegrad/core";
import { BatchNorm1d, Dropout, Linear, Module, ReLU, Sequential, summary } from "@tapegrad/nn";

class Block extends Module {
  fc = new Linear(8, 8);
  act = new ReLU();
  forward(x: Tensor): Tensor {
    return this.act.call(this.fc.call(x));
  }
}

describe("summary", () => {
  test("the MLP table: output shapes, own parameter counts and totals (torchinfo's figures)", () => {
    const model = new Sequential(new Linear(64, 128), new ReLU(), new Linear(128, 10));
    const s = summary(model, [32, 64]);
    expect(s.rows.map((r) => [r.name, r.type, r.outputShapes, r.params])).toEqual([
      ["", "Sequential", [[32, 10]], 0],
      ["0", "Linear", [[32, 128]], 8320],
      ["1", "ReLU", [[32, 128]], 0],
      ["2", "Linear", [[32, 10]], 1290],
    ]);
    expect(s.totalParams).toBe(9610);
    expect(s.trainableParams).toBe(9610);
    expect(String(s)).toBe(
      [
        "=====================================",
        "Layer (type)   Output shape   Param #",
        "=====================================",
        "Sequential     [32, 10]            --",
        "├─ 0: Linear   [32, 128]        8,320",
        "├─ 1: ReLU     [32, 128]           --",
        "└─ 2: Linear   [32, 10]         1,290",
        "=====================================",
        "Total params: 9,610",
        "Trainable params: 9,610",
        "Non-trainable params: 0",
        "=====================================",
      ].join("\n"),
    );
    expect(inspect(s)).toContain("Total params: 9,610");
  });

  test("nested modules are indented under their parent; frozen parameters are counted apart", () => {
    const model = new Sequential(new Block(), new Linear(8, 2));
    model.at(1).parameters().forEach((p) => p.requiresGrad_(false));
    const s = summary(model, randn([4, 8]));
    expect(s.rows.map((r) => [r.name, r.depth])).toEqual([["", 0], ["0", 1], ["0.fc", 2], ["0.act", 2], ["1", 1]]);
    expect(String(s)).toContain("│  ├─ fc: Linear");
    expect(String(s)).toContain("│  └─ act: ReLU");
    expect(String(s)).toContain("Non-trainable params: 18");
  });

  test("runs in eval mode and restores each module's mode; batch statistics are left alone", () => {
    const bn = new BatchNorm1d(8);
    const model = new Sequential(new Linear(4, 8), bn, new Dropout(0.5));
    model.at(2).eval();
    const before = bn.runningMean!.tolist();
    summary(model, [16, 4]);
    expect(bn.runningMean!.tolist()).toEqual(before);
    expect([model.training, model.at(0).training, bn.training, model.at(2).training]).toEqual([true, true, true, false]);
  });

  test("bad arguments are refused by name; the hooks are removed even when forward throws", () => {
    const model = new Sequential(new Linear(4, 2));
    expect(() => summary({} as never, [1, 4])).toThrow(/summary: model must be a Module/);
    expect(() => summary(model, [1, -4])).toThrow(/input must be a Tensor or a shape of non-negative integers/);
    expect(() => summary(model, [1, 4], { batch: 1 } as never)).toThrow(/unknown option "batch"/);
    expect(() => summary(model, [1, 5])).toThrow();
    const seen: unknown[] = [];
    model.at(0).registerForwardHook((_m, _a, out) => void seen.push(out));
    model.call(randn([1, 4]));
    expect(seen).toHaveLength(1);
  });
});
