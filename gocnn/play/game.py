"""Games between nets, many at once: the batched game runner of self-play, arena matches and RL.

:func:`play_games` advances every game in flight together.  Each step gathers the boards whose
player to move is a net and asks each net once for all of them
(:meth:`gocnn.model.evaluator.Evaluator.evaluate`, the one softmax and masking path), so the
net runs at the batch size of the number of games in flight, not at batch 1; each game's policy
then goes through the play-well rule (:func:`gocnn.play.policy.choose_move`: legal moves only,
no own-eye fills, no superko repeats, no big self-ataris, a pass when nothing is left), sampled
at the given temperature.  With ``visits`` > 1 each move is searched instead
(:mod:`gocnn.play.search`).

A game ends after two passes in a row or at the move cap.  It is scored by area (Tromp-Taylor
after removing the stones that :func:`gocnn.go.scoring.final_score`'s playouts find dead); the
score is a pure function of the final position, so replaying the record gives the same result.

Each game has its own random generator seeded from its index (:func:`game_seed`), so a game
does not depend on which other games happen to share its batches (up to float rounding of
batched inference).  ``gocnn selfplay`` (the top-level ``selfplay`` package) writes the games
as SGF; ``gocnn bench selfplay`` times this runner.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from gocnn.errors import GocnnError
from gocnn.go.board import BLACK, WHITE, Board
from gocnn.play.policy import choose_move

SCORE_PLAYOUTS = 400
SCORING_NOTE = ("area score; dead stones by gocnn.go.scoring playouts ({playouts}); "
                "ended by {reason}")


@dataclass
class Net:
    """A loaded policy net and what to call it in records."""

    net: object
    config: object
    name: str
    path: str | None = None
    device: str = "cpu"

    @classmethod
    def load(cls, path, device: str = "cpu") -> "Net":
        from gocnn.model import resolve_model_path
        from gocnn.model import for_inference, load_model, model_hash

        p = resolve_model_path(path)
        try:
            net, cfg, _ = load_model(str(p), device=device)
        except GocnnError:
            raise
        except Exception as exc:
            raise GocnnError(f"cannot load model {p}: {exc}") from exc
        return cls(for_inference(net), cfg, f"{p.stem}-{model_hash(p)}", str(p), device)

    @property
    def evaluator(self):
        """The net behind :class:`gocnn.model.evaluator.Evaluator` (the one softmax and
        masking path), made on first use."""
        ev = getattr(self, "_evaluator", None)
        if ev is None:
            from gocnn.model.evaluator import Evaluator
            ev = self._evaluator = Evaluator(self.net, self.config, device=self.device)
        return ev

    def policies(self, boards) -> list[np.ndarray]:
        """The net's policy over the empty points of each board (one batched forward pass)."""
        return [e.policy for e in self.evaluator.evaluate(boards)]


@dataclass
class GameSpec:
    """Game ``index``: which net (an index into the runner's nets) plays each colour."""

    index: int
    black: int
    white: int
    seed: int


def game_seed(seed: int, index: int) -> int:
    """Game ``index``'s random seed in a run seeded ``seed``: its moves depend on nothing else."""
    return (seed * 1_000_003 + index) & 0x7FFFFFFF


def specs_for(indices, seed: int, two_nets: bool) -> list[GameSpec]:
    """The first net (0) is Black in even games, White in odd ones, when there are two."""
    out = []
    for i in indices:
        if two_nets and i % 2:
            out.append(GameSpec(i, 1, 0, game_seed(seed, i)))
        else:
            out.append(GameSpec(i, 0, 1 if two_nets else 0, game_seed(seed, i)))
    return out


@dataclass
class GameResult:
    index: int
    size: int
    komi: float
    black: str
    white: str
    moves: list[tuple[int, int | None]]
    sampled: list[bool]  # per move: chosen from the net's policy (False: random opening move)
    result: str  # RE: "B+3.5", "W+0.5", "0"
    margin: float  # Black's lead after komi
    reason: str  # "two passes" or "move cap"
    black_net: int = 0
    white_net: int = 1
    seconds: float = 0.0

    @property
    def winner(self) -> int | None:
        return BLACK if self.margin > 0 else WHITE if self.margin < 0 else None

    def sgf(self, date: str | None = None) -> bytes:
        from gocnn.go.sgf import game_to_sgf

        note = SCORING_NOTE.format(playouts=SCORE_PLAYOUTS, reason=self.reason)
        return game_to_sgf(self.size, self.moves, komi=self.komi, result=self.result,
                           black=self.black, white=self.white, date=date,
                           comment=f"gocnn self-play game {self.index}; {note}")


