"""The training loop: :func:`train` runs a :class:`~gocnn.train.config.TrainConfig` in a run
directory (:mod:`gocnn.train.runs`) and returns the run's summary.

Each step reads top to bottom: the batch for the step (a pure function of the seed and the
step, see :mod:`gocnn.data`), forward, cross-entropy against the expert's move (plus the value
and ownership losses for a net with those heads), backward, an optimizer step at the learning
rate :func:`lr_at` gives for that step.  Every ``eval_every`` steps rank 0 logs the window's
figures and the validation figures to metrics.csv and writes model.safetensors; every
``checkpoint_every`` steps the whole state goes to the checkpoint, so a resume after a crash
or a SIGKILL continues bit for bit.  Under torchrun (:mod:`gocnn.train.distributed`) each
process takes its slice of every global batch and DDP averages the gradients.
"""

from __future__ import annotations

import dataclasses
import math
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from gocnn.errors import GocnnError
from gocnn.train import distributed, runs
from gocnn.train.config import TrainConfig
from gocnn.train.evaluate import evaluate_planes
from gocnn.train.losses import _masked_mean, has_heads, head_losses

SUMMARY_KEYS = ("loss", "top1", "val_top1", "val_top5", "val_loss", "positions_per_s", "val_brier",
                "val_winner_acc", "val_value_loss", "val_ownership_loss")


def lr_at(step: int, total: int, base: float, schedule: str, warmup: int) -> float:
    """The learning rate for a step: linear warm-up, then constant, cosine to zero, or /10 at
    50% and 75% of the run."""
    if warmup and step < warmup:
        return base * (step + 1) / warmup
    if schedule == "constant":
        return base
    frac = (step - warmup) / max(1, total - warmup)
    if schedule == "step":
        return base * (0.1 ** (int(frac >= 0.5) + int(frac >= 0.75)))
    return base * 0.5 * (1 + math.cos(math.pi * min(1.0, frac)))


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------- set-up
def build_net(hp: dict, board_size: int):
    """(net in training mode, its config) for a run's hparams: the init net (a preset with heads
    it lacks starts from its trunk), or a fresh net of the preset on the feature set."""
    from gocnn.features import feature_set
    from gocnn.model import POLICY_PRESETS, build_policy, load_model, transplant
    if hp.get("init"):
        net, cfg, _ = load_model(hp["init"])
        net.train()
        preset = POLICY_PRESETS.get(hp.get("preset") or "")
        if preset is not None and preset.head != cfg.head:
            new_cfg = dataclasses.replace(preset, features=cfg.features, in_channels=cfg.in_channels,
                                          board_size=cfg.board_size)
            torch.manual_seed(hp["seed"])
            new_net = build_policy(new_cfg)
            copied = transplant(net, cfg, new_net, new_cfg)
            _log(f"{hp['preset']} starts from {len(copied)} tensors of {hp['init']}")
            net, cfg = new_net.train(), new_cfg
    else:
        hp["preset"] = hp.get("preset") or "small"
        if hp["preset"] not in POLICY_PRESETS:
            raise GocnnError(f"unknown preset {hp['preset']!r} (known: {', '.join(POLICY_PRESETS)})")
        cfg = POLICY_PRESETS[hp["preset"]]
        try:
            fs = feature_set(hp["features"] or cfg.features)
        except ValueError as exc:
            raise GocnnError(str(exc)) from None
        cfg = dataclasses.replace(cfg, features=fs.name, in_channels=fs.planes, board_size=board_size)
        torch.manual_seed(hp["seed"])
        net = build_policy(cfg)
    if cfg.board_size != board_size:
        raise GocnnError(f"the net is for {cfg.board_size}x{cfg.board_size}, the data is {board_size}x{board_size}")
    return net, cfg


def configure_optimizer(net, hp: dict, lr: float):
    """SGD (Nesterov momentum) or AdamW; weight decay on the weights, not on biases and norms."""
    decay = [p for n, p in net.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in net.named_parameters() if p.ndim <= 1]
    groups = [{"params": decay, "weight_decay": hp["weight_decay"]}, {"params": no_decay, "weight_decay": 0.0}]
    if hp["optimizer"] == "sgd":
        return torch.optim.SGD(groups, lr=lr, momentum=0.9, nesterov=True)
    return torch.optim.AdamW(groups, lr=lr)


def _validation_sample(data_dir: Path, features: str, positions: int, heads: bool):
    """(planes, labels[, targets]) of a fixed sample of held-out positions, or None."""
    from gocnn.data import ShardSet, fixed_sample, value_targets
    try:
        vset = ShardSet(data_dir, "val")
        pos = fixed_sample(vset, positions)
        val = vset.encode_positions(pos, features)
        return val + (value_targets(vset, pos),) if heads else val
    except GocnnError:
        _log("no validation games in the shards: validation skipped")
        return None


