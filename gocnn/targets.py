"""Value targets beside the shards: who won, and who owned each point at the end.

The winner bit alone teaches a value head slowly (one bit per game, and nets memorise it); the
final ownership of every point is a dense target that teaches the same trunk what is alive,
dead and whose territory, as KataGo's ownership head does.  Records hold no ownership, so it is
estimated once per game from the final position with the project's own playouts
(:func:`gocnn.go.scoring.ownership`): for counted games that is the territory with dead stones
removed; for resigned games it is noisier (the loser's weak groups are still on the board).

``gocnn data targets SHARDS`` writes ``ownership.npy`` into every shard directory: int8
(games, size*size), Black's ownership in hundredths (+100 surely Black's, -100 surely White's).
It is resumable (a shard that has the file is skipped; each file is written atomically) and
shards built before it still train their policy and winner value without it.
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import numpy as np

from gocnn.errors import GocnnError
from gocnn.util import atomic_write_bytes

OWNERSHIP = "ownership.npy"
PLAYOUTS = 24


def final_board(size: int, komi: float, color: np.ndarray, point: np.ndarray, kind: np.ndarray):
    """The position after every event of a game (setup stones, then moves)."""
    from gocnn.go.board import Board
    b = Board(size, komi=float(komi))
    for c, p, k in zip(color.tolist(), point.tolist(), kind.tolist()):
        if k == 1:
            b.setup(c, (p,))
        else:
            try:
                b.play(c, None if p < 0 else p)
            except Exception:  # a record cut short at an illegal move keeps what came before
                break
    return b


def game_ownership(size: int, komi: float, color, point, kind, playouts: int = PLAYOUTS) -> np.ndarray:
    """Black's ownership of each point at the end of the game, int8 hundredths."""
    from gocnn.go.scoring import ownership
    board = final_board(size, komi, np.asarray(color), np.asarray(point), np.asarray(kind))
    own, _ = ownership(board, playouts, seed=0)
    return np.clip(np.rint(own * 100), -100, 100).astype(np.int8)


def _shard_ownership(args) -> tuple[str, int]:
    path, playouts = args
    from gocnn.data import Packed
    sh = Packed.load(Path(path), mmap=False)
    n = int(sh.size[0]) ** 2 if sh.games else 0
    out = np.zeros((sh.games, n), np.int8)
    for g in range(sh.games):
        a, b = int(sh.offsets[g]), int(sh.offsets[g + 1])
        out[g] = game_ownership(int(sh.size[g]), float(sh.komi[g]), sh.color[a:b], sh.point[a:b],
                                sh.kind[a:b], playouts)
    buffer = io.BytesIO()
    np.save(buffer, out, allow_pickle=False)
    atomic_write_bytes(Path(path) / OWNERSHIP, buffer.getvalue())
    return str(path), sh.games


def compute(directory: str | Path, playouts: int = PLAYOUTS, workers: int = 1,
            progress=None) -> dict:
    """Write ``ownership.npy`` into every shard of a build that lacks one."""
    directory = Path(directory)
    if not (directory / "build.json").exists():
        raise GocnnError(f"{directory} is not a shard directory from 'gocnn data build'")
    if playouts < 1:
        raise GocnnError(f"--playouts must be >= 1, not {playouts}")
    shards = sorted(p for p in directory.iterdir() if p.is_dir() and p.suffix in (".train", ".val"))
    todo = [p for p in shards if not (p / OWNERSHIP).exists()]
    t0 = time.perf_counter()
    games = 0
    jobs = [(str(p), playouts) for p in todo]
    if workers > 1 and len(jobs) > 1:
        import multiprocessing as mp
        with mp.get_context("fork").Pool(workers) as pool:
            results = pool.imap_unordered(_shard_ownership, jobs)
            for i, (_, g) in enumerate(results):
                games += g
                if progress:
                    progress(i + 1, len(jobs), games)
    else:
        for i, job in enumerate(jobs):
            games += _shard_ownership(job)[1]
            if progress:
                progress(i + 1, len(jobs), games)
    return {"shards": len(shards), "computed": len(todo), "games": games, "playouts": playouts,
            "seconds": round(time.perf_counter() - t0, 1)}


def load(shard_dir: Path) -> np.ndarray | None:
    """A shard's ownership array (memory-mapped), or None where it was never computed."""
    path = Path(shard_dir) / OWNERSHIP
    if not path.exists():
        return None
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise GocnnError(f"damaged ownership targets {path}: {exc}") from None


def log_progress(done: int, total: int, games: int) -> None:
    print(f"targets: {done}/{total} shards, {games} games", file=sys.stderr, flush=True)
