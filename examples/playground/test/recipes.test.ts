// The playground's logic, in Node (no DOM): the expression language, the tape panel's reports, the data
// sets, the trainer (deterministic, resumable from a checkpoint) and the lr hypergradient.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { tensor } from "@tapegrad/core";
import { digitsFromCsv, moons, parseIris, spirals, splitDataset } from "../src/recipes/datasets.js";
import { ExpressionError, evaluateExpression, parseAssignments } from "../src/recipes/expression.js";
import { learnLearningRate } from "../src/recipes/hypergrad.js";
import { PRESETS, customComputation, inspectComputation } from "../src/recipes/tape.js";
import { DEFAULT_CONFIG, Trainer } from "../src/recipes/train.js";

const data = (file: string): Buffer => readFileSync(new URL(`../../data/${file}`, import.meta.url));

describe("expression language", () => {
  test("precedence, unary minus, powers and functions", () => {
    const v = { x: tensor(2, { dtype: "float64" }), w: tensor(3, { dtype: "float64" }) };
    expect(evaluateExpression("1 + w * x ^ 2", v).item()).toBe(13);
    expect(evaluateExpression("-x ^ 2", v).item()).toBe(-4);
    expect(evaluateExpression("(1 + x) * w / 2", v).item()).toBe(4.5);
    expect(evaluateExpression("exp(log(w)) - abs(-x)", v).item()).toBeCloseTo(1, 14);
  });

  test.each([
    ["x +", "the expression ends too early"],
    ["x $ 2", 'unexpected character "$" at position 3'],
    ["foo(x)", "unknown function foo"],
    ["z * 2", "unknown variable z"],
    ["(x + 1", 'expected ")" at the end'],
    ["x 2", 'unexpected "2" at position 3'],
  ])("%s is refused: %s", (text, message) => {
    expect(() => evaluateExpression(text, { x: tensor(1) })).toThrow(ExpressionError);
    expect(() => evaluateExpression(text, { x: tensor(1) })).toThrow(message);
  });

  test("assignments: numbers and lists; mistakes are named", () => {
    expect(parseAssignments("x = 0.5, w = [1, -2]")).toEqual({ x: 0.5, w: [1, -2] });
    expect(() => parseAssignments("x = 1, x = 2")).toThrow("x is given twice");
    expect(() => parseAssignments("x = one")).toThrow("x = one is not a number");
    expect(() => parseAssignments("tanh = 1")).toThrow("tanh is a function name");
    expect(() => parseAssignments("")).toThrow("give at least one variable");
    expect(Object.getPrototypeOf(parseAssignments("__proto__ = 1"))).toBe(Object.prototype);
  });
});

describe("tape panel", () => {
  test("the neuron preset: graph, value and the analytic gradients", () => {
    const report = inspectComputation(PRESETS.neuron!.build());
    const [x, w, b] = [0.5, -1.2, 0.3];
    const y = Math.tanh(w * x + b);
    expect(report.output).toBeCloseTo(y, 15);
    const dy = 1 - y * y;
    const grads = Object.fromEntries(report.leaves.map((l) => [l.name, l.grad[0]!]));
    expect(grads.x).toBeCloseTo(dy * w, 14);
    expect(grads.w).toBeCloseTo(dy * x, 14);
    expect(grads.b).toBeCloseTo(dy, 14);
    expect(report.dot).toContain("TanhBackward");
    // the graph of dy/dx is itself recorded (second order): it contains the backward of tanh
    expect(report.secondOrderDot).toMatch(/digraph/);
    expect(report.secondOrderDot).not.toBe(report.dot);
  });

  test("softmax cross-entropy: the gradient is softmax minus the one-hot target", () => {
    const report = inspectComputation(PRESETS.softmaxCrossEntropy!.build());
    const z = [1.5, -0.3, 0.8];
    const e = z.map(Math.exp);
    const s = e.reduce((a, v) => a + v);
    const expected = e.map((v, i) => v / s - (i === 2 ? 1 : 0));
    report.leaves[0]!.grad.forEach((g, i) => expect(g).toBeCloseTo(expected[i]!, 14));
  });

  test("a typed expression over a vector is summed, and every preset runs", () => {
    const report = inspectComputation(customComputation("x * x", "x = [1, 2, 3]"));
    expect(report.output).toBe(14);
    expect(report.leaves[0]!.grad).toEqual([2, 4, 6]);
    for (const preset of Object.values(PRESETS)) expect(inspectComputation(preset.build()).leaves.length).toBeGreaterThan(0);
  });
});

