/**
 * Finite-difference checks of the tape: `gradcheck` compares every analytic gradient of a function
 * with central differences, `gradgradcheck` does the same for the gradient of the gradient (what
 * `createGraph` records). Both work in float64, as PyTorch's do.
 * @module
 */
import { describe } from "../describe.js";
import { randn } from "../ops/creation.js";
import { Generator } from "../random.js";
import { formatShape, numelOf, sameShape } from "../shape.js";
import { broadcastPositions } from "../kernels/strided.js";
import { Tensor } from "../tensor.js";
import { grad } from "./grad.js";
import { enableGrad } from "./grad-mode.js";

/** Options of {@link gradcheck}. */
export interface GradcheckOptions {
  /** Step of the central differences. Default 1e-6. */
  eps?: number;
  /** Absolute tolerance. Default 1e-5. */
  atol?: number;
  /** Relative tolerance (relative to the numerical value). Default 1e-3. */
  rtol?: number;
}

/** Options of {@link gradgradcheck}. */
export interface GradgradcheckOptions extends GradcheckOptions {
  /**
   * The gradients fed to the first backward pass, one per output of `fn` (float64, same shape as
   * that output). Random normal values from a fixed seed when omitted.
   */
  gradOutputs?: Tensor[];
}

/** A function under test: takes the input tensors, returns one tensor or several. */
export type GradcheckFunction = (...inputs: Tensor[]) => Tensor | Tensor[];

interface Tolerances {
  eps: number;
  atol: number;
  rtol: number;
}

function tolerances(options: GradcheckOptions | undefined, where: string): Tolerances {
  if (options !== undefined && (options === null || typeof options !== "object")) {
    throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  }
  const pick = (key: "eps" | "atol" | "rtol", fallback: number, positive: boolean): number => {
    const v = options?.[key] ?? fallback;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || (positive && v === 0)) {
      throw new RangeError(`${where}: ${key} must be a ${positive ? "positive" : "non-negative"} finite number, got ${describe(v)}`);
    }
    return v;
  };
  return { eps: pick("eps", 1e-6, true), atol: pick("atol", 1e-5, false), rtol: pick("rtol", 1e-3, false) };
}

function checkInputs(inputs: unknown, where: string): Tensor[] {
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw new TypeError(`${where}: inputs must be a non-empty array of tensors, got ${describe(inputs)}`);
  }
  inputs.forEach((x, i) => {
    if (!(x instanceof Tensor)) throw new TypeError(`${where}: inputs[${i}] must be a Tensor, got ${describe(x)}`);
    if (x.dtype !== "float64") {
      throw new TypeError(`${where}: inputs[${i}] must be float64 (finite differences need double precision), got ${x.dtype}; convert with .double()`);
    }
    if (!x.requiresGrad) throw new Error(`${where}: inputs[${i}] must require grad (use requiresGrad_() on it)`);
  });
  return inputs as Tensor[];
}

function callFn(fn: GradcheckFunction, inputs: Tensor[], where: string): Tensor[] {
  const result = enableGrad(() => fn(...inputs));
  const outputs = Array.isArray(result) ? result : [result];
  if (outputs.length === 0) throw new TypeError(`${where}: fn returned no output tensors`);
  outputs.forEach((o, k) => {
    if (!(o instanceof Tensor)) throw new TypeError(`${where}: output ${k} of fn must be a Tensor, got ${describe(o)}`);
    if (o.dtype !== "float64") throw new TypeError(`${where}: output ${k} of fn must be float64, got ${o.dtype}`);
  });
  return outputs;
}

/** Storage positions of an input's elements; an input whose elements overlap cannot be perturbed one at a time. */
function elementPositions(x: Tensor, index: number, where: string): Int32Array {
  const pos = broadcastPositions({ data: x.storage.data, shape: x.shape, strides: x.strides, offset: x.offset }, x.shape);
  if (new Set(pos).size !== pos.length) {
    throw new Error(`${where}: inputs[${index}] (shape ${formatShape(x.shape)}) has elements sharing memory (an expanded view?); pass a contiguous copy`);
  }
  return pos;
}

function unravel(flat: number, shape: readonly number[]): string {
  const idx = new Array<number>(shape.length);
  let r = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = r % shape[d]!;
    r = Math.floor(r / shape[d]!);
  }
  return formatShape(idx);
}

