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


# ------------------------------------------------------------------ activations
# Inputs include the kinks (0, the hardtanh ends, the softplus threshold) to pin the one-sided
# derivatives and the second derivatives there.
def with_kinks(*extra):
    x = randn(3, 5) * 2
    flat = x.flatten()
    for i, v in enumerate((0.0,) + extra):
        flat[i] = v
    return flat.reshape(3, 5)


act = [
    ("silu", "silu", {}, lambda x, a: F.silu(x), with_kinks()),
    ("leaky_relu_default", "leaky_relu", {"negative_slope": 0.01}, lambda x, a: F.leaky_relu(x, a["negative_slope"]), with_kinks()),
    ("leaky_relu_0.2", "leaky_relu", {"negative_slope": 0.2}, lambda x, a: F.leaky_relu(x, a["negative_slope"]), with_kinks()),
    ("elu_default", "elu", {"alpha": 1.0}, lambda x, a: F.elu(x, a["alpha"]), with_kinks(30.0)),
    ("elu_alpha_0.5", "elu", {"alpha": 0.5}, lambda x, a: F.elu(x, a["alpha"]), with_kinks()),
    ("softplus_default", "softplus", {"beta": 1.0, "threshold": 20.0}, lambda x, a: F.softplus(x, a["beta"], a["threshold"]), with_kinks(20.0, 25.0, -30.0)),
    ("softplus_beta2_thr3", "softplus", {"beta": 2.0, "threshold": 3.0}, lambda x, a: F.softplus(x, a["beta"], a["threshold"]), with_kinks(1.5, 2.0, -1.0)),
    ("hardtanh_default", "hardtanh", {"min_val": -1.0, "max_val": 1.0}, lambda x, a: F.hardtanh(x, a["min_val"], a["max_val"]), with_kinks(-1.0, 1.0)),
    ("hardtanh_-2_0.5", "hardtanh", {"min_val": -2.0, "max_val": 0.5}, lambda x, a: F.hardtanh(x, a["min_val"], a["max_val"]), with_kinks(-2.0, 0.5)),
    ("relu6", "relu6", {}, lambda x, a: F.relu6(x), with_kinks(6.0) * 3),
    ("mish", "mish", {}, lambda x, a: F.mish(x), with_kinks(25.0)),
    ("gelu_exact", "gelu", {"approximate": "none"}, lambda x, a: F.gelu(x), with_kinks()),
]
for name, op, args, fn, x in act:
    # f(x) * x makes the second derivative of every activation visible in the HVP.
    op_case(name, op, [("x", x, True)], lambda t, a, fn=fn: fn(t["x"], a) * t["x"], args, hvp=True)

# ------------------------------------------------------------------ normalization
for shape in ((6, 3), (4, 3, 5), (2, 3, 4, 4)):
    tag = "x".join(map(str, shape))
    op_case(f"batch_norm_train_{tag}", "batch_norm_train",
            [("x", randn(*shape) * 2 + 1, True), ("weight", randn(3), True), ("bias", randn(3), True)],
            lambda t, a: F.batch_norm(t["x"], None, None, t["weight"], t["bias"], True, 0.1, a["eps"]), {"eps": 1e-5}, hvp=True)
op_case("batch_norm_eval", "batch_norm_eval",
        [("x", randn(4, 3, 2), True), ("running_mean", randn(3), False), ("running_var", randn(3).abs() + 0.5, False),
         ("weight", randn(3), True), ("bias", randn(3), True)],
        lambda t, a: F.batch_norm(t["x"], t["running_mean"], t["running_var"], t["weight"], t["bias"], False, 0.1, a["eps"]), {"eps": 1e-3}, hvp=True)
op_case("batch_norm_train_no_affine", "batch_norm_train_plain", [("x", randn(5, 2), True)],
        lambda t, a: F.batch_norm(t["x"], None, None, None, None, True, 0.1, a["eps"]), {"eps": 1e-5}, hvp=True)
op_case("layer_norm_last", "layer_norm", [("x", randn(2, 3, 4), True), ("weight", randn(4), True), ("bias", randn(4), True)],
        lambda t, a: F.layer_norm(t["x"], a["shape"], t["weight"], t["bias"], a["eps"]), {"shape": [4], "eps": 1e-5}, hvp=True)
op_case("layer_norm_two_dims", "layer_norm", [("x", randn(2, 3, 4), True), ("weight", randn(3, 4), True), ("bias", randn(3, 4), True)],
        lambda t, a: F.layer_norm(t["x"], a["shape"], t["weight"], t["bias"], a["eps"]), {"shape": [3, 4], "eps": 1e-3}, hvp=True)
