"""``gocnn rl``: policy-gradient reinforcement from self-play (AlphaGo's RL policy net).

Each iteration the current net plays ``--games-per-iteration`` games (half as Black) against a
net drawn at random from the pool of its earlier checkpoints (``RUN_DIR/pool/*.safetensors``;
the starting net is the first member), sampling its moves from the policy.  Then one REINFORCE
step::

    loss = -1/n * sum over games i, current-net moves t of (z_i - b) * log pi(a_t | s_t)

with ``z_i`` = +1 for a win, -1 for a loss (0 for a draw) from the current net's side, ``b`` the
mean outcome of the iteration's games (the baseline that cuts variance), and plain SGD at
``--lr`` as in AlphaGo.  Random opening moves and passes carry no gradient.  Every
``--pool-every`` iterations the current weights join the pool.

The run directory holds ``checkpoint.safetensors`` (weights, optimizer, iteration, RNG; written
atomically, no pickle), ``model.safetensors`` (the latest net, a model file every command
reads), ``metrics.csv``, ``run.json`` and the games as SGF under ``games/``.  Rerunning
``gocnn rl`` with the same ``--out`` continues from the checkpoint (a larger ``--iterations``
extends the run).

Under ``torchrun --nproc-per-node N`` (or several nodes) each process plays its share of every
iteration's games; the outcome sums for the baseline and the gradients are all-reduced, so
every process takes the same step and the replicas stay equal; rank 0 writes the files.
"""

from __future__ import annotations

import dataclasses
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from gocnn.go.board import BLACK
from gocnn.errors import GocnnError
from gocnn.train import append_csv_row, read_csv_rows

from selfplay.games import game_path, game_seed
from gocnn import util
from gocnn.play.game import GameResult, GameSpec, Net, play_games

CHECKPOINT = "checkpoint.safetensors"
MODEL = "model.safetensors"
METRICS = "metrics.csv"
FIELDS = ["iteration", "games", "wins", "losses", "draws", "win_rate", "baseline", "loss", "positions",
          "mean_moves", "opponent", "seconds", "pool_size", "kl", "entropy", "step_scale"]
CHUNK = 512  # positions per backward pass (gradients accumulate over chunks)
PROBE = 256  # positions on which each step's KL divergence and policy entropy are measured


# ---------------------------------------------------------------------- the update
def learner_positions(game: GameResult, learner: int, features: str):
    """(planes (T, C, S, S) uint8, actions (T,)) of the learner's sampled stone moves in a game."""
    from gocnn.features import encode_events

    color = BLACK if game.black_net == learner else 3 - BLACK
    if game.black_net == learner and game.white_net == learner:
        color = None  # the learner plays both sides: every sampled move counts
    cols = np.array([c for c, _ in game.moves], np.int8)
    pts = np.array([-1 if p is None else p for _, p in game.moves], np.int16)
    idx = [t for t, (c, p) in enumerate(game.moves)
           if p is not None and game.sampled[t] and (color is None or c == color)]
    if not idx:
        s = game.size
        return np.zeros((0, 0, s, s), np.uint8), np.zeros(0, np.int64)
    events = (cols, pts, np.zeros(len(cols), np.int8))
    planes = encode_events(game.size, events, idx, cols[idx], features)
    return planes, pts[idx].astype(np.int64)


def outcome(game: GameResult, learner: int) -> float:
    """+1 if the learner won, -1 if it lost, 0 for a draw (from Black's side in learner-vs-itself games)."""
    w = game.winner
    if w is None:
        return 0.0
    learner_color = BLACK if game.black_net == learner else 3 - BLACK
    return 1.0 if w == learner_color else -1.0


def policy_logprobs(net, planes: np.ndarray, device="cpu") -> torch.Tensor:
    """log pi(.|s) over the points, softmax over the empty points (as in training)."""
    from gocnn.train import masked_logits

    x = torch.from_numpy(planes).to(device, torch.float32)
    logits = net(x).float().reshape(len(x), -1)
    return F.log_softmax(masked_logits(logits, x), dim=1)


