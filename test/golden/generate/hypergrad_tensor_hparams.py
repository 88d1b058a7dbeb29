"""Hypergradients with respect to every optimizer hyperparameter (issue 19), and through lr schedulers.

Run with Debian's PyTorch: `/usr/bin/python3 test/golden/generate/hypergrad_tensor_hparams.py`
(writes test/golden/hypergrad_tensor_hparams.json; deterministic).

Each case unrolls K optimizer steps on an inner loss and measures an outer loss. Every
hyperparameter listed in `hyper` is a float64 leaf tensor with requires_grad; the inner gradients
are taken with create_graph=True, so `hypergrad[name]` = d outer / d hyperparameter is exact
(and `hypergrad.params_init` = d outer / d initial parameters). `finite_difference[name]` is a
central difference of the same unrolled function in float64 (step 1e-6 relative), a cross-check of
the autograd value recorded in the file.

Bridging PyTorch 2.8 and 1.13. tapegrad follows PyTorch 2.8's single-tensor optimizer updates and
its `differentiable=True` semantics. PyTorch 1.13, which produces these files, has no
`differentiable` flag and no tensor hyperparameters (its kernels pass betas, eps, alpha, momentum,
weight_decay as Python scalars, e.g. `addcmul_(value=1 - beta2)`), and PyTorch 2.8 itself accepts
tensor betas only in some paths. So the hypergradients are computed by unrolling the update
formulas by hand with out-of-place torch ops, which 1.13's autograd differentiates exactly. The
formulas are 2.8's single-tensor ones, which for these optimizers are also 1.13's (the same
operations; 2.8 only adds the differentiable/capturable branches), with tapegrad's documented
choices where 2.8's differentiable path would detach something:
  * SGD: the first momentum buffer is the (recorded) gradient itself; 2.8 detaches it.
  * ASGD: eta of the first step is lr itself and later etas stay functions of lr, lambd and alpha;
    2.8 detaches eta (docs/hypergradients.md, "The eta convention").
To tie the hand-written formulas to torch's own optimizers, every case also runs the real
`torch.optim` class of 1.13 (foreach=False, number hyperparameters, gradients fed step by step)
and the generator asserts that its parameters equal the hand-unrolled ones to 1e-13 relative.

Schedulers: PyTorch 2.8 evaluates a scheduler's chainable formula "in tensor arithmetic" for a
tensor lr (spec C.4, C.7) but writes the result back with fill_ (no history). tapegrad instead keeps
a tensor lr that requires grad on the tape (the group's lr becomes the formula's result). The
scheduler cases apply the same chainable formula to the lr tensor by hand, and the generator
asserts that the lr values equal those of 1.13's own scheduler class with a number lr (fresh
construction sequences are numerically identical in 1.13 and 2.8, spec C.8). `LambdaLR` with a
factor that is a tensor (a learnable warm-up scale) and `LinearLR` with a tensor start factor are
tapegrad's extensions: PyTorch's lambdas and factors are numbers; the values are still checked
against 1.13's LambdaLR and LinearLR with the number factor.
"""
import json
import math
import os

import torch

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)
F64 = torch.float64


