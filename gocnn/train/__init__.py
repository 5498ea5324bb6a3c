"""Training and evaluating policy nets.

``gocnn train`` runs a plain, readable loop: a batch for the step (a pure function of the seed
and the step, see :mod:`gocnn.data`), forward, cross-entropy against the expert's move,
backward, an optimizer step at the learning rate the schedule gives for that step.  Every
``--checkpoint-every`` steps the whole state - weights, optimizer buffers, step, RNG - goes to
``RUN_DIR/checkpoint.safetensors`` (temp file + rename, no pickle), so ``--resume`` after a
crash or a SIGKILL continues bit for bit.  Validation top-1/top-5/loss on a fixed sample of
held-out games is logged to ``metrics.csv`` (and TensorBoard when it is installed) and drawn in
``curves.png``; the latest weights are kept as ``RUN_DIR/model.safetensors``, a model file
every other command reads.

Under ``torchrun --nproc-per-node N`` each process takes its slice of every global batch and
gradients are averaged (DDP; NCCL on GPUs, gloo on CPUs): the result equals one process on
the same global batch.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from gocnn.errors import GocnnError

CHECKPOINT = "checkpoint.safetensors"
MODEL = "model.safetensors"
METRICS = "metrics.csv"
METRIC_FIELDS = ["step", "positions", "seconds", "lr", "loss", "top1", "val_loss", "val_top1", "val_top5",
                 "positions_per_s", "value_loss", "ownership_loss", "val_value_loss", "val_brier",
                 "val_winner_acc", "val_ownership_loss"]


# ---------------------------------------------------------------------- helpers
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


def legal_mask_from_planes(x: torch.Tensor) -> torch.Tensor:
    """Empty points (plane 2 of every feature set) - where a move can be - as a bool mask
    (N, S*S)."""
    return x[:, 2].reshape(x.shape[0], -1) > 0


def masked_logits(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return logits.masked_fill(~legal_mask_from_planes(x), float("-inf"))


def topk_hits(logits: torch.Tensor, y: torch.Tensor, k: int) -> torch.Tensor:
    return (logits.topk(k, dim=1).indices == y[:, None]).any(dim=1)


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------- checkpoints
def save_checkpoint(path: Path, net, opt, step: int, meta: dict) -> None:
    """Weights, optimizer state, step and RNG in one safetensors file, written atomically."""
    from safetensors.torch import save_file
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
    tmp = path.with_name(path.name + ".tmp")
    save_file(tensors, str(tmp), metadata=metadata)
    os.replace(tmp, path)


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


# ---------------------------------------------------------------------- plotting
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
    tmp = path.with_name(path.name + ".tmp.png")
    img.save(tmp)
    os.replace(tmp, path)


# ---------------------------------------------------------------------- losses
def has_heads(cfg) -> bool:
    """Whether a net of this config has value or ownership heads to train."""
    return bool(getattr(cfg, "value", False) or getattr(cfg, "ownership", False))


def head_losses(out: dict, t: dict) -> dict[str, torch.Tensor]:
    """Per-position losses of the value and ownership heads (masked where a game has no target):
    binary cross-entropy of the winning chance, and of each point's ownership ((own+1)/2 against
    sigmoid(2 * logit), i.e. tanh(logit) against own), averaged over the points."""
    losses = {}
    if "value" in out:
        v = F.binary_cross_entropy_with_logits(out["value"].float(), t["value"], reduction="none")
        losses["value"] = v * t["value_mask"]
    if "ownership" in out:
        o = F.binary_cross_entropy_with_logits(2 * out["ownership"].float(), (t["ownership"] + 1) / 2,
                                               reduction="none").mean(1)
        losses["ownership"] = o * t["ownership_mask"]
    return losses


def _masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return x.sum() / mask.sum().clamp(min=1.0)


# ---------------------------------------------------------------------- evaluation on shards
@torch.inference_mode()
def evaluate_planes(net, planes: np.ndarray, labels: np.ndarray, device, batch: int = 512,
                    targets: dict | None = None) -> dict:
    """Validation figures on encoded positions: policy loss/top-1/top-5, and with ``targets``
    the value's log-loss, Brier score and winner accuracy and the ownership loss."""
    net.eval()
    sums = dict.fromkeys(("loss", "top1", "top5", "value", "brier", "acc", "own", "vn", "on"), 0.0)
    for i in range(0, len(labels), batch):
        x = torch.from_numpy(planes[i:i + batch]).to(device).float()
        y = torch.from_numpy(labels[i:i + batch]).to(device)
        if targets is None:
            out = {"policy": net(x)}
        else:
            t = {k: torch.from_numpy(v[i:i + batch]).to(device) for k, v in targets.items()}
            out = net(x, t["komi"], heads=True)
        logits = masked_logits(out["policy"].float(), x)
        sums["loss"] += F.cross_entropy(logits, y, reduction="sum").item()
        sums["top1"] += topk_hits(logits, y, 1).sum().item()
        sums["top5"] += topk_hits(logits, y, 5).sum().item()
        if targets is not None:
            losses = head_losses(out, t)
            if "value" in out:
                p = torch.sigmoid(out["value"].float())
                sums["value"] += losses["value"].sum().item()
                sums["brier"] += (((p - t["value"]) ** 2) * t["value_mask"]).sum().item()
                sums["acc"] += (((p > 0.5).float() == t["value"]).float() * t["value_mask"]).sum().item()
                sums["vn"] += t["value_mask"].sum().item()
            if "ownership" in out:
                sums["own"] += losses["ownership"].sum().item()
                sums["on"] += t["ownership_mask"].sum().item()
    n = max(1, len(labels))
    res = {"val_loss": sums["loss"] / n, "val_top1": sums["top1"] / n, "val_top5": sums["top5"] / n}
    if sums["vn"]:
        res.update(val_value_loss=sums["value"] / sums["vn"], val_brier=sums["brier"] / sums["vn"],
                   val_winner_acc=sums["acc"] / sums["vn"])
    if sums["on"]:
        res["val_ownership_loss"] = sums["own"] / sums["on"]
    return res