describe("data sets", () => {
  test("toy sets are seeded, shaped and balanced; iris and digits parse the shipped files", () => {
    expect(moons(10, 1)).toEqual(moons(10, 1));
    expect(moons(10, 1).x).not.toEqual(moons(10, 2).x);
    expect(Array.from(spirals(9, 0).y)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
    const iris = parseIris(data("iris.csv").toString("utf8"));
    expect([iris.y.length, iris.features, iris.classes]).toEqual([150, 4, 3]);
    const digits = digitsFromCsv(gunzipSync(data("digits.csv.gz")).toString("utf8"));
    expect([digits.y.length, digits.x.length]).toEqual([1797, 1797 * 64]);
    const { train, val } = splitDataset(iris, 0.2, 0);
    expect([train.y.length, val.y.length]).toEqual([120, 30]);
  });
});

describe("trainer", () => {
  const config = { ...DEFAULT_CONFIG, epochs: 6, warmupEpochs: 2 };

  test("learns the moons, deterministically; ASGD reports its averaged weights", () => {
    const a = new Trainer(config, moons(400, 0));
    const b = new Trainer(config, moons(400, 0));
    for (let i = 0; i < 6; i++) expect(a.runEpoch()).toEqual(b.runEpoch());
    expect(a.done).toBe(true);
    const last = a.history.at(-1)!;
    expect(last.valAccuracy).toBeGreaterThan(0.8);
    expect(last.averagedValAccuracy).not.toBeNull();
    expect(a.decisionGrid(10, -2, 3)).toHaveLength(100);
  });

  test("a checkpoint resumes bit for bit, for every optimizer", () => {
    for (const optimizer of ["asgd", "sgd", "adam", "adamw"] as const) {
      const c = { ...config, optimizer, lr: optimizer.startsWith("adam") ? 0.01 : 0.1 };
      const whole = new Trainer(c, moons(200, 0));
      for (let i = 0; i < 6; i++) whole.runEpoch();
      const first = new Trainer(c, moons(200, 0));
      for (let i = 0; i < 3; i++) first.runEpoch();
      const bytes = first.checkpoint();
      expect(Trainer.configOf(bytes)).toEqual(c);
      const resumed = Trainer.fromCheckpoint(bytes, moons(200, 0));
      for (let i = 0; i < 3; i++) resumed.runEpoch();
      expect(resumed.history).toEqual(whole.history);
    }
  });

  test("refuses data that is not the configured data set", () => {
    expect(() => new Trainer(config, spirals(30, 0))).toThrow("the config names moons but the data is spirals");
  });
});

describe("hypergradient panel", () => {
  test("d(val loss)/d(lr) matches a central finite difference, and descent lowers the val loss", () => {
    const config = { innerSteps: 5, hyperSteps: 6, lr0: 0.05, gridSize: 3, seed: 0 };
    const result = learnLearningRate(config);
    expect(result.steps).toHaveLength(6);
    expect(result.steps.at(-1)!.valLoss).toBeLessThan(result.steps[0]!.valLoss);
    // finite difference of the same function: the grid evaluates lr as a number (no tape)
    const h = 1e-5;
    const at = (lr: number): number => learnLearningRate({ ...config, hyperSteps: 1, lr0: lr, gridSize: 1 }).steps[0]!.valLoss;
    const fd = (at(0.05 + h) - at(0.05 - h)) / (2 * h);
    expect(result.steps[0]!.hypergradient).toBeCloseTo(fd, 5);
    expect(result.grid.map((g) => g.lr)).toEqual([1e-3, 10 ** -1, 10]);
  });
});
