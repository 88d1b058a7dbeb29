import { Generator, type Tensor, grad, randn } from "@tapegrad/core";
import { F, Linear, Module, functionalCall } from "@tapegrad/nn";
import fc from "fast-check";
import { describe, expect, test } from "vitest";

class TwoLayer extends Module {
  fc1: Linear;
  fc2: Linear;
  constructor(inputs: number, hidden: number, bias: boolean, seed: number) {
    super();
    const g = new Generator(seed);
    this.fc1 = new Linear(inputs, hidden, { bias, generator: g });
    this.fc2 = new Linear(hidden, 1, { generator: g });
  }
  forward(x: Tensor): Tensor {
    return this.fc2.forward(F.tanh(this.fc1.forward(x)));
  }
}

const setting = fc.record({
  inputs: fc.integer({ min: 1, max: 4 }),
  hidden: fc.integer({ min: 1, max: 4 }),
  batch: fc.integer({ min: 1, max: 3 }),
  bias: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1e6 }),
});

describe("functionalCall properties", () => {
  test("with the module's own parameters it equals forward, bit for bit", () => {
    fc.assert(
      fc.property(setting, ({ inputs, hidden, batch, bias, seed }) => {
        const m = new TwoLayer(inputs, hidden, bias, seed);
        const x = randn([batch, inputs], { generator: new Generator(seed + 7) });
        const own = Object.fromEntries(m.namedParameters());
        expect(Array.from(functionalCall(m, own, x).dataSync())).toEqual(Array.from(m.forward(x).dataSync()));
      }),
      { numRuns: 80 },
    );
  });

  test("gradients flow to the substitutes and equal the module's own gradients", () => {
    fc.assert(
      fc.property(setting, ({ inputs, hidden, batch, bias, seed }) => {
        const m = new TwoLayer(inputs, hidden, bias, seed);
        const x = randn([batch, inputs], { generator: new Generator(seed + 7) });
        const named = m.namedParameters();
        const substitutes = named.map(([n, p]) => [n, p.detach().clone().requiresGrad_()] as const);
        const out = functionalCall(m, Object.fromEntries(substitutes), x).square().sum();
        const subGrads = grad([out], substitutes.map(([, s]) => s));
        const ownGrads = grad([m.forward(x).square().sum()], named.map(([, p]) => p));
        subGrads.forEach((g, i) => {
          expect(g).not.toBeNull();
          expect(Array.from(g!.dataSync())).toEqual(Array.from(ownGrads[i]!.dataSync()));
        });
        // The module still holds its own parameters afterwards.
        expect(m.namedParameters()).toEqual(named);
      }),
      { numRuns: 80 },
    );
  });
});
