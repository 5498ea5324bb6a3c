"""The search player: PUCT search over the policy+value net, behind the Player protocol.

:class:`SearchPlayer` answers what the front ends ask (:class:`gocnn.play.policy.Player`):
``policy`` and ``top_moves`` (the net's prior), ``decide``/``genmove`` (a searched move, with
resignation on the searched value and passing when passing does not lose), ``analyse`` (the
root's moves with visits, win rates, priors, LCB and principal variations, for ``lz-analyze``,
``kata-analyze`` and the terminal UI) and ``load``.  ``visits=1`` is the policy-only player:
the move rules of :func:`gocnn.play.policy.choose_move` on the net's policy, one forward pass.
"""

from __future__ import annotations

import gc
import random
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from gocnn.go.board import BLACK, Board
from gocnn.errors import GocnnError
from gocnn.model import resolve_model_path
from gocnn.play.policy import (LATE_FRACTION, RESIGN, RESIGN_FROM, RESIGN_MARGIN, SELF_ATARI_MIN, Decision,
                               NetPolicy, choose_move, self_atari_size)
from gocnn.play.search import MoveInfo, Search, SearchConfig, thread_plan
from gocnn.util import set_threads

SETTLED = 0.8  # |ownership| from which a point is decided: filling it gains nothing
PASS_EQUAL = 0.02  # pass when passing is this close to the best move and the best move is settled
MIN_RESIGN_VISITS = 50


@dataclass
class Analysis:
    """What a search found at a position."""
    moves: list[MoveInfo]  # most visits first
    visits: int
    winrate: float | None  # the mover's chance of winning
    ownership: np.ndarray | None  # Black's, per point
    score_lead: float | None  # the mover's searched lead in points (from the ownership), or None
    to_move: int