def move_logprobs(net, planes: np.ndarray, actions: np.ndarray, device="cpu") -> torch.Tensor:
    """log pi(a|s) under the net for the moves played."""
    logp = policy_logprobs(net, planes, device)
    return logp.gather(1, torch.from_numpy(actions).to(device)[:, None])[:, 0]


def _kl_entropy(before: torch.Tensor, after: torch.Tensor) -> tuple[float, float]:
    """Mean KL(before || after) and mean entropy of ``before`` (log-probs, -inf off the board)."""
    p = before.exp()
    safe_b = torch.where(p > 0, before, torch.zeros_like(before))
    safe_a = torch.where(p > 0, after, torch.zeros_like(after))
    kl = (p * (safe_b - safe_a)).sum(1).mean()
    ent = -(p * safe_b).sum(1).mean()
    return float(kl), float(ent)


def reinforce_step(net, opt, games: list[GameResult], learner: int, features: str, device="cpu",
                   baseline: float | None = None, total_games: int | None = None, world: int = 1,
                   max_kl: float | None = None) -> dict:
    """One REINFORCE step on the learner's moves of ``games``; returns the step's figures.

    ``baseline`` defaults to the mean outcome of ``games``; ``total_games`` (default
    ``len(games)``) is the n of the 1/n in the loss (all processes' games under torchrun).

    With ``max_kl`` (plain SGD only) a step that moves the policy further than that (mean KL on
    the probe positions) is shortened along the same gradient until it does not: a simple
    trust region, since the KL of a step grows with the square of its length."""
    zs = [outcome(g, learner) for g in games]
    b = float(np.mean(zs)) if baseline is None else baseline
    n = total_games or len(games)
    net.train()
    opt.zero_grad(set_to_none=False)
    for p in net.parameters():
        if p.grad is None:
            p.grad = torch.zeros_like(p)
    total_loss, positions = 0.0, 0
    planes_all, actions_all, adv_all = [], [], []
    for g, z in zip(games, zs):
        planes, actions = learner_positions(g, learner, features)
        if len(actions) and z != b:
            planes_all.append(planes)
            actions_all.append(actions)
            adv_all.append(np.full(len(actions), z - b, np.float32))
    probe = None
    if planes_all:
        planes = np.concatenate(planes_all)
        actions = np.concatenate(actions_all)
        adv = np.concatenate(adv_all)
        positions = len(actions)
        probe = planes[np.linspace(0, positions - 1, min(PROBE, positions)).astype(int)]
        with torch.no_grad():
            before = policy_logprobs(net, probe, device)
        for s in range(0, positions, CHUNK):
            lp = move_logprobs(net, planes[s:s + CHUNK], actions[s:s + CHUNK], device)
            loss = -(torch.from_numpy(adv[s:s + CHUNK]).to(device) * lp).sum() / n
            loss.backward()
            total_loss += float(loss.detach())
    if world > 1:
        import torch.distributed as dist
        for p in net.parameters():
            dist.all_reduce(p.grad)
        t = torch.tensor([total_loss, positions], dtype=torch.float64, device=device)
        dist.all_reduce(t)
        total_loss, positions = float(t[0]), int(t[1])
    params = list(net.parameters())
    start = [p.detach().clone() for p in params] if max_kl else None
    opt.step()
    net.eval()
    kl = entropy = None
    scale, lr = 1.0, opt.param_groups[0]["lr"]
    with torch.no_grad():
        if probe is not None:  # how far the step moved the policy, and how sharp it is
            kl, entropy = _kl_entropy(before, policy_logprobs(net, probe, device))
        for _ in range(6 if max_kl else 0):
            # under torchrun every process takes part (one without positions counts none), so
            # all agree on the mean KL and shorten their equal gradients alike
            local = torch.tensor([kl or 0.0, float(probe is not None)], dtype=torch.float64, device=device)
            if world > 1:
                torch.distributed.all_reduce(local)
            if local[1] == 0 or local[0] / local[1] <= max_kl:
                kl = None if local[1] == 0 else float(local[0] / local[1])
                break
            scale *= min(0.5, 0.9 * (max_kl / float(local[0] / local[1])) ** 0.5)
            for p, p0 in zip(params, start):
                p.copy_(p0 - lr * scale * p.grad)
            if probe is not None:
                kl, entropy = _kl_entropy(before, policy_logprobs(net, probe, device))
    return {"baseline": round(b, 4), "loss": round(total_loss, 5), "positions": positions,
            "kl": None if kl is None else round(kl, 5), "entropy": None if entropy is None else round(entropy, 4),
            "step_scale": round(scale, 4)}


