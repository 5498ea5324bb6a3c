"""``gocnn bench mnist``: seconds per training epoch of the seed CNN, ours (the conv core, the
training loop of ``gocnn mnist train --arch seed``) against Keras 3 on its torch backend
running the classic script (:mod:`gocnn.bench.peers.keras_mnist`) in a child process, same data,
batch, steps and threads.

Both sides train ``WARMUP`` steps untimed, then the same number of timed steps: without
``--seconds`` the rest of an epoch (and both report test accuracy); with it, as many as a short
probe says fit in the budget, extrapolated to an epoch.  Ours is timed by the harness around
the training call; the peer times its own steps from a Keras callback (the only place its loop
can be timed).  ``rate`` is epochs per hour.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from gocnn.bench.harness import BenchResult, Figure, Spec, measure

SPEC = Spec(data=True)
BATCH, WARMUP, PROBE = 64, 10, 10
PEER_SCRIPT = Path(__file__).resolve().parent / "peers" / "keras_mnist.py"


def run_peer(xtr, ytr, xte, yte, threads: int, steps: int, evaluate: bool) -> dict:
    """Run the Keras script on the same data; its JSON line.  Raises GocnnError if it fails."""
    import numpy as np

    from gocnn.errors import GocnnError
    with tempfile.TemporaryDirectory(prefix="gocnn-bench-") as tmp:
        npz = Path(tmp) / "mnist.npz"
        np.savez(npz, x_train=xtr, y_train=ytr, x_test=xte, y_test=yte)
        env = dict(os.environ, KERAS_BACKEND="torch", OMP_NUM_THREADS=str(threads), TF_CPP_MIN_LOG_LEVEL="3")
        cmd = [sys.executable, str(PEER_SCRIPT), str(npz), str(threads), str(steps), str(WARMUP)]
        proc = subprocess.run(cmd + (["evaluate"] if evaluate else []), env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise GocnnError(f"the Keras run failed: {' | '.join(tail)}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(opts) -> BenchResult:
    import importlib.util

    import numpy as np
    import torch

    from gocnn import mnist
    from gocnn.errors import GocnnError
    from gocnn.model import build_net
    from gocnn.util import progress

    if importlib.util.find_spec("keras") is None:
        raise GocnnError("the mnist bench compares against Keras 3: pip install keras "
                         "(or pip install 'gocnn[bench]')")
    data = mnist.load(opts.data)
    (xtr, ytr), (xte, yte) = data["train"], data["test"]
    epoch_steps = math.ceil(len(xtr) / BATCH)
    x_train, y_train = mnist.to_tensor(xtr), torch.from_numpy(ytr.astype(np.int64))

    torch.manual_seed(0)
    net = build_net(mnist.make_config("seed"))

    def train(steps: int, seed: int) -> int:
        settings = mnist.Settings(batch=BATCH, lr=1e-4, max_steps=steps, seed=seed)
        return mnist.train(net, x_train, y_train, settings=settings).steps

    train(WARMUP, seed=0)
    full = opts.seconds is None
    if full:
        steps = epoch_steps - WARMUP
    else:  # a short probe says how many steps fit in the budget; both sides time those
        per_step = 1 / measure({"probe": lambda: train(PROBE, seed=1)})["probe"].rate()
        steps = int(max(20, min(epoch_steps - WARMUP, opts.seconds / per_step)))
    bar = progress(2, f"bench mnist: {steps} timed steps a side", every=10.0)
    ours = measure({"ours": lambda: train(steps, seed=2)})["ours"]
    ours_sec, ours_cpu = ours.wall[0] / steps * epoch_steps, ours.cpu[0] / steps * epoch_steps
    ours_acc = mnist.evaluate(net, mnist.to_tensor(xte), torch.from_numpy(yte.astype(np.int64))) if full else None
    bar.advance(1, f"ours {ours_sec:.1f} s per epoch; now Keras")
    try:
        peer = run_peer(xtr, ytr, xte, yte, opts.threads, steps, evaluate=full)
    finally:
        bar.close()
    peer_sec = peer["seconds"] / peer["steps"] * epoch_steps
    peer_cpu = peer["cpu_seconds"] / peer["steps"] * epoch_steps
    measured = (f"a full epoch ({epoch_steps} steps; the first {WARMUP} are warm-up and are "
                f"timed at the average rate)" if full else
                f"{steps} steps after {WARMUP} warm-up, extrapolated to {epoch_steps} steps")
    name = f"keras {peer['keras']} ({peer['backend']} backend)"
    extra = {"seconds_per_epoch": round(ours_sec, 2), "peer_seconds_per_epoch": round(peer_sec, 2),
             "cpu_seconds_per_epoch": round(ours_cpu, 2), "peer_cpu_seconds_per_epoch": round(peer_cpu, 2),
             "cpu_ratio": round(peer_cpu / ours_cpu, 3), "steps_timed": steps, "warmup_steps": WARMUP,
             "epoch_steps": epoch_steps, "batch": BATCH, "measured": measured,
             "params": sum(p.numel() for p in net.parameters()), "peer_params": peer["params"]}
    if full:
        extra.update(test_accuracy=ours_acc, peer_test_accuracy=peer.get("test_accuracy"))
    width = max(len("gocnn (conv core)"), len(name))
    return BenchResult(
        "mnist", 3600 / ours_sec, "epochs/hour", name, 3600 / peer_sec,
        sets={"cpu_time": Figure(3600 / ours_cpu, 3600 / peer_cpu, "epochs per CPU hour", name)},
        extra=extra,
        lines=[f"seed CNN, batch {BATCH}, {opts.threads} thread(s), {measured}:",
               f"  {'gocnn (conv core)':<{width}} {ours_sec:8.1f} s/epoch  ({ours_cpu:.1f} s of CPU)",
               f"  {name:<{width}} {peer_sec:8.1f} s/epoch  ({peer_cpu:.1f} s of CPU)",
               f"  ratio (Keras / ours) {peer_sec / ours_sec:.2f}  (CPU time: {peer_cpu / ours_cpu:.2f})"])
