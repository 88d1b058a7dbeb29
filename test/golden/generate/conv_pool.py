"""Golden vectors for convolution and pooling: forward, gradients of every input, and
Hessian-vector products (second derivatives, including the derivative with respect to the
upstream gradient), from real PyTorch.

Run with Debian's PyTorch (python3-torch, 1.13):
    /usr/bin/python3 test/golden/generate/conv_pool.py > test/golden/conv_pool.json

Every case: L = <op(inputs), upstream>; grads[i] = dL/dinputs[i]; then with random directions
v[i] (one per input that has a gradient) hvp[k] = d <grads, v> / d k for every input k and for the
upstream. The functions used (conv1d/conv2d with padding strings, max/avg/adaptive pooling) behave
the same in PyTorch 2.8 as in 1.13 for these arguments: the bridge is empty.
"""
import json
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
DT = torch.float64
gen = torch.Generator().manual_seed(20261207)


def rnd(*shape, dtype=DT):
    return torch.randn(*shape, generator=gen, dtype=torch.float64).to(dtype)


def enc(t):
    if t is None:
        return None
    t = t.detach()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def case(name, op, fn, inputs, args, dtype=DT, second=True):
    names = list(inputs.keys())
    leaves = {k: v.detach().clone().to(dtype).requires_grad_(True) for k, v in inputs.items()}
    out = fn(**leaves)
    u = rnd(*out.shape, dtype=dtype).requires_grad_(True)
    grads = torch.autograd.grad(out, [leaves[k] for k in names], u, create_graph=second, allow_unused=True)
    c = {
        "name": name,
        "op": op,
        "dtype": str(dtype).replace("torch.", ""),
        "args": args,
        "inputs": {k: enc(leaves[k]) for k in names},
        "output": enc(out),
        "upstream": enc(u),
        "grads": {k: enc(g) for k, g in zip(names, grads)},
    }
    if second:
        vs = {k: rnd(*leaves[k].shape, dtype=dtype) for k, g in zip(names, grads) if g is not None}
        s = sum((g * vs[k]).sum() for k, g in zip(names, grads) if g is not None)
        targets = [leaves[k] for k in names] + [u]
        h = torch.autograd.grad(s, targets, allow_unused=True)
        c["hvp"] = {
            "v": {k: enc(v) for k, v in vs.items()},
            "result": {k: enc(r) if r is not None else enc(torch.zeros_like(t)) for k, r, t in zip(names + ["upstream"], h, targets)},
        }
    return c


cases = []


