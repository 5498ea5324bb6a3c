"""Training and evaluating policy (and policy + value) nets.

``gocnn train`` builds a :class:`TrainConfig` and calls :func:`train` with a run directory; the
pieces live in modules of their own:

* :mod:`gocnn.train.config` - ``TrainConfig``, the frozen options of a run;
* :mod:`gocnn.train.loop` - ``train(cfg, run_dir, resume=False) -> summary``, the learning-rate
  schedule, the net and optimizer a run starts from;
* :mod:`gocnn.train.runs` - the run directory: run.json, checkpoints (safetensors, atomic, no
  pickle; a resume continues bit for bit), metrics.csv, curves.png;
* :mod:`gocnn.train.distributed` - torchrun set-up (DDP; NCCL on GPUs, gloo on CPUs: the result
  equals one process on the same global batch);
* :mod:`gocnn.train.losses` - the masked policy loss and the value and ownership losses;
* :mod:`gocnn.train.evaluate` - validation figures, ``evaluate_games`` and ``gocnn eval``'s
  ``evaluate_sgf(EvalConfig)``.

The names below are re-exported so ``from gocnn.train import X`` reads as before.
"""

from __future__ import annotations

from gocnn.train.config import HPARAMS, TrainConfig
from gocnn.train.evaluate import PHASES, EvalConfig, evaluate_games, evaluate_planes, evaluate_sgf
from gocnn.train.loop import build_net, configure_optimizer, lr_at, train
from gocnn.train.losses import _masked_mean, has_heads, head_losses, legal_mask_from_planes, masked_logits, topk_hits
from gocnn.train.runs import (CHECKPOINT, METRIC_FIELDS, METRICS, MODEL, append_csv_row, load_checkpoint,
                              plot_curves, read_csv_rows, save_checkpoint)

__all__ = ["CHECKPOINT", "EvalConfig", "HPARAMS", "METRICS", "METRIC_FIELDS", "MODEL", "PHASES", "TrainConfig",
           "_masked_mean",
           "append_csv_row", "build_net", "configure_optimizer", "evaluate_games", "evaluate_planes",
           "evaluate_sgf", "has_heads", "head_losses", "legal_mask_from_planes", "load_checkpoint", "lr_at",
           "masked_logits", "plot_curves", "read_csv_rows", "save_checkpoint", "topk_hits", "train"]