def score_board(board: Board) -> tuple[str, float]:
    """(RE, Black's margin) of a finished game: area after the playouts' dead stones."""
    from gocnn.go.scoring import final_score

    s = final_score(board, SCORE_PLAYOUTS)
    return s.result, s.margin


@dataclass
class _Live:
    spec: GameSpec
    board: Board
    rng: random.Random
    sampled: list[bool] = field(default_factory=list)
    start: float = 0.0
    searches: dict = field(default_factory=dict)  # net index -> its search tree in this game


def _searched_move(g: _Live, who: int, net: Net, visits: int, temperature: float) -> int | None:
    """A move by search: the most visited (temperature 0) or sampled by visits^(1/T)."""
    from gocnn.play.search import Search, SearchConfig
    search = g.searches.get(who)
    if search is None:
        # Dirichlet noise at the root (AlphaGo Zero: alpha 0.03 on 19x19, ~10 / legal moves)
        alpha = 10.0 / (g.board.size * g.board.size)
        search = g.searches[who] = Search(net.evaluator, SearchConfig(visits=visits, seed=g.spec.seed,
                                                                      dirichlet=alpha))
    infos = search.infos(search.run(g.board))
    if not infos:
        return None
    if temperature <= 0:
        return infos[0].move
    weights = np.array([m.visits for m in infos], np.float64) ** (1.0 / temperature)
    return infos[int(np.searchsorted(np.cumsum(weights), g.rng.random() * weights.sum()))].move


def play_games(nets: list[Net], specs: list[GameSpec], size: int = 19, komi: float = 7.5,
               temperature: float = 1.0, random_opening: int = 0, max_moves: int | None = None,
               batch: int = 64, on_done: Callable[[GameResult], None] | None = None,
               visits: int = 1) -> list[GameResult]:
    """Play every game of ``specs`` with up to ``batch`` games in flight; return the results
    in the order they finished (``on_done`` is called as each one finishes).  With
    ``visits`` > 1 each move is searched (:mod:`gocnn.play.search`, a tree per game and
    player, reused between its moves) and chosen by visit count (sampled at
    ``temperature``); otherwise the policy's moves of all games in flight go through the net
    in one batch."""
    from gocnn.model import plays_size
    if batch < 1:
        raise GocnnError("--batch must be at least 1")
    for net in nets:
        if not plays_size(net.config, size):
            raise GocnnError(f"{net.name} is a {net.config.board_size}x{net.config.board_size} net, "
                             f"the games are {size}x{size}")

    max_moves = max_moves or 2 * size * size
    n = size * size
    uniform = np.ones(n)
    pending = list(specs)
    pending.reverse()
    live: list[_Live] = []
    done: list[GameResult] = []

    def refill():
        while pending and len(live) < batch:
            spec = pending.pop()
            live.append(_Live(spec, Board(size, komi=komi, superko=True), random.Random(spec.seed),
                              start=time.perf_counter()))

    def finish(g: _Live, reason: str):
        result, margin = score_board(g.board)
        r = GameResult(g.spec.index, size, komi, nets[g.spec.black].name, nets[g.spec.white].name,
                       g.board.moves, g.sampled, result, margin, reason, g.spec.black, g.spec.white,
                       time.perf_counter() - g.start)
        done.append(r)
        if on_done:
            on_done(r)

    refill()
    while live:
        # who needs the net this step: (game, net index); random opening moves need none
        wants: dict[int, list[tuple[int, _Live]]] = {}
        moves: dict[int, tuple[int | None, bool]] = {}
        for i, g in enumerate(live):
            b = g.board
            if len(b.history) < random_opening:  # no setup stones: one history entry per move
                moves[i] = (choose_move(b, uniform, rng=g.rng).move, False)
            else:
                who = g.spec.black if b.to_move == BLACK else g.spec.white
                wants.setdefault(who, []).append((i, g))
        for who, games in wants.items():
            net = nets[who]
            if visits > 1:
                for i, g in games:
                    moves[i] = (_searched_move(g, who, net, visits, temperature), True)
                continue
            for (i, g), p in zip(games, net.policies([g.board for _, g in games])):
                d = choose_move(g.board, p, temperature=temperature, rng=g.rng, resign_threshold=1.0)
                moves[i] = (d.move, True)
        still: list[_Live] = []
        for i, g in enumerate(live):
            move, sampled = moves[i]
            g.board.play(g.board.to_move, move)
            g.sampled.append(sampled)
            if g.board.passes >= 2:
                finish(g, "two passes")
            elif len(g.board.history) >= max_moves:
                finish(g, "move cap")
            else:
                still.append(g)
        live[:] = still
        refill()
    return done