# ---------------------------------------------------------------------- the loop
def _resolve_data(args, run: Path, rank: int) -> Path:
    """A shard directory: given, or built from SGF sources into RUN_DIR/shards."""
    paths = [Path(p) for p in args.data]
    if len(paths) == 1 and (paths[0] / "build.json").exists():
        return paths[0]
    for p in paths:
        if not p.exists():
            raise GocnnError(f"no such file or directory: {p}")
    shards = run / "shards"
    if rank == 0:
        from gocnn.data import build
        _log(f"building shards from {len(paths)} SGF source(s) into {shards}")
        build(paths, shards, workers=max(1, (os.cpu_count() or 1)))
    if _world() > 1:
        torch.distributed.barrier()
    return shards


def _world() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def train(args) -> dict:
    from gocnn.data import BatchStream, ShardSet, fixed_sample
    from gocnn.model import POLICY_PRESETS, build_policy, load_model, save_model, transplant
    from gocnn.util import choose_device, default_amp
    from gocnn.features import feature_set

    world = _world()
    rank = int(os.environ.get("RANK", "0"))
    device = choose_device(args.device)
    if world > 1:
        import torch.distributed as dist
        backend = "nccl" if device.type == "cuda" else "gloo"
        if device.type == "cuda":
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
            torch.cuda.set_device(device)
        dist.init_process_group(backend)
    if args.threads:
        torch.set_num_threads(args.threads)
    run = Path(args.out)
    run.mkdir(parents=True, exist_ok=True)
    ckpt_path = run / CHECKPOINT
    if ckpt_path.exists() and not args.resume:
        raise GocnnError(f"{run} already holds a run; pass --resume to continue it or use a new --out")
    if args.resume and not ckpt_path.exists():
        raise GocnnError(f"nothing to resume: no {CHECKPOINT} in {run}")
    if args.batch % world:
        raise GocnnError(f"--batch {args.batch} must divide by the {world} processes")

    # the config: from the run when resuming, else from the preset (or --init)
    run_file = run / "run.json"
    if args.resume and run_file.exists():
        saved = json.loads(run_file.read_text())
        hp = saved["hparams"]
        if args.steps is not None and args.steps != saved.get("total_steps"):
            # a new horizon for the run: the schedule is stretched from here on, and run.json says so
            _log(f"the run's schedule now ends at step {args.steps} (was {saved.get('total_steps')})")
            hp["steps"], hp["epochs"] = args.steps, None
            hp.setdefault("horizons", []).append(args.steps)
            saved["total_steps"] = args.steps
            if rank == 0:
                tmp = run_file.with_suffix(".tmp")
                tmp.write_text(json.dumps(saved, indent=1, sort_keys=True))
                os.replace(tmp, run_file)
    else:
        hp = {k: getattr(args, k, None) for k in ("preset", "features", "steps", "epochs", "batch", "lr",
                                                  "optimizer", "weight_decay", "schedule", "warmup", "seed",
                                                  "init", "value_weight", "ownership_weight")}
        hp["data"] = [str(Path(p).resolve()) for p in args.data]
    data_dir = _resolve_data(args, run, rank)
    shards = ShardSet(data_dir, "train")
    hp.setdefault("value_weight", 0.5)
    hp.setdefault("ownership_weight", 1.0)
    if hp.get("init"):
        net, cfg, _ = load_model(hp["init"])
        net.train()
        if hp.get("preset") and hp["preset"] in POLICY_PRESETS and POLICY_PRESETS[hp["preset"]].head != cfg.head:
            # a net with other heads (e.g. policy+value) starts from the init net's trunk
            new_cfg = dataclasses.replace(POLICY_PRESETS[hp["preset"]], features=cfg.features,
                                          in_channels=cfg.in_channels, board_size=cfg.board_size)
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
        fs_name = hp["features"] or cfg.features
        try:
            fs = feature_set(fs_name)
        except ValueError as exc:
            raise GocnnError(str(exc)) from None
        cfg = dataclasses.replace(cfg, features=fs.name, in_channels=fs.planes, board_size=shards.board_size)
        torch.manual_seed(hp["seed"])
        net = build_policy(cfg)
    if cfg.board_size != shards.board_size:
        raise GocnnError(f"the net is for {cfg.board_size}x{cfg.board_size}, the data is {shards.board_size}x{shards.board_size}")
    if hp["steps"] is None and hp["epochs"] is None:
        hp["steps"] = 10000
    total = hp["steps"] if hp["steps"] is not None else int(hp["epochs"] * shards.positions / hp["batch"])
    base_lr = hp["lr"] if hp["lr"] is not None else (0.05 if hp["optimizer"] == "sgd" else 1e-3)
    if rank == 0 and not (args.resume and run_file.exists()):
        tmp = run_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"hparams": hp, "config": dataclasses.asdict(cfg), "total_steps": total,
                                   "data_dir": str(data_dir)}, indent=1, sort_keys=True))
        os.replace(tmp, run_file)

    net = net.to(device).to(memory_format=torch.channels_last)  # faster convolutions on CPU and GPU
    decay = [p for n, p in net.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in net.named_parameters() if p.ndim <= 1]
    groups = [{"params": decay, "weight_decay": hp["weight_decay"]}, {"params": no_decay, "weight_decay": 0.0}]
    if hp["optimizer"] == "sgd":
        opt = torch.optim.SGD(groups, lr=base_lr, momentum=0.9, nesterov=True)
    else:
        opt = torch.optim.AdamW(groups, lr=base_lr)
    start = 0
    meta: dict = {"seconds": 0.0}
    if args.resume:
        start, meta = load_checkpoint(ckpt_path, net, opt)
        _log(f"resumed {run} at step {start}/{total}")
    model = net
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel as DDP
        model = DDP(net, device_ids=[device.index] if device.type == "cuda" else None)
    if args.compile:
        model = torch.compile(model)
    amp = default_amp(device) if args.amp == "auto" else args.amp == "on"
    heads = has_heads(cfg)
    amp_dtype = torch.bfloat16

    # validation sample (rank 0), fixed for the whole run
    val = None
    if rank == 0:
        try:
            vset = ShardSet(data_dir, "val")
            pos = fixed_sample(vset, args.eval_positions)
            val = vset.encode_positions(pos, cfg.features)
            if heads:
                from gocnn.data import value_targets
                val = val + (value_targets(vset, pos),)
        except GocnnError:
            _log("no validation games in the shards: validation skipped")

    per_rank = hp["batch"] // world
    stream = BatchStream(data_dir, cfg.features, per_rank, hp["seed"], start, total, rank=rank, world=world,
                         with_targets=heads)
    loader = torch.utils.data.DataLoader(stream, batch_size=None, num_workers=max(0, args.workers),
                                         persistent_workers=False, prefetch_factor=4 if args.workers > 0 else None)
    metrics_file = run / METRICS
    rows = read_csv_rows(metrics_file, METRIC_FIELDS, "step", start) if rank == 0 else []
    writer = _tensorboard(run) if rank == 0 else None
    bar = _Bar(total, start) if rank == 0 else None
    t_start = time.perf_counter()
    seconds0 = float(meta.get("seconds", 0.0))
    window_loss = window_hits = window_n = 0.0
    window_heads = {"value": 0.0, "ownership": 0.0}
    window_t = time.perf_counter()
    step = start
    last = {}
    stopped_early = False
    model.train()
    for step_id, x, y, t in loader:
        if step_id != step:  # pragma: no cover - the stream keeps order by construction
            raise RuntimeError(f"data order broken: got step {step_id}, expected {step}")
        x = x.to(device, non_blocking=True).float().contiguous(memory_format=torch.channels_last)
        y = y.to(device, non_blocking=True)
        lr = lr_at(step, total, base_lr, hp["schedule"], hp["warmup"])
        for g in opt.param_groups:
            g["lr"] = lr
        with torch.autocast(device.type, dtype=amp_dtype, enabled=amp):
            if heads:
                t = {k: v.to(device, non_blocking=True) for k, v in t.items()}
                out = model(x, t["komi"], heads=True)
            else:
                out = {"policy": model(x)}
        logits = out["policy"]
        loss = F.cross_entropy(logits.float(), y)
        loss_total = loss
        if heads:
            extra = head_losses(out, t)
            for name, mask in (("value", "value_mask"), ("ownership", "ownership_mask")):
                if name in extra:
                    part = _masked_mean(extra[name], t[mask])
                    loss_total = loss_total + hp[f"{name}_weight"] * part
                    window_heads[name] += part.item() * len(y)
        opt.zero_grad(set_to_none=True)
        loss_total.backward()
        opt.step()
        step += 1
        window_loss += loss.item() * len(y)
        window_hits += (logits.argmax(1) == y).sum().item()
        window_n += len(y)
        elapsed = seconds0 + time.perf_counter() - t_start
        out_of_time = args.max_seconds is not None and time.perf_counter() - t_start >= args.max_seconds
        if rank == 0:
            bar.update(step, window_loss / window_n, window_hits / window_n,
                       window_n * world / max(1e-9, time.perf_counter() - window_t))
        do_eval = step % args.eval_every == 0 or step == total or out_of_time
        if rank == 0 and do_eval:
            rate = window_n * world / max(1e-9, time.perf_counter() - window_t)
            row = {"step": step, "positions": step * hp["batch"], "seconds": round(elapsed, 1), "lr": lr,
                   "loss": window_loss / window_n, "top1": window_hits / window_n, "positions_per_s": round(rate, 1)}
            if heads:
                row.update(value_loss=window_heads["value"] / window_n,
                           ownership_loss=window_heads["ownership"] / window_n)
            if val is not None:
                row.update(evaluate_planes(net, val[0], val[1], device, targets=val[2] if heads else None))
                model.train()
            rows.append(row)
            last = row
            append_csv_row(metrics_file, METRIC_FIELDS, row)
            if writer:
                for k, v in row.items():
                    if k != "step":
                        writer.add_scalar(k, v, step)
                writer.flush()
            plot_curves(rows, run / "curves.png")
            facts = {"steps": step, "positions": step * hp["batch"], "data": hp["data"], "preset": hp["preset"],
                     "val_top1": row.get("val_top1"), "val_top5": row.get("val_top5"), "train_seconds": round(elapsed),
                     "device": str(device), "world": world, "amp": amp, "init": hp.get("init"),
                     "val_brier": row.get("val_brier"), "val_winner_acc": row.get("val_winner_acc")}
            save_model(run / MODEL, net, cfg, facts)
            bar.note(f"step {step}: loss {row['loss']:.3f} top1 {row['top1']:.3f}"
                     + (f" val_top1 {row['val_top1']:.3f} val_top5 {row['val_top5']:.3f}" if val is not None else "")
                     + (f" value {row['value_loss']:.3f} own {row['ownership_loss']:.3f}" if heads else "")
                     + (f" val_brier {row['val_brier']:.3f} val_acc {row['val_winner_acc']:.3f}"
                        if "val_brier" in row else ""))
            window_loss = window_hits = window_n = 0.0
            window_heads = {"value": 0.0, "ownership": 0.0}
            window_t = time.perf_counter()
        if rank == 0 and (step % args.checkpoint_every == 0 or step == total or out_of_time):
            save_checkpoint(ckpt_path, net, opt, step, {"seconds": elapsed})
        if out_of_time:
            stopped_early = step < total
            break
    if rank == 0:
        bar.close()
    if world > 1:
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()
    result = {"steps": step, "total_steps": total, "finished": step >= total and not stopped_early,
              "run": str(run), "model": str(run / MODEL)}
    result.update({k: last[k] for k in ("loss", "top1", "val_top1", "val_top5", "val_loss", "positions_per_s",
                                        "val_brier", "val_winner_acc", "val_value_loss", "val_ownership_loss")
                   if k in last})
    return result


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


