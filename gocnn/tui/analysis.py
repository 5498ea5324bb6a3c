"""What the UI asks of a player and of a finished position, without Textual.

* :func:`load_player` builds the net's search player (importing torch) or falls back to a random
  one; :func:`with_visits` changes its strength.
* :func:`engine_move`, :func:`position_view` and :func:`game_values`: the move and what the
  search or the net's value says about positions (win rates, principal variations).
* :func:`top_from_policy` ranks the moves of a policy (the player's, :func:`policy_vector`).
* :func:`final_score` scores a finished game as GTP and the match referee do
  (:mod:`gocnn.go.scoring`: the same playouts, seeded by the position).
"""

from __future__ import annotations

import numpy as np

from gocnn.go.board import Board


DEFAULT_VISITS = 200  # about a second a move on two CPU cores with the shipped net
LEVELS = (1, 50, 200, 800, 3200)  # the strengths + and - step through (1: the policy alone)
REVIEW_VISITS = 50  # the search a review gives each position when the net has no value head


def load_player(model: str | None = None, visits: int = DEFAULT_VISITS):
    """``(player, notice)``: the net with search (:class:`gocnn.play.players.SearchPlayer`,
    ``visits`` a move; 1 plays the policy alone), or a RandomPlayer and a line saying why.

    Imports torch, so call it from a worker thread."""
    from gocnn.play.policy import RandomPlayer

    try:
        from gocnn.play.players import SearchPlayer
    except ImportError:
        return RandomPlayer(), "the policy net is not available in this build: playing random moves"
    try:
        player = SearchPlayer(model_path=model, visits=visits)
        player.load()  # torch and the weights, now rather than on the first move
        return player, None
    except Exception as exc:  # a missing or damaged model file, a torch problem...
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if model is None and "not there" in reason:
            reason = "the shipped net is missing; try --model FILE"
        elif len(reason) > 70:
            reason = reason[:67] + "..."
        return RandomPlayer(), f"no net ({reason}): playing random moves"


def searches(player) -> bool:
    """True for a player whose strength is its search (a SearchPlayer)."""
    if player is None:  # not loaded yet: no import on the way to the first screen
        return False
    from gocnn.play.players import SearchPlayer
    return isinstance(player, SearchPlayer)


def player_visits(player) -> int | None:
    """The visits a move of a searching player, else None."""
    return int(player.config.visits) if searches(player) else None


def with_visits(player, visits: int):
    """The same net searching ``visits`` a move (a new SearchPlayer sharing the loaded
    evaluator and the other settings), or None for a player that does not search."""
    if not searches(player):
        return None
    from dataclasses import replace

    from gocnn.play.players import SearchPlayer
    if player.evaluator is None:  # loaded already when the UI asks (load() waits for a running search)
        player.load()
    other = SearchPlayer(evaluator=player.evaluator, config=replace(player.config, visits=visits),
                         visits=visits, resign_threshold=player.resign_threshold,
                         temperature=player.temperature)
    other.model_path = player.model_path
    return other


def has_value_head(player) -> bool | None:
    """Whether the player's net has a value head (None: not known, or not a net)."""
    evaluator = getattr(player, "evaluator", None)
    return getattr(evaluator, "has_value", None) if evaluator is not None else None


def plays_size(player, size: int) -> bool:
    """Whether the player's net has a policy of its own on ``size`` boards (asked of the
    evaluator, which needs no lock; True for a player without a net)."""
    evaluator = getattr(player, "evaluator", None)
    check = getattr(evaluator, "plays_size", None)
    return bool(check(size)) if callable(check) else True


def for_size(player, size: int):
    """The player to ask on a ``size`` board.  A search over a net without a policy of its own
    there starts from a uniform prior and, with a few visits a move, favours the first points
    (A1, B1 ...); there the net plays as the policy alone does - random sensible moves, as the
    README says - until a net that plays the size is installed."""
    if searches(player) and player.config.visits > 1 and not plays_size(player, size):
        return with_visits(player, 1)
    return player


def engine_move(player, board: Board, stop=None):
    """``(move, analysis or None)``: the player's move and, for a search, what it found at
    ``board`` (:class:`gocnn.play.players.Analysis`).  A search stops early when ``stop()``
    says so (the move is then None and meaningless: the caller has given up on it).  A player
    that does not search is asked for its move alone (``genmove``, the Player protocol)."""
    player = for_size(player, board.size)
    if not searches(player):
        return player.genmove(board), None
    if player.config.visits <= 1:  # the policy alone: nothing searched to show
        return player.decide(board).move, None
    if stop is not None:
        # search first, stoppably; decide then reuses the tree, which already has its
        # visits, and only chooses (deciding on a tree cut short could find no root yet)
        player.analyse(board, stop=stop)
        if stop():
            return None, None
    decision = player.decide(board)
    return decision.move, player.last_analysis


