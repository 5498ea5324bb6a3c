"""``gocnn selfplay``: games between nets written as SGF (``gocnn bench selfplay`` is
:mod:`gocnn.bench.selfplay`).

Game ``i`` is ``OUT/game-{i:06d}.sgf``; its random generator is seeded from ``--seed`` and ``i``
alone, and with ``--opponent`` the first net plays Black in even games and White in odd ones.
A file is written complete or not at all (temp file + rename), so a rerun with the same
``--out`` plays only the missing indices and never touches a finished game.  ``--workers W``
starts W processes, each running the batched runner (:func:`gocnn.play.game.play_games`) over
its share of the missing games.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from gocnn.errors import GocnnError
from gocnn.play.game import Net, game_seed, play_games, specs_for

from gocnn import util

__all__ = ["game_path", "game_seed", "specs_for", "missing_games", "SelfplayConfig", "run_selfplay"]


def game_path(out: Path, index: int) -> Path:
    return out / f"game-{index:06d}.sgf"


def missing_games(out: Path, games: int) -> list[int]:
    return [i for i in range(games) if not game_path(out, i).exists()]


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _worker(job: dict, queue) -> None:
    """One process: load the nets, play its share of games, write each as it finishes."""
    import torch

    torch.set_num_threads(job.get("threads") or 1)
    nets = [Net.load(p, job["device"]) for p in job["models"]]
    out = Path(job["out"])

    def done(r):
        util.atomic_write_bytes(game_path(out, r.index), r.sgf())
        if queue is not None:
            queue.put((r.index, len(r.moves), r.result))

    play_games(nets, specs_for(job["indices"], job["seed"], len(nets) > 1), size=job["size"],
               komi=job["komi"], temperature=job["temperature"], random_opening=job["random_opening"],
               max_moves=job.get("max_moves"), batch=job["batch"], on_done=done, visits=job.get("visits", 1))


@dataclass(frozen=True)
class SelfplayConfig:
    """``gocnn selfplay``'s options (and two the command leaves at their defaults)."""
    model: str | Path | None  # None: the shipped net
    out: str | Path
    games: int
    opponent: str | Path | None = None  # a second net: the nets alternate colours
    size: int = 19
    komi: float = 7.5
    temperature: float = 1.0
    random_opening: int = 0
    workers: int = 1
    batch: int = 64      # games advanced together per forward pass
    visits: int = 1      # search simulations a move (1: the policy alone)
    seed: int = 0
    max_moves: int | None = None  # None: the runner's cap
    device: str | None = None     # None: cuda when there is one, else cpu


def _check(cfg: SelfplayConfig) -> None:
    from gocnn.go.coords import check_size

    check_size(cfg.size)
    if cfg.games < 1:
        raise GocnnError("--games must be at least 1")
    if cfg.workers < 1:
        raise GocnnError("--workers must be at least 1")
    if cfg.temperature < 0:
        raise GocnnError("--temperature must be >= 0")


def _run_workers(job: dict, todo: list[int], workers: int, note) -> None:
    """``todo`` shared out among ``workers`` processes; ``note`` of each game as it ends."""
    import multiprocessing as mp
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = []
    for w in range(workers):
        share = todo[w::workers]
        if share:
            p = ctx.Process(target=_worker, args=(dict(job, indices=share, threads=1), q))
            p.start()
            procs.append(p)
    got = 0
    while got < len(todo):
        try:
            item = q.get(timeout=5)
        except Exception:
            if not any(p.is_alive() for p in procs):
                break
            continue
        got += 1
        note(item)
    for p in procs:
        p.join()
    bad = [p.exitcode for p in procs if p.exitcode]
    if bad:
        raise GocnnError(f"a self-play worker failed (exit code {bad[0]}); rerun to fill in the rest")


def run_selfplay(cfg: SelfplayConfig, progress: bool = True) -> dict:
    """Play the missing games of ``cfg.out`` (0 .. games-1); return a summary.  ``progress``:
    a progress bar on stderr."""
    from gocnn.model import resolve_model_path

    _check(cfg)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    models = [str(resolve_model_path(cfg.model))] + ([str(resolve_model_path(cfg.opponent))] if cfg.opponent else [])
    todo = missing_games(out, cfg.games)
    job = {"models": models, "out": str(out), "seed": cfg.seed, "size": cfg.size, "komi": cfg.komi,
           "temperature": cfg.temperature, "random_opening": cfg.random_opening, "batch": cfg.batch,
           "max_moves": cfg.max_moves, "device": cfg.device or _device(), "visits": cfg.visits}
    t0 = time.perf_counter()
    bar = util.progress(len(todo), "selfplay") if progress and todo else None
    moves = 0
    results: dict[str, int] = {"B": 0, "W": 0, "0": 0}

    def note(item):
        nonlocal moves
        moves += item[1]
        results[item[2][0] if item[2] != "0" else "0"] += 1
        if bar:
            dt = max(1e-9, time.perf_counter() - t0)
            bar.advance(1, f"{(bar.done + 1) / dt:.2f} games/s {moves / dt:.0f} moves/s")

    class _Tap:  # one worker: progress straight from the callback in this process
        put = staticmethod(note)

    if todo and cfg.workers == 1:
        _worker(dict(job, indices=todo, threads=0), _Tap())
    elif todo:
        _run_workers(job, todo, cfg.workers, note)
    if bar:
        bar.close()
    secs = time.perf_counter() - t0
    return {"out": str(out), "games": cfg.games, "played": len(todo),
            "already_there": cfg.games - len(todo), "finished": len(missing_games(out, cfg.games)) == 0,
            "moves": moves, "seconds": round(secs, 2),
            "games_per_s": round(len(todo) / secs, 3) if todo else None,
            "moves_per_s": round(moves / secs, 1) if todo else None,
            "black_wins": results["B"], "white_wins": results["W"], "draws": results["0"]}
