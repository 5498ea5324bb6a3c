"""The self-play runner's names for the top-level package: the runner itself (games between
nets, batched) is :mod:`gocnn.play.game`, where ``gocnn bench selfplay`` reaches it too; this
module re-exports it for :mod:`selfplay.games`, :mod:`selfplay.arena` and :mod:`selfplay.rl`,
and holds the atomic file write they share.
"""

from __future__ import annotations

from pathlib import Path

from gocnn.play.game import (SCORE_PLAYOUTS, SCORING_NOTE, GameResult, GameSpec, Net, play_games,
                             score_board)

__all__ = ["SCORE_PLAYOUTS", "SCORING_NOTE", "GameResult", "GameSpec", "Net", "play_games", "score_board",
           "write_atomic"]


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so that it either exists complete or not at all (temp + rename)."""
    import os

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
