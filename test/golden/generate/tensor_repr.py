"""Golden strings for tapegrad's tensor printer (packages/core/src/format.ts): PyTorch's repr() of
the same tensors, under the same print options.

Run with:  /usr/bin/python3 test/golden/generate/tensor_repr.py > test/golden/tensor_repr.json

Each case gives the values (either `data`, nested lists, or `gen`, a formula both sides evaluate in
float64: value[i] = ((i % mod) * step + start) / div, stored to the dtype), the shape, the dtype,
requires_grad, an optional op applied afterwards (`mul2`, `sum`, `add1`) and print options.
`repr` is PyTorch's output verbatim. The test (test/tensor-repr.golden.test.ts) applies tapegrad's
documented naming substitutions before comparing:
  dtype=torch.X -> dtype=X        requires_grad=True -> requiresGrad=true
  grad_fn=<NameBackward0> -> gradFn=<NameBackward>   True/False (bool elements) -> true/false
  size=(a, b) -> size=[a, b]
The suffixes wrap by the length of the names actually printed, so a case whose wrapping would differ
only because the names differ in length is not a useful golden (suffix_wraps wraps in both).
And tapegrad's int32 takes the place of PyTorch's int64 (the default integer type, whose dtype is not
printed), so integer cases are built as int64 here and as int32 in tapegrad.
_tensor_str.py's formatting rules are the same in PyTorch 1.13 and 2.8 for these dtypes.
"""
import json
import math

import torch

torch.set_printoptions(profile="default")

DTYPES = {"float32": torch.float32, "float64": torch.float64, "int32": torch.int64, "bool": torch.bool}


def values_from(case):
    if "data" in case:
        return case["data"]
    g = case["gen"]
    n = math.prod(case["shape"])
    return [((i % g["mod"]) * g["step"] + g["start"]) / g["div"] for i in range(n)]


def build(case):
    dtype = DTYPES[case["dtype"]]
    vals = values_from(case)
    t = torch.tensor(vals, dtype=dtype)
    if "gen" in case:
        t = t.reshape(case["shape"])
    if case.get("requires_grad"):
        t.requires_grad_(True)
    op = case.get("op")
    if op == "mul2":
        t = t * 2
    elif op == "sum":
        t = t.sum()
    elif op == "add1":
        t = t + 1
    return t


def gen(shape, start, step, div, mod=1 << 30):
    return {"shape": shape, "gen": {"start": start, "step": step, "div": div, "mod": mod}}