def _tensorboard(run: Path):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except Exception:
        return None  # tensorboard is not installed: metrics.csv and curves.png still are
    return SummaryWriter(str(run / "tb"))


class _Bar:
    """A rich progress bar on a terminal, a log line every 30 s otherwise (stderr)."""

    def __init__(self, total: int, start: int):
        self.total = total
        self.tty = sys.stderr.isatty()
        self.last = 0.0
        if self.tty:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
            self.p = Progress(TextColumn("train"), BarColumn(), MofNCompleteColumn(),
                              TextColumn("{task.fields[info]}"), TimeRemainingColumn(), console=Console(stderr=True))
            self.p.start()
            self.task = self.p.add_task("train", total=total, completed=start, info="")

    def update(self, step, loss, acc, rate):
        info = f"loss {loss:.3f} acc {acc:.3f} {rate:.0f} pos/s"
        if self.tty:
            self.p.update(self.task, completed=step, info=info)
        elif time.time() - self.last > 30:
            self.last = time.time()
            _log(f"step {step}/{self.total} {info}")

    def note(self, text):
        if self.tty:
            self.p.console.print(text)
        else:
            _log(text)

    def close(self):
        if self.tty:
            self.p.stop()


# ---------------------------------------------------------------------- gocnn eval
PHASES = (("moves 1-50", 0, 50), ("moves 51-150", 50, 150), ("moves 151+", 150, 10 ** 9))


