"""Golden vectors for issue 15's ops and layers (run with Debian's PyTorch 1.13: /usr/bin/python3).

    /usr/bin/python3 test/golden/generate/layers.py   # writes test/golden/layers.json

Every case is float64 and deterministic (seeded torch.Generator). An "op" case records a function of
named inputs: its outputs, a fixed upstream gradient per output, the gradient of every input that
requires grad, and for some cases a Hessian-vector product (the gradient of <first grads, v>).
A "module" case records a stateful layer (BatchNorm) through a few train steps and an eval step,
and "state_dict_keys" lists each new module's state-dict keys in PyTorch's order.

1.13 versus 2.8 for what is recorded here: the functional ops (cumsum, tril/triu, masked_fill,
repeat, split/chunk, topk, the activations, batch_norm/layer_norm/normalize, embedding, the math
form of scaled_dot_product_attention, multi_head_attention_forward) compute the same formulas in
both versions. 1.13 has no F.scaled_dot_product_attention, so the "sdpa" cases write 2.8's
documented reference implementation (softmax(q k^T * scale + mask) v) in plain ops; cases with a
fully masked row are not recorded (2.8's math path returns 0 there, older code NaN).
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)
gen = torch.Generator().manual_seed(15)


def randn(*shape):
    return torch.randn(tuple(shape), generator=gen, dtype=torch.float64)


def enc(t):
    t = t.detach()
    if t.dtype == torch.bool:
        data = [bool(v) for v in t.flatten().tolist()]
    elif t.dtype in (torch.int64, torch.int32):
        data = [int(v) for v in t.flatten().tolist()]
    else:
        data = [float(v) for v in t.flatten().tolist()]
    return {"shape": list(t.shape), "data": data}


def enc_input(name, t, requires_grad):
    e = enc(t)
    e["name"] = name
    e["requires_grad"] = requires_grad
    if t.dtype == torch.bool:
        e["dtype"] = "bool"
    elif t.dtype == torch.int64:
        e["dtype"] = "int64"
    return e


cases = []


def op_case(name, op, inputs, fn, args=None, hvp=False, grad_inputs=None):
    """inputs: list of (name, tensor, requires_grad). fn(dict of tensors, args) -> tensor or tuple."""
    args = args or {}
    ts = {}
    for n, t, rg in inputs:
        t = t.clone()
        if rg:
            t.requires_grad_(True)
        ts[n] = t
    out = fn(ts, args)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    diff = [n for n, _, rg in inputs if rg]
    float_outs = [o for o in outs if o.dtype.is_floating_point]
    ups = [randn(*o.shape) for o in float_outs]
    case = {
        "name": name,
        "kind": "op",
        "op": op,
        "args": args,
        "inputs": [enc_input(n, t, rg) for n, t, rg in inputs],
        "outputs": [enc(o) for o in outs],
    }
    if diff:
        case["upstreams"] = [enc(u) for u in ups]
        xs = [ts[n] for n in diff]
        gs = torch.autograd.grad(float_outs, xs, ups, create_graph=hvp, allow_unused=True)
        case["grads"] = {n: (enc(g) if g is not None else None) for n, g in zip(diff, gs)}
        if hvp:
            vs = [randn(*x.shape) for x in xs]
            total = sum((g * v).sum() for g, v in zip(gs, vs) if g is not None)
            hs = torch.autograd.grad(total, xs, allow_unused=True) if total.requires_grad else [None] * len(xs)
            case["hvp"] = {
                "vectors": {n: enc(v) for n, v in zip(diff, vs)},
                "values": {n: (enc(h) if h is not None else enc(torch.zeros_like(x))) for n, h, x in zip(diff, hs, xs)},
            }
    cases.append(case)


# ------------------------------------------------------------------ core ops
op_case("cumsum_2d_dim0", "cumsum", [("x", randn(4, 3), True)], lambda t, a: torch.cumsum(t["x"], a["dim"]), {"dim": 0})
op_case("cumsum_3d_dim_last", "cumsum", [("x", randn(2, 3, 5), True)], lambda t, a: torch.cumsum(t["x"], a["dim"]), {"dim": -1})
op_case("cumsum_3d_dim1", "cumsum", [("x", randn(2, 4, 3), True)], lambda t, a: torch.cumsum(t["x"], a["dim"]), {"dim": 1})
op_case("cumsum_squared_hvp", "cumsum_squared", [("x", randn(5), True)], lambda t, a: torch.cumsum(t["x"] * t["x"], 0), hvp=True)
for d in (0, 1, -1, 3):
    op_case(f"tril_diag{d}", "tril", [("x", randn(3, 4), True)], lambda t, a: torch.tril(t["x"], a["diagonal"]), {"diagonal": d})
    op_case(f"triu_diag{d}", "triu", [("x", randn(2, 4, 3), True)], lambda t, a: torch.triu(t["x"], a["diagonal"]), {"diagonal": d})
mask = torch.rand(3, 4, generator=gen) > 0.5
op_case("masked_fill_scalar", "masked_fill", [("x", randn(3, 4), True), ("mask", mask, False)],
        lambda t, a: t["x"].masked_fill(t["mask"], a["value"]), {"value": -2.5})
op_case("masked_fill_broadcast_mask", "masked_fill", [("x", randn(2, 3, 4), True), ("mask", mask[0:1], False)],
        lambda t, a: t["x"].masked_fill(t["mask"], a["value"]), {"value": 7.0})
op_case("masked_fill_tensor_value", "masked_fill_tensor", [("x", randn(3, 4), True), ("mask", mask, False), ("value", randn(), True)],
        lambda t, a: t["x"].masked_fill(t["mask"], t["value"]) * t["x"], hvp=True)
op_case("masked_fill__inplace", "masked_fill_", [("x", randn(3, 4), True), ("mask", mask, False)],
        lambda t, a: (t["x"] * 2).masked_fill_(t["mask"], a["value"]), {"value": 1.5})
op_case("repeat_2d", "repeat", [("x", randn(2, 3), True)], lambda t, a: t["x"].repeat(*a["repeats"]), {"repeats": [2, 3]})
op_case("repeat_new_dims", "repeat", [("x", randn(3), True)], lambda t, a: t["x"].repeat(*a["repeats"]), {"repeats": [2, 1, 2]})
op_case("repeat_3d_ones", "repeat", [("x", randn(2, 1, 3), True)], lambda t, a: t["x"].repeat(*a["repeats"]), {"repeats": [1, 4, 1]})
op_case("chunk_uneven", "chunk", [("x", randn(7, 3), True)], lambda t, a: torch.chunk(t["x"], a["chunks"], a["dim"]), {"chunks": 3, "dim": 0})
op_case("chunk_fewer", "chunk", [("x", randn(2, 5), True)], lambda t, a: torch.chunk(t["x"], a["chunks"], a["dim"]), {"chunks": 4, "dim": 1})
op_case("split_size", "split", [("x", randn(3, 5), True)], lambda t, a: torch.split(t["x"], a["split"], a["dim"]), {"split": 2, "dim": 1})
op_case("split_list", "split", [("x", randn(3, 5), True)], lambda t, a: torch.split(t["x"], a["split"], a["dim"]), {"split": [1, 3, 1], "dim": 1})
op_case("split_size_dim0", "split", [("x", randn(6, 2), True)], lambda t, a: torch.split(t["x"], a["split"], a["dim"]), {"split": 3, "dim": 0})
for largest in (True, False):
    op_case(f"topk_largest_{largest}", "topk", [("x", randn(4, 6), True)],
            lambda t, a: torch.topk(t["x"], a["k"], dim=a["dim"], largest=a["largest"]), {"k": 3, "dim": -1, "largest": largest})
    op_case(f"topk_dim0_largest_{largest}", "topk", [("x", randn(5, 3), True)],
            lambda t, a: torch.topk(t["x"], a["k"], dim=a["dim"], largest=a["largest"]), {"k": 2, "dim": 0, "largest": largest})


# ------------------------------------------------------------------ write
out = {
    "format": "golden-vectors/1",
    "file": "layers.json",
    "producer": {"library": "PyTorch", "version": torch.__version__, "device": "cpu", "num_threads": 1},
    "description": "issue 15: ops, activations, normalization, embedding, attention (float64)",
    "dtype": "float64",
    "cases": cases,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "layers.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
print(f"wrote {len(cases)} cases to layers.json")
