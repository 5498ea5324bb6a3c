"""Players: what chooses a move in a position.

A :class:`Player` looks at a :class:`~gocnn.go.board.Board` and answers for ``board.to_move``:
``policy`` gives a probability for every point (illegal points 0), ``genmove`` picks a move
(a flat point, ``None`` for a pass, or ``RESIGN``).  Front ends (GTP, the terminal UI,
self-play) only ever talk to this protocol, so a deterministic or random player can stand in
for the net in tests.

:class:`PolicyPlayer` is the net without search.  Its policy is the evaluator's
(:class:`gocnn.model.evaluator.Evaluator`: the net's softmax over the legal points, averaged
over the 8 board symmetries if asked).  Its ``genmove`` adds what a bare policy lacks
(:func:`choose_move`, on the evaluator's policy over the empty points):

* it never fills one of its own eyes and never repeats an earlier position (positional superko);
* it does not put a chain of ``SELF_ATARI_MIN`` or more stones into atari while any other
  move is available;
* late in the game, or once the opponent has passed, a move inside an area one colour
  already encloses is checked against the playout estimate of :mod:`gocnn.go.scoring`: settled
  points are skipped, and when nothing is left at stake it passes (contested points need no
  estimate, so the playouts run only near the end);
* it resigns only when the estimate gives it less than ``1 - resign_threshold`` chance late in
  the game, and by a wide margin (never in cleanup mode);
* in cleanup mode (``kgs-genmove_cleanup``) it first captures the stones the estimate says are
  dead, then passes.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from gocnn.go.board import BLACK, EMPTY, Board, neighbours, opponent
from gocnn.errors import GocnnError

RESIGN = "resign"

SELF_ATARI_MIN = 3  # a self-atari of a chain this large is avoided while anything else is playable
SETTLED = 0.8  # |ownership| at which a point is decided: playing there changes nothing
LATE_FRACTION = 0.45  # from move size*size*LATE_FRACTION on, genmove consults the estimate
RESIGN_FROM = 0.35  # no resignation before move size*size*RESIGN_FROM
RESIGN_EVERY = 4  # the resignation check (a playout estimate) runs every this many moves
RESIGN_MARGIN = 0.1  # ... nor unless the estimate's margin is at least this share of the board


class Player(Protocol):
    """What the front ends (GTP, the TUI, analysis, match) call on a player, so none of them
    probes one with getattr.  ``evaluator`` is the net's :class:`~gocnn.model.evaluator.Evaluator`
    (None for a player without a net); ``searches`` is True for a player with ``analyse`` and
    ``snapshot`` (the tree search, :class:`gocnn.play.players.SearchPlayer`)."""
    name: str
    model_path: Path | None
    evaluator: object | None
    searches: bool

    def load(self) -> "Player":
        """Load the net now (players load lazily); returns the player."""

    def plays_size(self, size: int) -> bool:
        """Whether the player has its own policy on a ``size`` x ``size`` board."""

    def policy(self, board: Board) -> np.ndarray:
        """Probabilities over the ``size*size`` points for ``board.to_move``; illegal points 0."""

    def top_moves(self, board: Board, k: int = 10) -> list[tuple[int, float]]:
        """The ``k`` likeliest legal points with their probabilities, best first."""

    def decide(self, board: Board, cleanup: bool = False) -> "Decision":
        """The move for ``board.to_move`` and why."""

    def genmove(self, board: Board) -> int | None | str:
        """A flat point to play, None to pass, or RESIGN."""


def top_of(probs: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The ``k`` points of highest probability (above 0), best first; ties in point order."""
    order = np.argsort(-probs, kind="stable")[:k]
    return [(int(p), float(probs[p])) for p in order if probs[p] > 0]


class RandomPlayer:
    """Uniform over legal moves that do not fill one's own eye; passes when none is left."""

    name = "random"
    model_path = None
    evaluator = None
    searches = False

    def __init__(self, seed: int | None = None):
        self._rng = random.Random(seed)

    def load(self) -> "RandomPlayer":
        return self

    def _candidates(self, board: Board) -> list[int]:
        color = board.to_move
        return [p for p in board.legal_moves(color) if not board.is_eye(p, color)]

    def policy(self, board: Board) -> np.ndarray:
        probs = np.zeros(board.size * board.size, dtype=np.float32)
        cands = self._candidates(board)
        if cands:
            probs[cands] = 1.0 / len(cands)
        return probs

    def top_moves(self, board: Board, k: int = 10) -> list[tuple[int, float]]:
        return top_of(self.policy(board), k)

    def plays_size(self, size: int) -> bool:
        return True

    def decide(self, board: Board, cleanup: bool = False) -> "Decision":
        return Decision(self.genmove(board), "random")

    def genmove(self, board: Board) -> int | None | str:
        cands = self._candidates(board)
        return self._rng.choice(cands) if cands else None


