/**
 * `jvp` and `vjp` in `torch.func`'s shapes: Jacobian-vector products by forward mode, vector-Jacobian
 * products by reverse mode, for a function of tensors.
 * @module
 */
import { describe } from "../describe.js";
import { formatShape, sameShape } from "../shape.js";
import { Tensor } from "../tensor.js";
import { zerosLike } from "../ops/creation.js";
import { dualLevel, makeDual, unpackDual } from "./forward-ad.js";
import { grad } from "./grad.js";
import { setTangent, tangentOf } from "./tangents.js";

/** What a function given to {@link jvp} or {@link vjp} may return: one tensor or a list of tensors. */
export type FunctionOutput = Tensor | Tensor[];

function checkTensors(list: unknown, op: string, what: string): Tensor[] {
  if (!Array.isArray(list) || list.length === 0) throw new TypeError(`${op}: ${what} must be a non-empty array of tensors, got ${describe(list)}`);
  list.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`${op}: ${what}[${i}] must be a Tensor, got ${describe(t)}`);
  });
  return list as Tensor[];
}

function outputsOf(out: unknown, op: string): Tensor[] {
  const list = Array.isArray(out) ? out : [out];
  list.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`${op}: the function must return a Tensor or an array of tensors; output ${i} is ${describe(t)}`);
  });
  return list as Tensor[];
}

function checkPairs(a: Tensor[], b: Tensor[], op: string, names: [string, string]): void {
  if (a.length !== b.length) throw new RangeError(`${op}: ${names[0]} has ${a.length} entries but ${names[1]} has ${b.length}`);
  a.forEach((p, i) => {
    if (!sameShape(p.shape, b[i]!.shape)) {
      throw new RangeError(`${op}: ${names[1]}[${i}] has shape ${formatShape(b[i]!.shape)} but ${names[0]}[${i}] has shape ${formatShape(p.shape)}`);
    }
  });
}

/**
 * The Jacobian-vector product of `fn` at `primals` along `tangents`, by forward mode
 * (`torch.func.jvp(func, primals, tangents)`): returns `[output, jvpOut]`, where `output` is
 * `fn(...primals)` and `jvpOut` its directional derivative (same structure: a tensor, or an array
 * for a function returning an array; zeros for an output that does not depend on the primals).
 * `fn` may call `grad()`/`vjp()` inside (forward-over-reverse, e.g. Hessian-vector products).
 * Runs its own {@link dualLevel}, so it cannot be nested in another.
 * @throws TypeError/RangeError for non-tensors, non-float primals, or tangents whose count,
 *   shapes or dtypes differ from the primals'.
 * @example const [y, dy] = jvp((x) => x.sin(), [x], [v]); // dy = cos(x) * v
 */
export function jvp<T extends FunctionOutput>(fn: (...primals: Tensor[]) => T, primals: Tensor[], tangents: Tensor[]): [T, T] {
  if (typeof fn !== "function") throw new TypeError(`jvp: fn must be a function, got ${describe(fn)}`);
  const ps = checkTensors(primals, "jvp", "primals");
  const ts = checkTensors(tangents, "jvp", "tangents");
  checkPairs(ps, ts, "jvp", ["primals", "tangents"]);
  return dualLevel(() => {
    const duals = ps.map((p, i) => makeDual(p, ts[i]!));
    const out = fn(...duals);
    const outs = outputsOf(out, "jvp");
    const parts = outs.map((o) => unpackDual(o));
    const primalsOut = parts.map((p) => p.primal);
    const tangentsOut = parts.map((p, i) => p.tangent ?? zerosLike(outs[i]!));
    return (Array.isArray(out) ? [primalsOut, tangentsOut] : [primalsOut[0]!, tangentsOut[0]!]) as [T, T];
  });
}

/** Computes the vector-Jacobian products of the output a {@link vjp} call evaluated. */
export type VjpFunction = (cotangents: Tensor | Tensor[]) => Tensor[];

/**
 * The vector-Jacobian product of `fn` at `primals`, by reverse mode (`torch.func.vjp(func, *primals)`):
 * returns `[output, vjpFn]` with `vjpFn(cotangents)` (one cotangent per output, same shapes)
 * giving one gradient per primal (zeros for a primal the output does not depend on). `vjpFn` may
 * be called several times, and its results are differentiable (they are recorded when a primal or
 * cotangent requires grad, and carry tangents inside a dual level). With `cotangents` given as a
 * third argument, returns `[output, grads]` directly.
 * Primals that do not require grad are differentiated through a detached copy, so their own
 * history is not touched.
 * @example const [y, vjpFn] = vjp((x) => x.sin(), [x]); const [gx] = vjpFn(v); // gx = cos(x) * v
 */
export function vjp<T extends FunctionOutput>(fn: (...primals: Tensor[]) => T, primals: Tensor[]): [T, VjpFunction];
export function vjp<T extends FunctionOutput>(fn: (...primals: Tensor[]) => T, primals: Tensor[], cotangents: Tensor | Tensor[]): [T, Tensor[]];
export function vjp<T extends FunctionOutput>(
  fn: (...primals: Tensor[]) => T,
  primals: Tensor[],
  cotangents?: Tensor | Tensor[],
): [T, VjpFunction] | [T, Tensor[]] {
  if (typeof fn !== "function") throw new TypeError(`vjp: fn must be a function, got ${describe(fn)}`);
  const ps = checkTensors(primals, "vjp", "primals");
  ps.forEach((p, i) => {
    if (!p.isFloatingPoint()) throw new TypeError(`vjp: primals[${i}] must be a floating point tensor, got ${p.dtype}`);
  });
  const inputs = ps.map((p) => {
    if (p.requiresGrad) return p;
    const q = p.detach().requiresGrad_(true);
    setTangent(q, tangentOf(p));
    return q;
  });
  const out = fn(...inputs);
  const outs = outputsOf(out, "vjp");
  const differentiable = outs.map((o) => o.requiresGrad);
  const vjpFn: VjpFunction = (cots) => {
    const cs = checkTensors(Array.isArray(cots) ? cots : [cots], "vjp", "cotangents");
    checkPairs(outs, cs, "vjp", ["outputs", "cotangents"]);
    const used = outs.filter((_, i) => differentiable[i]);
    if (used.length === 0) return inputs.map((p) => zerosLike(p));
    const createGraph = ps.some((p) => p.requiresGrad) || cs.some((c) => c.requiresGrad);
    const grads = grad(used, inputs, {
      gradOutputs: cs.filter((_, i) => differentiable[i]),
      retainGraph: true,
      createGraph,
      allowUnused: true,
    });
    return grads.map((g, i) => g ?? zerosLike(inputs[i]!));
  };
  if (cotangents !== undefined) return [out, vjpFn(cotangents)];
  return [out, vjpFn];
}
