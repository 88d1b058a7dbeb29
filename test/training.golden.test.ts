import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { Tensor, noGrad, tensor } from "@tapegrad/core";
import { F, Linear, Module } from "@tapegrad/nn";
import { ASGD, type AsgdParamState } from "@tapegrad/optim";

// A 4-8-3 ReLU MLP trained 50 full-batch steps with ASGD in PyTorch (test/golden/README.md, "training.json").
interface Enc {
  shape: number[];
  data: number[];
}
type Named = Record<string, Enc>;
interface TrainingCase {
  name: string;
  sizes: { d: number; H: number; C: number };
  data: { X: Enc; y: Enc; n: number };
  asgd_kwargs: Record<string, unknown>;
  num_steps: number;
  param_names: string[];
  params_init: Named;
  losses: number[];
  snapshots: Array<{ step: number; params: Named; ax: Named }>;
  final_params: Named;
  final_ax: Named;
  final_state_common: { step: number; eta: number; mu: number };
  evaluation: {
    loss_last_iterate: number;
    loss_averaged: number;
    accuracy_last_iterate: number;
    accuracy_averaged: number;
    num_correct_last_iterate: number;
    num_correct_averaged: number;
    logits_last_iterate: Enc;
    logits_averaged: Enc;
  };
}

const file = JSON.parse(readFileSync(new URL("./golden/training.json", import.meta.url), "utf8")) as { cases: TrainingCase[] };
const RTOL = 1e-4;
const ATOL = 1e-5;

function close(got: ArrayLike<number>, want: ArrayLike<number>, label: string, rtol = RTOL, atol = ATOL): void {
  expect(got.length, `${label}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const diff = Math.abs(got[i]! - want[i]!);
    if (!(diff <= atol + rtol * Math.abs(want[i]!))) expect.fail(`${label}[${i}]: got ${got[i]}, want ${want[i]} (|diff| ${diff})`);
  }
}

function checkTensor(got: Tensor, want: Enc, label: string): void {
  expect(got.shape, `${label}: shape`).toEqual(want.shape);
  close(got.dataSync(), want.data, label);
}

class MLP extends Module {
  fc1: Linear;
  fc2: Linear;
  constructor(d: number, h: number, c: number) {
    super();
    this.fc1 = new Linear(d, h);
    this.fc2 = new Linear(h, c);
  }
  forward(x: Tensor): Tensor {
    return this.fc2.forward(F.relu(this.fc1.forward(x)));
  }
}

describe("training.json", () => {
  for (const c of file.cases) {
    test(c.name, () => {
      const { d, H, C } = c.sizes;
      const model = new MLP(d, H, C);
      const byName: Record<string, Tensor> = { W1: model.fc1.weight, b1: model.fc1.bias!, W2: model.fc2.weight, b2: model.fc2.bias! };
      expect(c.param_names).toEqual(["W1", "b1", "W2", "b2"]);
      noGrad(() => {
        for (const name of c.param_names) byName[name]!.copy_(tensor(new Float32Array(c.params_init[name]!.data)).reshape(c.params_init[name]!.shape));
      });
      const X = tensor(new Float32Array(c.data.X.data)).reshape(c.data.X.shape);
      const y = tensor(new Int32Array(c.data.y.data));
      const kw = c.asgd_kwargs;
      const opt = new ASGD(model.parameters(), {
        lr: kw.lr as number,
        lambd: kw.lambd as number,
        alpha: kw.alpha as number,
        t0: kw.t0 as number,
        weightDecay: kw.weight_decay as number,
        foreach: kw.foreach as boolean,
      });
      expect(opt.paramGroups[0]!.params).toEqual(c.param_names.map((n) => byName[n]));

      const snapshots = new Map(c.snapshots.map((s) => [s.step, s]));
      for (let k = 1; k <= c.num_steps; k++) {
        opt.zeroGrad(true);
        const loss = F.crossEntropy(model.forward(X), y);
        close([loss.item()], [c.losses[k - 1]!], `loss before step ${k}`);
        loss.backward();
        opt.step();
        const snap = snapshots.get(k);
        if (snap === undefined) continue;
        for (const name of c.param_names) {
          const p = byName[name]!;
          checkTensor(p, snap.params[name]!, `step ${k} ${name}`);
          checkTensor((opt.state.get(p) as unknown as AsgdParamState).ax, snap.ax[name]!, `step ${k} ax ${name}`);
        }
      }

      for (const name of c.param_names) {
        const p = byName[name]!;
        const st = opt.state.get(p) as unknown as AsgdParamState;
        checkTensor(p, c.final_params[name]!, `final ${name}`);
        checkTensor(st.ax, c.final_ax[name]!, `final ax ${name}`);
        expect(st.step.item()).toBe(c.final_state_common.step);
        expect(st.mu.item()).toBe(c.final_state_common.mu);
        close([st.eta.item()], [c.final_state_common.eta], `final eta ${name}`, 1e-7, 0);
      }

      const evaluate = () =>
        noGrad(() => {
          const logits = model.forward(X);
          const loss = F.crossEntropy(logits, y).item();
          const predicted = logits.argmax(1).dataSync();
          const correct = Array.from(predicted).filter((v, i) => v === c.data.y.data[i]).length;
          return { logits, loss, correct };
        });
      const ev = c.evaluation;
      const last = evaluate();
      const averaged = opt.withAveraged(evaluate);
      checkTensor(last.logits, ev.logits_last_iterate, "logits of the last iterate");
      checkTensor(averaged.logits, ev.logits_averaged, "logits of the averaged params");
      close([last.loss, averaged.loss], [ev.loss_last_iterate, ev.loss_averaged], "evaluation losses");
      expect([last.correct, averaged.correct]).toEqual([ev.num_correct_last_iterate, ev.num_correct_averaged]);
      expect([last.correct / c.data.n, averaged.correct / c.data.n]).toEqual([ev.accuracy_last_iterate, ev.accuracy_averaged]);
      // withAveraged restored the last iterate.
      for (const name of c.param_names) checkTensor(byName[name]!, c.final_params[name]!, `restored ${name}`);
    });
  }
});