def position_view(player, board: Board, stop=None):
    """What the player says about ``board`` (:class:`gocnn.tui.winrate.PositionView`): a search
    at its strength, or the net's value when it plays the policy alone; None when ``stop()``
    cut the search short."""
    from gocnn.tui.winrate import PositionView, black_chance, view_of_analysis

    if not plays_size(player, board.size):
        return PositionView(None, note=f"the net does not play {board.size}x{board.size}")
    if searches(player) and player.config.visits > 1:
        found = player.analyse(board, stop=stop)
        if stop is not None and stop():
            return None
        return view_of_analysis(found, board)
    evaluator = getattr(player, "evaluator", None)
    if evaluator is None:
        return PositionView(None, note="this player has no win rate")
    value = evaluator.evaluate_one(board).value
    if value is None:
        return PositionView(None, note="no value head (+ searches)")
    return PositionView(black_chance(value, board.to_move), note="the net's value")


def game_values(player, line: list[tuple], size: int, komi: float, wanted, stop, visits: int = REVIEW_VISITS):
    """Yield ``(history, Black's chance)`` for the positions of a game line whose move numbers
    are in ``wanted``, in order: the net's value, 16 positions a call, or for a net without a
    value head a search of ``visits`` each (a player of its own, sharing the evaluator).
    Stops early when ``stop()`` says so.  Nothing for a player without a net, or whose net has
    no policy of its own on this size."""
    from gocnn.tui.session import replay_positions
    from gocnn.tui.winrate import black_chance

    evaluator = getattr(player, "evaluator", None)
    if evaluator is None or not plays_size(player, size):
        return
    wanted = set(wanted)
    boards = [b for i, b in replay_positions(line, size, komi) if i in wanted]
    searcher = None
    for start in range(0, len(boards), 16):
        chunk = boards[start:start + 16]
        if stop():
            return
        if searcher is None:
            evals = evaluator.evaluate(chunk)
            if all(e.value is not None for e in evals):
                for b, e in zip(chunk, evals):
                    yield list(b.history), black_chance(e.value, b.to_move)
                continue
            from gocnn.play.players import SearchPlayer
            searcher = SearchPlayer(evaluator=evaluator, visits=visits)
        for b in chunk:
            found = searcher.analyse(b, stop=stop)
            if stop():
                return
            if found.winrate is not None:
                yield list(b.history), black_chance(found.winrate, b.to_move)


def warm_up_scoring() -> None:
    """Load (or compile) the scoring playouts now, in the loading worker, as ``gocnn gtp`` does
    at start-up: the net consults them when the opponent passes and at the end of a game."""
    from gocnn.go.scoring import warm_up
    warm_up()


def policy_vector(player, board: Board) -> np.ndarray:
    """The player's policy over the ``size*size`` points (a pass entry, if any, dropped)."""
    probs = np.asarray(player.policy(board), dtype=np.float64).reshape(-1)
    return probs[: board.size * board.size]


def top_from_policy(probs: np.ndarray, k: int = 5) -> list[tuple[int, float]]:
    """The ``k`` most likely points of a policy vector, best first, zero-probability ones left out."""
    from gocnn.play.policy import top_of
    return top_of(probs, k)


def rank_of(probs: np.ndarray, point: int) -> int:
    """1 for the net's favourite move, 2 for the next ..."""
    return int(np.sum(probs > probs[point])) + 1


# ---------------------------------------------------------------------- dead stones
def final_playouts() -> int:
    """The playout count of a final score: ``gocnn.go.scoring.final_score``'s, which GTP's
    ``final_score`` uses too, so a position scores alike in the terminal and in a GUI."""
    import inspect

    from gocnn.go.scoring import final_score as scoring_final_score

    return inspect.signature(scoring_final_score).parameters["playouts"].default


def final_score(board: Board) -> tuple[set[int], object, list[int]]:
    """(dead stones, Score, owner per point) of a finished game, the dead stones estimated.

    The playout estimate of :mod:`gocnn.go.scoring` with the playouts and seed GTP uses (seeded by
    the position, so the same position always scores the same).  May take a moment: call it
    from a worker thread."""
    from gocnn.go.scoring import estimate

    dead = set(estimate(board, final_playouts()).dead)
    return dead, board.score(dead), board.area(dead)[2]
