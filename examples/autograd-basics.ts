// Autograd basics: build a small computation, differentiate it, and differentiate the derivative.
// Run: npx tsx examples/autograd-basics.ts
import { grad, manualSeed, randn, tensor } from "@tapegrad/core";

manualSeed(0);

// f(x, w) = sum(tanh(x @ w)): every op is recorded on the tape as it runs.
const x = randn([4, 3]);
const w = randn([3, 2], { requiresGrad: true });
const y = x.reshape(4, 3, 1).mul(w.unsqueeze(0)).sum(1).tanh().sum();
console.log("f(x, w)        =", y.item().toFixed(6), " gradFn:", y.gradFn?.name);

// First derivative, accumulated into w.grad.
y.backward();
console.log("df/dw          =", JSON.stringify(w.grad?.tolist()));

// Second derivative of a scalar function, by differentiating a gradient (createGraph: true).
const a = tensor(0.5, { dtype: "float64", requiresGrad: true });
const [dfda] = grad([a.pow(3).sin()], [a], { createGraph: true });
const [d2fda2] = grad([dfda!], [a]);
console.log("d/da sin(a^3)  =", dfda!.item().toFixed(6), "(exact:", (3 * 0.25 * Math.cos(0.125)).toFixed(6) + ")");
console.log("d2/da2 sin(a^3) =", d2fda2!.item().toFixed(6), "(exact:", (6 * 0.5 * Math.cos(0.125) - 9 * 0.0625 * Math.sin(0.125)).toFixed(6) + ")");
