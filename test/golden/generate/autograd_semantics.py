"""Golden vectors for autograd semantics that issue 14 found deviating from PyTorch.

Run with Debian's PyTorch: `/usr/bin/python3 test/golden/generate/autograd_semantics.py`
(writes test/golden/autograd_semantics.json; deterministic, no random data).

Covers: an empty dim list in sum/mean (= every dim); retain_grad through an in-place op; in-place
ops on the outputs of unary ops (which tensor each op saves); chains of two in-place ops (version
checks on outputs saved by an in-place op); an in-place op on a leaf that is a view; hooks that
change a gradient's shape, dtype or type; a float64 gradient seeding a float32 output; a tensor
assigned as its own grad; var/std with PyTorch's positional `unbiased`.

PyTorch 1.13 versus 2.8: every behaviour recorded here is the same in 2.8 (sum over `dim=[]`
still reduces every dim; the error texts of 2.8 are the same up to version numbers in the
messages, which are not recorded).
"""
import json
import os

import torch

torch.set_num_threads(1)
F64 = torch.float64


def enc(t):
    return {"shape": list(t.shape), "data": t.detach().reshape(-1).tolist()}


def error_of(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - we record the message
        return f"{type(e).__name__}: {str(e).splitlines()[0]}"
    return None


cases = []

# 1. empty dim list
x = torch.tensor([[1.0, 2.0, 4.0], [3.0, 5.0, 9.0]], dtype=F64, requires_grad=True)
s = torch.sum(x, [])
(gs,) = torch.autograd.grad(s, x)
m = torch.mean(x, [], True)
(gm,) = torch.autograd.grad(m.sum(), x)
cases.append({"name": "reduce_empty_dim_list", "kind": "reduce_empty_dims", "x": enc(x),
              "sum": enc(s), "sum_grad": enc(gs), "mean_keepdim": enc(m), "mean_grad": enc(gm)})

# 3. retain_grad follows the tensor through an in-place op
x = torch.tensor(1.0, dtype=F64, requires_grad=True)
h = x.mul(2)
h.retain_grad()
h.mul_(3)
h.mul(h).sum().backward()
cases.append({"name": "retain_grad_through_mul_", "kind": "retain_grad_inplace", "x": 1.0,
              "h_grad": h.grad.item(), "x_grad": x.grad.item()})

# 4. y = x.op(); y.mul_(2); y.sum().backward()
for op in ["exp", "tanh", "sigmoid", "sqrt", "rsqrt", "reciprocal", "relu", "sin", "cos", "log", "log1p",
           "erf", "abs", "neg", "sign"]:
    x = torch.tensor([0.5, 1.5], dtype=F64, requires_grad=True)
    y = getattr(x, op)()
    y.mul_(2)
    err = error_of(lambda: y.sum().backward())
    cases.append({"name": f"unary_output_mul__{op}", "kind": "unary_output_inplace", "op": op, "x": enc(x),
                  "error": err, "x_grad": None if err else enc(x.grad)})

# 6. two in-place ops in a row on a clone
inplace = {
    "sqrt_": lambda y: y.sqrt_(), "reciprocal_": lambda y: y.reciprocal_(), "pow_2": lambda y: y.pow_(2),
    "clamp__0.5_5": lambda y: y.clamp_(0.5, 5), "mul__2": lambda y: y.mul_(2), "add__1": lambda y: y.add_(1),
    "neg_": lambda y: y.neg_(),
}
for a in ["sqrt_", "reciprocal_", "pow_2", "clamp__0.5_5", "mul__2"]:
    for b in ["mul__2", "add__1", "reciprocal_", "sqrt_", "neg_"]:
        x = torch.tensor([4.0, 9.0], dtype=F64, requires_grad=True)
        y = x.clone()
        inplace[a](y)
        inplace[b](y)
        err = error_of(lambda: y.sum().backward())
        cases.append({"name": f"inplace_chain_{a}_then_{b}", "kind": "inplace_chain", "first": a, "second": b,
                      "x": enc(x), "error": err, "x_grad": None if err else enc(x.grad)})

# 5. in-place on a leaf that is a view
err = error_of(lambda: torch.tensor([1.0, 2, 3, 4, 5, 6], dtype=F64).reshape(2, 3).requires_grad_(True).mul_(2))
cases.append({"name": "inplace_on_view_leaf", "kind": "view_leaf_inplace", "error": err})

# hostile 2: hooks
for what, hook in [("shape", lambda g: torch.ones(5)), ("dtype", lambda g: g.double()), ("non_tensor", lambda g: 3)]:
    for leaf in [True, False]:
        x = torch.ones(2, 3, requires_grad=True)
        t = x if leaf else x * 1
        t.register_hook(hook)
        err = error_of(lambda: (t * 2).sum().backward())
        cases.append({"name": f"hook_changes_{what}_{'leaf' if leaf else 'nonleaf'}", "kind": "hook_change",
                      "what": what, "leaf": leaf, "error": err})

# hostile 3: float64 gradient into a float32 graph
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
out = x * 2
out.backward(torch.tensor([0.1, 0.2, 0.3], dtype=F64))
cases.append({"name": "backward_float64_gradient_float32_leaf", "kind": "gradient_dtype", "x": enc(x),
              "gradient": [0.1, 0.2, 0.3], "leaf_grad_dtype": str(x.grad.dtype).replace("torch.", ""),
              "leaf_grad": enc(x.grad)})

# hostile 7: own grad
p = torch.ones(2, requires_grad=True)
def own():
    p.grad = p
cases.append({"name": "grad_assigned_itself", "kind": "own_grad", "error": error_of(own)})

# 8. var/std positional unbiased
a = torch.tensor([[1.0, 2, 4], [3, 5, 9]], dtype=F64)
cases.append({"name": "var_std_positional_unbiased", "kind": "var_positional", "x": enc(a),
              "var_0_false": enc(a.var(0, False)), "var_0_true": enc(a.var(0, True)),
              "var_1_false_keepdim": enc(a.var(1, False, True)), "std_0_false": enc(a.std(0, False)),
              "std_1_false_keepdim": enc(a.std(1, False, True)), "var_all_false": enc(a.var(False)),
              "std_all_false": enc(a.std(False)), "var_correction_2_dim1": enc(torch.var(a, 1, correction=2))})

out = {
    "format": "golden-vectors/1",
    "file": "autograd_semantics.json",
    "producer": {"library": "PyTorch", "version": torch.__version__, "device": "cpu", "num_threads": 1},
    "description": "autograd semantics of issue 14: empty dim lists, retain_grad and saved tensors through in-place ops, view leaves, hooks, gradient dtypes, var/std positional unbiased",
    "dtype": "float64",
    "cases": cases,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "autograd_semantics.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print(f"{len(cases)} cases -> {os.path.normpath(path)}")