# ---------------------------------------------------------------------- move choice
def self_atari_size(board: Board, color: int, p: int) -> int:
    """Stones of ``color``'s chain through ``p`` left in atari by playing ``p`` (0 if the move
    leaves it two or more liberties or captures something)."""
    libs: set[int] = set()
    counted: set[int] = set()
    for q in neighbours(board.size)[p]:
        v = board.colors[q]
        if v == EMPTY:
            libs.add(q)
        elif v == color:
            if q not in counted:
                counted.update(board.chain_stones(q))
                libs |= board.chain_liberties(q)
        elif board.liberties(q) == 1:
            return 0  # a capture gives liberties back
    libs.discard(p)
    return 1 + len(counted) if len(libs) <= 1 else 0


@dataclass
class Decision:
    """Why genmove chose what it chose (for logs and tests)."""

    move: int | None | str
    reason: str
    win_rate: float | None = None


def choose_move(board: Board, probs: np.ndarray, *, temperature: float = 0.0,
                rng: random.Random | None = None, resign_threshold: float = 1.0,
                cleanup: bool = False, playouts: int = 64,
                estimate_fn: Callable | None = None) -> Decision:
    """The move for ``board.to_move`` given a policy over the points (any non-negative
    weights; only their order matters at temperature 0).  See the module docstring."""
    color = board.to_move
    n = board.size * board.size
    number = board.move_number()
    last = board.last_move
    opp_passed = last is not None and last[1] is None and last[0] != color
    resign_check = (resign_threshold < 1.0 and not cleanup and number >= n * RESIGN_FROM
                    and number % RESIGN_EVERY == 0)
    if estimate_fn is None:
        from gocnn.go.scoring import estimate as estimate_fn
    est = estimate_fn(board, playouts) if (cleanup or opp_passed or resign_check) else None
    if est is not None and resign_check:
        resign = _resignation(board, est, resign_threshold)
        if resign is not None:
            return resign
    order = move_order(board, probs, temperature, rng or random.Random(0))
    if cleanup and est is not None:
        capture = _cleanup_capture(board, order, est)
        if capture is not None:
            return Decision(capture, "cleanup: capture dead stones", est.win_rate(color))
    late = cleanup or opp_passed or number >= n * LATE_FRACTION
    return _first_worth_playing(board, order, late, est, lambda: estimate_fn(board, playouts))


def _resignation(board: Board, est, resign_threshold: float) -> Decision | None:
    """RESIGN when the estimate gives the side to move little chance and a wide deficit."""
    from gocnn.go.scoring import area_lead

    color = board.to_move
    win = est.win_rate(color)
    margin = area_lead(est.ownership, board.komi)
    if color != BLACK:
        margin = -margin
    if win <= 1.0 - resign_threshold and margin <= -RESIGN_MARGIN * board.size * board.size:
        return Decision(RESIGN, f"estimate: {win:.0%} to win, {margin:+.0f} points", win)
    return None


def move_order(board: Board, probs: np.ndarray, temperature: float, rng: random.Random) -> np.ndarray:
    """The empty points in the order to consider them: by policy (ties broken at random), or
    sampled from it at ``temperature`` (Gumbel keys).  Draws one ``rng.random()`` per point."""
    n = board.size * board.size
    empty = np.flatnonzero(np.asarray(board.colors) == EMPTY)
    w = np.asarray(probs, dtype=np.float64)[:n][empty]
    if temperature > 0:
        with np.errstate(divide="ignore"):
            keys = np.log(np.maximum(w, 1e-30)) / temperature
        gumbel = -np.log(-np.log(np.array([rng.random() for _ in range(len(w))]) + 1e-300) + 1e-300)
        keys = keys + gumbel
    else:
        keys = w + np.array([rng.random() for _ in range(len(w))]) * 1e-12  # ties broken at random
    return empty[np.argsort(-keys, kind="stable")]


def _playable(board: Board, color: int, p: int) -> bool:
    """Legal, not an own eye, no superko repeat, and no self-atari of a big chain."""
    return (board.check(color, p) is None and not board.is_eye(p, color)
            and not board.repeats_position(color, p)
            and self_atari_size(board, color, p) < SELF_ATARI_MIN)


def _cleanup_capture(board: Board, order: np.ndarray, est) -> int | None:
    """The first point in ``order`` that fills a liberty of the stones ``est`` finds dead."""
    color = board.to_move
    opp = opponent(color)
    targets: set[int] = set()
    for s in est.dead:
        if board.colors[s] == opp:
            targets |= board.chain_liberties(s)
    for p in order:
        p = int(p)
        if p in targets and _playable(board, color, p):
            return p
    return None