def _eval_batch(net, x: torch.Tensor, komi: torch.Tensor, symmetries: int, size: int, heads: bool):
    """(log-probabilities over the points, the mover's win chance or None) for a batch, the
    policy averaged over the symmetries as probabilities, the value as chances."""
    from gocnn.features import apply_symmetry, invert_policy
    probs, value = 0, 0
    for k in range(symmetries):
        xk = x if k == 0 else torch.from_numpy(np.ascontiguousarray(apply_symmetry(x.cpu().numpy(), k))).to(x.device)
        out = net(xk, komi, heads=True) if heads else {"policy": net(xk)}
        pk = torch.softmax(masked_logits(out["policy"].float(), xk), dim=1).cpu().numpy()
        probs = probs + (invert_policy(pk, k, size) if k else pk)
        if "value" in out:
            value = value + torch.sigmoid(out["value"].float()).cpu().numpy()
    logp = torch.from_numpy(np.log(np.maximum(probs / symmetries, 1e-12)))
    return logp, (value / symmetries if heads and not isinstance(value, int) else None)


def evaluate_games(net, cfg, records, symmetries: int = 1, batch: int = 256, device="cpu") -> dict:
    """Top-1, top-5 and log-loss over every (non-pass) move of the games, by game phase; for a
    net with a value head also the Brier score of its win chance against each game's winner
    (the constant 0.5 scores 0.25) and how often it names the winner, by phase.  Games of every
    board size the net plays are read (``sizes`` counts them)."""
    from gocnn.features import encode_game
    from gocnn.model import plays_size
    heads = has_heads(cfg)
    # n, top1, top5, loss, value n, brier, winner right
    sums = {name: np.zeros(7) for name, _, _ in PHASES}
    games = 0
    sizes: dict[int, int] = {}

    def flush(size, planes, labels, phase, komi, won):
        x = torch.from_numpy(np.concatenate(planes)).float().to(device)
        y = torch.from_numpy(np.concatenate(labels))
        ph, won = np.concatenate(phase), np.concatenate(won)
        with torch.inference_mode():
            logp, value = _eval_batch(net, x, torch.from_numpy(np.concatenate(komi)).to(device),
                                      symmetries, size, heads)
        top1, top5 = topk_hits(logp, y, 1).numpy(), topk_hits(logp, y, 5).numpy()
        loss = -logp.gather(1, y[:, None]).squeeze(1).numpy()
        known = won >= 0
        brier = (value - won) ** 2 if value is not None else np.zeros(len(y))
        right = ((value > 0.5) == (won > 0.5)) if value is not None else np.zeros(len(y))
        vmask = known & (value is not None)
        for i, (name, _, _) in enumerate(PHASES):
            m = ph == i
            sums[name] += [m.sum(), top1[m].sum(), top5[m].sum(), loss[m].sum(), (m & vmask).sum(),
                           brier[m & vmask].sum(), right[m & vmask].sum()]

    pending: dict[int, list] = {}
    for rec in records:
        if not plays_size(cfg, rec.size):
            continue
        games += 1
        sizes[rec.size] = sizes.get(rec.size, 0) + 1
        x, y, colors = encode_game(rec, cfg.features)
        move_no = np.array([i for i, (_, p) in enumerate(rec.moves) if p is not None])
        winner = rec.winner or 0
        won = np.where(winner == 0, -1.0, (colors == winner).astype(np.float32))
        komi = np.where(colors == 2, rec.komi, -rec.komi).astype(np.float32)
        parts = pending.setdefault(rec.size, [[], [], [], [], []])
        for part, arr in zip(parts, (x, y, np.digitize(move_no, [50, 150]), komi, won)):
            part.append(arr)
        if sum(len(a) for a in parts[1]) >= batch:
            flush(rec.size, *pending.pop(rec.size))
    for size, parts in pending.items():
        if parts[1]:
            flush(size, *parts)
    total = sum(sums.values())
    n = max(1, total[0])
    out = {"games": games, "positions": int(total[0]), "top1": total[1] / n, "top5": total[2] / n,
           "log_loss": total[3] / n, "symmetries": symmetries, "sizes": {str(k): v for k, v in sorted(sizes.items())},
           "phases": {}}
    if heads and total[4]:
        out.update(value_positions=int(total[4]), brier=total[5] / total[4], winner_accuracy=total[6] / total[4],
                   brier_baseline=0.25)
    for name, s in sums.items():
        k = max(1, s[0])
        out["phases"][name] = {"positions": int(s[0]), "top1": s[1] / k, "top5": s[2] / k, "log_loss": s[3] / k}
        if heads and s[4]:
            out["phases"][name].update(brier=s[5] / s[4], winner_accuracy=s[6] / s[4])
    return out