def enc(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


# ---------------------------------------------------------------- problems (inner, outer, params)

QX = torch.tensor([[0.5, -1.0, 2.0]])
QC = torch.tensor([0.2, -0.4, 1.0])
QT = torch.tensor([0.3, -0.2, 0.1])


def quad_problem():
    """The 3-parameter problem of packages/optim/test/hyper-fixtures.ts (its gradient saves w)."""
    def inner(ps):
        w = ps[0]
        return ((QX * w) @ w.reshape(3, 1)).square().sum() * 0.05 + (w - QC).square().sum() * 0.5

    def outer(ps):
        return (ps[0] - QT).square().sum()

    init = [torch.tensor([1.0, -1.0, 0.5])]
    data = {"x": enc(QX), "c": enc(QC), "target": enc(QT), "init": [enc(p) for p in init]}
    return {"name": "quad3", "data": data}, inner, outer, init


def mlp_problem():
    """A 3-4-2 tanh MLP, mean squared error; train and validation batches of 8."""
    g = torch.Generator().manual_seed(19)
    X = torch.randn(8, 3, generator=g)
    Y = torch.randn(8, 2, generator=g)
    Xv = torch.randn(8, 3, generator=g)
    Yv = torch.randn(8, 2, generator=g)
    init = [torch.randn(4, 3, generator=g) * 0.5, torch.randn(4, generator=g) * 0.1, torch.randn(2, 4, generator=g) * 0.5, torch.randn(2, generator=g) * 0.1]

    def net(ps, x):
        W1, b1, W2, b2 = ps
        return torch.tanh(x @ W1.t() + b1) @ W2.t() + b2

    def inner(ps):
        return (net(ps, X) - Y).square().mean()

    def outer(ps):
        return (net(ps, Xv) - Yv).square().mean()

    data = {"X": enc(X), "Y": enc(Y), "X_val": enc(Xv), "Y_val": enc(Yv), "init": [enc(p) for p in init]}
    return {"name": "mlp_3_4_2_tanh_mse", "data": data}, inner, outer, init


# ---------------------------------------------------------------- hand-unrolled updates (2.8 formulas)

def lerp(a, b, w):
    return a + (b - a) * w


def sgd_update(h, flags):
    def init(p):
        return {"buf": None}

    def step(p, g, s, k, lr):
        if "weight_decay" in h:
            g = g + h["weight_decay"] * p
        if "momentum" in h:
            damp = h.get("dampening", 0.0)
            buf = g if s["buf"] is None else h["momentum"] * s["buf"] + (1 - damp) * g
            g = g + h["momentum"] * buf if flags.get("nesterov") else buf
            s = {"buf": buf}
        return p - lr * g, s
    return init, step


def adam_update(h, flags):
    def init(p):
        s = {"m": torch.zeros_like(p), "v": torch.zeros_like(p)}
        if flags.get("amsgrad"):
            s["vmax"] = torch.zeros_like(p)
        return s

    def step(p, g, s, k, lr):
        t = k + 1
        wd = h["weight_decay"]
        if flags.get("decoupled"):
            p = p * (1 - lr * wd)
        else:
            g = g + wd * p
        m = lerp(s["m"], g, 1 - h["beta1"])
        v = h["beta2"] * s["v"] + (1 - h["beta2"]) * g * g
        ns = {"m": m, "v": v}
        second = v
        if flags.get("amsgrad"):
            ns["vmax"] = torch.maximum(s["vmax"], v)
            second = ns["vmax"]
        bc1 = 1 - h["beta1"] ** t
        bc2 = 1 - h["beta2"] ** t
        denom = second.sqrt() / bc2.sqrt() + h["eps"]
        return p - (lr / bc1) * m / denom, ns
    return init, step


def rmsprop_update(h, flags):
    def init(p):
        s = {"sq": torch.zeros_like(p), "buf": torch.zeros_like(p)}
        if flags.get("centered"):
            s["ga"] = torch.zeros_like(p)
        return s

    def step(p, g, s, k, lr):
        g = g + h["weight_decay"] * p
        sq = h["alpha"] * s["sq"] + (1 - h["alpha"]) * g * g
        ns = {"sq": sq}
        if flags.get("centered"):
            ns["ga"] = lerp(s["ga"], g, 1 - h["alpha"])
            avg = (sq - ns["ga"] * ns["ga"]).sqrt() + h["eps"]
        else:
            avg = sq.sqrt() + h["eps"]
        ns["buf"] = h["momentum"] * s["buf"] + g / avg
        return p - lr * ns["buf"], ns
    return init, step


def adagrad_update(h, flags):
    def init(p):
        return {"sum": torch.full_like(p, flags.get("initial_accumulator_value", 0.0))}

    def step(p, g, s, k, lr):
        g = g + h["weight_decay"] * p
        clr = lr / (1 + k * h["lr_decay"])
        total = s["sum"] + g * g
        return p - clr * g / (total.sqrt() + h["eps"]), {"sum": total}
    return init, step


def asgd_update(h, flags):
    t0 = flags["t0"]

    def init(p):
        return {"eta": None, "mu": 1.0, "ax": torch.zeros_like(p)}

    def step(p, g, s, k, lr):
        t = k + 1
        eta = lr if s["eta"] is None else s["eta"]
        g = g + h["weight_decay"] * p
        p = p * (1 - h["lambd"] * eta) - eta * g
        ax = p if s["mu"] == 1 else s["ax"] + s["mu"] * (p - s["ax"])
        new_eta = lr / (1 + h["lambd"] * lr * t) ** h["alpha"]
        return p, {"eta": new_eta, "mu": 1 / max(1, t - t0), "ax": ax}
    return init, step


UPDATES = {"sgd": sgd_update, "adam": adam_update, "rmsprop": rmsprop_update, "adagrad": adagrad_update, "asgd": asgd_update}


# ---------------------------------------------------------------- lr schedules (chainable formulas on a tensor lr)

def linear_schedule(s, e, T):
    """LinearLR's chainable get_lr: the lr of step n + 1 from the lr of step n (n = last_epoch after the step)."""
    def initial(lr):
        return lr * s

    def after(lr, n):
        if n > T:
            return lr
        d = e - s
        return lr * (1.0 + d / (T * s + (n - 1) * d))
    return initial, after


def cosine_schedule(T, m, base_value):
    def initial(lr):
        return lr

    def after(lr, n, base):
        if (n - 1 - T) % (2 * T) == 0:
            return lr + (base - m) * (1 - math.cos(math.pi / T)) / 2
        return (1 + math.cos(math.pi * n / T)) / (1 + math.cos(math.pi * (n - 1) / T)) * (lr - m) + m
    return initial, after


def lambda_warmup(warm):
    """lr = base * scale * min(1, (epoch + 1) / warm): a learnable warm-up scale (a LambdaLR whose factor is a tensor)."""
    return lambda epoch, scale: scale * min(1.0, (epoch + 1) / warm)


# ---------------------------------------------------------------- one case

def unroll(problem, opt, hvals, flags, K, schedule, requires_grad):
    """The outer loss after K hand-unrolled steps, the leaves, the final params and the lrs used."""
    _, inner, outer, init = problem
    leaves = {k: (torch.tensor(v, requires_grad=requires_grad) if not isinstance(v, list) else torch.tensor(v, requires_grad=requires_grad)) for k, v in hvals.items()}
    params0 = [p.clone().requires_grad_(True) for p in init]
    ps = list(params0)
    h = {k: v for k, v in leaves.items() if k not in ("lr", "scale", "start_factor") and not k.startswith("lr[")}
    init_state, step = UPDATES[opt](h, flags)
    states = [init_state(p) for p in ps]
    lr = leaves.get("lr")
    lrs_used = []
    sched_kind = schedule["kind"] if schedule else None
    if sched_kind == "linear":
        # A learnable start factor is a leaf like the hyperparameters (tapegrad's LinearLR takes a tensor factor).
        first, after = linear_schedule(leaves.get("start_factor", schedule["start_factor"]), schedule["end_factor"], schedule["total_iters"])
        lr = first(lr)
    elif sched_kind == "cosine":
        first, after = cosine_schedule(schedule["T_max"], schedule["eta_min"], None)
        base = leaves["lr"]
        lr = first(lr)
    elif sched_kind == "lambda_warmup":
        fn = lambda_warmup(schedule["warm"])
        base = leaves["lr"]
        lr = base * fn(0, leaves["scale"])
    for k in range(K):
        loss = inner(ps)
        grads = torch.autograd.grad(loss, ps, create_graph=requires_grad)
        new_ps, new_states = [], []
        for i, (p, g, s) in enumerate(zip(ps, grads, states)):
            lr_i = leaves[f"lr[{i}]"] if f"lr[{i}]" in leaves else lr
            np_, ns = step(p, g, s, k, lr_i)
            new_ps.append(np_)
            new_states.append(ns)
        # Without requires_grad (the finite differences), each step starts from plain values.
        ps = new_ps if requires_grad else [p.detach().requires_grad_(True) for p in new_ps]
        states = new_states if requires_grad else [{k: (v.detach() if torch.is_tensor(v) else v) for k, v in s.items()} for s in new_states]
        if lr is not None:
            lrs_used.append(float(lr))
        n = k + 1
        if sched_kind == "linear":
            lr = after(lr, n)
        elif sched_kind == "cosine":
            lr = after(lr, n, base)
        elif sched_kind == "lambda_warmup":
            lr = base * fn(n, leaves["scale"])
    return outer(ps), leaves, params0, ps, lrs_used


TORCH_CLASSES = {
    "sgd": lambda ps, h, f: torch.optim.SGD(ps, lr=h["lr"], momentum=h.get("momentum", 0), dampening=h.get("dampening", 0), weight_decay=h.get("weight_decay", 0), nesterov=f.get("nesterov", False), foreach=False),
    "adam": lambda ps, h, f: (torch.optim.AdamW if f.get("decoupled") else torch.optim.Adam)(ps, lr=h["lr"], betas=(h["beta1"], h["beta2"]), eps=h["eps"], weight_decay=h["weight_decay"], amsgrad=f.get("amsgrad", False), foreach=False),
    "rmsprop": lambda ps, h, f: torch.optim.RMSprop(ps, lr=h["lr"], alpha=h["alpha"], eps=h["eps"], weight_decay=h["weight_decay"], momentum=h["momentum"], centered=f.get("centered", False), foreach=False),
    "adagrad": lambda ps, h, f: torch.optim.Adagrad(ps, lr=h["lr"], lr_decay=h["lr_decay"], eps=h["eps"], weight_decay=h["weight_decay"], initial_accumulator_value=f.get("initial_accumulator_value", 0.0), foreach=False),
    "asgd": lambda ps, h, f: torch.optim.ASGD(ps, lr=h["lr"], lambd=h["lambd"], alpha=h["alpha"], t0=f["t0"], weight_decay=h["weight_decay"], foreach=False),
}


def torch_class_run(problem, opt, hvals, flags, K, schedule):
    """The same run through 1.13's torch.optim class and lr scheduler, with number hyperparameters."""
    _, inner, _, init = problem
    ps = [p.clone().requires_grad_(True) for p in init]
    h = dict(hvals)
    if schedule and schedule["kind"] == "lambda_warmup":
        h["lr"] = hvals["lr"]
    o = TORCH_CLASSES[opt](ps, h, flags)
    sched = None
    if schedule:
        if schedule["kind"] == "linear":
            sched = torch.optim.lr_scheduler.LinearLR(o, start_factor=schedule["start_factor"], end_factor=schedule["end_factor"], total_iters=schedule["total_iters"])
        elif schedule["kind"] == "cosine":
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=schedule["T_max"], eta_min=schedule["eta_min"])
        elif schedule["kind"] == "lambda_warmup":
            scale, warm = hvals["scale"], schedule["warm"]
            sched = torch.optim.lr_scheduler.LambdaLR(o, lambda e: scale * min(1.0, (e + 1) / warm))
    lrs = []
    for _ in range(K):
        o.zero_grad()
        inner(ps).backward()
        lrs.append(o.param_groups[0]["lr"])
        o.step()
        if sched is not None:
            sched.step()
    return [p.detach() for p in ps], lrs


