#!/usr/bin/env python3
"""PyTorch peer of `npm run bench` (bench/pytorch.ts starts it; it needs no files of its own).

    /usr/bin/python3 bench/peers/pytorch_bench.py --threads=1        # one thread
    /usr/bin/python3 bench/peers/pytorch_bench.py --threads=default  # PyTorch's default count

Speaks JSON lines on stdin/stdout, so the benchmark can interleave PyTorch's samples with the
other contenders' (the same warm-up, rounds and minimum sample length as bench/harness.ts):

- on start it prints {"ready": true, "torch": ..., "threads": n, "blas": [...], "blasInfo": ...}
  or {"ready": false, "error": "..."} (then exits) when torch cannot be imported;
- {"op": "setup", "id": ..., "kind": "mlp" | "matmul" | "chain" | "digits", ...} builds a case
  from the data sent by the benchmark (float32/int32 arrays as base64 of little-endian bytes, so
  every side starts from identical inputs) and answers with what the benchmark cross-checks
  (losses, the product, the gradient);
- {"op": "warmup", "id": ..., "calls": n} and {"op": "sample", "id": ..., "minMs": ms} time one
  unit of work ({"ms": milliseconds per call}); {"op": "drop", "id": ...} frees a case.

--threads=1 sets OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS before torch is
imported as well as torch.set_num_threads(1): OpenBLAS's own threads ignore set_num_threads.
"""
import base64
import json
import os
import re
import sys
import time

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def reply(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def parse_threads(argv):
    for arg in argv:
        if arg.startswith("--threads="):
            value = arg.split("=", 1)[1]
            return None if value == "default" else int(value)
    return None


THREADS = parse_threads(sys.argv[1:])
if THREADS is not None:
    for var in THREAD_VARS:
        os.environ[var] = str(THREADS)

try:
    import torch
    import torch.nn.functional as F
except Exception as error:  # ImportError, or a broken install failing while loading
    reply({"ready": False, "error": f"{type(error).__name__}: {error}"})
    sys.exit(0)

if THREADS is not None:
    torch.set_num_threads(THREADS)


def loaded_blas():
    """Shared libraries of a BLAS mapped into this process (which one torch really uses)."""
    paths = set()
    with open("/proc/self/maps", encoding="utf8") as maps:
        for line in maps:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            name = os.path.basename(path).lower()
            if "blas" in name or "mkl" in name:
                paths.add(os.path.realpath(path))
    return sorted(paths)


def blas_info():
    found = re.search(r"BLAS_INFO=([^,\s]*)", torch.__config__.show())
    return found.group(1) if found else "unknown"


def floats(b64, shape=None):
    t = torch.frombuffer(bytearray(base64.b64decode(b64)), dtype=torch.float32)
    return t.reshape(shape) if shape is not None else t


def ints(b64):
    return torch.frombuffer(bytearray(base64.b64decode(b64)), dtype=torch.int32).long()


def encode(t):
    return base64.b64encode(t.detach().contiguous().numpy().astype("<f4").tobytes()).decode("ascii")


def mlp_model(inp, hidden, classes, w):
    """Linear-ReLU-Linear with the benchmark's weights (PyTorch layout: weight is [out, in])."""
    l1 = torch.nn.Linear(inp, hidden)
    l2 = torch.nn.Linear(hidden, classes)
    with torch.no_grad():
        l1.weight.copy_(floats(w["w1"], (hidden, inp)))
        l1.bias.copy_(floats(w["b1"]))
        l2.weight.copy_(floats(w["w2"], (classes, hidden)))
        l2.bias.copy_(floats(w["b2"]))
    return torch.nn.Sequential(l1, torch.nn.ReLU(), l2)


def setup_mlp(msg):
    """One SGD training step of the MLP (forward, cross-entropy, backward, update)."""
    c = msg["case"]
    model = mlp_model(c["inFeatures"], c["hidden"], c["classes"], msg["data"])
    opt = torch.optim.SGD(model.parameters(), lr=msg["lr"])
    x = floats(msg["data"]["x"], (c["batch"], c["inFeatures"]))
    y = ints(msg["data"]["labels"])

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    losses = [step() for _ in range(msg["checkSteps"])]
    return step, {"losses": losses}


def setup_matmul(msg):
    n = msg["n"]
    a = floats(msg["a"], (n, n))
    b = floats(msg["b"], (n, n))

    def run():
        with torch.no_grad():
            return torch.mm(a, b)

    return run, {"out": encode(run())}


def setup_chain(msg):
    """A chain of tiny ops (alternately * c and + c) from a fresh leaf, a sum, backward."""
    w0 = floats(msg["w"])
    c = floats(msg["c"])
    ops = msg["ops"]

    def run():
        w = w0.clone().requires_grad_(True)
        y = w
        for i in range(ops):
            y = y * c if i % 2 == 0 else y + c
        y.sum().backward()
        return w.grad

    return run, {"grad": encode(run())}


def setup_digits(msg):
    """Epochs of the digits demo's loop: ASGD, LinearLR then CosineAnnealingLR, one scheduler step per epoch."""
    h = msg["hyper"]
    y = ints(msg["y"])
    n = y.numel()
    x = floats(msg["x"], (n, 64))
    orders = [ints(o) for o in msg["orders"]]
    model = mlp_model(64, h["hidden"], 10, msg["weights"])
    opt = torch.optim.ASGD(model.parameters(), lr=h["lr"], lambd=h["lambd"], t0=h["t0"])
    warmup = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, end_factor=1.0, total_iters=h["warmupEpochs"])
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=h["epochs"] - h["warmupEpochs"], eta_min=h["lr"] * 0.01)
    scheduler = torch.optim.lr_scheduler.SequentialLR(opt, schedulers=[warmup, cosine], milestones=[h["warmupEpochs"]])
    batch = h["batchSize"]
    epoch = [0]

    def run_epoch():
        order = orders[epoch[0] % len(orders)]
        epoch[0] += 1
        losses = []
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            xb, yb = x[idx], y[idx]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        scheduler.step()
        return losses

    losses = [l for _ in range(msg["checkEpochs"]) for l in run_epoch()]
    return run_epoch, {"losses": losses}


SETUPS = {"mlp": setup_mlp, "matmul": setup_matmul, "chain": setup_chain, "digits": setup_digits}


def sample(run, min_ms):
    """Milliseconds per call: call `run` until `min_ms` have passed (at least once), as bench/harness.ts does."""
    calls = 0
    t0 = time.perf_counter()
    while True:
        run()
        calls += 1
        elapsed = (time.perf_counter() - t0) * 1000
        if elapsed >= min_ms:
            return elapsed / calls


def main():
    reply({
        "ready": True,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "blas": loaded_blas(),
        "blasInfo": blas_info(),
    })
    cases = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        msg = json.loads(line)
        op = msg["op"]
        try:
            if op == "setup":
                run, answer = SETUPS[msg["kind"]](msg)
                cases[msg["id"]] = run
                reply(answer)
            elif op == "warmup":
                for _ in range(msg["calls"]):
                    cases[msg["id"]]()
                reply({})
            elif op == "sample":
                reply({"ms": sample(cases[msg["id"]], msg["minMs"])})
            elif op == "drop":
                cases.pop(msg["id"], None)
                reply({})
            else:
                reply({"error": f"unknown op {op!r}"})
        except Exception as error:
            reply({"error": f"{op} {msg.get('id')}: {type(error).__name__}: {error}"})


if __name__ == "__main__":
    main()