/** The values of every output, concatenated, as plain float64. */
function flatOutputs(fn: GradcheckFunction, inputs: Tensor[], where: string): Float64Array {
  const outs = callFn(fn, inputs, where);
  const total = outs.reduce((n, o) => n + o.numel(), 0);
  const flat = new Float64Array(total);
  let k = 0;
  for (const o of outs) {
    flat.set(o.values(), k);
    k += o.numel();
  }
  return flat;
}

/**
 * Numerical Jacobian of every output element with respect to every element of `inputs[i]`, by
 * central differences: column j is (f(x + eps e_j) - f(x - eps e_j)) / (2 eps).
 * The perturbation is written straight into the storage (no version bump): each evaluation builds a
 * fresh graph, and the value is restored before anything else runs.
 */
function numericalJacobian(fn: GradcheckFunction, inputs: Tensor[], i: number, eps: number, where: string): Float64Array[] {
  const x = inputs[i]!;
  const data = x.storage.data;
  const columns: Float64Array[] = [];
  for (const p of elementPositions(x, i, where)) {
    const original = data[p]!;
    try {
      data[p] = original + eps;
      const plus = flatOutputs(fn, inputs, where);
      data[p] = original - eps;
      const minus = flatOutputs(fn, inputs, where);
      const column = new Float64Array(plus.length);
      for (let m = 0; m < plus.length; m++) column[m] = (plus[m]! - minus[m]!) / (2 * eps);
      columns.push(column);
    } finally {
      data[p] = original;
    }
  }
  return columns;
}

/**
 * Analytic Jacobian rows: for each output element m, the gradient of that element with respect to
 * every input (one vector-Jacobian product per output element, with a one-hot gradient).
 * Returns `rows[m][i]` = gradient w.r.t. input i as flat values (zeros where unused).
 */
function analyticalJacobian(fn: GradcheckFunction, inputs: Tensor[], where: string): { rows: Float64Array[][]; outputShapes: number[][] } {
  const outs = callFn(fn, inputs, where);
  const outputShapes = outs.map((o) => o.shape.slice());
  const rows: Float64Array[][] = [];
  outs.forEach((o, k) => {
    for (let m = 0; m < o.numel(); m++) {
      if (!o.requiresGrad) {
        rows.push(inputs.map((x) => new Float64Array(x.numel())));
        continue;
      }
      const seed = new Float64Array(o.numel());
      seed[m] = 1;
      const grads = enableGrad(() =>
        grad([o], inputs, { gradOutputs: [Tensor.fromData(seed, o.shape, "float64")], retainGraph: true, allowUnused: true }),
      );
      rows.push(
        grads.map((g, i) => {
          const x = inputs[i]!;
          if (g === null) return new Float64Array(x.numel());
          if (!sameShape(g.shape, x.shape) || g.dtype !== x.dtype) {
            throw new Error(
              `${where}: the gradient of output ${k} w.r.t. inputs[${i}] has shape ${formatShape(g.shape)} and dtype ${g.dtype}, expected ${formatShape(x.shape)} and ${x.dtype}`,
            );
          }
          return Float64Array.from(g.values());
        }),
      );
    }
  });
  return { rows, outputShapes };
}

/** Which output and which of its elements a flat output index refers to. */
function locateOutput(m: number, shapes: number[][]): { k: number; element: string } {
  let rest = m;
  for (let k = 0; k < shapes.length; k++) {
    const n = numelOf(shapes[k]!);
    if (rest < n) return { k, element: unravel(rest, shapes[k]!) };
    rest -= n;
  }
  return { k: shapes.length - 1, element: "?" };
}

function compare(fn: GradcheckFunction, inputs: Tensor[], tol: Tolerances, where: string): true {
  const numerical = inputs.map((_, i) => numericalJacobian(fn, inputs, i, tol.eps, where));
  const { rows, outputShapes } = analyticalJacobian(fn, inputs, where);
  inputs.forEach((x, i) => {
    const columns = numerical[i]!;
    for (let j = 0; j < columns.length; j++) {
      const column = columns[j]!;
      for (let m = 0; m < column.length; m++) {
        const num = column[m]!;
        const ana = rows[m]![i]![j]!;
        const ok = Math.abs(ana - num) <= tol.atol + tol.rtol * Math.abs(num);
        if (!ok || Number.isNaN(ana) !== Number.isNaN(num)) {
          const { k, element } = locateOutput(m, outputShapes);
          throw new Error(
            `${where}: Jacobian mismatch for inputs[${i}] element ${unravel(j, x.shape)} and output ${k} element ${element}: ` +
              `numerical ${num}, analytical ${ana} (atol ${tol.atol}, rtol ${tol.rtol})`,
          );
        }
      }
    }
  });
  return true;
}