cases = []


def case(name, problem, opt, hvals, K, flags=None, schedule=None):
    flags = flags or {}
    out, leaves, params0, final, lrs = unroll(problem, opt, hvals, flags, K, schedule, True)
    names = list(hvals.keys())
    grads = torch.autograd.grad(out, [leaves[n] for n in names] + params0)
    hg = {n: enc(g) for n, g in zip(names, grads[: len(names)])}
    hg["params_init"] = [enc(g) for g in grads[len(names):]]
    fd = {}
    for n in names:
        if isinstance(hvals[n], list):
            continue
        d = (abs(hvals[n]) or 1.0) * 1e-6
        at = lambda v: unroll(problem, opt, {**hvals, n: v}, flags, K, schedule, False)[0].item()
        fd[n] = (at(hvals[n] + d) - at(hvals[n] - d)) / (2 * d)
        assert abs(fd[n] - grads[names.index(n)].item()) <= 1e-5 * (1 + abs(fd[n])), (name, n, fd[n], grads[names.index(n)].item())
    # The hand-unrolled formulas against torch's own classes (number hyperparameters).
    if not any(isinstance(v, list) for v in hvals.values()):
        ref, ref_lrs = torch_class_run(problem, opt, hvals, flags, K, schedule)
        for a, b in zip(final, ref):
            assert torch.allclose(a.detach(), b, rtol=1e-13, atol=1e-15), (name, (a.detach() - b).abs().max().item())
        if schedule:
            assert all(abs(x - y) <= 1e-15 * abs(y) for x, y in zip(lrs, ref_lrs)), (name, lrs, ref_lrs)
    info, _, _, _ = problem
    cases.append({
        "name": name, "problem": info["name"], "optimizer": opt, "K": K, "flags": flags, "schedule": schedule,
        "hyper": hvals, "lrs": lrs,
        "outer_loss": out.item(),
        "params_final": [enc(p) for p in final],
        "hypergrad": hg,
        "finite_difference": fd,
    })