op_case("layer_norm_no_affine", "layer_norm_plain", [("x", randn(3, 5), True)],
        lambda t, a: F.layer_norm(t["x"], a["shape"], None, None, a["eps"]), {"shape": [5], "eps": 1e-5}, hvp=True)
x_norm = randn(3, 4)
x_norm[1] = 0.0  # a zero row: the divisor is eps there
op_case("normalize_default", "normalize", [("x", x_norm, True)], lambda t, a: F.normalize(t["x"], p=a["p"], dim=a["dim"], eps=a["eps"]), {"p": 2.0, "dim": 1, "eps": 1e-12})
op_case("normalize_p1_dim0", "normalize", [("x", randn(3, 4), True)], lambda t, a: F.normalize(t["x"], p=a["p"], dim=a["dim"], eps=a["eps"]), {"p": 1.0, "dim": 0, "eps": 1e-12}, hvp=True)
op_case("normalize_p3_last", "normalize", [("x", randn(2, 3, 4), True)], lambda t, a: F.normalize(t["x"], p=a["p"], dim=a["dim"], eps=a["eps"]), {"p": 3.0, "dim": -1, "eps": 1e-6}, hvp=True)


def batchnorm_run(name, cls, num_features, shape, steps, **kwargs):
    """A BatchNorm module through `steps` train steps (each: forward, backward of sum(y * up)) and one eval step."""
    torch.manual_seed(0)
    m = cls(num_features, **kwargs).double()
    if m.affine:
        with torch.no_grad():
            m.weight.copy_(randn(num_features))
            m.bias.copy_(randn(num_features))
    initial = {"weight": enc(m.weight), "bias": enc(m.bias)} if m.affine else None
    train = []
    for _ in range(steps):
        x = (randn(*shape) * 3 + 2).requires_grad_(True)
        up = randn(*shape)
        y = m(x)
        (y * up).sum().backward()
        train.append({"x": enc(x), "upstream": enc(up), "y": enc(y), "x_grad": enc(x.grad),
                      "weight_grad": enc(m.weight.grad) if m.affine else None,
                      "bias_grad": enc(m.bias.grad) if m.affine else None,
                      "state": {k: enc(v) for k, v in m.state_dict().items()}})
        m.zero_grad()
    m.eval()
    x = randn(*shape).requires_grad_(True)
    up = randn(*shape)
    y = m(x)
    (y * up).sum().backward()
    cases.append({"name": name, "kind": "batchnorm_run", "module": cls.__name__, "num_features": num_features,
                  "options": {k: v for k, v in kwargs.items()},
                  "initial": initial,
                  "train_steps": train,
                  "eval_step": {"x": enc(x), "upstream": enc(up), "y": enc(y), "x_grad": enc(x.grad)}})


batchnorm_run("bn1d_default_2d", torch.nn.BatchNorm1d, 3, (5, 3), 3)
batchnorm_run("bn1d_3d_momentum_0.3", torch.nn.BatchNorm1d, 2, (4, 2, 3), 3, momentum=0.3, eps=1e-3)
batchnorm_run("bn1d_cumulative_average", torch.nn.BatchNorm1d, 3, (4, 3), 4, momentum=None)
batchnorm_run("bn2d_default", torch.nn.BatchNorm2d, 2, (3, 2, 3, 3), 3)
batchnorm_run("bn2d_no_affine", torch.nn.BatchNorm2d, 2, (2, 2, 2, 3), 2, affine=False)
batchnorm_run("bn2d_no_running_stats", torch.nn.BatchNorm2d, 2, (2, 2, 2, 2), 2, track_running_stats=False)


def keys_case(name, module):
    cases.append({"name": name, "kind": "state_dict_keys", "keys": list(module.state_dict().keys()),
                  "shapes": {k: list(v.shape) for k, v in module.state_dict().items()}})


keys_case("keys_BatchNorm1d", torch.nn.BatchNorm1d(4))
keys_case("keys_BatchNorm2d_no_affine", torch.nn.BatchNorm2d(3, affine=False))
keys_case("keys_BatchNorm1d_no_stats", torch.nn.BatchNorm1d(4, track_running_stats=False))
keys_case("keys_LayerNorm", torch.nn.LayerNorm([3, 4]))
keys_case("keys_Sequential_bn", torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3), torch.nn.ReLU()))

# ------------------------------------------------------------------ embedding and attention
emb_idx = torch.tensor([[0, 2, 4, 2], [1, 4, 3, 0]])
op_case("embedding_plain", "embedding", [("indices", emb_idx, False), ("weight", randn(5, 3), True)],
        lambda t, a: F.embedding(t["indices"], t["weight"]), {"padding_idx": None})