class SearchPlayer(NetPolicy):
    """The net with search (see the module docstring).  Cheap to construct: the net is loaded
    by :meth:`load` (or on first use)."""

    name = "gocnn"
    searches = True

    def __init__(self, model_path: str | Path | None = None, visits: int = 400, seconds: float | None = None,
                 threads: int = 1, resign_threshold: float = 0.95, symmetries: int = 1, seed: int = 0,
                 mix: float | None = None, batch: int = 8, device: str = "cpu", temperature: float = 0.0,
                 evaluator=None, config: SearchConfig | None = None):
        if visits < 1:
            raise GocnnError(f"--visits must be >= 1, not {visits}")
        if seconds is not None and seconds <= 0:
            raise GocnnError(f"--time must be > 0 seconds, not {seconds}")
        self.model_path = None if evaluator is not None else resolve_model_path(model_path)
        self.threads, self.symmetries, self.device = threads, symmetries, device
        self.resign_threshold = float(resign_threshold)
        self.temperature = float(temperature)
        self.config = config or SearchConfig(visits=visits, seconds=seconds, seed=seed, mix=mix, batch=batch)
        self.evaluator = evaluator
        self.search: Search | None = None
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.last_decision: Decision | None = None
        self.last_analysis: Analysis | None = None

    # -------------------------------------------------------------- the Player protocol
    def load(self) -> "SearchPlayer":
        with self._lock:
            if self.evaluator is None:
                from gocnn.model.evaluator import Evaluator
                self.evaluator = Evaluator.load(self.model_path, device=self.device,
                                                symmetries=self.symmetries, threads=self.threads)
                # --threads is the search's: with playouts at the leaves, one walks the tree and
                # plays them beside the net (thread_plan)
                mix = self.config.leaf_mix(self.evaluator.has_value)
                torch_threads, pipeline = thread_plan(self.threads, mix, self.device)
                if pipeline:
                    set_threads(torch_threads)
                    self.config = replace(self.config, pipeline=True)
                self._warm_up()
            if self.search is None:
                self.search = Search(self.evaluator, self.config)
                # what is loaded by now (torch, the net) lives as long as the process: out of the
                # cyclic collector's walks, so that a full collection during a game - it can come
                # at any move - takes milliseconds, not the tenths of a second that overran --time
                gc.freeze()
        return self

    def _warm_up(self) -> None:
        """A few visits off the clock, on the net's own board size: numba compiles (or loads from
        its cache) the search's kernels and oneDNN builds the net's for the leaf batch now, not
        within the first genmove's time (on a fresh install that took more than 2 s)."""
        size = getattr(self.evaluator.config, "board_size", 19)
        warm = replace(self.config, visits=2 * self.config.batch, seconds=None, dirichlet=0.0)
        Search(self.evaluator, warm).run(Board(size))

    @property
    def facts(self) -> dict:
        return self.load().evaluator.facts

    def plays_size(self, size: int) -> bool:
        return self.load().evaluator.plays_size(size)

    def genmove(self, board: Board, cleanup: bool = False) -> int | None | str:
        return self.decide(board, cleanup=cleanup).move

    def decide(self, board: Board, cleanup: bool = False, resign: bool = True,
               seconds: float | None = None, stop=None) -> Decision:
        """The move for ``board.to_move``: searched (``seconds`` and ``stop()`` may end the
        search early; the tree so far decides), or the policy's with ``visits=1``/``cleanup``."""
        self.load()
        if cleanup or self.config.visits <= 1:  # the policy-only player, or KGS's clean-up
            raw = self.evaluator.evaluate_one(board).policy
            decision = choose_move(board, raw, temperature=self.temperature, rng=self._rng,
                                   resign_threshold=self.resign_threshold if resign else 1.0,
                                   cleanup=cleanup)
        else:
            analysis = self.analyse(board, seconds=seconds, stop=stop)
            decision = self._choose(board, analysis, resign)
        self.last_decision = decision
        return decision

    def analyse(self, board: Board, visits: int | None = None, seconds: float | None = None,
                stop=None) -> Analysis:
        """Search ``board`` (reusing the tree where it can) and report the root."""
        self.load()
        with self._lock:
            self.search.run(board, visits=visits, seconds=seconds, stop=stop)
            self.last_analysis = self.snapshot(board)
        return self.last_analysis

    def snapshot(self, board: Board) -> Analysis | None:
        """The tree as it stands (for a GUI's periodic info lines while :meth:`analyse` runs
        in another thread); None before the search has a root."""
        search = self.search
        root = search.root if search is not None else None
        if root is None or not root.expanded:
            return None
        moves = search.infos(root)
        own = root.ownership
        black_lead = search.root_lead(root)  # the searched lead (the net's ownership, averaged)
        lead = None if black_lead is None else (black_lead if board.to_move == BLACK else -black_lead)
        return Analysis(moves, sum(m.visits for m in moves), search.root_value(root), own, lead, board.to_move)

    # -------------------------------------------------------------- the move
    def _choose(self, board: Board, analysis: Analysis, resign: bool) -> Decision:
        moves = analysis.moves
        if not moves:  # no visit at all (an interrupted search): the policy's move, by the play rules
            raw = self.evaluator.evaluate_one(board).policy
            return choose_move(board, raw, rng=self._rng, resign_threshold=1.0)
        best = self._pick(moves)
        n = board.size * board.size
        if (resign and self.resign_threshold < 1 and board.move_number() >= n * RESIGN_FROM
                and analysis.visits >= MIN_RESIGN_VISITS and best.winrate <= 1 - self.resign_threshold
                and (analysis.score_lead is None or analysis.score_lead <= -RESIGN_MARGIN * n)):
            return Decision(RESIGN, f"search: {best.winrate:.0%} to win after {analysis.visits} visits",
                            best.winrate)
        passing = next((m for m in moves if m.move is None), None)
        last = board.last_move
        late = board.move_number() >= n * LATE_FRACTION or (last is not None and last[1] is None)
        if (late and best.move is not None and passing is not None
                and passing.winrate >= best.winrate - PASS_EQUAL):
            own = analysis.ownership
            if own is not None and abs(float(own[best.move])) >= SETTLED:
                return Decision(None, "search: pass (nothing left at stake)", passing.winrate)
        if best.move is not None and self_atari_size(board, board.to_move, best.move) >= SELF_ATARI_MIN:
            safer = [m for m in moves if m.move is not None and m.visits >= best.visits // 2
                     and self_atari_size(board, board.to_move, m.move) < SELF_ATARI_MIN]
            if safer:
                best = safer[0]
        reason = "search: pass" if best.move is None else "search"
        return Decision(best.move, f"{reason} ({best.visits} of {analysis.visits} visits)", best.winrate)

    def _pick(self, moves: list[MoveInfo]) -> MoveInfo:
        if self.temperature <= 0:
            return moves[0]
        weights = np.array([m.visits for m in moves], np.float64) ** (1.0 / self.temperature)
        r = self._rng.random() * weights.sum()
        return moves[int(np.searchsorted(np.cumsum(weights), r))]

