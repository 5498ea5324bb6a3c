"""Deterministic stand-ins for the net and helpers for the terminal-UI tests (no tests here)."""

from __future__ import annotations

import threading

import numpy as np

from gocnn import coords
from gocnn.board import Board


class ScriptedPlayer:
    """Plays the given GTP moves in order (skipping any the rules refuse), then passes.

    Its policy is a fixed bump around the centre over the legal points, so heat maps, top
    moves and review figures are the same on every run."""

    name = "scripted"

    def __init__(self, moves=()):
        self.moves = list(moves)
        self.calls = 0

    def policy(self, board: Board) -> np.ndarray:
        n = board.size
        probs = np.zeros(n * n)
        c = (n - 1) / 2
        for p in board.legal_moves(board.to_move):
            r, col = divmod(p, n)
            # the bump leans to the lower left so that the order of moves is strict
            probs[p] = 1.0 / (1.0 + abs(r - c + 0.3) + abs(col - c + 0.1)) ** 2
        total = probs.sum()
        return probs / total if total else probs

    def genmove(self, board: Board):
        self.calls += 1
        while self.moves:
            move = coords.from_gtp(self.moves.pop(0), board.size)
            p = coords.to_flat(move, board.size)
            if move is None or board.is_legal(board.to_move, p):
                return None if move is None else p
        return None


class BlockingPlayer(ScriptedPlayer):
    """A ScriptedPlayer whose genmove waits until ``release`` is set: a net that thinks long."""

    name = "slow"

    def __init__(self, moves=()):
        super().__init__(moves)
        self.release = threading.Event()
        self.started = threading.Event()

    def genmove(self, board: Board):
        self.started.set()
        self.release.wait(30)
        return super().genmove(board)


def sync(test):
    """Run an async Pilot test with asyncio.run (no async pytest plugin needed)."""
    import asyncio
    import functools

    @functools.wraps(test)
    def run(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))

    return run