op_case("embedding_padding_idx", "embedding", [("indices", emb_idx, False), ("weight", randn(5, 3), True)],
        lambda t, a: F.embedding(t["indices"], t["weight"], padding_idx=a["padding_idx"]), {"padding_idx": 2})
op_case("embedding_negative_padding_idx", "embedding", [("indices", emb_idx[0], False), ("weight", randn(5, 2), True)],
        lambda t, a: F.embedding(t["indices"], t["weight"], padding_idx=a["padding_idx"]), {"padding_idx": -1})


def sdpa_reference(q, k, v, attn_mask=None, is_causal=False, scale=None):
    """PyTorch 2.8's documented math for F.scaled_dot_product_attention (dropout_p = 0)."""
    L, S = q.size(-2), k.size(-2)
    scale_factor = 1 / math.sqrt(q.size(-1)) if scale is None else scale
    attn_bias = torch.zeros(L, S, dtype=q.dtype)
    if is_causal:
        temp_mask = torch.ones(L, S, dtype=torch.bool).tril(diagonal=0)
        attn_bias = attn_bias.masked_fill(temp_mask.logical_not(), float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            attn_bias = attn_bias.masked_fill(attn_mask.logical_not(), float("-inf"))
        else:
            attn_bias = attn_mask + attn_bias
    attn_weight = q @ k.transpose(-2, -1) * scale_factor
    attn_weight = attn_weight + attn_bias
    attn_weight = torch.softmax(attn_weight, dim=-1)
    return attn_weight @ v


bool_mask = torch.rand(4, 5, generator=gen) > 0.3
bool_mask[:, 0] = True  # no fully masked row
op_case("sdpa_plain", "sdpa", [("q", randn(2, 4, 3), True), ("k", randn(2, 5, 3), True), ("v", randn(2, 5, 2), True)],
        lambda t, a: sdpa_reference(t["q"], t["k"], t["v"]), {}, hvp=True)
op_case("sdpa_causal_heads", "sdpa", [("q", randn(2, 2, 4, 3), True), ("k", randn(2, 2, 4, 3), True), ("v", randn(2, 2, 4, 3), True)],
        lambda t, a: sdpa_reference(t["q"], t["k"], t["v"], is_causal=True), {"is_causal": True}, hvp=True)
op_case("sdpa_bool_mask_scale", "sdpa", [("q", randn(4, 3), True), ("k", randn(5, 3), True), ("v", randn(5, 3), True), ("mask", bool_mask, False)],
        lambda t, a: sdpa_reference(t["q"], t["k"], t["v"], attn_mask=t["mask"], scale=a["scale"]), {"scale": 0.7, "bool_mask": True}, hvp=True)
op_case("sdpa_float_mask", "sdpa", [("q", randn(3, 4, 3), True), ("k", randn(3, 5, 3), True), ("v", randn(3, 5, 3), True), ("mask", randn(4, 5), True)],
        lambda t, a: sdpa_reference(t["q"], t["k"], t["v"], attn_mask=t["mask"]), {"float_mask": True}, hvp=True)


def module_case(name, module, ctor, inputs, call, hvp=False):
    """A module with its (random) state dict, called on named inputs: outputs and the gradients of the inputs and parameters."""
    with torch.no_grad():
        for p_ in module.parameters():
            p_.copy_(randn(*p_.shape) * 0.5)
    module.eval()
    ts = {}
    for n, t, rg in inputs:
        t = t.clone()
        if rg:
            t.requires_grad_(True)
        ts[n] = t
    out = call(module, ts)
    outs = [o for o in (out if isinstance(out, (tuple, list)) else [out]) if o is not None]
    ups = [randn(*o.shape) for o in outs]
    diff_names = [n for n, _, rg in inputs if rg]
    params = list(module.named_parameters())
    xs = [ts[n] for n in diff_names] + [p_ for _, p_ in params]
    gs = torch.autograd.grad(outs, xs, ups, allow_unused=True, create_graph=hvp)
    names = diff_names + [n for n, _ in params]
    case = {"name": name, "kind": "module", "module": type(module).__name__, "ctor": ctor,
            "state": {k: enc(v) for k, v in module.state_dict().items()},
            "inputs": [enc_input(n, t, rg) for n, t, rg in inputs],
            "outputs": [enc(o) for o in outs], "upstreams": [enc(u) for u in ups],
            "grads": {n: (enc(g) if g is not None else None) for n, g in zip(names, gs)}}
    if hvp:
        # Hessian-vector product of <outputs, upstreams> along random directions of every input and parameter.
        vs = [randn(*x.shape) for x in xs]
        total = sum((g * v).sum() for g, v in zip(gs, vs) if g is not None)
        hs = torch.autograd.grad(total, xs, allow_unused=True)
        case["hvp"] = {"vectors": {n: enc(v) for n, v in zip(names, vs)},
                       "values": {n: (enc(h) if h is not None else enc(torch.zeros_like(x))) for n, h, x in zip(names, hs, xs)}}
    cases.append(case)


E, H = 6, 2
mha = torch.nn.MultiheadAttention(E, H)
module_case("mha_default_seq_first", mha, {"embed_dim": E, "num_heads": H},
            [("query", randn(4, 2, E), True), ("key", randn(5, 2, E), True), ("value", randn(5, 2, E), True)],
            lambda m, t: m(t["query"], t["key"], t["value"]), hvp=True)
mha_bf = torch.nn.MultiheadAttention(E, H, batch_first=True)
kpm = torch.tensor([[False, False, False, True, True], [False, False, False, False, False]])
module_case("mha_batch_first_key_padding_per_head", mha_bf, {"embed_dim": E, "num_heads": H, "batch_first": True},
            [("query", randn(2, 4, E), True), ("key", randn(2, 5, E), True), ("value", randn(2, 5, E), True), ("key_padding_mask", kpm, False)],
            lambda m, t: m(t["query"], t["key"], t["value"], key_padding_mask=t["key_padding_mask"], average_attn_weights=False))
causal_bool = torch.ones(4, 4, dtype=torch.bool).triu(1)
mha_self = torch.nn.MultiheadAttention(E, 3, batch_first=True, bias=False)
x_self = randn(2, 4, E)
module_case("mha_self_causal_bool_mask_no_bias", mha_self, {"embed_dim": E, "num_heads": 3, "batch_first": True, "bias": False},
            [("x", x_self, True), ("attn_mask", causal_bool, False)],
            lambda m, t: m(t["x"], t["x"], t["x"], attn_mask=t["attn_mask"]), hvp=True)
mha_float = torch.nn.MultiheadAttention(E, H)
module_case("mha_float_mask_3d_no_weights", mha_float, {"embed_dim": E, "num_heads": H},
            [("query", randn(3, 2, E), True), ("key", randn(4, 2, E), True), ("value", randn(4, 2, E), True), ("attn_mask", randn(2 * H, 3, 4), True)],
            lambda m, t: m(t["query"], t["key"], t["value"], attn_mask=t["attn_mask"], need_weights=False))
mha_kv = torch.nn.MultiheadAttention(E, H, kdim=4, vdim=3, batch_first=True)
module_case("mha_kdim_vdim", mha_kv, {"embed_dim": E, "num_heads": H, "kdim": 4, "vdim": 3, "batch_first": True},
            [("query", randn(2, 3, E), True), ("key", randn(2, 5, 4), True), ("value", randn(2, 5, 3), True)],
            lambda m, t: m(t["query"], t["key"], t["value"]))
module_case("mha_unbatched", torch.nn.MultiheadAttention(E, H), {"embed_dim": E, "num_heads": H},
            [("query", randn(3, E), True), ("key", randn(4, E), True), ("value", randn(4, E), True)],
            lambda m, t: m(t["query"], t["key"], t["value"]))
for norm_first in (False, True):
    for act in ("relu", "gelu"):
        layer = torch.nn.TransformerEncoderLayer(E, H, dim_feedforward=8, dropout=0.0, activation=act, batch_first=True, norm_first=norm_first)
        module_case(f"encoder_layer_norm_first_{norm_first}_{act}", layer,
                    {"d_model": E, "nhead": H, "dim_feedforward": 8, "dropout": 0.0, "activation": act, "batch_first": True, "norm_first": norm_first},
                    [("src", randn(2, 4, E), True), ("src_mask", causal_bool, False)],
                    lambda m, t: m(t["src"], src_mask=t["src_mask"]), hvp=norm_first)
module_case("encoder_layer_seq_first_key_padding", torch.nn.TransformerEncoderLayer(E, H, dim_feedforward=5, dropout=0.0),
            {"d_model": E, "nhead": H, "dim_feedforward": 5, "dropout": 0.0},
            [("src", randn(5, 2, E), True), ("src_key_padding_mask", kpm, False)],
            lambda m, t: m(t["src"], src_key_padding_mask=t["src_key_padding_mask"]))

keys_case("keys_Embedding", torch.nn.Embedding(10, 3, padding_idx=0))
keys_case("keys_MultiheadAttention", torch.nn.MultiheadAttention(8, 2))
keys_case("keys_MultiheadAttention_no_bias", torch.nn.MultiheadAttention(8, 2, bias=False))
keys_case("keys_MultiheadAttention_kdim_vdim", torch.nn.MultiheadAttention(8, 2, kdim=4, vdim=5))
keys_case("keys_TransformerEncoderLayer", torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16))

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
