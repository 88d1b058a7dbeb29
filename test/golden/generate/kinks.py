"""First and second derivatives of every op with a branch, at its kink and beside it (issue 14).

Run with Debian's PyTorch: `/usr/bin/python3 test/golden/generate/kinks.py` (writes
test/golden/kinks.json; deterministic).

For each case, `f` is applied to float64 leaf inputs; `first[name]` = d f(inputs).sum() / d input
(computed with create_graph=True) and `second[name]` = d (sum over inputs of first[i].sum()) / d
input, i.e. the Hessian times a vector of ones (zeros when the first derivatives do not depend on
the inputs at all). Points are the kink itself and points 1e-3 beside it.

PyTorch 1.13 versus 2.8: the formulas of these ops' backward and double backward are the same in
2.8 (log_sigmoid_backward, threshold_backward, clamp_backward, abs/sgn, max/min with ties split
evenly, norm_backward, std_backward).
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
F64 = torch.float64
D = 1e-3


def enc(t):
    return {"shape": list(t.shape), "data": [float(v) if math.isfinite(v) else ("NaN" if v != v else ("Infinity" if v > 0 else "-Infinity")) for v in (t.detach() + torch.zeros(t.shape, dtype=t.dtype)).reshape(-1).tolist()]}


cases = []


def case(name, op, args, fn, inputs, grad_inputs=None):
    """inputs: list of (name, nested data); grad_inputs: names that require grad (all by default)."""
    ts = {}
    for n, data in inputs:
        t = torch.tensor(data, dtype=F64)
        ts[n] = t.requires_grad_(grad_inputs is None or n in grad_inputs)
    diff = [n for n, _ in inputs if ts[n].requires_grad]
    out = fn(*[ts[n] for n, _ in inputs])
    firsts = torch.autograd.grad(out.sum(), [ts[n] for n in diff], create_graph=True, allow_unused=True)
    firsts = [f if f is not None else torch.zeros_like(ts[n]) for f, n in zip(firsts, diff)]
    total = sum(f.sum() for f in firsts if f.requires_grad) if any(f.requires_grad for f in firsts) else None
    if total is None:
        seconds = [torch.zeros_like(ts[n]) for n in diff]
    else:
        seconds = torch.autograd.grad(total, [ts[n] for n in diff], allow_unused=True)
        seconds = [s if s is not None else torch.zeros_like(ts[n]) for s, n in zip(seconds, diff)]
    cases.append({
        "name": name, "op": op, "args": args,
        "inputs": [{"name": n, **enc(ts[n]), "requires_grad": ts[n].requires_grad} for n, _ in inputs],
        "output": enc(out),
        "first": {n: enc(f) for n, f in zip(diff, firsts)},
        "second": {n: enc(s) for n, s in zip(diff, seconds)},
    })


around0 = [0.0, D, -D, 2.0, -2.0]
case("abs", "abs", {}, torch.abs, [("x", around0)])
case("relu", "relu", {}, torch.relu, [("x", around0)])
case("sign", "sign", {}, torch.sign, [("x", around0)])
case("clamp_min_max", "clamp", {"min": -1, "max": 1}, lambda x: torch.clamp(x, -1, 1),
     [("x", [-1.0, -1 - D, -1 + D, 1.0, 1 + D, 1 - D, 0.0])])
case("clamp_min_only", "clamp", {"min": 0, "max": None}, lambda x: torch.clamp(x, min=0), [("x", around0)])
case("clamp_max_only", "clamp", {"min": None, "max": 0}, lambda x: torch.clamp(x, max=0), [("x", around0)])
case("clamp_min_above_max", "clamp", {"min": 1, "max": -1}, lambda x: torch.clamp(x, 1, -1),
     [("x", [-2.0, -1.0, 0.0, 1.0, 2.0])])
case("maximum_ties", "maximum", {}, torch.maximum, [("a", [1.0, 2.0, 3.0, 0.0]), ("b", [1.0, 2.0 + D, 3.0 - D, 0.0])])
case("minimum_ties", "minimum", {}, torch.minimum, [("a", [1.0, 2.0, 3.0, 0.0]), ("b", [1.0, 2.0 + D, 3.0 - D, 0.0])])
case("maximum_scalar_0", "maximum_scalar", {"other": 0}, lambda x: torch.maximum(x, torch.zeros((), dtype=F64)), [("x", around0)])
case("minimum_scalar_0", "minimum_scalar", {"other": 0}, lambda x: torch.minimum(x, torch.zeros((), dtype=F64)), [("x", around0)])
case("where_cube_square", "where_gt0_cube_square", {}, lambda x: torch.where(x > 0, x ** 3, x ** 2), [("x", around0)])
for p in [2, 3, 1.5, 0.5, 1, 0, 2.5]:
    case(f"pow_scalar_{p}_at_0", "pow_scalar", {"exponent": p}, lambda x, p=p: x ** p, [("x", [0.0, D, 1.0])])
case("pow_tensor_base_0", "pow_tensor", {}, torch.pow, [("a", [0.0, 0.0, 0.0, D]), ("b", [2.0, 0.0, 3.0, 2.0])])
case("log_sigmoid", "logSigmoid", {}, F.logsigmoid, [("x", [0.0, D, -D, 30.0, -30.0, 2.0])])
case("bce_with_logits_at_0", "bceWithLogits", {}, lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction="none"),
     [("x", [0.0, D, -D, 0.0]), ("t", [1.0, 0.0, 0.5, 0.0])], grad_inputs=["x"])
case("l1_loss_at_target", "l1Loss", {}, lambda x, t: F.l1_loss(x, t, reduction="none"),
     [("x", [1.0, 1.0 + D, 1.0 - D]), ("t", [1.0, 1.0, 1.0])], grad_inputs=["x"])
case("amax_ties", "amax", {"dim": 1}, lambda x: torch.amax(x, 1), [("x", [[1.0, 3.0, 3.0], [2.0, 2.0 + D, 0.0]])])
case("amin_ties", "amin", {"dim": 1}, lambda x: torch.amin(x, 1), [("x", [[1.0, 1.0, 3.0], [2.0, 2.0 - D, 0.0]])])
case("max_all_ties", "max_all", {}, torch.max, [("x", [[1.0, 3.0], [3.0, 0.0]])])
case("min_all_ties", "min_all", {}, torch.min, [("x", [[1.0, 0.0], [3.0, 0.0]])])
case("max_dim_ties", "max_dim", {"dim": 1}, lambda x: torch.max(x, 1).values, [("x", [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])])
case("min_dim_ties", "min_dim", {"dim": 1}, lambda x: torch.min(x, 1).values, [("x", [[1.0, 1.0, 3.0], [0.0, 2.0, 0.0]])])
case("norm_2_zero_vector", "norm", {"p": 2}, lambda x: torch.linalg.vector_norm(x, 2), [("x", [0.0, 0.0, 0.0])])
case("norm_1_with_zero", "norm", {"p": 1}, lambda x: torch.linalg.vector_norm(x, 1), [("x", [0.0, 1.0, -1.0])])
case("norm_inf_ties", "norm", {"p": "Infinity"}, lambda x: torch.linalg.vector_norm(x, float("inf")), [("x", [3.0, -3.0, 1.0])])
case("norm_3_with_zero", "norm", {"p": 3}, lambda x: torch.linalg.vector_norm(x, 3), [("x", [0.0, 1.0, -2.0])])
case("std_constant", "std", {}, torch.std, [("x", [2.0, 2.0, 2.0])])

# Where PyTorch's double backward gives NaN at a point where the true second derivative (or its
# one-sided limit) is finite, tapegrad keeps the finite value; the documented deviation and the
# analytic value it uses are recorded here (docs/pytorch-name-map.md lists them).
DEVIATIONS = {
    # f = a^b at a = 0, b in {2, 3}: d/db of (b a^(b-1) + a^b log a) = a^(b-1) (1 + b log a) + a^b log(a)^2,
    # whose limit as a -> 0+ is 0 for b > 1. PyTorch: NaN (0 * log 0 inside its masked formula).
    "pow_tensor_base_0": {"second": {"b": {"indices": [0, 2], "value": 0.0}},
                          "reason": "the limit of the mixed second derivative of a^b at a = 0 (b > 1) is 0"},
    # ||x||_2 at x = 0: tapegrad's first derivative there is the subgradient 0 (as PyTorch's) and its
    # second derivative continues that convention (0); PyTorch gives NaN.
    "norm_2_zero_vector": {"second": {"x": {"indices": [0, 1, 2], "value": 0.0}},
                           "reason": "the 2-norm's derivative is the constant subgradient 0 at x = 0, so its derivative is 0"},
}
for c in cases:
    if c["name"] in DEVIATIONS:
        c["tapegrad_deviation"] = DEVIATIONS[c["name"]]

out = {
    "format": "golden-vectors/1",
    "file": "kinks.json",
    "producer": {"library": "PyTorch", "version": torch.__version__, "device": "cpu", "num_threads": 1},
    "description": "first and second derivatives of ops with branches at and beside their kinks (issue 14)",
    "dtype": "float64",
    "cases": cases,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kinks.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print(f"{len(cases)} cases -> {os.path.normpath(path)}")
