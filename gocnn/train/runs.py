"""A training run's directory, ``RUN_DIR``:

* ``run.json``: ``hparams`` (the run's own settings, see :mod:`gocnn.train.config`, plus
  ``data``, and, when a resume moved the horizon, ``horizons``; other keys a person adds, such
  as ``changes``, are kept), ``config`` (``asdict`` of the net's config), ``total_steps`` and
  ``data_dir`` (the shard directory read);
* ``checkpoint.safetensors``: weights, optimizer buffers, step and RNG (no pickle; written to a
  temporary file and renamed), what a resume continues from bit for bit;
* ``model.safetensors``: the latest weights, a model file every command reads;
* ``metrics.csv`` (one row per evaluation), ``curves.png``, and ``tb/`` when TensorBoard is
  installed; ``shards/`` when the run was given SGF sources.

A run started resumes only with ``resume``, and a resume needs a checkpoint: both mistakes
raise GocnnError.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path

import torch

from gocnn.errors import GocnnError
from gocnn.train import distributed
from gocnn.train.config import TrainConfig
from gocnn.util import atomic_write_bytes, atomic_write_json, png_bytes

CHECKPOINT = "checkpoint.safetensors"
MODEL = "model.safetensors"
METRICS = "metrics.csv"
RUN_FILE = "run.json"
METRIC_FIELDS = ["step", "positions", "seconds", "lr", "loss", "top1", "val_loss", "val_top1", "val_top5",
                 "positions_per_s", "value_loss", "ownership_loss", "val_value_loss", "val_brier",
                 "val_winner_acc", "val_ownership_loss"]


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------- run.json
def open_run(cfg: TrainConfig, run: Path, resume: bool) -> tuple[dict, bool]:
    """(the run's hparams, whether run.json already held them).  A new run takes them from
    ``cfg``; a resumed one from run.json, where a ``cfg.steps`` other than the saved horizon
    stretches the schedule from here on (recorded under ``horizons``, written by rank 0)."""
    run.mkdir(parents=True, exist_ok=True)
    ckpt = run / CHECKPOINT
    if ckpt.exists() and not resume:
        raise GocnnError(f"{run} already holds a run; pass --resume to continue it or use a new --out")
    if resume and not ckpt.exists():
        raise GocnnError(f"nothing to resume: no {CHECKPOINT} in {run}")
    run_file = run / RUN_FILE
    if not (resume and run_file.exists()):
        hp = cfg.hparams()
        hp["data"] = [str(Path(p).resolve()) for p in cfg.data]
        return hp, False
    saved = json.loads(run_file.read_text())
    hp = saved["hparams"]
    if cfg.steps is not None and cfg.steps != saved.get("total_steps"):
        _log(f"the run's schedule now ends at step {cfg.steps} (was {saved.get('total_steps')})")
        hp["steps"], hp["epochs"] = cfg.steps, None
        hp.setdefault("horizons", []).append(cfg.steps)
        saved["total_steps"] = cfg.steps
        if distributed.rank() == 0:
            atomic_write_json(run_file, saved)
    return hp, True


def write_run(run: Path, hp: dict, net_config: dict, total: int, data_dir: Path) -> None:
    """run.json of a new run."""
    atomic_write_json(run / RUN_FILE, {"hparams": hp, "config": net_config, "total_steps": total,
                                       "data_dir": str(data_dir)})


def resolve_data(data, run: Path) -> Path:
    """A shard directory: given, or built by rank 0 from SGF sources into RUN_DIR/shards."""
    paths = [Path(p) for p in data]
    if len(paths) == 1 and (paths[0] / "build.json").exists():
        return paths[0]
    for p in paths:
        if not p.exists():
            raise GocnnError(f"no such file or directory: {p}")
    shards = run / "shards"
    if distributed.rank() == 0:
        from gocnn.data import build
        _log(f"building shards from {len(paths)} SGF source(s) into {shards}")
        build(paths, shards, workers=max(1, (os.cpu_count() or 1)))
    distributed.barrier()
    return shards


# ---------------------------------------------------------------------- checkpoints
def save_checkpoint(path: Path, net, opt, step: int, meta: dict) -> None:
    """Weights, optimizer state, step and RNG in one safetensors file, written atomically."""
    from safetensors.torch import save
    from gocnn.model import _unwrap
    tensors = {f"model.{k}": v.detach().cpu().contiguous().clone() for k, v in _unwrap(net).state_dict().items()}
    sd = opt.state_dict()
    for i, state in sd["state"].items():
        for key, value in state.items():
            t = value if torch.is_tensor(value) else torch.tensor(value)
            tensors[f"opt.{i}.{key}"] = t.detach().cpu().contiguous().clone()
    tensors["rng.torch"] = torch.get_rng_state().clone()
    metadata = {"format": "gocnn-checkpoint", "step": str(step),
                "param_groups": json.dumps(sd["param_groups"]), "meta": json.dumps(meta, sort_keys=True)}
    atomic_write_bytes(path, save(tensors, metadata=metadata))


def load_checkpoint(path: Path, net, opt) -> tuple[int, dict]:
    from safetensors import safe_open
    from gocnn.model import _unwrap
    try:
        with safe_open(str(path), framework="pt") as f:
            md = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as exc:
        raise GocnnError(f"cannot read checkpoint {path}: {exc}") from None
    if md.get("format") != "gocnn-checkpoint":
        raise GocnnError(f"{path} is not a gocnn training checkpoint")
    model_sd = {k[6:]: v for k, v in tensors.items() if k.startswith("model.")}
    try:
        _unwrap(net).load_state_dict(model_sd)
    except RuntimeError as exc:
        raise GocnnError(f"checkpoint {path} does not fit this net: {str(exc).splitlines()[0]}") from None
    state: dict[int, dict] = {}
    for k, v in tensors.items():
        if k.startswith("opt."):
            _, i, key = k.split(".", 2)
            state.setdefault(int(i), {})[key] = v
    opt.load_state_dict({"state": state, "param_groups": json.loads(md["param_groups"])})
    torch.set_rng_state(tensors["rng.torch"])
    return int(md["step"]), json.loads(md.get("meta", "{}"))


# ---------------------------------------------------------------------- metrics and curves
def read_csv_rows(path: Path, fields: list[str], key: str, upto: int) -> list[dict]:
    """Rows of a metrics CSV whose ``key`` column is at most ``upto``; the file is rewritten
    without the later rows (they belong to work lost in a crash, redone after a resume)."""
    if not path.exists():
        return []
    with open(path, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r.get(key) and int(r[key]) <= upto]
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return rows


def append_csv_row(path: Path, fields: list[str], row: dict) -> None:
    new = not path.exists()
    with open(path, "a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        if new:
            w.writeheader()
        w.writerow(row)


def tensorboard(run: Path):
    """A TensorBoard writer on RUN_DIR/tb, or None when tensorboard is not installed."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except Exception:
        return None  # tensorboard is not installed: metrics.csv and curves.png still are
    return SummaryWriter(str(run / "tb"))


def plot_curves(rows: list[dict], path: Path) -> None:
    """A small PNG of training loss/accuracy and validation accuracy against steps (Pillow)."""
    from PIL import Image, ImageDraw
    W, H, pad = 720, 420, 50
    img = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(img)
    pts = [r for r in rows if r.get("step")]
    if not pts:
        return
    max_step = max(float(r["step"]) for r in pts) or 1
    d.rectangle([pad, pad, W - pad, H - pad], outline="black")
    d.text((pad, 15), "gocnn training: top-1 (train blue, val red), loss/8 (grey)", fill="black")
    for frac in (0, 0.25, 0.5, 0.75, 1.0):
        y = H - pad - frac * (H - 2 * pad)
        d.line([pad - 4, y, pad, y], fill="black")
        d.text((8, y - 6), f"{frac:.2f}", fill="black")
    d.text((W - pad - 60, H - pad + 10), f"step {int(max_step)}", fill="black")

    def series(key, color, scale=1.0):
        xy = [(pad + float(r["step"]) / max_step * (W - 2 * pad),
               H - pad - min(1.0, float(r[key]) / scale) * (H - 2 * pad)) for r in pts if r.get(key) not in (None, "")]
        if len(xy) > 1:
            d.line(xy, fill=color, width=2)
        for x, y in xy[-1:]:
            d.ellipse([x - 3, y - 3, x + 3, y + 3], fill=color)
    series("loss", (150, 150, 150), scale=8.0)
    series("top1", (40, 80, 220))
    series("val_top1", (220, 40, 40))
    atomic_write_bytes(path, png_bytes(img))
