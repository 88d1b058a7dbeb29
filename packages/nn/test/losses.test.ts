import { type Tensor, gradcheck, gradgradcheck, randn, tensor } from "@tapegrad/core";
import { BCEWithLogitsLoss, CrossEntropyLoss, F, L1Loss, MSELoss, NLLLoss } from "@tapegrad/nn";
import { describe, expect, test } from "vitest";

const f64 = (data: number[] | number[][], requiresGrad = false): Tensor => tensor(data, { dtype: "float64", requiresGrad });
const i32 = (data: number[]): Tensor => tensor(data, { dtype: "int32" });

function close(got: Tensor | number, want: number | number[], tol = 1e-12): void {
  const g = typeof got === "number" ? [got] : Array.from(got.dataSync());
  const w = typeof want === "number" ? [want] : want;
  expect(g).toHaveLength(w.length);
  g.forEach((v, i) => {
    if (Number.isNaN(w[i])) expect(v).toBeNaN();
    else expect(Math.abs(v - w[i]!), `[${i}] ${v} vs ${w[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w[i]!)));
  });
}

/** Row-wise log-softmax in plain doubles (the reference). */
function logSoftmaxRows(rows: number[][]): number[][] {
  return rows.map((r) => {
    const m = Math.max(...r);
    const lse = m + Math.log(r.reduce((s, v) => s + Math.exp(v - m), 0));
    return r.map((v) => v - lse);
  });
}

/**
 * Reference cross-entropy from the documented soft-target formula: q = (1 - e) * onehot(y) + e / C,
 * loss_i = -sum_c w_c q_ic logp_ic; the mean divides by sum_i w_{y_i} over counted targets.
 */
function referenceCE(
  logits: number[][], target: number[], o: { weight?: number[]; ignoreIndex?: number; labelSmoothing?: number } = {},
): { none: number[]; sum: number; mean: number } {
  const C = logits[0]!.length;
  const w = o.weight ?? new Array<number>(C).fill(1);
  const e = o.labelSmoothing ?? 0;
  const ignore = o.ignoreIndex ?? -100;
  const logp = logSoftmaxRows(logits);
  let denom = 0;
  const none = target.map((y, i) => {
    if (y === ignore) return 0;
    denom += w[y]!;
    let l = 0;
    for (let c = 0; c < C; c++) l -= w[c]! * ((c === y ? 1 - e : 0) + e / C) * logp[i]![c]!;
    return l;
  });
  const sum = none.reduce((s, v) => s + v, 0);
  return { none, sum, mean: sum / denom };
}

const LOGITS = [
  [0.3, -1.2, 2.0, 0.5],
  [1.5, 0.1, -0.3, -2.2],
  [-0.7, 0.9, 0.0, 1.1],
  [2.5, 2.4, -1.0, 0.3],
  [0.0, 0.0, 0.0, 0.0],
];
const TARGET = [2, 0, 3, 1, 0];

describe("crossEntropy", () => {
  test("mean / sum / none match the reference", () => {
    const ref = referenceCE(LOGITS, TARGET);
    close(F.crossEntropy(f64(LOGITS), i32(TARGET)), ref.mean);
    close(F.crossEntropy(f64(LOGITS), i32(TARGET), { reduction: "sum" }), ref.sum);
    close(F.crossEntropy(f64(LOGITS), i32(TARGET), { reduction: "none" }), ref.none);
    close(F.crossEntropy(f64([[0, 0, 0]]), i32([1])), Math.log(3), 1e-15);
  });

  test("unbatched [C] input with a 0-dim target, and K-dim inputs [N, C, d]", () => {
    const ref = referenceCE([LOGITS[0]!], [2]);
    const y = tensor(2, { dtype: "int32" });
    close(F.crossEntropy(f64(LOGITS[0]!), y), ref.mean);
    expect(F.crossEntropy(f64(LOGITS[0]!), y, { reduction: "none" }).shape).toEqual([]);
    // [N=1, C=4, d=5]: the class dim is 1; this is LOGITS transposed.
    const kdim = f64(LOGITS).t().unsqueeze(0);
    const out = F.crossEntropy(kdim, i32(TARGET).reshape(1, 5), { reduction: "none" });
    expect(out.shape).toEqual([1, 5]);
    close(out, referenceCE(LOGITS, TARGET).none);
  });

  test("ignoreIndex: ignored targets give 0 and are left out of the mean", () => {
    const target = [2, -100, 3, 1, -100];
    const ref = referenceCE(LOGITS, target);
    close(F.crossEntropy(f64(LOGITS), i32(target)), ref.mean);
    close(F.crossEntropy(f64(LOGITS), i32(target), { reduction: "none" }), ref.none);
    const custom = [2, 1, 3, 1, 0];
    close(F.crossEntropy(f64(LOGITS), i32(custom), { ignoreIndex: 1 }), referenceCE(LOGITS, custom, { ignoreIndex: 1 }).mean);
    close(F.crossEntropy(f64([[1, 2]]), i32([-100])), Number.NaN);
  });

  test("class weights: weighted mean divides by the total weight of the counted targets", () => {
    const weight = [0.2, 1.0, 3.0, 0.5];
    const target = [2, 0, -100, 1, 0];
    const ref = referenceCE(LOGITS, target, { weight });
    close(F.crossEntropy(f64(LOGITS), i32(target), { weight: f64(weight) }), ref.mean);
    close(F.crossEntropy(f64(LOGITS), i32(target), { weight: f64(weight), reduction: "none" }), ref.none);
    close(F.crossEntropy(f64(LOGITS), i32(target), { weight: f64(weight), reduction: "sum" }), ref.sum);
  });

  test("label smoothing, alone and with weights and ignored targets", () => {
    const o = { labelSmoothing: 0.1 };
    const ref = referenceCE(LOGITS, TARGET, o);
    close(F.crossEntropy(f64(LOGITS), i32(TARGET), o), ref.mean);
    close(F.crossEntropy(f64(LOGITS), i32(TARGET), { ...o, reduction: "none" }), ref.none);
    close(F.crossEntropy(f64(LOGITS), i32(TARGET), { ...o, reduction: "sum" }), ref.sum);
    const all = { labelSmoothing: 0.25, weight: [0.2, 1.0, 3.0, 0.5], ignoreIndex: 3 };
    const target = [2, 0, 3, 1, 0];
    const refAll = referenceCE(LOGITS, target, all);
    for (const reduction of ["mean", "sum", "none"] as const) {
      const got = F.crossEntropy(f64(LOGITS), i32(target), { ...all, weight: f64(all.weight), reduction });
      close(got, reduction === "none" ? refAll.none : refAll[reduction]);
    }
  });

  test("class-probability targets", () => {
    const probs = [
      [0.1, 0.2, 0.3, 0.4],
      [1, 0, 0, 0],
      [0.25, 0.25, 0.25, 0.25],
      [0, 0.5, 0.5, 0],
      [0.7, 0.1, 0.1, 0.1],
    ];
    const logp = logSoftmaxRows(LOGITS);
    const none = probs.map((p, i) => -p.reduce((s, q, c) => s + q * logp[i]![c]!, 0));
    close(F.crossEntropy(f64(LOGITS), f64(probs), { reduction: "none" }), none);
    close(F.crossEntropy(f64(LOGITS), f64(probs)), none.reduce((s, v) => s + v, 0) / 5);
    // A one-hot probability target equals the class-index form, also with smoothing and weights.
    const onehot = F.oneHot(i32(TARGET), 4).double();
    const options = { labelSmoothing: 0.2, weight: f64([1, 2, 3, 4]), reduction: "none" as const };
    close(F.crossEntropy(f64(LOGITS), onehot, options), Array.from(F.crossEntropy(f64(LOGITS), i32(TARGET), options).dataSync()));
  });

  test("large logits do not overflow", () => {
    close(F.crossEntropy(f64([[1000, 0, -1000]]), i32([0])), 0);
    close(F.crossEntropy(f64([[1000, 0, -1000]]), i32([1])), 1000);
  });

  test("gradients match finite differences, including weights, smoothing and ignored targets", () => {
    const x = randn([4, 3], { dtype: "float64", requiresGrad: true });
    const w = f64([0.5, 1.5, 2.0]);
    const y = i32([0, 2, -100, 1]);
    expect(gradcheck((x) => F.crossEntropy(x!, y, { weight: w, labelSmoothing: 0.1 }), [x])).toBe(true);
    expect(gradcheck((x) => F.crossEntropy(x!, y, { reduction: "none" }), [x])).toBe(true);
    const p = f64([[0.2, 0.3, 0.5], [1, 0, 0], [0, 0, 1], [0.3, 0.3, 0.4]]);
    expect(gradcheck((x) => F.crossEntropy(x!, p, { labelSmoothing: 0.05 }), [x])).toBe(true);
  });

  test("errors name the argument and the offending value or shape", () => {
    const x = f64(LOGITS);
    expect(() => F.crossEntropy(x, f64([1, 2, 3, 0, 1]))).toThrow(
      /crossEntropy: float targets are class probabilities and must have the input's shape \[5,4\], got \[5\] \(class indices must be int32\)/,
    );
    expect(() => F.crossEntropy(x, tensor(LOGITS))).toThrow(/crossEntropy: class-probability target dtype float32 must equal the input dtype float64/);
    expect(() => F.crossEntropy(x, i32([1, 2]))).toThrow(
      /crossEntropy: target must be int32 class indices of shape \[5\] for input of shape \[5,4\], got a int32 Tensor of shape \[2\]/,
    );
    expect(() => F.crossEntropy(x, tensor([true, false, true, true, false]))).toThrow(/crossEntropy: target must be int32 class indices of shape \[5\]/);
    expect(() => F.crossEntropy(x, [1, 2, 3, 0, 1] as unknown as Tensor)).toThrow(/crossEntropy: target must be a Tensor, got an array of length 5/);
    expect(() => F.crossEntropy(x, i32([1, 2, 4, 0, 1]))).toThrow(/crossEntropy: target value 4 \(at flat index 2\) is out of range \[0, 4\) for 4 classes/);
    expect(() => F.crossEntropy(x, i32([1, 2, -1, 0, 1]))).toThrow(/crossEntropy: target value -1 \(at flat index 2\) is out of range/);
    expect(() => F.crossEntropy(x, i32(TARGET), { weight: f64([1, 2, 3]) })).toThrow(/crossEntropy: weight must have shape \[4\] \(one value per class\), got \[3\]/);
    expect(() => F.crossEntropy(x, i32(TARGET), { weight: tensor([1, 2, 3, 4]) })).toThrow(/crossEntropy: weight dtype float32 must equal the input dtype float64/);
    expect(() => F.crossEntropy(x, i32(TARGET), { reduction: "avg" as "mean" })).toThrow(/crossEntropy: reduction must be "mean", "sum" or "none", got "avg"/);
    expect(() => F.crossEntropy(x, i32(TARGET), { labelSmoothing: 1.5 })).toThrow(/crossEntropy: labelSmoothing must be between 0.0 and 1.0, got 1.5/);
    expect(() => F.crossEntropy(x, i32(TARGET), { ignoreIndex: 0.5 })).toThrow(/crossEntropy: ignoreIndex must be an integer, got 0.5/);
    expect(() => F.crossEntropy(i32([1, 2]), i32([0]))).toThrow(/crossEntropy: input must be a float32 or float64 tensor, got dtype int32/);
    expect(() => F.crossEntropy(tensor(1.5, { dtype: "float64" }), i32([0]))).toThrow(/crossEntropy: input must have a class dim/);
  });
});

describe("second derivatives (createGraph) of the losses", () => {
  test("match finite differences of the first derivatives", () => {
    const x = randn([3, 4], { dtype: "float64", requiresGrad: true });
    const y = i32([3, -100, 1]);
    const w = f64([0.5, 1, 2, 1.5]);
    expect(gradgradcheck((x) => F.crossEntropy(x!, y, { weight: w, labelSmoothing: 0.2 }), [x])).toBe(true);
    const t = f64([[0, 1, 0.5, 1], [1, 0, 0, 0.3], [0.2, 0.9, 1, 0]]);
    expect(gradgradcheck((x) => F.binaryCrossEntropyWithLogits(x!, t, { posWeight: f64([1, 2, 3, 0.5]) }), [x])).toBe(true);
    expect(gradgradcheck((x) => F.gelu(x!).sum(), [x])).toBe(true);
  });
});

describe("nllLoss", () => {
  test("picks -input at the targets, with weights and ignored targets", () => {
    const logp = logSoftmaxRows(LOGITS);
    const target = [2, 0, -100, 1, 0];
    const w = [0.2, 1.0, 3.0, 0.5];
    const none = target.map((y, i) => (y === -100 ? 0 : -w[y]! * logp[i]![y]!));
    const denom = target.filter((y) => y !== -100).reduce((s, y) => s + w[y]!, 0);
    const input = f64(logp);
    close(F.nllLoss(input, i32(target), { weight: f64(w), reduction: "none" }), none);
    close(F.nllLoss(input, i32(target), { weight: f64(w) }), none.reduce((s, v) => s + v, 0) / denom);
    close(F.nllLoss(input, i32(TARGET)), F.crossEntropy(f64(LOGITS), i32(TARGET)).item());
    expect(() => F.nllLoss(input, i32([0, 0, 0, 0, 9]))).toThrow(/nllLoss: target value 9 \(at flat index 4\) is out of range \[0, 4\)/);
  });
});

describe("mseLoss, l1Loss", () => {
  test("values, reductions and gradients", () => {
    const a = f64([[1, 2], [3, 4]], true);
    const b = f64([[0, 2], [5, 1]]);
    close(F.mseLoss(a, b), (1 + 0 + 4 + 9) / 4);
    close(F.mseLoss(a, b, { reduction: "sum" }), 14);
    close(F.mseLoss(a, b, { reduction: "none" }), [1, 0, 4, 9]);
    close(F.l1Loss(a, b), (1 + 0 + 2 + 3) / 4);
    close(F.l1Loss(a, b, { reduction: "none" }), [1, 0, 2, 3]);
    F.mseLoss(a, b).backward();
    close(a.grad!, [0.5, 0, -1, 1.5]);
    const x = randn([3, 2], { dtype: "float64", requiresGrad: true });
    const t = randn([3, 2], { dtype: "float64", requiresGrad: true });
    expect(gradcheck((x, t) => F.mseLoss(x!, t!), [x, t])).toBe(true);
    expect(gradcheck((x, t) => F.l1Loss(x!, t!, { reduction: "sum" }), [x, t])).toBe(true);
  });

  test("shape mismatches are errors (no silent broadcasting)", () => {
    expect(() => F.mseLoss(randn([4, 1]), randn([4]))).toThrow(/mseLoss: target shape \[4\] must equal the input shape \[4,1\]/);
    expect(() => F.l1Loss(randn([2]), randn([3]))).toThrow(/l1Loss: target shape \[3\] must equal the input shape \[2\]/);
    expect(() => F.mseLoss(randn([2]), randn([2]), { reduction: "max" as "sum" })).toThrow(/mseLoss: reduction must be "mean", "sum" or "none", got "max"/);
  });
});

describe("binaryCrossEntropyWithLogits", () => {
  const sig = (v: number): number => 1 / (1 + Math.exp(-v));

  test("matches -[pw t log s + (1 - t) log(1 - s)] * w", () => {
    const x = [-2, -0.3, 0, 0.7, 3];
    const t = [0, 1, 0.5, 1, 0.2];
    const w = [1, 2, 0.5, 1, 3];
    const pw = 2.5;
    const ref = x.map((v, i) => -(pw * t[i]! * Math.log(sig(v)) + (1 - t[i]!) * Math.log(1 - sig(v))) * w[i]!);
    const got = F.binaryCrossEntropyWithLogits(f64(x), f64(t), { weight: f64(w), posWeight: f64([pw]), reduction: "none" });
    close(got, ref, 1e-12);
    close(F.binaryCrossEntropyWithLogits(f64(x), f64(t)), x.reduce((s, v, i) => s - (t[i]! * Math.log(sig(v)) + (1 - t[i]!) * Math.log(1 - sig(v))), 0) / 5);
  });

  test("is stable for large logits and has gradient sigmoid(x) - t, also at x = 0", () => {
    const x = f64([100, -100, 0, 0], true);
    const t = f64([0, 1, 1, 0]);
    const loss = F.binaryCrossEntropyWithLogits(x, t, { reduction: "sum" });
    close(loss, 100 + 100 + 2 * Math.LN2);
    loss.backward();
    close(x.grad!, [1, -1, -0.5, 0.5]);
    const xs = randn([3, 2], { dtype: "float64", requiresGrad: true });
    const ts = f64([[0, 1], [0.5, 0.2], [1, 1]]);
    expect(gradcheck((x) => F.binaryCrossEntropyWithLogits(x!, ts, { posWeight: f64([1.5, 0.5]) }), [xs])).toBe(true);
  });

  test("errors", () => {
    expect(() => F.binaryCrossEntropyWithLogits(randn([3]), randn([3, 1]))).toThrow(
      /binaryCrossEntropyWithLogits: target shape \[3,1\] must equal the input shape \[3\]/,
    );
    expect(() => F.binaryCrossEntropyWithLogits(randn([3]), randn([3]), { weight: randn([2, 3]) })).toThrow(
      /binaryCrossEntropyWithLogits: weight or posWeight broadcast the loss to shape \[2,3\]/,
    );
  });
});

describe("loss modules", () => {
  test("forward the options to F and keep class weights as buffers", () => {
    const x = f64(LOGITS);
    const y = i32([2, 0, 3, -1, 0]);
    const w = f64([0.2, 1.0, 3.0, 0.5]);
    const ce = new CrossEntropyLoss({ weight: w, ignoreIndex: -1, labelSmoothing: 0.1, reduction: "sum" });
    close(ce.forward(x, y), F.crossEntropy(x, y, { weight: w, ignoreIndex: -1, labelSmoothing: 0.1, reduction: "sum" }).item());
    expect(Object.keys(ce.stateDict())).toEqual(["weight"]);
    expect(Object.keys(new CrossEntropyLoss().stateDict())).toEqual([]);
    const logp = F.logSoftmax(x, 1);
    close(new NLLLoss({ reduction: "none", ignoreIndex: -1 }).forward(logp, y), Array.from(F.nllLoss(logp, y, { reduction: "none", ignoreIndex: -1 }).dataSync()));
    const a = f64([1, 2]);
    const b = f64([0, 0]);
    close(new MSELoss().forward(a, b), 2.5);
    close(new L1Loss({ reduction: "sum" }).forward(a, b), 3);
    close(new BCEWithLogitsLoss({ posWeight: f64([2]) }).forward(f64([0]), f64([1])), 2 * Math.LN2);
    expect(new MSELoss({ reduction: "sum" }).toString()).toBe('MSELoss(reduction="sum")');
    expect(() => new MSELoss({ reduction: "avg" as "sum" })).toThrow(/MSELoss: reduction must be "mean", "sum" or "none", got "avg"/);
  });
});

describe("oneHot", () => {
  test("encodes indices along a new last dim", () => {
    const o = F.oneHot(i32([0, 2, 1]), 4);
    expect(o.dtype).toBe("int32");
    expect(o.tolist()).toEqual([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0]]);
    expect(F.oneHot(tensor([[1], [3]], { dtype: "int32" })).shape).toEqual([2, 1, 4]);
  });

  test("errors", () => {
    expect(() => F.oneHot(tensor([0, 1]), 2)).toThrow(/oneHot: indices must be an int32 tensor of class indices, got dtype float32/);
    expect(() => F.oneHot(i32([0, 5]), 3)).toThrow(/oneHot: class value 5 is out of range for numClasses 3/);
    expect(() => F.oneHot(i32([0, -2]), 3)).toThrow(/oneHot: class values must be non-negative, got -2 at flat index 1/);
    expect(() => F.oneHot(i32([]))).toThrow(/oneHot: cannot infer numClasses from an empty tensor/);
    expect(() => F.oneHot(i32([0]), -3)).toThrow(/oneHot: numClasses must be >= -1, got -3/);
  });
});