# ---------------------------------------------------------------------- the run
@dataclasses.dataclass(frozen=True)
class RLConfig:
    """The options of ``gocnn rl``, with the CLI's defaults.  ``init`` None: the shipped net.
    ``max_kl`` 0 or None: steps are never shortened.  ``threads`` 0: torch's choice.
    ``max_moves`` None: the runner's limit.  All but ``threads`` are the run's settings, kept in
    run.json; a rerun reads them from there (only ``iterations`` may change)."""

    init: str | None = None
    iterations: int = 10
    games_per_iteration: int = 128
    pool_every: int = 5
    lr: float = 1e-3
    max_kl: float | None = 0.1
    temperature: float = 1.0
    threads: int = 1
    size: int = 19
    komi: float = 7.5
    seed: int = 0
    max_moves: int | None = None


def _read_rows(path: Path, upto: int) -> list[dict]:
    return read_csv_rows(path, FIELDS, "iteration", upto)


def _append_row(path: Path, row: dict) -> None:
    append_csv_row(path, FIELDS, row)


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _hparams(cfg: RLConfig, run: Path) -> dict:
    """The run's settings: run.json's when the run exists (with ``cfg.iterations``), else
    ``cfg``'s with the init net's path resolved.  Raises GocnnError for settings that cannot run."""
    from gocnn.model import resolve_model_path
    run_file = run / "run.json"
    if run_file.exists():  # a rerun continues: the saved settings win, --iterations may grow
        hp = json.loads(run_file.read_text())["hparams"]
        hp["iterations"] = cfg.iterations
    else:
        hp = {k: v for k, v in dataclasses.asdict(cfg).items() if k != "threads"}
        hp["init"] = str(resolve_model_path(cfg.init))
    if hp["games_per_iteration"] < 2:
        raise GocnnError("--games-per-iteration must be at least 2")
    if hp["pool_every"] < 1:
        raise GocnnError("--pool-every must be at least 1")
    return hp


@dataclasses.dataclass
class _RLRun:
    """What the iterations of one invocation share."""
    run: Path
    hp: dict
    net: torch.nn.Module
    cfg: object
    facts: dict
    opt: torch.optim.Optimizer
    device: torch.device

    @property
    def pool(self) -> Path:
        return self.run / "pool"