@dataclasses.dataclass
class _Run:
    """What the steps of one invocation share."""
    cfg: TrainConfig
    run: Path
    hp: dict
    net: torch.nn.Module
    net_cfg: object
    model: torch.nn.Module  # the net, wrapped in DDP and/or compiled
    opt: torch.optim.Optimizer
    device: torch.device
    amp: bool
    total: int
    base_lr: float
    data_dir: Path
    val: tuple | None = None
    rows: list = dataclasses.field(default_factory=list)
    writer: object = None
    bar: object = None
    seconds0: float = 0.0
    t_start: float = dataclasses.field(default_factory=time.perf_counter)

    @property
    def heads(self) -> bool:
        return has_heads(self.net_cfg)


@dataclasses.dataclass
class _Window:
    """Training figures summed since the last report."""
    loss: float = 0.0
    hits: float = 0.0
    n: float = 0.0
    value: float = 0.0
    ownership: float = 0.0
    t: float = dataclasses.field(default_factory=time.perf_counter)

    def rate(self) -> float:
        return self.n * distributed.world() / max(1e-9, time.perf_counter() - self.t)


def _prepare(cfg: TrainConfig, run: Path, resume: bool) -> tuple[_Run, int]:
    """The run's state, restored from the checkpoint when resuming, and the step to start at."""
    from gocnn.data import ShardSet
    from gocnn.util import choose_device, default_amp
    device = distributed.setup(choose_device(cfg.device))
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    hp, saved = runs.open_run(cfg, run, resume)
    if hp["batch"] % distributed.world():
        raise GocnnError(f"--batch {hp['batch']} must divide by the {distributed.world()} processes")
    data_dir = runs.resolve_data(cfg.data, run)
    shards = ShardSet(data_dir, "train")
    hp.setdefault("value_weight", 0.5)
    hp.setdefault("ownership_weight", 1.0)
    net, net_cfg = build_net(hp, shards.board_size)
    if hp["steps"] is None and hp["epochs"] is None:
        hp["steps"] = 10000
    total = hp["steps"] if hp["steps"] is not None else int(hp["epochs"] * shards.positions / hp["batch"])
    base_lr = hp["lr"] if hp["lr"] is not None else (0.05 if hp["optimizer"] == "sgd" else 1e-3)
    if distributed.rank() == 0 and not saved:
        runs.write_run(run, hp, dataclasses.asdict(net_cfg), total, data_dir)
    net = net.to(device).to(memory_format=torch.channels_last)  # faster convolutions on CPU and GPU
    opt = configure_optimizer(net, hp, base_lr)
    start, meta = 0, {"seconds": 0.0}
    if resume:
        start, meta = runs.load_checkpoint(run / runs.CHECKPOINT, net, opt)
        _log(f"resumed {run} at step {start}/{total}")
    model = net
    if distributed.world() > 1:
        from torch.nn.parallel import DistributedDataParallel as DDP
        model = DDP(net, device_ids=[device.index] if device.type == "cuda" else None)
    if cfg.compile:
        model = torch.compile(model)
    amp = default_amp(device) if cfg.amp == "auto" else cfg.amp == "on"
    return _Run(cfg, run, hp, net, net_cfg, model, opt, device, amp, total, base_lr, data_dir,
                seconds0=float(meta.get("seconds", 0.0))), start


# ---------------------------------------------------------------------- a step, a report
def _step(r: _Run, x, y, t, lr: float, win: _Window) -> None:
    """Forward, the losses, backward and the optimizer step on one batch."""
    x = x.to(r.device, non_blocking=True).float().contiguous(memory_format=torch.channels_last)
    y = y.to(r.device, non_blocking=True)
    for g in r.opt.param_groups:
        g["lr"] = lr
    with torch.autocast(r.device.type, dtype=torch.bfloat16, enabled=r.amp):
        if r.heads:
            t = {k: v.to(r.device, non_blocking=True) for k, v in t.items()}
            out = r.model(x, t["komi"], heads=True)
        else:
            out = {"policy": r.model(x)}
    logits = out["policy"]
    loss = F.cross_entropy(logits.float(), y)
    loss_total = loss
    if r.heads:
        extra = head_losses(out, t)
        for name, mask in (("value", "value_mask"), ("ownership", "ownership_mask")):
            if name in extra:
                part = _masked_mean(extra[name], t[mask])
                loss_total = loss_total + r.hp[f"{name}_weight"] * part
                setattr(win, name, getattr(win, name) + part.item() * len(y))
    r.opt.zero_grad(set_to_none=True)
    loss_total.backward()
    r.opt.step()
    win.loss += loss.item() * len(y)
    win.hits += (logits.argmax(1) == y).sum().item()
    win.n += len(y)


