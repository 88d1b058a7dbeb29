"""The fused cross-entropy (`F.crossEntropy` with class-index targets, one recorded op): forward,
gradient and Hessian-vector products against `torch.nn.functional.cross_entropy` (issue 20).

Run with Debian's PyTorch: `/usr/bin/python3 test/golden/generate/cross_entropy.py` (writes
test/golden/cross_entropy.json; deterministic).

Each case applies `F.cross_entropy(x, target, **args)` to float64 logits `x` (a seeded normal
sample times 3). `u` weighs the output (`out * u` summed; `u` is 1 for a scalar output), `first` =
d sum(out * u) / dx (create_graph=True), `v` is a seeded direction and `hvp` = d sum(first * v) / dx.
The float32 cases record the loss of float32 logits (`output`) and, as `output_f64`, the loss of the
same logits in float64: the loss should be within a float32 rounding of the latter.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
F64 = torch.float64


def enc(t):
    vals = t.detach().reshape(-1).tolist()
    return {"shape": list(t.shape), "data": [float(v) if math.isfinite(v) else ("NaN" if v != v else ("Infinity" if v > 0 else "-Infinity")) for v in vals]}


cases = []


def case(name, shape, target, seed, dtype="float64", **args):
    g = torch.Generator().manual_seed(seed)
    x64 = (torch.randn(shape, generator=g, dtype=F64) * 3)
    tgt = torch.tensor(target, dtype=torch.int64)
    kw = dict(args)
    if "weight" in kw:
        kw["weight"] = torch.tensor(kw["weight"], dtype=F64)
    rec = {"name": name, "args": args, "target": {"shape": list(tgt.shape), "data": tgt.reshape(-1).tolist()}}
    if dtype == "float32":
        x32 = x64.to(torch.float32)
        kw32 = dict(kw)
        if "weight" in kw32:
            kw32["weight"] = kw32["weight"].to(torch.float32)
        out32 = F.cross_entropy(x32, tgt, **kw32)
        out64 = F.cross_entropy(x32.to(F64), tgt, **kw)
        rec.update({"dtype": "float32", "x": enc(x32), "output": enc(out32), "output_f64": enc(out64)})
        cases.append(rec)
        return
    x = x64.clone().requires_grad_(True)
    out = F.cross_entropy(x, tgt, **kw)
    u = torch.randn(out.shape, generator=g, dtype=F64) if out.dim() > 0 else torch.ones((), dtype=F64)
    v = torch.randn(shape, generator=g, dtype=F64)
    (first,) = torch.autograd.grad((out * u).sum(), [x], create_graph=True)
    (hvp,) = torch.autograd.grad((first * v).sum(), [x])
    rec.update({"dtype": "float64", "x": enc(x), "output": enc(out), "u": enc(u), "first": enc(first), "v": enc(v), "hvp": enc(hvp)})
    cases.append(rec)


T6 = [2, 0, 4, 1, 4, 3]
case("mean", [6, 5], T6, 1)
case("sum", [6, 5], T6, 2, reduction="sum")
case("none", [6, 5], T6, 3, reduction="none")
case("unbatched_mean", [5], 3, 4)
case("unbatched_none", [5], 0, 5, reduction="none")
case("kdim_mean", [3, 4, 2, 3], [[[0, 3, 1], [2, 2, 0]], [[1, 1, 3], [0, 2, 3]], [[3, 0, 0], [1, 2, 1]]], 6)
case("kdim_none", [2, 3, 4], [[0, 2, 1, 1], [2, 2, 0, 1]], 7, reduction="none")
case("ignore_default", [6, 5], [2, -100, 4, 1, -100, 3], 8)
case("ignore_custom_sum", [6, 5], [2, 1, 4, 1, 0, 3], 9, ignore_index=1, reduction="sum")
case("ignore_none", [6, 5], [2, -100, 4, 1, -100, 3], 10, reduction="none")
case("weight_mean", [6, 5], T6, 11, weight=[0.5, 2.0, 1.0, 0.25, 3.0])
case("weight_none", [6, 5], T6, 12, weight=[0.5, 2.0, 1.0, 0.25, 3.0], reduction="none")
case("weight_ignore_mean", [6, 5], [2, 0, -100, 1, 4, 3], 13, weight=[0.5, 2.0, 1.0, 0.25, 3.0])
case("smoothing_mean", [6, 5], T6, 14, label_smoothing=0.1)
case("smoothing_sum", [6, 5], T6, 15, label_smoothing=0.3, reduction="sum")
case("smoothing_none", [6, 5], T6, 16, label_smoothing=0.2, reduction="none")
case("smoothing_ignore_mean", [6, 5], [2, -100, 4, 1, -100, 3], 17, label_smoothing=0.1)
case("all_options_mean", [6, 5], [2, 0, 4, 1, 4, 3], 18, weight=[0.5, 2.0, 1.0, 0.25, 3.0], ignore_index=4, label_smoothing=0.25)
case("all_options_kdim_none", [2, 3, 4], [[0, 2, 1, 1], [2, 2, 0, 1]], 19, weight=[2.0, 0.5, 1.5], ignore_index=1, label_smoothing=0.15,
     reduction="none")
case("smoothing_1", [4, 3], [0, 1, 2, 1], 20, label_smoothing=1.0)
case("f32_mlp_sized_mean", [64, 10], [(i * 7 + 3) % 10 for i in range(64)], 21, dtype="float32")
case("f32_large_batch_sum", [300, 7], [(i * 5 + 1) % 7 for i in range(300)], 22, dtype="float32", reduction="sum")
case("f32_weight_smoothing_mean", [50, 6], [(i * 5 + 1) % 6 for i in range(50)], 23, dtype="float32", weight=[0.5, 2.0, 1.0, 0.25, 3.0, 1.5],
     label_smoothing=0.1)

here = os.path.dirname(os.path.abspath(__file__))
out_path = os.path.join(here, "..", "cross_entropy.json")
doc = {
    "format": "golden-vectors/1",
    "file": "cross_entropy.json",
    "producer": {"library": "PyTorch", "version": torch.__version__, "device": "cpu", "num_threads": 1},
    "description": "F.cross_entropy with class-index targets: outputs, first derivatives and Hessian-vector products "
                   "(float64), loss values of float32 logits (generator: generate/cross_entropy.py)",
    "cases": cases,
}
with open(out_path, "w") as f:
    json.dump(doc, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {len(cases)} cases to {os.path.normpath(out_path)}")
