"""Figures of a net on held-out positions and games.

:func:`evaluate_planes` scores encoded positions (the training run's validation sample);
:func:`evaluate_games` scores every move of game records, by game phase, and the value head's
win chances against the winners; :func:`evaluate_sgf` is ``gocnn eval``: a model file on SGF
sources, returning the report (the CLI prints it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from gocnn.errors import GocnnError
from gocnn.train.losses import has_heads, head_losses, masked_logits, topk_hits


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


@dataclass(frozen=True)
class EvalConfig:
    """``gocnn eval``'s options."""
    sgf: tuple[str, ...]           # SGF sources: files, directories, archives
    model: str | None = None       # None: the shipped net
    symmetries: int = 1            # 1, or 8: the mean of the eight rotations and reflections
    max_games: int | None = None
    batch: int = 256
    threads: int = 0               # torch threads (0: torch's choice)


def evaluate_sgf(cfg: EvalConfig) -> dict:
    """``gocnn eval``: the net of ``cfg.model`` (default: the shipped net) on the games of the SGF
    sources, every board size it plays; the report of :func:`evaluate_games` plus ``seconds``,
    ``model`` and ``skipped``.  Raises GocnnError when no game was read."""
    from gocnn.go import sgf
    from gocnn.go.coords import MAX_SIZE, MIN_SIZE
    from gocnn.data import skipped_text
    from gocnn.model import default_model_path
    from gocnn.model import for_inference, load_model, plays_size
    from gocnn.util import progress, set_threads
    set_threads(cfg.threads)
    path = cfg.model or default_model_path()
    net, net_cfg, _facts = load_model(path)
    for_inference(net)
    stats = sgf.ReadStats()
    bar = progress(cfg.max_games, "eval")

    def counted(records):  # the progress display advances as evaluate_games reads each game
        for rec in records:
            bar.advance(1, info=f"{stats.positions} moves")
            yield rec

    sizes = tuple(n for n in range(MIN_SIZE, MAX_SIZE + 1) if plays_size(net_cfg, n))
    try:
        records = sgf.read_games(cfg.sgf, sgf.Filters(sizes=sizes), stats)
        if cfg.max_games:
            import itertools
            records = itertools.islice(records, cfg.max_games)
        t0 = time.perf_counter()
        result = evaluate_games(net, net_cfg, counted(records), symmetries=cfg.symmetries, batch=cfg.batch)
    except FileNotFoundError as exc:
        raise GocnnError(str(exc)) from None
    finally:
        bar.close()
    if result["games"] == 0:
        plays = f"{net_cfg.board_size}x{net_cfg.board_size}" if len(sizes) == 1 else "Go"
        raise GocnnError(f"no {plays} games read from {' '.join(map(str, cfg.sgf))} "
                         f"({skipped_text(stats.skipped)})")
    result.update(seconds=round(time.perf_counter() - t0, 1), model=str(path), skipped=dict(stats.skipped))
    return result
