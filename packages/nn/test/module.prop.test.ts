import { Generator, type Tensor, manualSeed, randn } from "@tapegrad/core";
import { F, Linear, Module, ModuleList, Sequential, Tanh } from "@tapegrad/nn";
import fc from "fast-check";
import { describe, expect, test } from "vitest";

/** A random architecture: layer widths and, per layer, whether it has a bias. */
const architecture = fc
  .array(fc.record({ width: fc.integer({ min: 1, max: 5 }), bias: fc.boolean() }), { minLength: 1, maxLength: 4 })
  .chain((layers) => fc.record({ inputs: fc.integer({ min: 1, max: 5 }), layers: fc.constant(layers), seed: fc.integer({ min: 0, max: 1e6 }) }));

type Arch = { inputs: number; layers: Array<{ width: number; bias: boolean }>; seed: number };

class Stack extends Module {
  embed: Linear;
  blocks = new ModuleList();
  head = new Sequential();
  constructor(arch: Arch) {
    super();
    const g = new Generator(arch.seed);
    this.embed = new Linear(arch.inputs, arch.layers[0]!.width, { generator: g });
    arch.layers.forEach((l, i) => {
      const next = arch.layers[i + 1]?.width ?? l.width;
      this.blocks.append(new Linear(l.width, next, { bias: l.bias, generator: g }));
    });
    this.head.append(new Tanh()).append(new Linear(arch.layers[arch.layers.length - 1]!.width, 2, { generator: g }));
  }
  forward(x: Tensor): Tensor {
    let h = this.embed.forward(x);
    for (const b of this.blocks) h = F.relu((b as Linear).forward(h));
    return this.head.forward(h);
  }
}

function expectedNames(arch: Arch): string[] {
  const names = ["embed.weight", "embed.bias"];
  arch.layers.forEach((l, i) => names.push(`blocks.${i}.weight`, ...(l.bias ? [`blocks.${i}.bias`] : [])));
  return [...names, "head.1.weight", "head.1.bias"];
}

describe("Module properties", () => {
  test("namedParameters names and order follow the structure and are stable", () => {
    fc.assert(
      fc.property(architecture, (arch) => {
        const m = new Stack(arch);
        const names = m.namedParameters().map(([n]) => n);
        expect(names).toEqual(expectedNames(arch));
        expect(m.namedParameters().map(([n]) => n)).toEqual(names);
        expect(Object.keys(m.stateDict())).toEqual(names);
        // Running, training mode changes and reloading keep the order and the objects.
        const params = m.parameters();
        m.eval();
        m.forward(randn([2, arch.inputs])).sum().backward();
        m.loadStateDict(m.stateDict());
        expect(m.namedParameters().map(([n]) => n)).toEqual(names);
        expect(m.parameters()).toEqual(params);
        params.forEach((p, i) => expect(p).toBe(m.parameters()[i]));
      }),
      { numRuns: 60 },
    );
  });

  test("stateDict -> loadStateDict into a fresh model reproduces outputs bit for bit", () => {
    fc.assert(
      fc.property(architecture, fc.integer({ min: 1, max: 4 }), (arch, batch) => {
        const source = new Stack(arch);
        const target = new Stack({ ...arch, seed: arch.seed + 1 });
        manualSeed(arch.seed);
        const x = randn([batch, arch.inputs]);
        target.loadStateDict(source.stateDict());
        const want = Array.from(source.forward(x).dataSync());
        const got = Array.from(target.forward(x).dataSync());
        expect(got).toEqual(want);
        for (const [name, t] of Object.entries(target.stateDict())) {
          expect(Array.from(t.dataSync())).toEqual(Array.from(source.stateDict()[name]!.dataSync()));
        }
      }),
      { numRuns: 60 },
    );
  });
});
