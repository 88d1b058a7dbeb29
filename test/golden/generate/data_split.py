"""Golden values for @tapegrad/data from torch.utils.data (PyTorch 1.13 CPU).

Run with:  /usr/bin/python3 test/golden/generate/data_split.py > test/golden/data_split.json

Only the deterministic, generator-independent parts are recorded (tapegrad's random streams are
not PyTorch's): the split sizes random_split derives from fractions (floor, then the remainder
handed out round-robin), and the number and sizes of batches DataLoader / BatchSampler produce.
random_split's fraction rule and BatchSampler's lengths are the same in PyTorch 2.8.
"""
import json
import warnings

import torch
from torch.utils.data import DataLoader, random_split

warnings.simplefilter("ignore")  # random_split warns about empty splits; the sizes are what we record

split_cases = []
for n, fractions in [
    (10, [0.8, 0.2]),
    (10, [0.33, 0.33, 0.34]),
    (7, [0.5, 0.5]),
    (100, [0.7, 0.2, 0.1]),
    (3, [0.25, 0.25, 0.25, 0.25]),
    (1, [0.5, 0.5]),
    (0, [0.6, 0.4]),
    (11, [0.1, 0.1, 0.1, 0.7]),
    (1000, [0.333, 0.333, 0.334]),
    (5, [1.0]),
    (9, [0.0, 1.0]),
    (17, [0.2, 0.2, 0.2, 0.2, 0.2]),
]:
    splits = random_split(range(n), fractions, generator=torch.Generator().manual_seed(0))
    split_cases.append({"name": f"split_{n}_{'_'.join(map(str, fractions))}", "n": n, "fractions": fractions,
                        "lengths": [len(s) for s in splits]})

loader_cases = []
for n, batch_size, drop_last in [(10, 3, False), (10, 3, True), (9, 3, False), (9, 3, True), (2, 5, False),
                                 (2, 5, True), (0, 4, False), (64, 64, True), (65, 64, False), (65, 64, True)]:
    loader = DataLoader(list(range(n)), batch_size=batch_size, drop_last=drop_last)
    loader_cases.append({"name": f"loader_{n}_{batch_size}_{drop_last}", "n": n, "batch_size": batch_size,
                         "drop_last": drop_last, "length": len(loader),
                         "batch_sizes": [len(b) for b in loader]})

print(json.dumps({
    "format": "golden-vectors/1",
    "file": "data_split.json",
    "producer": {"library": "PyTorch", "version": torch.__version__, "device": "cpu"},
    "description": "random_split fraction-to-count rule and DataLoader batch counts/sizes (no random values)",
    "cases": {"random_split": split_cases, "data_loader": loader_cases},
}, indent=1))