def evaluate_sgf(sgf_paths, model=None, symmetries: int = 1, batch: int = 256, max_games: int | None = None,
                 threads: int = 0) -> dict:
    """``gocnn eval``: the net of ``model`` (default: the shipped net) on the games of the SGF
    sources, every board size it plays; the report of :func:`evaluate_games` plus ``seconds``,
    ``model``, ``skipped`` and ``skipped_text``.  Raises GocnnError when no game was read."""
    from gocnn.go import sgf
    from gocnn.go.coords import MAX_SIZE, MIN_SIZE
    from gocnn.data import skipped_text
    from gocnn.model import default_model_path
    from gocnn.model import for_inference, load_model, plays_size
    from gocnn.util import progress, set_threads
    set_threads(threads)
    path = model or default_model_path()
    net, cfg, _facts = load_model(path)
    for_inference(net)
    stats = sgf.ReadStats()
    bar = progress(max_games, "eval")

    def counted(records):  # the progress display advances as evaluate_games reads each game
        for rec in records:
            bar.advance(1, info=f"{stats.positions} moves")
            yield rec

    sizes = tuple(n for n in range(MIN_SIZE, MAX_SIZE + 1) if plays_size(cfg, n))
    try:
        records = sgf.read_games(sgf_paths, sgf.Filters(sizes=sizes), stats)
        if max_games:
            import itertools
            records = itertools.islice(records, max_games)
        t0 = time.perf_counter()
        result = evaluate_games(net, cfg, counted(records), symmetries=symmetries, batch=batch)
    except FileNotFoundError as exc:
        raise GocnnError(str(exc)) from None
    finally:
        bar.close()
    if result["games"] == 0:
        plays = f"{cfg.board_size}x{cfg.board_size}" if len(sizes) == 1 else "Go"
        raise GocnnError(f"no {plays} games read from {' '.join(map(str, sgf_paths))} "
                         f"({skipped_text(stats.skipped)})")
    result.update(seconds=round(time.perf_counter() - t0, 1), model=str(path), skipped=dict(stats.skipped))
    return result
