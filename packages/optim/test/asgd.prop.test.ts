import { Tensor, tensor } from "@tapegrad/core";
import { ASGD, type AsgdParamState, type OptimizerStateDict } from "@tapegrad/optim";
import fc from "fast-check";
import { describe, expect, test } from "vitest";

const RUNS = { numRuns: 60 };
const f32 = Math.fround;
const stateOf = (opt: ASGD, p: Tensor): AsgdParamState => opt.state.get(p) as unknown as AsgdParamState;
const values = (t: Tensor): number[] => Array.from(t.dataSync());

const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 3 });
const valueArb = fc.float({ min: -8, max: 8, noNaN: true, noDefaultInfinity: true });
const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** A shape with `count` float32 value arrays of its size. */
const tensorsArb = (count: number) =>
  shapeArb.chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      data: fc.array(fc.array(valueArb, { minLength: numel(shape), maxLength: numel(shape) }), { minLength: count, maxLength: count }),
    }),
  );

const make = (shape: number[], data: number[]) => tensor(new Float32Array(data)).reshape(shape);

const hyperArb = fc.record({
  lr: fc.double({ min: 1e-4, max: 0.5, noNaN: true }),
  lambd: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.2, noNaN: true })),
  alpha: fc.double({ min: 0, max: 1.5, noNaN: true }),
  t0: fc.oneof(fc.integer({ min: 0, max: 6 }), fc.double({ min: -2, max: 8, noNaN: true })),
  weightDecay: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.1, noNaN: true })),
  maximize: fc.boolean(),
});

