"""The options of a training run, as one frozen dataclass (``gocnn train`` builds it from its
flags; tests and scripts build it directly).

Two kinds of option live here.  The run's own settings (:data:`HPARAMS`: the net, the data
order, the optimizer and its schedule, the loss weights) are written to ``RUN_DIR/run.json``
when a run starts, and a resumed run reads them back from there - the saved ones win over the
config's, except ``steps``, which may move the run's horizon.  The rest (how often to evaluate
and checkpoint, device, threads, loader processes, amp, compile, a time limit) belong to one
invocation and may differ between a run and its resumption.
"""

from __future__ import annotations

import dataclasses

# the settings a run keeps in run.json["hparams"] (with "data", the resolved data paths)
HPARAMS = ("preset", "features", "steps", "epochs", "batch", "lr", "optimizer", "weight_decay", "schedule",
           "warmup", "seed", "init", "value_weight", "ownership_weight")


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Every option of ``gocnn train``, with the CLI's defaults.

    ``data``: a shard directory (from ``gocnn data build``) or SGF sources, built into
    ``RUN_DIR/shards``.  ``preset`` None: "small" (with ``init``: the init net's own config; a
    preset with heads it lacks starts from its trunk).  ``steps`` and ``epochs`` both None:
    10000 steps.  ``lr`` None: 0.05 for SGD, 1e-3 for Adam.  ``threads`` 0: torch's choice.
    ``amp``: "auto", "on" or "off" (bf16 autocast).  ``max_seconds``: stop with a checkpoint
    after this long."""

    data: tuple[str, ...]
    preset: str | None = None
    features: str | None = None
    steps: int | None = None
    epochs: float | None = None
    batch: int = 256
    lr: float | None = None
    optimizer: str = "sgd"
    weight_decay: float = 1e-4
    schedule: str = "cosine"
    warmup: int = 200
    eval_every: int = 1000
    eval_positions: int = 20000
    checkpoint_every: int = 500
    workers: int = 1
    threads: int = 0
    seed: int = 0
    device: str = "auto"
    amp: str = "auto"
    value_weight: float = 0.5
    ownership_weight: float = 1.0
    compile: bool = False
    init: str | None = None
    max_seconds: float | None = None

    def __post_init__(self):  # a list or one path reads as the tuple of paths
        paths = [self.data] if isinstance(self.data, (str, bytes)) or hasattr(self.data, "__fspath__") else self.data
        object.__setattr__(self, "data", tuple(str(p) for p in paths))

    def hparams(self) -> dict:
        """The run's own settings as a new run stores them in run.json."""
        return {k: getattr(self, k) for k in HPARAMS}
