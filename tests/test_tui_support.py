"""Deterministic stand-ins for the net and helpers for the terminal-UI tests (no tests here)."""

from __future__ import annotations

import threading

import numpy as np

from gocnn.go import coords
from gocnn.go.board import Board


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


class TableEvaluator:
    """A stand-in for the net's evaluator with a value head: the policy is uniform over the
    allowed points (or ``policy``'s weights) and Black's chance after move ``i`` is ``black[i]``
    (0.5 past the table), so
    a review's win rates and drops are known in advance.  ``gate``, when given, is waited on
    before every call: a net that is slow to answer."""

    has_value = True

    def __init__(self, black: list[float], gate: threading.Event | None = None, policy=None, free: int = 0):
        self.black = list(black)
        self.gate = gate
        self.free = free  # calls answered before the gate applies
        self.prior = policy  # board -> weights per point (e.g. ScriptedPlayer().policy); None: uniform
        self.calls = 0

    def plays_size(self, size: int) -> bool:
        return True

    def evaluate(self, boards, masks=None):
        from gocnn.go.board import BLACK, EMPTY
        from gocnn.model.evaluator import Evaluation

        if self.gate is not None and self.calls >= self.free:
            self.gate.wait(30)
        out = []
        for i, b in enumerate(boards):
            self.calls += 1
            mask = masks[i] if masks is not None else np.asarray(b.colors) == EMPTY
            weights = mask.astype(np.float64) * (1.0 if self.prior is None else self.prior(b))
            policy = (weights / weights.sum() if weights.sum() > 0 else weights).astype(np.float32)
            n = b.move_number()
            black = self.black[n] if n < len(self.black) else 0.5
            out.append(Evaluation(policy, black if b.to_move == BLACK else 1.0 - black, None))
        return out

    def evaluate_one(self, board, mask=None):
        return self.evaluate([board], None if mask is None else [mask])[0]


class NoValueEvaluator(TableEvaluator):
    """A net without a value head (like the shipped one): ``value`` is None."""

    has_value = False

    def evaluate(self, boards, masks=None):
        from gocnn.model.evaluator import Evaluation
        return [Evaluation(e.policy, None, None) for e in super().evaluate(boards, masks)]


class NineteenOnlyEvaluator(TableEvaluator):
    """A net with a policy of its own on 19x19 only (like the shipped one): on other sizes a
    uniform policy and no value, as :class:`gocnn.model.evaluator.Evaluator` answers there."""

    def plays_size(self, size: int) -> bool:
        return size == 19

    def evaluate(self, boards, masks=None):
        from gocnn.model.evaluator import Evaluation
        out = super().evaluate(boards, masks)
        return [e if b.size == 19 else Evaluation(np.where(e.policy > 0, 1.0 / max(1, (e.policy > 0).sum()), 0.0)
                                                  .astype(np.float32), None, None, own_policy=False)
                for b, e in zip(boards, out)]