/**
 * Check the tape's gradients of `fn` against finite differences: for every input element x_j and
 * output element y_m, `|analytic - numerical| <= atol + rtol * |numerical|` with
 * numerical = (y_m(x + eps e_j) - y_m(x - eps e_j)) / (2 eps) and analytic the m-th row of the
 * Jacobian from `grad()`.
 * @param fn the function under test; returns a tensor or an array of tensors (float64).
 * @param inputs float64 tensors that require grad; `fn` is called with them as arguments.
 * @returns true when every entry matches.
 * @throws Error naming the input index, the element and both values at the first mismatch;
 *   TypeError for inputs that are not float64 tensors requiring grad.
 * @example
 * const x = randn([3], { dtype: "float64", requiresGrad: true });
 * gradcheck((x) => x.tanh().mul(x), [x]); // true
 */
export function gradcheck(fn: GradcheckFunction, inputs: Tensor[], options?: GradcheckOptions): true {
  if (typeof fn !== "function") throw new TypeError(`gradcheck: fn must be a function, got ${describe(fn)}`);
  const tol = tolerances(options, "gradcheck");
  return compare(fn, checkInputs(inputs, "gradcheck"), tol, "gradcheck");
}

/**
 * Check second derivatives: runs {@link gradcheck} on the map
 * `(inputs, gradOutputs) -> grad(fn(inputs), inputs, { gradOutputs, createGraph: true })`,
 * so the gradients recorded by `createGraph` are compared with finite differences of the first
 * gradients, with respect to both the inputs and the gradient fed in.
 * @param fn the function under test; returns a tensor or an array of tensors (float64).
 * @param inputs float64 tensors that require grad.
 * @returns true when every entry matches.
 * @throws Error naming the input index, the element and both values at the first mismatch
 *   (indices past the last input refer to the gradOutputs).
 * @example
 * gradgradcheck((x) => x.pow(3), [randn([4], { dtype: "float64", requiresGrad: true })]);
 */
export function gradgradcheck(fn: GradcheckFunction, inputs: Tensor[], options?: GradgradcheckOptions): true {
  const where = "gradgradcheck";
  if (typeof fn !== "function") throw new TypeError(`${where}: fn must be a function, got ${describe(fn)}`);
  const tol = tolerances(options, where);
  const xs = checkInputs(inputs, where);
  const outputs = callFn(fn, xs, where);
  const given = options?.gradOutputs;
  if (given !== undefined && (!Array.isArray(given) || given.length !== outputs.length)) {
    throw new RangeError(`${where}: gradOutputs must have one tensor per output (${outputs.length}), got ${describe(given)}`);
  }
  const generator = new Generator(0);
  const gradOutputs = outputs.map((o, k) => {
    const g = given?.[k];
    if (g === undefined) return randn(o.shape.slice(), { dtype: "float64", generator, requiresGrad: true });
    if (!(g instanceof Tensor)) throw new TypeError(`${where}: gradOutputs[${k}] must be a Tensor, got ${describe(g)}`);
    if (g.dtype !== "float64" || !sameShape(g.shape, o.shape)) {
      throw new TypeError(
        `${where}: gradOutputs[${k}] has shape ${formatShape(g.shape)} and dtype ${g.dtype}, but output ${k} has shape ${formatShape(o.shape)} and dtype float64`,
      );
    }
    return g.detach().clone().requiresGrad_(true);
  });
  const n = xs.length;
  const firstGrads: GradcheckFunction = (...args) => {
    const ins = args.slice(0, n);
    const outs = callFn(fn, ins, where);
    const used = outs.map((o, k) => [o, args[n + k]!] as const).filter(([o]) => o.requiresGrad);
    if (used.length === 0) throw new Error(`${where}: no output of fn requires grad`);
    const grads = grad(used.map(([o]) => o), ins, { gradOutputs: used.map(([, g]) => g), createGraph: true, allowUnused: true });
    return grads.filter((g): g is Tensor => g !== null);
  };
  return compare(firstGrads, [...xs, ...gradOutputs], tol, where);
}