def conv2d_case(name, n, c, h, w, oc, k, bias=True, unbatched=False, dtype=DT, second=True, **kw):
    kh, kwd = (k, k) if isinstance(k, int) else k
    g = kw.get("groups", 1)
    x = rnd(c, h, w) if unbatched else rnd(n, c, h, w)
    inputs = {"input": x, "weight": rnd(oc, c // g, kh, kwd) * 0.5}
    if bias:
        inputs["bias"] = rnd(oc)
    fn = lambda input, weight, bias=None: F.conv2d(input, weight, bias, **kw)
    cases.append(case(name, "conv2d", fn, inputs, kw, dtype, second))


def conv1d_case(name, n, c, length, oc, k, bias=True, unbatched=False, **kw):
    g = kw.get("groups", 1)
    x = rnd(c, length) if unbatched else rnd(n, c, length)
    inputs = {"input": x, "weight": rnd(oc, c // g, k) * 0.5}
    if bias:
        inputs["bias"] = rnd(oc)
    fn = lambda input, weight, bias=None: F.conv1d(input, weight, bias, **kw)
    cases.append(case(name, "conv1d", fn, inputs, kw))


conv2d_case("conv2d_3x3_pad1", 2, 3, 5, 5, 4, 3, padding=1)
conv2d_case("conv2d_stride2_pad1_ragged", 2, 2, 7, 6, 3, (3, 2), stride=2, padding=1)
conv2d_case("conv2d_dilation2_pad21_stride12", 1, 2, 8, 7, 3, 3, stride=[1, 2], padding=[2, 1], dilation=2)
conv2d_case("conv2d_groups2_nobias", 2, 4, 5, 6, 6, 3, bias=False, groups=2, padding=1)
conv2d_case("conv2d_depthwise_stride3", 2, 3, 8, 7, 6, 3, groups=3, stride=3)
conv2d_case("conv2d_same_even_kernel", 2, 2, 5, 6, 3, (4, 2), padding="same")
conv2d_case("conv2d_same_dilated", 1, 2, 6, 5, 2, 3, padding="same", dilation=[2, 1])
conv2d_case("conv2d_valid", 2, 2, 5, 5, 3, 2, padding="valid")
conv2d_case("conv2d_unbatched", 0, 3, 5, 4, 2, 3, unbatched=True, padding=[0, 1])
conv2d_case("conv2d_stride_dilation_groups_ragged", 3, 4, 9, 10, 4, (2, 3), groups=2, stride=[2, 3], padding=[1, 2], dilation=[3, 2])
conv2d_case("conv2d_lenet_float32", 4, 1, 12, 12, 6, 5, padding=2, dtype=torch.float32, second=False)

conv1d_case("conv1d_basic", 2, 3, 9, 4, 3, stride=2, padding=1)
conv1d_case("conv1d_same_even_kernel", 2, 2, 7, 3, 4, padding="same")
conv1d_case("conv1d_groups_dilation", 2, 4, 11, 2, 3, bias=False, groups=2, dilation=3, padding=2)
conv1d_case("conv1d_unbatched", 0, 2, 6, 3, 2, unbatched=True)


def pool_case(name, op, fn, x, args):
    cases.append(case(name, op, lambda input: fn(input, **args), {"input": x}, args))


pool_case("max_pool2d_k2", "max_pool2d", F.max_pool2d, rnd(2, 3, 6, 6), {"kernel_size": 2})
pool_case("max_pool2d_k3_s2_p1_ragged", "max_pool2d", F.max_pool2d, rnd(2, 2, 7, 6), {"kernel_size": 3, "stride": 2, "padding": 1})
pool_case("max_pool2d_ceil", "max_pool2d", F.max_pool2d, rnd(1, 2, 7, 8), {"kernel_size": 3, "stride": 2, "ceil_mode": True})
pool_case("max_pool2d_ceil_pad", "max_pool2d", F.max_pool2d, rnd(1, 2, 6, 5), {"kernel_size": [3, 2], "stride": [2, 2], "padding": 1, "ceil_mode": True})
pool_case("max_pool2d_dilation", "max_pool2d", F.max_pool2d, rnd(2, 1, 9, 8), {"kernel_size": 3, "stride": [1, 2], "dilation": 2, "padding": [1, 1]})
# Ties: values from {-1, 0, 1} so windows hold repeated maxima (the gradient goes to the first).
ties = torch.randint(-1, 2, (2, 2, 6, 6), generator=gen).to(DT)
pool_case("max_pool2d_ties_overlapping", "max_pool2d", F.max_pool2d, ties, {"kernel_size": 3, "stride": 1})
pool_case("max_pool2d_ties_k2", "max_pool2d", F.max_pool2d, ties, {"kernel_size": 2})
pool_case("max_pool2d_unbatched", "max_pool2d", F.max_pool2d, rnd(3, 5, 5), {"kernel_size": 2, "stride": 1})
pool_case("max_pool1d", "max_pool1d", F.max_pool1d, rnd(2, 3, 9), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True})

pool_case("avg_pool2d_k2", "avg_pool2d", F.avg_pool2d, rnd(2, 3, 6, 6), {"kernel_size": 2})
pool_case("avg_pool2d_pad_include", "avg_pool2d", F.avg_pool2d, rnd(2, 2, 7, 6), {"kernel_size": 3, "stride": 2, "padding": 1})
pool_case("avg_pool2d_pad_exclude", "avg_pool2d", F.avg_pool2d, rnd(2, 2, 7, 6), {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False})
pool_case("avg_pool2d_ceil", "avg_pool2d", F.avg_pool2d, rnd(1, 2, 7, 8), {"kernel_size": [3, 2], "stride": [2, 3], "padding": [1, 0], "ceil_mode": True})
pool_case("avg_pool2d_ceil_exclude", "avg_pool2d", F.avg_pool2d, rnd(1, 2, 7, 8), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False})
pool_case("avg_pool2d_divisor_override", "avg_pool2d", F.avg_pool2d, rnd(2, 1, 5, 5), {"kernel_size": 2, "stride": 1, "divisor_override": 3})
pool_case("avg_pool2d_unbatched", "avg_pool2d", F.avg_pool2d, rnd(3, 4, 5), {"kernel_size": 2})
pool_case("avg_pool1d", "avg_pool1d", F.avg_pool1d, rnd(2, 3, 9), {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False})

pool_case("adaptive_avg_pool2d_3x2", "adaptive_avg_pool2d", F.adaptive_avg_pool2d, rnd(2, 3, 7, 5), {"output_size": [3, 2]})
pool_case("adaptive_avg_pool2d_1", "adaptive_avg_pool2d", F.adaptive_avg_pool2d, rnd(2, 3, 4, 6), {"output_size": 1})
pool_case("adaptive_avg_pool2d_upsample", "adaptive_avg_pool2d", F.adaptive_avg_pool2d, rnd(1, 2, 3, 4), {"output_size": [5, 6]})
pool_case("adaptive_avg_pool2d_none", "adaptive_avg_pool2d", F.adaptive_avg_pool2d, rnd(1, 2, 6, 5), {"output_size": [None, 3]})
pool_case("adaptive_avg_pool2d_unbatched", "adaptive_avg_pool2d", F.adaptive_avg_pool2d, rnd(2, 5, 7), {"output_size": [2, 3]})

torch.manual_seed(0)
modules = {
    "Conv1d": torch.nn.Conv1d(3, 4, 3),
    "Conv2d": torch.nn.Conv2d(3, 6, 5),
    "Conv2d_nobias": torch.nn.Conv2d(4, 8, (3, 2), groups=2, bias=False),
    "MaxPool2d": torch.nn.MaxPool2d(2),
    "AvgPool2d": torch.nn.AvgPool2d(2),
    "AdaptiveAvgPool2d": torch.nn.AdaptiveAvgPool2d(1),
}
module_info = {
    k: {
        "state_dict_keys": list(m.state_dict().keys()),
        "shapes": {n: list(t.shape) for n, t in m.state_dict().items()},
        "init_bound": (1 / (m.weight[0].numel()) ** 0.5) if hasattr(m, "weight") else None,
        "repr": repr(m),
    }
    for k, m in modules.items()
}

print(json.dumps({
    "format": "golden-vectors/1",
    "file": "conv_pool.json",
    "producer": {"library": "PyTorch", "version": torch.__version__, "device": "cpu", "num_threads": 1},
    "description": "conv1d/conv2d and max/avg/adaptive-avg pooling: forward, gradients of every input, Hessian-vector products (including with respect to the upstream gradient); module state-dict keys and init bounds",
    "dtype": "float64",
    "cases": cases,
    "modules": module_info,
}))
