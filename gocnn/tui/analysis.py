"""What the UI asks of a player and of a finished position, without Textual.

* :func:`load_player` builds the net's player (importing torch) or falls back to a random one.
* :func:`top_moves` ranks a player's moves, using the player's own ``top_moves`` when it has one.
* :func:`estimate_dead` guesses the dead stones of a finished game for area scoring.
"""

from __future__ import annotations

import numpy as np

from gocnn.board import BLACK, EMPTY, WHITE, Board, neighbours


def load_player(model: str | None = None):
    """``(player, notice)``: the policy net, or a RandomPlayer and a line saying why.

    Imports torch (through gocnn.engine.PolicyPlayer), so call it from a worker thread."""
    from gocnn.engine import RandomPlayer

    try:
        from gocnn.engine import PolicyPlayer
    except ImportError:
        return RandomPlayer(), "the policy net is not available in this build: playing random moves"
    try:
        player = PolicyPlayer(model_path=model)
        if callable(getattr(player, "load", None)):
            player.load()  # torch and the weights, now rather than on the first move
        return player, None
    except Exception as exc:  # a missing or damaged model file, a torch problem...
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if model is None and "not there" in reason:
            reason = "the shipped net is missing; try --model FILE"
        elif len(reason) > 70:
            reason = reason[:67] + "..."
        return RandomPlayer(), f"no net ({reason}): playing random moves"


def warm_up_scoring() -> None:
    """Load (or compile) the scoring playouts now, in the loading worker, as ``gocnn gtp`` does
    at start-up: the net consults them when the opponent passes and at the end of a game."""
    try:
        from gocnn.scoring import warm_up
    except ImportError:  # pragma: no cover - numba missing: estimate_dead is the fallback
        return
    warm_up()


def policy_vector(player, board: Board) -> np.ndarray:
    """The player's policy over the ``size*size`` points (a pass entry, if any, dropped)."""
    probs = np.asarray(player.policy(board), dtype=np.float64).reshape(-1)
    return probs[: board.size * board.size]


def top_from_policy(probs: np.ndarray, k: int = 5) -> list[tuple[int, float]]:
    """The ``k`` most likely points of a policy vector, best first, zero-probability ones left out."""
    order = np.argsort(-probs, kind="stable")[:k]
    return [(int(p), float(probs[p])) for p in order if probs[p] > 0]


def top_moves(player, board: Board, k: int = 5) -> list[tuple[int, float]]:
    own = getattr(player, "top_moves", None)
    if callable(own):
        return [(int(p), float(q)) for p, q in own(board, k)]
    return top_from_policy(policy_vector(player, board), k)


def rank_of(probs: np.ndarray, point: int) -> int:
    """1 for the net's favourite move, 2 for the next ..."""
    return int(np.sum(probs > probs[point])) + 1


# ---------------------------------------------------------------------- dead stones
def _influence(board: Board, reach: int = 4) -> np.ndarray:
    """Each stone spreads +1 (black) or -1 (white), halving with every step of distance."""
    n = board.size
    colors = np.array(board.colors).reshape(n, n)
    sign = np.where(colors == BLACK, 1.0, np.where(colors == WHITE, -1.0, 0.0))
    out = np.zeros((n, n))
    for dr in range(-reach, reach + 1):
        for dc in range(-reach, reach + 1):
            d = abs(dr) + abs(dc)
            if d > reach:
                continue
            shifted = np.zeros((n, n))
            rs, re = max(0, dr), n + min(0, dr)
            cs, ce = max(0, dc), n + min(0, dc)
            shifted[rs:re, cs:ce] = sign[rs - dr:re - dr, cs - dc:ce - dc]
            out += shifted * 0.5 ** d
    return out.reshape(-1)


def _empty_regions(board: Board) -> list[tuple[list[int], set[int]]]:
    """Every connected empty region with the colours on its border."""
    nb = neighbours(board.size)
    seen, regions = set(), []
    for p, v in enumerate(board.colors):
        if v != EMPTY or p in seen:
            continue
        region, borders, stack = [p], set(), [p]
        seen.add(p)
        while stack:
            s = stack.pop()
            for q in nb[s]:
                w = board.colors[q]
                if w == EMPTY:
                    if q not in seen:
                        seen.add(q)
                        region.append(q)
                        stack.append(q)
                else:
                    borders.add(w)
        regions.append((region, borders))
    return regions


def estimate_dead(board: Board) -> set[int]:
    """A rough guess at the dead stones of a finished game (not a life-and-death reader).

    A chain is alive if it touches two small empty regions bordered by its colour alone
    (two eyes).  Otherwise it is dead when the influence of the stones around it, its own
    included, belongs to the opponent.  Good enough for the score line of a finished game;
    the UI says the dead stones are estimated and lets the player correct them."""
    if not any(board.colors):
        return set()
    infl = _influence(board)
    eye_of: dict[int, int] = {}  # empty point -> index of a small one-colour region
    for i, (region, borders) in enumerate(_empty_regions(board)):
        if len(borders) == 1 and len(region) <= 8:
            for p in region:
                eye_of[p] = i
    dead: set[int] = set()
    seen: set[int] = set()
    for p, v in enumerate(board.colors):
        if v == EMPTY or p in seen:
            continue
        stones = board.chain_stones(p)
        seen.update(stones)
        libs = board.chain_liberties(p)
        eyes = {eye_of[q] for q in libs if q in eye_of and board.colors[q] == EMPTY
                and all(board.colors[r] in (v, EMPTY) for r in neighbours(board.size)[q])}
        if len(eyes) >= 2:
            continue
        sign = 1.0 if v == BLACK else -1.0
        area = set(stones) | libs
        friendly = sign * sum(infl[q] for q in area) / len(area)
        if friendly < 0:
            dead.update(stones)
    return dead


def final_playouts() -> int:
    """The playout count of a final score: ``gocnn.scoring.final_score``'s, which GTP's
    ``final_score`` uses too, so a position scores alike in the terminal and in a GUI."""
    import inspect

    from gocnn.scoring import final_score as scoring_final_score

    return inspect.signature(scoring_final_score).parameters["playouts"].default


def final_score(board: Board) -> tuple[set[int], object, list[int]]:
    """(dead stones, Score, owner per point) of a finished game, the dead stones estimated.

    The playout estimate of :mod:`gocnn.scoring` with the playouts and seed GTP uses (seeded by
    the position, so the same position always scores the same), or :func:`estimate_dead`
    where numba is missing.  May take a moment: call it from a worker thread."""
    try:
        from gocnn.scoring import estimate
    except ImportError:  # pragma: no cover - no numba
        dead = estimate_dead(board)
    else:
        dead = set(estimate(board, final_playouts()).dead)
    return dead, board.score(dead), board.area(dead)[2]
