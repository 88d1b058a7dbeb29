// Hostile input at the public entry points of core and nn, as a JavaScript caller without a type
// checker would pass it. Each call must throw a specific error naming the function, and leave every
// object it touched exactly as it was (values, shape, dtype, version, grad, requiresGrad).
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import * as tg from "@tapegrad/core";
import { Tensor, fromBytes, load, noGrad, save, tensor, toBytes, zeros } from "@tapegrad/core";
import { F, Linear, Module, Sequential, ReLU, init } from "@tapegrad/nn";

const scratch = mkdtempSync(join(tmpdir(), "tapegrad-hostile-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Everything observable about a tensor. */
function snapshot(t: Tensor): unknown {
  return { values: Array.from(t.dataSync()), shape: t.shape.slice(), dtype: t.dtype, version: t.version, requiresGrad: t.requiresGrad, grad: t.grad === null ? null : Array.from(t.grad.dataSync()) };
}

/** Expect `action` to throw `type` with a message matching `message`, and `watched` to be unchanged. */
function rejects(action: () => unknown, type: ErrorConstructor, message: RegExp, watched: Tensor[] = []): void {
  const before = watched.map(snapshot);
  let error: unknown = null;
  try {
    action();
  } catch (e) {
    error = e;
  }
  expect(error, `expected ${message} to be thrown`).toBeInstanceOf(type);
  expect((error as Error).message).toMatch(message);
  expect(watched.map(snapshot)).toEqual(before);
}

const any = (x: unknown): never => x as never;

describe("tensor creation", () => {
  test.each([
    ["a string", "abc", TypeError, /tensor: element value must be a number or boolean, got "abc"/],
    ["undefined", undefined, TypeError, /tensor: element value must be a number or boolean, got undefined/],
    ["null", null, TypeError, /got null/],
    ["an object", { a: 1 }, TypeError, /got an object/],
    ["a bigint", [1n], TypeError, /element \[0\] must be a number or boolean, got 1/],
    ["a string element", [1, "2"], TypeError, /element \[1\] must be a number or boolean, got "2"/],
    ["a hole", [1, , 3], TypeError, /element \[1\] must be a number or boolean, got undefined/],
    ["a ragged row", [[1, 2], [3]], RangeError, /ragged nested array: element \[1\] has length 1, expected 2/],
    ["a deeper element", [1, [2]], RangeError, /ragged nested array/],
    ["a scalar among rows", [[1], 5], RangeError, /ragged nested array: element \[1\] is 5/],
  ] as Array<[string, unknown, ErrorConstructor, RegExp]>)("tensor(%s) is rejected", (_name, data, type, message) => {
    rejects(() => tensor(any(data)), type, message);
  });

  test("bad options", () => {
    rejects(() => tensor([1], any({ dtype: "float16" })), TypeError, /tensor: dtype must be one of bool, int32, float32, float64, got "float16"/);
    rejects(() => tensor([1], any({ requiresGrad: "yes" })), TypeError, /tensor: requiresGrad must be a boolean/);
    rejects(() => tensor([1], { dtype: "int32", requiresGrad: true }), TypeError, /only floating point tensors can require gradients/);
    rejects(() => tensor([1], any(7)), TypeError, /tensor: options must be an object/);
  });

  test.each([
    ["a negative size", [2, -1], RangeError, /zeros: shape must contain non-negative integers, got -1/],
    ["a fractional size", [1.5], RangeError, /got 1.5/],
    ["NaN", [NaN], RangeError, /got NaN/],
    ["Infinity", [Infinity], RangeError, /got Infinity/],
    ["a string size", ["3"], RangeError, /got "3"/],
    ["not an array", 3, TypeError, /zeros: shape must be an array of integers, got 3/],
    ["more elements than int32 positions (regression)", [65536, 65536], RangeError, /zeros: shape \[65536,65536\] has 4294967296 elements, more than the 2147483647/],
  ] as Array<[string, unknown, ErrorConstructor, RegExp]>)("zeros with %s", (_name, shape, type, message) => {
    rejects(() => zeros(any(shape)), type, message);
  });

  test("ranges and random creation", () => {
    rejects(() => tg.arange(0, NaN), TypeError, /arange: end must be a finite number, got NaN/);
    rejects(() => tg.arange(0, 5, 0), RangeError, /arange: step must be non-zero/);
    rejects(() => tg.arange(5, 0, 1), RangeError, /inconsistent with step sign/);
    rejects(() => tg.linspace(0, 1, -1), RangeError, /linspace: steps must be a non-negative integer, got -1/);
    rejects(() => tg.linspace(0, Infinity, 3), TypeError, /linspace: end must be a finite number/);
    rejects(() => tg.randint(3, 3, [2]), RangeError, /randint: high \(3\) must be greater than low \(3\)/);
    rejects(() => tg.rand([2], { dtype: "int32" }), TypeError, /rand: dtype must be float32 or float64/);
    rejects(() => tg.randn([2], any({ generator: {} })), TypeError, /randn: generator must be a Generator/);
    rejects(() => tg.eye(-2), RangeError, /eye: shape must contain non-negative integers/);
  });
});

describe("ops", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
  const i32 = tensor([[1, 2], [3, 4]], { dtype: "int32" });
  const watched = [x, i32];

  test.each([
    ["add with a string", () => x.add(any("1")), TypeError, /add: other must be a Tensor, a number or a boolean, got "1"/],
    ["add of two numbers", () => tg.add(any(1), any(2)), TypeError, /add: at least one operand must be a Tensor/],
    ["mismatched broadcast", () => x.mul(tensor([1, 2])), RangeError, /mul: shapes \[2,3\] and \[2\] cannot be broadcast/],
    ["alpha as a string", () => x.add(x, any({ alpha: "2" })), TypeError, /add: alpha must be a number/],
    ["bool subtraction", () => tensor([true]).sub(tensor([false])), TypeError, /sub: subtraction of bool tensors is not supported/],
    ["int to a negative int power", () => i32.pow(-1), RangeError, /pow: integers to negative integer powers are not allowed/],
    ["where with a float condition", () => tg.where(x, x, 0), TypeError, /where: condition must be a bool tensor, got float32/],
    ["clamp without bounds", () => x.clamp(), TypeError, /clamp: at least one of min and max must be given/],
    ["clamp with a string bound", () => x.clamp(any("0")), TypeError, /clamp: min must be a number, got "0"/],
    ["cast to an unknown dtype", () => x.to(any("half")), TypeError, /to: dtype must be one of/],
    ["unary op on a non-tensor", () => tg.exp(any([1, 2])), TypeError, /exp: input must be a Tensor, got an array of length 2/],
    ["sum over a fractional dim", () => x.sum(1.5), TypeError, /sum: dim must be an integer, got 1.5/],
    ["sum over a dim out of range", () => x.sum(2), RangeError, /sum: dim 2 is out of range for a tensor with 2 dimension/],
    ["sum over a repeated dim", () => x.sum([1, -1]), RangeError, /sum: dim -1 appears more than once/],
    ["mean of int32", () => i32.mean(), TypeError, /mean: could not infer output dtype/],
    ["var with NaN correction", () => x.var({ correction: NaN }), TypeError, /var: correction must be a finite number, got NaN/],
    ["norm with negative p", () => x.norm(-1), RangeError, /norm: p must be 0, a positive number or Infinity, got -1/],
    ["logsumexp without dim", () => tg.logsumexp(x, any(undefined)), TypeError, /logsumexp: dim is required/],
    ["softmax with a string dim", () => x.softmax(any("1")), TypeError, /softmax: dim must be an integer, got "1"/],
    ["max with a string keepdim", () => x.max(1, any("yes")), TypeError, /max: keepdim must be a boolean/],
    ["matmul of mismatched shapes", () => x.matmul(x), RangeError, /matmul: shapes \[2,3\] and \[2,3\] cannot be multiplied \(3 != 2\)/],
    ["matmul of mixed dtypes", () => x.matmul(tensor([[1], [2], [3]], { dtype: "float64" })), TypeError, /matmul: expected both operands to have the same dtype, but got float32 and float64/],
    ["matmul of a 0-dim tensor", () => x.matmul(tensor(2)), TypeError, /matmul: both arguments need to be at least 1D/],
    ["dot of 2-D tensors", () => tg.dot(x, x), TypeError, /dot: 1D tensors expected/],
    ["reshape with two -1", () => x.reshape(-1, -1), RangeError, /reshape: only one dimension can be inferred/],
    ["reshape to the wrong size", () => x.reshape(4), RangeError, /reshape: shape \[4\] is invalid for input of size 6/],
    ["reshape with a fractional size", () => x.reshape(2.5, 2), TypeError, /reshape: shape must contain integers, got 2.5/],
    ["view of a transpose", () => x.t().view(6), RangeError, /view: size \[6\] is not compatible with the input's size \[3,2\]/],
    ["expand of a non-singleton dim", () => x.expand(4, 3), RangeError, /expand: the expanded size of the tensor \(4\) must match the existing size \(2\)/],
    ["transpose of a dim out of range", () => x.transpose(0, 5), RangeError, /transpose: dim 5 is out of range/],
    ["permute with a repeated dim", () => x.permute(0, 0), RangeError, /permute: repeated dim/],
    ["narrow past the end", () => x.narrow(1, 2, 2), RangeError, /narrow: start \(2\) \+ length \(2\) exceeds dimension 1 of size 3/],
    ["select out of bounds", () => x.select(0, 2), RangeError, /select: index 2 is out of bounds for dimension 0 with size 2/],
    ["slice with step 0", () => x.slice([0, 2, 0]), RangeError, /slice: step must be a positive integer, got 0/],
    ["slice with too many indices", () => x.slice(0, 0, 0), RangeError, /slice: too many indices \(3\)/],
    ["gather with a float index", () => x.gather(1, tensor([[0]])), TypeError, /gather: index must be an int32 tensor, got float32/],
    ["gather out of bounds", () => x.gather(1, tensor([[3]], { dtype: "int32" })), RangeError, /gather: index 3 is out of bounds for dimension 1 with size 3/],
    ["gather with a negative index", () => x.gather(1, tensor([[-1]], { dtype: "int32" })), RangeError, /negative indices are not supported/],
    ["indexSelect with a 2-D index", () => x.indexSelect(0, i32), RangeError, /indexSelect: index must be a vector/],
    ["scatterAdd of another dtype", () => x.scatterAdd(1, tensor([[0]], { dtype: "int32" }), tensor([[1]], { dtype: "float64" })), TypeError, /scatterAdd: expected src and input to have the same dtype/],
    ["indexAdd with a wrong source shape", () => x.indexAdd(0, tensor([0], { dtype: "int32" }), zeros([1, 2])), RangeError, /indexAdd: source has shape \[1,2\] but expected \[1,3\]/],
    ["cat of an empty list", () => tg.cat([]), TypeError, /cat: tensors must be a non-empty array of tensors/],
    ["cat of a non-tensor", () => tg.cat([x, any(3)]), TypeError, /cat: tensors\[1\] must be a Tensor, got 3/],
    ["cat of mismatched shapes", () => tg.cat([x, zeros([2, 2])], 0), RangeError, /cat: sizes of tensors must match except in dimension 0/],
    ["stack of mismatched shapes", () => tg.stack([x, zeros([3, 2])]), RangeError, /stack: expects each tensor to be equal size/],
    ["backward of a non-scalar without a gradient", () => x.mul(2).backward(), Error, /backward: grad can be implicitly created only for scalar outputs/],
    ["backward with a wrongly shaped gradient", () => x.mul(2).backward(zeros([3])), RangeError, /backward: gradient has shape \[3\] but the output has shape \[2,3\]/],
    ["grad assignment of the wrong shape", () => { x.grad = zeros([3]); }, TypeError, /grad: assigned gradient has shape \[3\]/],
    ["grad assignment of a non-tensor", () => { x.grad = any([1, 2, 3]); }, TypeError, /grad: assigned value must be a Tensor or null/],
    ["requiresGrad on int32", () => i32.requiresGrad_(true), TypeError, /requiresGrad_: only floating point tensors can require gradients/],
  ] as Array<[string, () => unknown, ErrorConstructor, RegExp]>)("%s", (_name, action, type, message) => {
    rejects(action, type, message, watched);
  });
});

describe("in-place ops fail before writing anything", () => {
  test("a leaf that requires grad, a cast to a lower category, a shape mismatch", () => {
    const leaf = tensor([1, 2, 3], { requiresGrad: true });
    rejects(() => leaf.add_(1), Error, /add_: a leaf tensor that requires grad is being used in an in-place operation/, [leaf]);
    const ints = tensor([1, 2, 3], { dtype: "int32" });
    rejects(() => ints.add_(1.5), TypeError, /add_: result type float32 can't be cast to the desired output type int32/, [ints]);
    rejects(() => ints.mul_(tensor([true]).logicalNot().float()), TypeError, /mul_: result type float32 can't be cast/, [ints]);
    const bools = tensor([true, false]);
    rejects(() => bools.add_(2), TypeError, /add_: result type int32 can't be cast to the desired output type bool/, [bools]);
    const small = zeros([3]);
    rejects(() => small.add_(zeros([2, 3])), RangeError, /add_: output with shape \[3\] doesn't match the broadcast shape \[2,3\]/, [small]);
    rejects(() => small.add_(any("x")), TypeError, /add: other must be a Tensor, a number or a boolean/, [small]);
    rejects(() => small.fill_(any({})), TypeError, /fill_: value must be a number, boolean or Tensor/, [small]);
  });

  test("regression: writing into an expanded (stride-0) tensor is rejected, as in PyTorch, in and out of grad mode", () => {
    const base = tensor([[1, 2, 3]]);
    const wide = base.expand(2, 3);
    rejects(() => wide.add_(tensor([[1, 1, 1], [5, 5, 5]])), RangeError, /add_: unsupported operation: more than one element of the written-to tensor .* refers to a single memory location/, [base]);
    rejects(() => wide.fill_(0), RangeError, /fill_: unsupported operation/, [base]);
    rejects(() => noGrad(() => wide.copy_(zeros([2, 3]))), RangeError, /copy_: unsupported operation/, [base]);
    const tracked = tensor([[1, 2, 3]], { requiresGrad: true }).mul(1);
    rejects(() => tracked.expand(2, 3).mul_(2), RangeError, /mul_: unsupported operation/, [tracked]);
    // A size-1 dim with stride 0 does not alias anything: still writable.
    expect(tensor([5]).expand(1).add_(1).tolist()).toEqual([6]);
  });

  test("regression: float32.add_(float64) works with and without grad mode (PyTorch's can_cast), with the same result", () => {
    const plain = zeros([2]);
    plain.add_(tensor([0.1, 0.2], { dtype: "float64" }));
    const tracked = zeros([2], { requiresGrad: true }).mul(1);
    tracked.add_(tensor([0.1, 0.2], { dtype: "float64" }));
    expect(plain.dtype).toBe("float32");
    expect(plain.tolist()).toEqual(tracked.tolist());
    expect(plain.tolist()).toEqual([Math.fround(0.1), Math.fround(0.2)]);
  });
});

describe("checkpoints: truncated, bit-flipped and malformed bytes", () => {
  const state = { step: 3, lr: 0.01, nested: { w: tensor([[1, 2], [3, 4]]), idx: tensor([1, 2], { dtype: "int32" }), mask: tensor([true, false]) }, name: "run" };
  const bytes = toBytes(state);

  test("every truncation is reported as truncated or corrupt", () => {
    for (let n = 0; n < bytes.length; n++) {
      expect(() => fromBytes(bytes.subarray(0, n)), `truncated to ${n} bytes`).toThrow(/^fromBytes: the data (is truncated|is corrupt)/);
    }
  });

  test("every single-bit flip anywhere in the file is detected", () => {
    for (let i = 0; i < bytes.length; i++) {
      for (const bit of [0, 3, 7]) {
        const copy = bytes.slice();
        copy[i] ^= 1 << bit;
        expect(() => fromBytes(copy), `bit ${bit} of byte ${i}`).toThrow(/^fromBytes: /);
      }
    }
  });

  /** A foreign (non-tapegrad) safetensors file with the given header. */
  function foreign(header: unknown, data = new Uint8Array(8)): Uint8Array {
    const json = new TextEncoder().encode(JSON.stringify(header));
    const out = new Uint8Array(8 + json.length + data.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    out.set(data, 8 + json.length);
    return out;
  }

  test("a well-formed foreign file loads; headers with extra, missing or wrong keys are rejected", () => {
    const ok = fromBytes(foreign({ w: { dtype: "F32", shape: [2], data_offsets: [0, 8] } })) as Record<string, Tensor>;
    expect(ok.w!.tolist()).toEqual([0, 0]);
    // Unknown fields in an entry are ignored, as by the reference safetensors reader.
    const extra = fromBytes(foreign({ w: { dtype: "F32", shape: [2], data_offsets: [0, 8], extra: 1 } })) as Record<string, Tensor>;
    expect(extra.w!.shape).toEqual([2]);
    const bad: Array<[string, unknown]> = [
      ["missing dtype", { w: { shape: [2], data_offsets: [0, 8] } }],
      ["missing offsets", { w: { dtype: "F32", shape: [2] } }],
      ["negative size", { w: { dtype: "F32", shape: [-2], data_offsets: [0, 8] } }],
      ["offsets past the end", { w: { dtype: "F32", shape: [2], data_offsets: [0, 16] } }],
      ["size mismatch", { w: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }],
      ["unknown dtype", { w: { dtype: "Q7", shape: [2], data_offsets: [0, 8] } }],
      ["a header that is an array", [1, 2]],
      ["metadata that is not strings", { __metadata__: { a: 1 }, w: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }],
    ];
    for (const [name, header] of bad) expect(() => fromBytes(foreign(header)), name).toThrow(/^fromBytes: /);
    expect(() => fromBytes(foreign({ w: { dtype: "F16", shape: [4], data_offsets: [0, 8] } }))).toThrow(/F16/);
  });

  test("a tapegrad checkpoint whose structure JSON has extra or missing keys is corrupt (checksum first)", () => {
    // Rename the key "step" to "stop" in place (same length), as a hand-edited file would.
    const tampered = bytes.slice();
    const needle = new TextEncoder().encode("step");
    const at = tampered.findIndex((_, i) => needle.every((b, k) => tampered[i + k] === b));
    expect(at).toBeGreaterThan(8);
    tampered[at + 2] = "o".charCodeAt(0);
    expect(() => fromBytes(tampered)).toThrow(/fromBytes: the data is corrupt: checksum mismatch/);
  });

  test("fromBytes, save and load reject wrong argument types; a failed save touches no file", () => {
    rejects(() => fromBytes(any("abc")), TypeError, /fromBytes: bytes must be a Uint8Array, got "abc"/);
    rejects(() => fromBytes(any(null)), TypeError, /fromBytes: bytes must be a Uint8Array, got null/);
    rejects(() => save(state, any(42)), TypeError, /save: path must be a non-empty string, got 42/);
    const path = join(scratch, "never.safetensors");
    rejects(() => save({ f: () => 1 }, path), TypeError, /save: /);
    expect(existsSync(path)).toBe(false);
    const good = join(scratch, "good.safetensors");
    save(state, good);
    const before = readFileSync(good);
    rejects(() => save({ bad: 10n }, good), TypeError, /save: /);
    expect(readFileSync(good)).toEqual(before);
    rejects(() => load(join(scratch, "missing.safetensors")), Error, /load: could not read/);
    const cut = join(scratch, "cut.safetensors");
    writeFileSync(cut, before.subarray(0, before.length - 3));
    rejects(() => load(cut), Error, /load: ".*cut.safetensors" is (truncated|corrupt)/);
  });
});

describe("nn entry points", () => {
  test.each([
    ["a negative size", () => new Linear(-1, 2), RangeError, /Linear: inFeatures must be >= 0, got -1/],
    ["a fractional size", () => new Linear(2, 1.5), TypeError, /Linear: outFeatures must be an integer, got 1.5/],
    ["a string size", () => new Linear(any("3"), 2), TypeError, /Linear: inFeatures must be an integer, got "3"/],
    ["NaN", () => new Linear(NaN, 2), TypeError, /got NaN/],
    ["an int dtype", () => new Linear(2, 2, any({ dtype: "int32" })), TypeError, /Linear: dtype must be "float32" or "float64"/],
    ["a string bias flag", () => new Linear(2, 2, any({ bias: "no" })), TypeError, /Linear: bias must be a boolean/],
  ] as Array<[string, () => unknown, ErrorConstructor, RegExp]>)("Linear with %s", (_name, action, type, message) => {
    rejects(action, type, message);
  });

  test("Linear.forward with a wrongly sized input changes nothing", () => {
    const fc = new Linear(3, 2);
    rejects(() => fc.forward(zeros([4, 5])), RangeError, /linear: input shape \[4,5\]/, [fc.weight, fc.bias!]);
    rejects(() => fc.forward(any([1, 2, 3])), TypeError, /must be a Tensor/, [fc.weight, fc.bias!]);
  });

  class Net extends Module {
    fc1 = new Linear(3, 4);
    fc2 = new Linear(4, 2);
    forward(x: Tensor): Tensor {
      return this.fc2.forward(this.fc1.forward(x).relu());
    }
  }

  test("loadStateDict of another model, wrong shapes, wrong values or wrong containers changes nothing", () => {
    const net = new Net();
    const params = net.parameters();
    const other = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2));
    const good = net.stateDict();
    const cases: Array<[unknown, ErrorConstructor, RegExp]> = [
      [other.stateDict(), Error, /loadStateDict: error\(s\) in loading the state dict for Net \(nothing was changed\):\n {2}missing key\(s\): "fc1.weight"/],
      [{ ...good, extra: zeros([1]) }, Error, /unexpected key\(s\): "extra"/],
      [{ ...good, "fc1.weight": zeros([4, 4]) }, Error, /size mismatch for "fc1.weight": copying a tensor with shape \[4,4\]/],
      [{ ...good, "fc2.bias": [0, 0] }, Error, /value for "fc2.bias" must be a Tensor, got an array of length 2/],
      [{ state: {}, paramGroups: [] }, Error, /missing key\(s\)/],
      [null, TypeError, /loadStateDict: stateDict must be a plain object \(or Map\)/],
      [[1, 2], TypeError, /stateDict must be a plain object/],
      [zeros([2]), TypeError, /stateDict must be a plain object/],
    ];
    const modified = Object.fromEntries(Object.entries(good).map(([k, v]) => [k, (v as Tensor).add(1)]));
    cases.push([{ ...modified, "fc2.bias": zeros([3]) }, Error, /size mismatch for "fc2.bias"/]);
    for (const [sd, type, message] of cases) rejects(() => net.loadStateDict(any(sd)), type, message, params);
    rejects(() => net.loadStateDict(good, any({ strict: "yes" })), TypeError, /loadStateDict: strict must be a boolean/, params);
    const partial = net.loadStateDict({ "fc1.weight": zeros([4, 3]) }, { strict: false });
    expect(partial.missingKeys).toEqual(["fc1.bias", "fc2.weight", "fc2.bias"]);
    expect(net.fc1.weight.tolist()).toEqual(zeros([4, 3]).tolist());
  });

  test("losses reject malformed input and targets", () => {
    const input = tensor([[1, 2, 3], [0, 0, 1]], { requiresGrad: true });
    const cases: Array<[() => unknown, ErrorConstructor, RegExp]> = [
      [() => F.mseLoss(input, zeros([2, 2])), RangeError, /mseLoss: target shape \[2,2\] must equal the input shape \[2,3\]/],
      [() => F.mseLoss(input, zeros([2, 3], { dtype: "int32" })), TypeError, /mseLoss: target must be a float32 or float64 tensor/],
      [() => F.l1Loss(input, zeros([2, 3]), any({ reduction: "avg" })), RangeError, /l1Loss: reduction must be "mean", "sum" or "none", got "avg"/],
      [() => F.crossEntropy(input, tensor([0, 3], { dtype: "int32" })), RangeError, /crossEntropy: target value 3 \(at flat index 1\) is out of range \[0, 3\)/],
      [() => F.crossEntropy(input, tensor([0, 1])), RangeError, /crossEntropy: float targets are class probabilities and must have the input's shape/],
      [() => F.crossEntropy(input, tensor([0, 1], { dtype: "int32" }), { labelSmoothing: 2 }), RangeError, /labelSmoothing must be between 0.0 and 1.0, got 2/],
      [() => F.crossEntropy(input, tensor([0, 1], { dtype: "int32" }), { labelSmoothing: NaN }), RangeError, /got NaN/],
      [() => F.crossEntropy(input, tensor([0, 1], { dtype: "int32" }), { weight: zeros([2]) }), RangeError, /weight must have shape \[3\]/],
      [() => F.crossEntropy(input, tensor([0, 1], { dtype: "int32" }), any({ ignoreIndex: 0.5 })), TypeError, /ignoreIndex must be an integer/],
      [() => F.nllLoss(input, any("0")), TypeError, /nllLoss: target must be int32 class indices of shape \[2\]/],
      [() => F.binaryCrossEntropyWithLogits(input, zeros([2, 3]), { posWeight: zeros([4]) }), RangeError, /cannot be broadcast/],
    ];
    for (const [action, type, message] of cases) rejects(action, type, message, [input]);
  });

  test("init rejects bad targets and NaN/Infinity hyperparameters without touching the tensor", () => {
    const w = tensor([[1, 2], [3, 4]]);
    const cases: Array<[() => unknown, ErrorConstructor, RegExp]> = [
      [() => init.uniform_(w, { a: NaN }), TypeError, /uniform_: a must be a finite number, got NaN/],
      [() => init.uniform_(w, { a: 1, b: 0 }), RangeError, /uniform_: expected a <= b/],
      [() => init.normal_(w, { std: -1 }), RangeError, /normal_: std must be >= 0/],
      [() => init.normal_(w, { mean: Infinity }), TypeError, /normal_: mean must be a finite number/],
      [() => init.constant_(w, any("1")), TypeError, /constant_: value must be a number/],
      [() => init.kaimingUniform_(w, any({ mode: "fan_avg" })), RangeError, /mode must be "fan_in" or "fan_out"/],
      [() => init.uniform_(any([1, 2])), TypeError, /uniform_: /],
      [() => init.uniform_(tensor([1, 2], { dtype: "int32" })), TypeError, /uniform_: /],
    ];
    for (const [action, type, message] of cases) rejects(action, type, message, [w]);
  });
});
