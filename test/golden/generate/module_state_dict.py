"""Key order of nn.Module.state_dict(), named_parameters(), named_buffers() and named_modules()
for module trees whose child, parameter and buffer names mix words and integer-like strings
("1", "10", "2"): PyTorch keeps registration order for every name.

Run with Debian's PyTorch:  /usr/bin/python3 test/golden/generate/module_state_dict.py
Writes test/golden/module_state_dict.json (byte-identical on every run). PyTorch 1.13 and 2.8 agree
here: both keep _parameters, _buffers and _modules in insertion-ordered dicts and walk them in the
same order (own parameters, own persistent buffers, then children, depth first).

tapegrad's names are camelCase where PyTorch's are snake_case, but every name used below is the
same in both.
"""
import json
import os
from collections import OrderedDict

import torch
from torch import nn


def describe(m):
    return {
        "state_dict": list(m.state_dict().keys()),
        "named_parameters": [n for n, _ in m.named_parameters()],
        "named_buffers": [n for n, _ in m.named_buffers()],
        "named_modules": [n for n, _ in m.named_modules()],
        "named_children": [n for n, _ in m.named_children()],
    }


def sequential_named():
    # Sequential(OrderedDict) with integer-like names after a word, out of numeric order.
    return nn.Sequential(OrderedDict([
        ("embed", nn.Linear(2, 3)),
        ("1", nn.ReLU()),
        ("10", nn.Linear(3, 3)),
        ("2", nn.Linear(3, 2)),
    ]))


def sequential_add_module():
    # Positional Sequential, then add_module with a word and an integer-like name.
    s = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 2))
    s.add_module("head", nn.Linear(2, 1))
    s.add_module("7", nn.Linear(1, 1))
    return s


class Mixed(nn.Module):
    # A custom module: a child by attribute, a buffer, integer-like parameter/child/buffer names.
    def __init__(self):
        super().__init__()
        self.b = nn.Linear(2, 2)
        self.register_buffer("running", torch.zeros(2))
        self.add_module("0", nn.Linear(2, 2))
        self.register_parameter("10", nn.Parameter(torch.zeros(3)))
        self.register_buffer("5", torch.zeros(1))
        self.register_parameter("scale", nn.Parameter(torch.ones(1)))
        self.a = nn.Linear(2, 2)
        self.register_buffer("3", torch.zeros(1), persistent=False)


def nested():
    outer = nn.Sequential(OrderedDict([("enc", sequential_named()), ("0", Mixed())]))
    return outer


def main():
    torch.manual_seed(0)
    cases = [
        {"name": "sequential_ordered_dict", **describe(sequential_named())},
        {"name": "sequential_add_module", **describe(sequential_add_module())},
        {"name": "custom_mixed_names", **describe(Mixed())},
        {"name": "nested", **describe(nested())},
    ]
    out = {
        "format": "golden-vectors/1",
        "file": "module_state_dict.json",
        "producer": {"library": "PyTorch", "version": torch.__version__, "device": "cpu"},
        "description": "registration order of state_dict / named_* keys with integer-like names",
        "cases": cases,
    }
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "module_state_dict.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
