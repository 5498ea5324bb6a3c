"""Players: what chooses a move in a position.

A :class:`Player` looks at a :class:`~gocnn.board.Board` and answers for ``board.to_move``:
``policy`` gives a probability for every point (illegal points 0), ``genmove`` picks a move
(a flat point, ``None`` for a pass, or ``RESIGN``).  Front ends (GTP, the terminal UI,
self-play) only ever talk to this protocol, so a deterministic or random player can stand in
for the net in tests.
"""

from __future__ import annotations

import random
from typing import Protocol

import numpy as np

from gocnn.board import Board

RESIGN = "resign"


class Player(Protocol):
    name: str

    def policy(self, board: Board) -> np.ndarray:
        """Probabilities over the ``size*size`` points for ``board.to_move``; illegal points 0."""

    def genmove(self, board: Board) -> int | None | str:
        """A flat point to play, None to pass, or RESIGN."""


class RandomPlayer:
    """Uniform over legal moves that do not fill one's own eye; passes when none is left."""

    name = "random"

    def __init__(self, seed: int | None = None):
        self._rng = random.Random(seed)

    def _candidates(self, board: Board) -> list[int]:
        color = board.to_move
        return [p for p in board.legal_moves(color) if not board.is_eye(p, color)]

    def policy(self, board: Board) -> np.ndarray:
        probs = np.zeros(board.size * board.size, dtype=np.float32)
        cands = self._candidates(board)
        if cands:
            probs[cands] = 1.0 / len(cands)
        return probs

    def genmove(self, board: Board) -> int | None | str:
        cands = self._candidates(board)
        return self._rng.choice(cands) if cands else None
