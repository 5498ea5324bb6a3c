"""``gocnn bench train``: training positions/s of the ``small`` net (the shipped net's
architecture), batch 128, SGD with momentum, in the same run:

* the default setting (``rate``): channels-last, with bf16 autocast where
  :func:`gocnn.util.default_amp` turns it on (CUDA, or a CPU with native bf16), bare
  forward + backward + step on random tensors;
* the baseline (``peer``): plain fp32 NCHW forward + backward + step of the same net;
* ``sets.pipeline``: the real pipeline at the default setting (shards -> features -> batches
  from a DataLoader worker -> step) against the bare default step: how close the pipeline gets
  to the machine's practical ceiling for this net.

The two bare settings run step by step in turn (so that load from elsewhere hits both alike);
the pipeline runs after them.  GFLOP/s count the convolutions, forward + backward = 3 forwards.
"""

from __future__ import annotations

from pathlib import Path

from gocnn.bench.harness import BenchResult, Figure, Spec, measure
from gocnn.bench.sources import SAMPLES

SPEC = Spec(seconds=20.0, data=True)
PRESET = "small"
BATCH = 128


def conv_flops(net, size: int) -> float:
    """Multiply-adds x 2 of one forward pass of a position through every convolution."""
    import torch
    total = 0.0
    for m in net.modules():
        if isinstance(m, torch.nn.Conv2d):
            k = m.kernel_size[0] * m.kernel_size[1]
            total += 2.0 * m.in_channels * m.out_channels * k * size * size / m.groups
    return total


def sample_shards(data: str | None) -> Path:
    """A shard directory to train on: --data, else the repo's samples built once into a cache
    (a rerun of the build skips what is done)."""
    if data:
        return Path(data)
    import tempfile
    from gocnn import data as gdata
    import hashlib
    # one cache per checkout (a build of other sources in the same folder is refused)
    tag = hashlib.blake2b(str(SAMPLES.resolve()).encode(), digest_size=6).hexdigest()
    out = Path(tempfile.gettempdir()) / f"gocnn-bench-shards-{gdata.FORMAT.replace('/', '-')}-{tag}"
    gdata.build([SAMPLES], out, val_fraction=0.0, workers=1, progress=False)
    return out


class Trainer:
    """One net and its optimizer at one setting: ``step(x, y)`` is forward, backward, step."""

    def __init__(self, cfg, channels_last: bool, amp: bool):
        import torch
        from gocnn.model import build_policy
        torch.manual_seed(0)
        self.net = build_policy(cfg)
        self.layout = torch.channels_last if channels_last else torch.contiguous_format
        self.net = self.net.to(memory_format=self.layout)
        self.amp = amp
        self.opt = torch.optim.SGD(self.net.parameters(), lr=1e-3, momentum=0.9)

    def step(self, x, y) -> int:
        import torch
        import torch.nn.functional as F
        x = x.float().contiguous(memory_format=self.layout)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.amp):
            loss = F.cross_entropy(self.net(x).float(), y)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return len(y)


def run(opts) -> BenchResult:
    import dataclasses

    import torch

    from gocnn import data
    from gocnn.features import feature_set
    from gocnn.model import POLICY_PRESETS
    from gocnn.util import default_amp

    cfg = POLICY_PRESETS[PRESET]
    cfg = dataclasses.replace(cfg, in_channels=feature_set(cfg.features).planes)
    amp = default_amp(torch.device("cpu"))
    fp32, default = Trainer(cfg, channels_last=False, amp=False), Trainer(cfg, channels_last=True, amp=amp)
    torch.manual_seed(0)
    x = torch.randn(BATCH, cfg.in_channels, cfg.board_size, cfg.board_size)
    y = torch.randint(0, cfg.board_size ** 2, (BATCH,))
    bare = measure({"default": lambda: default.step(x, y), "fp32": lambda: fp32.step(x, y)},
                   seconds=opts.seconds * 2 / 3, warmup=1)

    stream = data.BatchStream(sample_shards(opts.data), cfg.features, BATCH, seed=0, start=0, stop=10 ** 9)
    loader = torch.utils.data.DataLoader(stream, batch_size=None, num_workers=1, prefetch_factor=4)
    batches = iter(loader)

    def pipeline_step() -> int:
        item = next(batches)  # (step, planes, labels, ...)
        return default.step(item[1], item[2])

    pipe = measure({"pipeline": pipeline_step}, seconds=opts.seconds / 3, warmup=2)["pipeline"]

    flops = 3 * conv_flops(default.net, cfg.board_size)
    rate, peer_rate = bare["default"].rate(), bare["fp32"].rate()
    pipeline = pipe.rate()
    setting = f"channels-last{', bf16 autocast' if amp else ', fp32 (no native bf16 here)'}"
    gflops = {k: round(r * flops / 1e9, 1) for k, r in
              (("default", rate), ("fp32", peer_rate), ("pipeline", pipeline))}
    sets = {
        "pipeline": Figure(pipeline, rate, "positions/s", "bare forward+backward, default setting",
                           extra={"gflops": gflops["pipeline"], "peer_gflops": gflops["default"]}),
        "default": Figure(rate, unit="positions/s", extra={"gflops": gflops["default"], "setting": setting}),
        "fp32": Figure(peer_rate, unit="positions/s", extra={"gflops": gflops["fp32"], "setting": "fp32, NCHW"}),
    }
    return BenchResult(
        "train", rate, "positions/s", "fp32 NCHW forward+backward of the same net", peer_rate, sets=sets,
        extra={"preset": PRESET, "features": cfg.features, "batch": BATCH, "amp": amp,
               "setting": setting, "gflops": gflops["default"], "peer_gflops": gflops["fp32"]},
        lines=[f"train {PRESET}, batch {BATCH}, {torch.get_num_threads()} thread(s), forward+backward+step; "
               f"default setting: {setting}",
               f"  default             {rate:8.1f} positions/s ({gflops['default']} GFLOP/s)",
               f"  fp32 NCHW baseline  {peer_rate:8.1f} positions/s ({gflops['fp32']} GFLOP/s)",
               f"  ratio default/fp32  {rate / peer_rate:8.2f}",
               f"  full pipeline       {pipeline:8.1f} positions/s ({gflops['pipeline']} GFLOP/s), "
               f"{pipeline / rate:.2f} of the bare default step (goal >= 0.7)"])