describe("ASGD properties", () => {
  test("(1) eta and mu after t steps equal the closed forms lr/(1+lambd*lr*t)^alpha and 1/max(1, t-t0)", () => {
    fc.assert(
      fc.property(tensorsArb(1), hyperArb, fc.integer({ min: 1, max: 15 }), ({ shape, data }, h, steps) => {
        const p = make(shape, data[0]!);
        const opt = new ASGD([p], h);
        for (let t = 1; t <= steps; t++) {
          p.grad = make(shape, data[0]!);
          opt.step();
          const st = stateOf(opt, p);
          expect(st.step.item()).toBe(t);
          expect(st.eta.item()).toBe(f32(h.lr / Math.pow(1 + h.lambd * h.lr * t, h.alpha)));
          expect(st.mu.item()).toBe(f32(1 / Math.max(1, t - h.t0)));
        }
      }),
      RUNS,
    );
  });

  test("(2) with lambd = 0 and no weight decay the first step is p - lr * g", () => {
    fc.assert(
      fc.property(tensorsArb(2), fc.double({ min: 0, max: 2, noNaN: true }), ({ shape, data }, lr) => {
        const p = make(shape, data[0]!);
        const opt = new ASGD([p], { lr, lambd: 0 });
        p.grad = make(shape, data[1]!);
        opt.step();
        const want = data[0]!.map((v, i) => f32(v - f32(lr) * data[1]![i]!));
        expect(values(p)).toEqual(want);
        expect(values(stateOf(opt, p).ax)).toEqual(want);
      }),
      RUNS,
    );
  });

  test("(3) maximize with g is bit-identical to minimizing with -g", () => {
    fc.assert(
      fc.property(tensorsArb(3), hyperArb, fc.boolean(), ({ shape, data }, h, foreach) => {
        const p = make(shape, data[0]!);
        const q = make(shape, data[0]!);
        const a = new ASGD([p], { ...h, foreach, maximize: true });
        const b = new ASGD([q], { ...h, foreach, maximize: false });
        for (let k = 1; k <= 6; k++) {
          const g = make(shape, data[k % 2 === 0 ? 1 : 2]!).mul(k);
          p.grad = g;
          q.grad = g.neg();
          a.step();
          b.step();
          expect(values(p)).toEqual(values(q));
          expect(values(stateOf(a, p).ax)).toEqual(values(stateOf(b, q).ax));
        }
      }),
      RUNS,
    );
  });

  test("(4) weight decay wd is bit-identical to feeding g + wd * p", () => {
    fc.assert(
      fc.property(tensorsArb(2), hyperArb, fc.double({ min: 1e-4, max: 0.5, noNaN: true }), ({ shape, data }, h, wd) => {
        const p = make(shape, data[0]!);
        const q = make(shape, data[0]!);
        const a = new ASGD([p], { ...h, maximize: false, weightDecay: wd });
        const b = new ASGD([q], { ...h, maximize: false, weightDecay: 0 });
        for (let k = 1; k <= 5; k++) {
          const g = make(shape, data[1]!).mul(k);
          p.grad = g;
          q.grad = g.add(q, { alpha: wd });
          a.step();
          b.step();
          expect(values(p)).toEqual(values(q));
        }
      }),
      RUNS,
    );
  });

  test("(5) the foreach and single-tensor paths agree within a few ulps on random lists of parameters", () => {
    const listArb = fc.array(tensorsArb(2), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(listArb, hyperArb, fc.integer({ min: 1, max: 4 }), (list, h, steps) => {
        const ps = list.map(({ shape, data }) => make(shape, data[0]!));
        const qs = list.map(({ shape, data }) => make(shape, data[0]!));
        const a = new ASGD(ps, { ...h, foreach: false });
        const b = new ASGD(qs, { ...h, foreach: true });
        for (let k = 1; k <= steps; k++) {
          list.forEach(({ shape, data }, i) => {
            ps[i]!.grad = make(shape, data[1]!);
            qs[i]!.grad = make(shape, data[1]!);
          });
          a.step();
          b.step();
        }
        ps.forEach((p, i) => {
          const x = values(p);
          const y = values(qs[i]!);
          // Each step rounds a handful of float32 ops differently; 2^-20 relative to the operands' scale.
          x.forEach((v, j) => expect(Math.abs(v - y[j]!)).toBeLessThanOrEqual(steps * 2 ** -20 * (8 + Math.abs(v))));
          const ea = stateOf(a, p).eta.item();
          expect(Math.abs(ea - stateOf(b, qs[i]!).eta.item())).toBeLessThanOrEqual(4 * 2 ** -23 * ea);
          expect(stateOf(a, p).mu.item()).toBe(stateOf(b, qs[i]!).mu.item());
        });
      }),
      RUNS,
    );
  });

  test("(6) ax is the running mean of the iterates from the step at which averaging starts", () => {
    fc.assert(
      fc.property(tensorsArb(2), hyperArb, fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 14 }), ({ shape, data }, h, t0, steps) => {
        const p = make(shape, data[0]!);
        const opt = new ASGD([p], { ...h, t0 });
        // From the mu recurrence: step t copies p into ax while mu_{t-1} = 1/max(1, (t-1)-t0) is 1
        // (mu_0 = 1, so step 1 always copies); averaging starts right after the last copy.
        let copyStep = 1;
        while (1 / Math.max(1, copyStep - t0) === 1) copyStep++;
        expect(copyStep).toBe(t0 + 2);
        const iterates: number[][] = [];
        for (let t = 1; t <= steps; t++) {
          p.grad = make(shape, data[1]!).mul(1 + (t % 3));
          opt.step();
          iterates.push(values(p));
          const from = Math.min(t, copyStep);
          const window = iterates.slice(from - 1);
          const mean = values(p).map((_, j) => window.reduce((s, it) => s + it[j]!, 0) / window.length);
          const ax = values(stateOf(opt, p).ax);
          const scale = Math.max(1, ...window.flat().map(Math.abs));
          ax.forEach((v, j) => expect(Math.abs(v - mean[j]!)).toBeLessThanOrEqual(2e-6 * t * scale));
          if (t <= copyStep) expect(ax).toEqual(values(p));
        }
      }),
      RUNS,
    );
  });

  test("(7) save after k steps, load into a fresh optimizer, continue: bit-identical to the uninterrupted run", () => {
    fc.assert(
      fc.property(
        fc.array(tensorsArb(2), { minLength: 1, maxLength: 3 }),
        hyperArb,
        fc.boolean(),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
        (list, h, foreach, k, more, present) => {
          const init = () => list.map(({ shape, data }) => make(shape, data[0]!));
          const feed = (ps: Tensor[], t: number) =>
            ps.forEach((p, i) => (p.grad = present[(t + i) % 10] ? make(list[i]!.shape, list[i]!.data[1]!).mul(t) : null));
          const pa = init();
          const a = new ASGD(pa, { ...h, foreach });
          for (let t = 1; t <= k + more; t++) {
            feed(pa, t);
            a.step();
          }
          const pb = init();
          const b = new ASGD(pb, { ...h, foreach });
          for (let t = 1; t <= k; t++) {
            feed(pb, t);
            b.step();
          }
          const sd = b.stateDict();
          const pc = pb.map((p) => p.clone());
          const c = new ASGD(pc, { lr: 0.9, lambd: 0.5, t0: 1 });
          c.loadStateDict(sd);
          for (let t = k + 1; t <= k + more; t++) {
            feed(pc, t);
            c.step();
            feed(pb, t);
            b.step();
          }
          pc.forEach((p, i) => {
            expect(values(p)).toEqual(values(pa[i]!));
            const sa = stateOf(a, pa[i]!);
            const sc = stateOf(c, p);
            expect(sc === undefined).toBe(sa === undefined);
            if (sa !== undefined) {
              expect([sc.step.item(), sc.eta.item(), sc.mu.item()]).toEqual([sa.step.item(), sa.eta.item(), sa.mu.item()]);
              expect(values(sc.ax)).toEqual(values(sa.ax));
              // The loaded state is a copy: stepping the source optimizer did not move it.
              expect(sc.ax).not.toBe(stateOf(b, pb[i]!).ax);
            }
          });
        },
      ),
      RUNS,
    );
  });

  test("(8) a parameter without a gradient is untouched and its state unchanged", () => {
    fc.assert(
      fc.property(tensorsArb(2), hyperArb, fc.boolean(), fc.integer({ min: 0, max: 4 }), ({ shape, data }, h, foreach, before) => {
        const p = make(shape, data[0]!);
        const q = make(shape, data[1]!);
        const opt = new ASGD([p, q], { ...h, foreach });
        for (let t = 1; t <= before; t++) {
          p.grad = make(shape, data[1]!);
          q.grad = make(shape, data[0]!);
          opt.step();
        }
        const snapshot = (t: Tensor) => {
          const st = stateOf(opt, t);
          return { v: values(t), version: t.version, st: st && [st.step.item(), st.eta.item(), st.mu.item(), ...values(st.ax)] };
        };
        const was = snapshot(p);
        p.grad = null;
        q.grad = make(shape, data[0]!);
        opt.step();
        opt.step();
        expect(snapshot(p)).toEqual(was);
        expect(stateOf(opt, q).step.item()).toBe(before + 2);
      }),
      RUNS,
    );
  });

  test("(9) a randomly mutated state dict is either loaded correctly or rejected with the optimizer unchanged", () => {
    const junk = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.constant(NaN),
      fc.constant(-1),
      fc.constant(0),
      fc.constant(2.5),
      fc.constant(1e6),
      fc.constant("x"),
      fc.constant(true),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.integer({ min: 0, max: 20 }),
      fc.constant("tensor2"),
      fc.constant("tensor0d"),
      fc.constant("int3"),
    );
    const mutationArb = fc.record({
      where: fc.constantFrom("state", "group", "stateEntry", "params", "top"),
      key: fc.constantFrom("step", "eta", "mu", "ax", "lr", "lambd", "alpha", "t0", "weightDecay", "maximize", "foreach", "extra", "params", "0", "1", "7"),
      value: junk,
      remove: fc.boolean(),
    });
    const realize = (v: unknown): unknown =>
      v === "tensor2" ? tensor([0.5, 0.25]) : v === "tensor0d" ? tensor(0.5) : v === "int3" ? tensor([1, 2, 3], { dtype: "int32" }) : v;
    const dump = (opt: ASGD) =>
      JSON.stringify(opt.stateDict(), (_k, v: unknown) => (v instanceof Tensor ? { dtype: v.dtype, shape: v.shape, data: values(v) } : v === undefined ? "undef" : v));

    fc.assert(
      fc.property(fc.array(mutationArb, { minLength: 1, maxLength: 3 }), hyperArb, (mutations, h) => {
        const make3 = () => [tensor([1, -2, 3]), tensor([[0.5, 0.25]])];
        const src = make3();
        const a = new ASGD(src, h);
        for (let t = 1; t <= 3; t++) {
          src[0]!.grad = tensor([0.1, 0.2, -0.3]).mul(t);
          src[1]!.grad = t === 2 ? null : tensor([[1, -1]]);
          a.step();
        }
        const sd = a.stateDict();
        const mutated: Record<string, unknown> = {
          state: Object.fromEntries(Object.entries(sd.state).map(([id, st]) => [id, { ...st }])),
          paramGroups: sd.paramGroups.map((g) => ({ ...g, params: [...g.params] })),
        };
        for (const m of mutations) {
          const value = realize(m.value);
          const target: Record<string, unknown> | undefined =
            m.where === "top"
              ? mutated
              : m.where === "group"
                ? (mutated.paramGroups as Array<Record<string, unknown>>)[0]
                : m.where === "params"
                  ? ((mutated.paramGroups as Array<Record<string, unknown>>)[0]!.params as unknown as Record<string, unknown>)
                  : m.where === "state"
                    ? (mutated.state as Record<string, unknown>)
                    : ((mutated.state as Record<string, Record<string, unknown>>)[m.key === "1" ? "1" : "0"]);
          if (target === undefined || target === null || typeof target !== "object") continue;
          if (m.remove) delete target[m.key];
          else target[m.key] = value;
        }

        const dst = make3();
        const b = new ASGD(dst, { lr: 0.3 });
        dst[0]!.grad = tensor([1, 1, 1]);
        b.step();
        const before = dump(b);
        const groupsBefore = b.paramGroups;
        let loaded = true;
        try {
          b.loadStateDict(mutated as unknown as OptimizerStateDict);
        } catch {
          loaded = false;
        }
        if (!loaded) {
          expect(dump(b)).toBe(before);
          expect(b.paramGroups).toBe(groupsBefore);
          return;
        }
        // Loaded: the state is what the (mutated) dict says, in the scalar dtype, and stepping works.
        const savedState = mutated.state as Record<string, Record<string, unknown>>;
        const ids = (mutated.paramGroups as Array<{ params: number[] }>)[0]!.params;
        dst.forEach((p, i) => {
          const saved = savedState[String(ids[i])];
          const st = stateOf(b, p);
          expect(st === undefined).toBe(saved === undefined);
          if (saved === undefined) return;
          const num = (x: unknown) => (x instanceof Tensor ? x.item() : (x as number));
          expect(st.step.item()).toBe(f32(num(saved.step)));
          expect(st.eta.item()).toBe(f32(num(saved.eta)));
          expect(st.mu.item()).toBe(f32(num(saved.mu)));
          expect(values(st.ax)).toEqual(values(saved.ax as Tensor));
        });
        dst.forEach((p) => (p.grad = p.mul(0.1)));
        expect(() => b.step()).not.toThrow();
      }),
      { numRuns: 150 },
    );
  });
});