def _first_worth_playing(board: Board, order: np.ndarray, late: bool, est,
                         estimate: Callable) -> Decision:
    """The first playable point in ``order``; when ``late``, points one colour encloses are
    checked against the estimate (made on first need) and settled ones skipped."""
    color = board.to_move
    win = est.win_rate(color) if est is not None else None
    owner = None  # who encloses each empty point (cheap): only enclosed points need the estimate
    for p in order:
        p = int(p)
        if not _playable(board, color, p):
            continue
        if late:
            if est is None:
                if owner is None:
                    owner = board.area()[2]
                if owner[p] == EMPTY:
                    return Decision(p, "policy (contested point)", win)
                est = estimate()
                win = est.win_rate(color)
            if abs(float(est.ownership[p])) >= SETTLED:
                continue  # settled: nothing to gain there
        return Decision(p, "policy", win)
    return Decision(None, "nothing left worth playing", win)


# ---------------------------------------------------------------------- the net
class NetPolicy:
    """``policy`` and ``top_moves`` for a player whose net sits in an Evaluator (``load()``
    returns the player, with ``evaluator`` set): the policy player and the search player."""

    def policy(self, board: Board) -> np.ndarray:
        """Probabilities over the points for ``board.to_move``, illegal points 0 (uniform over
        the legal points on a size the net does not play; all 0 when nothing is legal)."""
        mask = np.zeros(board.size * board.size, bool)
        mask[board.legal_moves(board.to_move)] = True
        return self.load().evaluator.evaluate_one(board, mask).policy

    def top_moves(self, board: Board, k: int = 10) -> list[tuple[int, float]]:
        """The ``k`` likeliest legal points with their probabilities, best first."""
        return top_of(self.policy(board), k)


class PolicyPlayer(NetPolicy):
    """The policy net as a player (no search); see the module docstring.

    The net is asked through :class:`gocnn.model.evaluator.Evaluator` (the one softmax and
    masking path; bf16 where the CPU runs it natively, as for the search player), made on first
    use or by :meth:`load` (e.g. from a background thread), so constructing a player is cheap
    and does not import torch.  ``evaluator``, or ``net``/``config``, may be given directly
    instead of a file (tests use a tiny random net)."""

    name = "gocnn"
    searches = False

    def __init__(self, model_path: str | Path | None = None, symmetries: int = 1,
                 temperature: float = 0.0, threads: int = 1, resign_threshold: float = 0.95,
                 seed: int | None = None, playouts: int = 64, net=None, config=None,
                 device: str = "cpu", evaluator=None):
        if symmetries not in (1, 8):
            raise GocnnError(f"symmetries must be 1 or 8, not {symmetries}")
        if temperature < 0:
            raise GocnnError(f"temperature must be >= 0, not {temperature}")
        from gocnn.model.files import resolve_model_path  # torch: not at import (GTP loads without it)

        given = net is not None or evaluator is not None
        self.model_path = None if given else resolve_model_path(model_path)
        self.symmetries = symmetries
        self.temperature = float(temperature)
        self.threads = threads
        self.resign_threshold = float(resign_threshold)
        self.playouts = playouts
        self.device = device
        self.evaluator = evaluator
        self._given = (net, config)
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.last_decision: Decision | None = None

    # -------------------------------------------------------------- loading
    def load(self) -> "PolicyPlayer":
        """Import torch and make the evaluator (once; safe from several threads).  Raises
        GocnnError for a missing, damaged or foreign model file."""
        with self._lock:
            if self.evaluator is not None:
                return self
            from gocnn.model.evaluator import Evaluator
            from gocnn.util import set_threads

            net, config = self._given
            if net is not None:
                set_threads(self.threads)
                self.evaluator = Evaluator(net, config, device=self.device, symmetries=self.symmetries)
                return self
            try:
                self.evaluator = Evaluator.load(self.model_path, device=self.device,
                                                symmetries=self.symmetries, threads=self.threads)
            except GocnnError:
                raise
            except Exception as exc:  # a damaged or foreign file
                raise GocnnError(f"cannot load model {self.model_path}: {exc}") from exc
        return self

    def plays_size(self, size: int) -> bool:
        """Whether the net gives its own policy on this board size (else it plays from a
        uniform policy, and front ends should say so or refuse the size)."""
        return self.load().evaluator.plays_size(size)

    @property
    def net(self):
        return self.load().evaluator.net

    @property
    def config(self):
        return self.load().evaluator.config

    @property
    def facts(self) -> dict:
        return self.load().evaluator.facts

    @property
    def features(self) -> str:
        return self.config.features

    # -------------------------------------------------------------- moves
    def decide(self, board: Board, cleanup: bool = False, resign: bool = True) -> Decision:
        """The move by :func:`choose_move` on the net's policy over the empty points."""
        probs = self.load().evaluator.evaluate_one(board).policy
        decision = choose_move(board, probs, temperature=self.temperature, rng=self._rng,
                               resign_threshold=self.resign_threshold if resign else 1.0,
                               cleanup=cleanup, playouts=self.playouts)
        self.last_decision = decision
        return decision

    def genmove(self, board: Board, cleanup: bool = False) -> int | None | str:
        return self.decide(board, cleanup=cleanup).move