def _iteration(r: _RLRun, it: int) -> dict | None:
    """One iteration: this process's share of the games against a pool member, the REINFORCE
    step, the games as SGF; rank 0 saves the net (and a pool member) and returns the metrics row."""
    from gocnn.model import save_model
    from gocnn.train import distributed, save_checkpoint
    hp, G, world, rank = r.hp, r.hp["games_per_iteration"], distributed.world(), distributed.rank()
    t0 = time.perf_counter()
    rng = random.Random(game_seed(hp["seed"], 10_000_000 + it))
    members = sorted(r.pool.glob("*.safetensors"))
    opp_path = rng.choice(members)
    opponent = Net.load(opp_path, str(r.device))
    learner = Net(r.net.eval(), r.cfg, f"rl-iter{it:06d}", device=str(r.device))
    specs = [GameSpec(it * G + j, j % 2, 1 - j % 2, game_seed(hp["seed"], it * G + j)) for j in range(G)]
    mine = specs[rank::world]
    games = play_games([learner, opponent], mine, size=hp["size"], komi=hp["komi"],
                       temperature=hp["temperature"], max_moves=hp["max_moves"], batch=len(mine))
    zs = [outcome(g, 0) for g in games]
    sums = distributed.all_reduce(torch.tensor(
        [sum(zs), float(len(zs)), sum(1 for z in zs if z > 0), sum(1 for z in zs if z < 0),
         sum(len(g.moves) for g in games)], dtype=torch.float64))
    z_sum, n, wins, losses, moves = sums.tolist()
    step = reinforce_step(r.net, r.opt, games, 0, r.cfg.features, str(r.device), baseline=z_sum / n,
                          total_games=int(n), world=world, max_kl=hp.get("max_kl"))
    gdir = r.run / "games" / f"iter-{it:06d}"  # every process writes its own games
    gdir.mkdir(parents=True, exist_ok=True)
    for g in games:
        util.atomic_write_bytes(game_path(gdir, g.index), g.sgf())
    if rank != 0:
        return None
    joined = (it + 1) % hp["pool_every"] == 0
    if joined:
        save_model(r.pool / f"iter-{it + 1:06d}.safetensors", r.net, r.cfg, dict(r.facts, rl_iteration=it + 1))
    save_model(r.run / MODEL, r.net, r.cfg, dict(r.facts, rl_iteration=it + 1, rl_init=hp["init"]))
    save_checkpoint(r.run / CHECKPOINT, r.net, r.opt, it + 1, {"iteration": it + 1})
    row = {"iteration": it + 1, "games": int(n), "wins": int(wins), "losses": int(losses),
           "draws": int(n - wins - losses), "win_rate": round(wins / n, 4), "baseline": step["baseline"],
           "loss": step["loss"], "positions": step["positions"], "mean_moves": round(moves / n, 1),
           "opponent": opp_path.name, "seconds": round(time.perf_counter() - t0, 1),
           "pool_size": len(members) + int(joined), "kl": step["kl"], "entropy": step["entropy"],
           "step_scale": step["step_scale"]}
    _log(f"rl iteration {it + 1}/{hp['iterations']}: won {int(wins)}/{int(n)} vs {opp_path.name}, "
         f"loss {step['loss']:.4f}, KL {step['kl']} (step x{step['step_scale']}), entropy {step['entropy']}, "
         f"{row['seconds']} s")
    return row


def rl(cfg: RLConfig, run_dir, resume: bool = True) -> dict:
    """Run ``cfg``'s iterations in ``run_dir``, continuing the run there when it has a
    checkpoint (``resume``, the default, as ``gocnn rl`` has always done; False: an existing
    run is an error).  Returns the summary: run, model, iterations, games_per_iteration, pool
    size and the last iteration's metrics row."""
    from gocnn.model import load_model, save_model
    from gocnn.train import distributed, load_checkpoint
    device = distributed.setup(torch.device("cuda" if torch.cuda.is_available() else "cpu"))
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    run = Path(run_dir)
    ckpt = run / CHECKPOINT
    if ckpt.exists() and not resume:
        raise GocnnError(f"{run} already holds a run; use a new --out")
    hp = _hparams(cfg, run)
    net, net_cfg, facts = load_model(hp["init"], device=str(device))
    if net_cfg.board_size != hp["size"]:
        raise GocnnError(f"the net is for {net_cfg.board_size}x{net_cfg.board_size}, not --size {hp['size']}")
    r = _RLRun(run, hp, net, net_cfg, facts, torch.optim.SGD(net.parameters(), lr=hp["lr"]), device)
    start = 0
    if ckpt.exists():
        start, _ = load_checkpoint(ckpt, net, r.opt)
        net.to(device)
    elif distributed.rank() == 0:
        r.pool.mkdir(parents=True, exist_ok=True)
        (run / "run.json").write_text(json.dumps({"hparams": hp}, indent=1, sort_keys=True))
        save_model(r.pool / "iter-000000.safetensors", net, net_cfg, dict(facts, rl_iteration=0))
    distributed.barrier()
    rows = _read_rows(run / METRICS, start) if distributed.rank() == 0 else []
    last: dict = rows[-1] if rows else {}
    for it in range(start, hp["iterations"]):
        row = _iteration(r, it)
        if row is not None:
            _append_row(run / METRICS, row)
            last = row
        distributed.barrier()
    distributed.teardown()
    return {"run": str(run), "model": str(run / MODEL), "iterations": hp["iterations"],
            "games_per_iteration": hp["games_per_iteration"], "pool": len(list(r.pool.glob("*.safetensors"))),
            "last": {k: last[k] for k in last}}