nan, inf = float("nan"), float("inf")
cases = [
    {"name": "float_vector", "dtype": "float32", "data": [0.1234567, 0.5678, -1.5, 2.0]},
    {"name": "float_matrix", "dtype": "float32", "data": [[0.1234, 0.5678], [1.25, -3.0]]},
    {"name": "float64_matrix_grad", "dtype": "float64", "data": [[0.1234, 0.5678]], "requires_grad": True},
    {"name": "float64_mul_gradfn", "dtype": "float64", "data": [[0.1234, 0.5678]], "requires_grad": True, "op": "mul2"},
    {"name": "float32_sum_gradfn", "dtype": "float32", "data": [1.5, 2.25, 3.0], "requires_grad": True, "op": "sum"},
    {"name": "float32_add_gradfn", "dtype": "float32", "data": [[1.0, 2.0], [3.0, 4.0]], "requires_grad": True, "op": "add1"},
    {"name": "int_mode_floats", "dtype": "float32", "data": [1.0, 2.0, -3.0, 0.0]},
    {"name": "int_mode_sci", "dtype": "float32", "data": [1.0, 20000.0]},
    {"name": "int_mode_big", "dtype": "float64", "data": [1e9, 2.0]},
    {"name": "sci_small", "dtype": "float32", "data": [1e-5, 0.5, 1.0]},
    {"name": "sci_ratio", "dtype": "float64", "data": [0.001, 1.5, 3000.25]},
    {"name": "sci_big", "dtype": "float64", "data": [1.5e8, 2.5e8]},
    {"name": "no_sci_ratio_999", "dtype": "float64", "data": [0.01, 9.99]},
    {"name": "nonfinite", "dtype": "float32", "data": [nan, inf, -inf, 1.5]},
    {"name": "nonfinite_int_mode", "dtype": "float32", "data": [nan, inf, 2.0]},
    {"name": "all_zero", "dtype": "float32", "data": [0.0, 0.0, 0.0]},
    {"name": "negative_zero", "dtype": "float32", "data": [-0.0, 1.0]},
    {"name": "rounding_ties", "dtype": "float64", "data": [0.03125, 0.09375, 0.15625, -0.03125, 1.00005]},
    {"name": "sci_ties", "dtype": "float64", "data": [12345.0, 1.5e-7]},
    {"name": "scalar_float", "dtype": "float32", "data": 3.14159},
    {"name": "scalar_int_mode", "dtype": "float32", "data": 3.0},
    {"name": "scalar_float64", "dtype": "float64", "data": -0.5},
    {"name": "scalar_int", "dtype": "int32", "data": 7},
    {"name": "int_vector", "dtype": "int32", "data": [1, -20, 300]},
    {"name": "int_matrix", "dtype": "int32", "data": [[1, 2, 3], [40, 50, 60]]},
    {"name": "bool_vector", "dtype": "bool", "data": [True, False, True]},
    {"name": "bool_matrix", "dtype": "bool", "data": [[True], [False]]},
    {"name": "empty_vector", "dtype": "float32", "data": []},
    {"name": "empty_matrix", "dtype": "float32", "data": [[], []]},
    {"name": "empty_int", "dtype": "int32", "data": []},
    {"name": "empty_float64", "dtype": "float64", "data": []},
    {"name": "three_d", "dtype": "float32", "data": [[[1.5, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.25]]]},
    {"name": "four_d", "dtype": "int32", "data": [[[[1, 2]], [[3, 4]]], [[[5, 6]], [[7, 8]]]]},
    {"name": "wrap_long_vector", "dtype": "float32", **gen([40], 0, 1, 7)},
    {"name": "wrap_long_int_vector", "dtype": "int32", **gen([60], -30, 1, 1)},
    {"name": "wrap_matrix_rows", "dtype": "float64", **gen([3, 20], 1, 1, 3)},
    {"name": "summarize_vector", "dtype": "float32", **gen([2000], 0, 1, 10)},
    {"name": "summarize_int_vector", "dtype": "int32", **gen([1001], 0, 1, 1)},
    {"name": "summarize_matrix", "dtype": "float32", **gen([100, 100], -5000, 1, 1000)},
    {"name": "summarize_3d", "dtype": "float64", **gen([10, 10, 11], 0, 3, 7, 97)},
    {"name": "summarize_sci", "dtype": "float32", **gen([50, 50], 1, 37, 1, 101)},
    {"name": "summarize_grad", "dtype": "float32", **gen([40, 30], 0, 1, 4), "requires_grad": True, "op": "mul2"},
    {"name": "not_summarized_1000", "dtype": "int32", **gen([10, 100], 0, 1, 1)},
    {"name": "short_rows_summarized", "dtype": "float32", **gen([1001, 1], 0, 1, 8)},
    {"name": "suffix_wraps", "dtype": "float64", **gen([15], 1, 1, 3), "requires_grad": True, "op": "mul2"},
    {"name": "opt_precision_2", "dtype": "float32", "data": [0.12345, 1.5], "options": {"precision": 2}},
    {"name": "opt_precision_6", "dtype": "float64", "data": [0.1234567891, -2.5], "options": {"precision": 6}},
    {"name": "opt_threshold_5", "dtype": "int32", **gen([10], 0, 1, 1), "options": {"threshold": 5}},
    {"name": "opt_edgeitems_1", "dtype": "float32", **gen([20, 20], 0, 1, 2), "options": {"threshold": 10, "edgeitems": 1}},
    {"name": "opt_linewidth_30", "dtype": "float32", **gen([12], 0, 1, 3), "options": {"linewidth": 30}},
    {"name": "opt_sci_true", "dtype": "float32", "data": [1.5, 2.25], "options": {"sci_mode": True}},
    {"name": "opt_sci_false", "dtype": "float64", "data": [1e-7, 1e9], "options": {"sci_mode": False}},
    {"name": "opt_sci_true_int_mode", "dtype": "float32", "data": [1.0, 2.0], "options": {"sci_mode": True}},
]

out = []
for case in cases:
    opts = case.get("options", {})
    torch.set_printoptions(profile="default")
    torch.set_printoptions(**opts)
    text = repr(build(case))
    torch.set_printoptions(profile="default")
    entry = {k: v for k, v in case.items()}
    if "data" in entry:
        entry["data"] = json.loads(json.dumps(entry["data"]).replace("NaN", '"nan"').replace("-Infinity", '"-inf"').replace("Infinity", '"inf"'))
    entry["repr"] = text
    out.append(entry)

print(json.dumps({
    "format": "golden-vectors/1",
    "file": "tensor_repr.json",
    "producer": {"library": "PyTorch", "version": torch.__version__, "device": "cpu"},
    "description": "repr() of tensors under given print options (see the generator's docstring for the substitutions)",
    "cases": out,
}, indent=1))