def _report(r: _Run, step: int, lr: float, win: _Window, elapsed: float) -> dict:
    """Rank 0: the window's and the validation figures to metrics.csv (and TensorBoard), the
    curves, the latest model file and a log line; returns the row."""
    from gocnn.model import save_model
    row = {"step": step, "positions": step * r.hp["batch"], "seconds": round(elapsed, 1), "lr": lr,
           "loss": win.loss / win.n, "top1": win.hits / win.n, "positions_per_s": round(win.rate(), 1)}
    if r.heads:
        row.update(value_loss=win.value / win.n, ownership_loss=win.ownership / win.n)
    if r.val is not None:
        row.update(evaluate_planes(r.net, r.val[0], r.val[1], r.device, targets=r.val[2] if r.heads else None))
        r.model.train()
    r.rows.append(row)
    runs.append_csv_row(r.run / runs.METRICS, runs.METRIC_FIELDS, row)
    if r.writer:
        for k, v in row.items():
            if k != "step":
                r.writer.add_scalar(k, v, step)
        r.writer.flush()
    runs.plot_curves(r.rows, r.run / "curves.png")
    facts = {"steps": step, "positions": step * r.hp["batch"], "data": r.hp["data"], "preset": r.hp["preset"],
             "val_top1": row.get("val_top1"), "val_top5": row.get("val_top5"), "train_seconds": round(elapsed),
             "device": str(r.device), "world": distributed.world(), "amp": r.amp, "init": r.hp.get("init"),
             "val_brier": row.get("val_brier"), "val_winner_acc": row.get("val_winner_acc")}
    save_model(r.run / runs.MODEL, r.net, r.net_cfg, facts)
    _log(f"step {step}: loss {row['loss']:.3f} top1 {row['top1']:.3f}"
         + (f" val_top1 {row['val_top1']:.3f} val_top5 {row['val_top5']:.3f}" if r.val is not None else "")
         + (f" value {row['value_loss']:.3f} own {row['ownership_loss']:.3f}" if r.heads else "")
         + (f" val_brier {row['val_brier']:.3f} val_acc {row['val_winner_acc']:.3f}" if "val_brier" in row else ""))
    return row


# ---------------------------------------------------------------------- the loop
def _loop(r: _Run, loader, start: int) -> tuple[int, dict, bool]:
    """Steps from ``start`` to the end (or the time limit): (the step reached, the last
    report's row, whether the time limit stopped the run early)."""
    cfg, rank0 = r.cfg, distributed.rank() == 0
    step, last, win = start, {}, _Window()
    r.model.train()
    for step_id, x, y, t in loader:
        if step_id != step:  # pragma: no cover - the stream keeps order by construction
            raise RuntimeError(f"data order broken: got step {step_id}, expected {step}")
        lr = lr_at(step, r.total, r.base_lr, r.hp["schedule"], r.hp["warmup"])
        _step(r, x, y, t, lr, win)
        step += 1
        running = time.perf_counter() - r.t_start
        out_of_time = cfg.max_seconds is not None and running >= cfg.max_seconds
        if rank0:
            r.bar.advance(1, info=f"loss {win.loss / win.n:.3f} acc {win.hits / win.n:.3f} {win.rate():.0f} pos/s")
        if rank0 and (step % cfg.eval_every == 0 or step == r.total or out_of_time):
            last, win = _report(r, step, lr, win, r.seconds0 + running), _Window()
        if rank0 and (step % cfg.checkpoint_every == 0 or step == r.total or out_of_time):
            runs.save_checkpoint(r.run / runs.CHECKPOINT, r.net, r.opt, step, {"seconds": r.seconds0 + running})
        if out_of_time:
            return step, last, step < r.total
    return step, last, False


def train(cfg: TrainConfig, run_dir, resume: bool = False) -> dict:
    """Run (or with ``resume`` continue) the training run of ``cfg`` in ``run_dir``; returns
    the summary: steps done, total_steps, finished, run, model and the last report's figures.
    Raises GocnnError for a run that exists without ``resume``, nothing to resume, bad data,
    presets or feature sets."""
    from gocnn.data import BatchStream
    from gocnn.util import progress
    run = Path(run_dir)
    r, start = _prepare(cfg, run, resume)
    world, rank = distributed.world(), distributed.rank()
    if rank == 0:
        r.val = _validation_sample(r.data_dir, r.net_cfg.features, cfg.eval_positions, r.heads)
        r.rows = runs.read_csv_rows(run / runs.METRICS, runs.METRIC_FIELDS, "step", start)
        r.writer = runs.tensorboard(run)
        r.bar = progress(r.total, "train")
        r.bar.advance(start)
    stream = BatchStream(r.data_dir, r.net_cfg.features, r.hp["batch"] // world, r.hp["seed"], start, r.total,
                         rank=rank, world=world, with_targets=r.heads)
    loader = torch.utils.data.DataLoader(stream, batch_size=None, num_workers=max(0, cfg.workers),
                                         persistent_workers=False, prefetch_factor=4 if cfg.workers > 0 else None)
    r.t_start = time.perf_counter()
    step, last, stopped_early = _loop(r, loader, start)
    if rank == 0:
        r.bar.close()
    distributed.teardown()
    result = {"steps": step, "total_steps": r.total, "finished": step >= r.total and not stopped_early,
              "run": str(run), "model": str(run / runs.MODEL)}
    result.update({k: last[k] for k in SUMMARY_KEYS if k in last})
    return result