Q = quad_problem()
M = mlp_problem()
case("sgd_momentum_dampening_wd", Q, "sgd", {"lr": 0.1, "momentum": 0.8, "dampening": 0.2, "weight_decay": 0.05}, 5)
case("sgd_nesterov_mlp", M, "sgd", {"lr": 0.3, "momentum": 0.9, "weight_decay": 0.01}, 8, {"nesterov": True})
case("adam_all", Q, "adam", {"lr": 0.05, "beta1": 0.8, "beta2": 0.95, "eps": 1e-3, "weight_decay": 0.05}, 5)
case("adamw_all_mlp", M, "adam", {"lr": 0.02, "beta1": 0.9, "beta2": 0.99, "eps": 1e-4, "weight_decay": 0.1}, 8, {"decoupled": True})
case("adam_amsgrad", Q, "adam", {"lr": 0.05, "beta1": 0.7, "beta2": 0.9, "eps": 1e-3, "weight_decay": 0.02}, 6, {"amsgrad": True})
case("rmsprop_momentum", Q, "rmsprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-2, "weight_decay": 0.05, "momentum": 0.5}, 5)
case("rmsprop_centered_mlp", M, "rmsprop", {"lr": 0.005, "alpha": 0.8, "eps": 1e-3, "weight_decay": 0.01, "momentum": 0.3}, 8, {"centered": True})
case("adagrad_all", Q, "adagrad", {"lr": 0.1, "lr_decay": 0.2, "eps": 1e-2, "weight_decay": 0.05}, 5, {"initial_accumulator_value": 0.1})
case("adagrad_mlp", M, "adagrad", {"lr": 0.2, "lr_decay": 0.05, "eps": 1e-3, "weight_decay": 0.01}, 8)
case("asgd_alpha_wd", Q, "asgd", {"lr": 0.1, "lambd": 0.05, "alpha": 0.75, "weight_decay": 0.05}, 5, {"t0": 2})
case("asgd_mlp", M, "asgd", {"lr": 0.5, "lambd": 0.1, "alpha": 0.6, "weight_decay": 0.01}, 8, {"t0": 1e6})
# Meta-SGD: an elementwise learning rate per parameter tensor (no torch class takes these), also
# through Adam's and RMSprop's pure updates.
g = torch.Generator().manual_seed(7)
meta = {f"lr[{i}]": (0.2 + 0.2 * torch.rand(p.shape, generator=g)).tolist() for i, p in enumerate(M[3])}
case("meta_sgd_elementwise_mlp", M, "sgd", {**meta, "momentum": 0.5}, 6)
meta_small = {k: [[x * 0.05 for x in row] if isinstance(row, list) else row * 0.05 for row in v] for k, v in meta.items()}
case("meta_adam_elementwise_mlp", M, "adam", {**meta_small, "beta1": 0.9, "beta2": 0.99, "eps": 1e-4, "weight_decay": 0.01}, 6)
case("meta_rmsprop_elementwise_mlp", M, "rmsprop", {**meta_small, "alpha": 0.9, "eps": 1e-3, "weight_decay": 0.01, "momentum": 0.2}, 6)
# Schedulers on a tensor lr that requires grad.
case("sgd_linear_warmup", Q, "sgd", {"lr": 0.2, "momentum": 0.9}, 7, None, {"kind": "linear", "start_factor": 0.25, "end_factor": 1.0, "total_iters": 4})
case("adam_linear_learnable_start_factor_mlp", M, "adam", {"lr": 0.05, "start_factor": 0.3, "beta1": 0.9, "beta2": 0.99, "eps": 1e-4, "weight_decay": 0.01}, 7, None, {"kind": "linear", "start_factor": 0.3, "end_factor": 1.0, "total_iters": 5})
case("adam_cosine", Q, "adam", {"lr": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-3, "weight_decay": 0.0}, 7, None, {"kind": "cosine", "T_max": 3, "eta_min": 0.01})
case("sgd_lambda_learnable_warmup_mlp", M, "sgd", {"lr": 0.5, "scale": 0.8, "momentum": 0.5}, 7, None, {"kind": "lambda_warmup", "warm": 4})

out = {
    "format": "golden-vectors/1",
    "problems": {info["name"]: info["data"] for info, _, _, _ in (Q, M)},
    "file": "hypergrad_tensor_hparams.json",
    "producer": {"library": "PyTorch", "version": torch.__version__, "device": "cpu", "num_threads": 1},
    "description": "hypergradients with respect to every optimizer hyperparameter as a tensor, elementwise lrs (Meta-SGD) and lr schedules on a tensor lr, by hand-unrolled 2.8 update formulas (issue 19)",
    "dtype": "float64",
    "cases": cases,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hypergrad_tensor_hparams.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print(f"{len(cases)} cases -> {os.path.normpath(path)}")
