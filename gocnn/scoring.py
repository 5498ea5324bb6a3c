"""Who owns what at the end of a game: dead stones, area score, a win estimate.

The estimate plays many random games to the end from the position (moves uniform over legal
points that do not fill a player's own eye, as in early Monte-Carlo Go programs) and counts who
owns each point at the end.  A chain whose points end up mostly the opponent's is dead; the area
score is then Tromp-Taylor area with the dead stones removed (what GNU Go's ``final_score``
computes under Chinese rules on a finished game).  The same playouts give the side to move's
chance of winning, which the resign rule and the pass rule of :mod:`gocnn.engine` read.

The playouts are compiled with numba (``cache=True``: the first call in a fresh checkout
compiles for a few seconds, later processes load the cache).  Nothing here imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numba import njit

from gocnn.board import BLACK, EMPTY, WHITE, Board, Score

DEAD_THRESHOLD = 0.0  # a chain is dead when its mean ownership leans to the opponent beyond this


@lru_cache(maxsize=None)
def _tables(size: int) -> tuple[np.ndarray, np.ndarray]:
    n = size * size
    nb = np.full((n, 4), -1, dtype=np.int32)
    dg = np.full((n, 4), -1, dtype=np.int32)
    for p in range(n):
        r, c = divmod(p, size)
        k = 0
        for r2, c2 in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
            if 0 <= r2 < size and 0 <= c2 < size:
                nb[p, k] = r2 * size + c2
                k += 1
        k = 0
        for r2, c2 in ((r - 1, c - 1), (r - 1, c + 1), (r + 1, c - 1), (r + 1, c + 1)):
            if 0 <= r2 < size and 0 <= c2 < size:
                dg[p, k] = r2 * size + c2
                k += 1
    return nb, dg


# ---------------------------------------------------------------------- compiled playouts
@njit(cache=True)
def _xorshift(state):
    x = state[0]
    x ^= (x << np.uint64(13)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    x ^= x >> np.uint64(7)
    x ^= (x << np.uint64(17)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    state[0] = x
    return x


@njit(cache=True)
def _chain_libs_at_most(p, color, head, nxt, nb, limit, seen, stamp):
    """Distinct liberties of the chain through p, counting stops at ``limit``."""
    count = 0
    s = p
    while True:
        for k in range(4):
            q = nb[s, k]
            if q < 0:
                break
            if color[q] == 0 and seen[q] != stamp:
                seen[q] = stamp
                count += 1
                if count >= limit:
                    return count
        s = nxt[s]
        if s == p:
            break
    return count


@njit(cache=True)
def _playouts(start, to_move, ko0, nb, dg, n_playouts, seed, komi):
    """Ownership sums per point (+1 black, -1 white) and black's wins over ``n_playouts``."""
    n = start.shape[0]
    own = np.zeros(n, dtype=np.float64)
    black_wins = 0
    state = np.zeros(1, dtype=np.uint64)
    state[0] = np.uint64(seed) * np.uint64(2685821657736338717) + np.uint64(1442695040888963407)
    color = np.zeros(n, dtype=np.int8)
    head = np.zeros(n, dtype=np.int32)
    nxt = np.zeros(n, dtype=np.int32)
    plibs = np.zeros(n, dtype=np.int32)
    size_of = np.zeros(n, dtype=np.int32)
    empties = np.zeros(n, dtype=np.int32)
    where = np.zeros(n, dtype=np.int32)
    seen = np.zeros(n, dtype=np.int64)
    removed = np.zeros(n, dtype=np.int32)
    stamp = 0
    for g in range(n_playouts):
        # ---- set up the position
        n_empty = 0
        for p in range(n):
            color[p] = start[p]
            head[p] = p
            nxt[p] = p
            plibs[p] = 0
            size_of[p] = 1
            where[p] = -1
            if start[p] == 0:
                empties[n_empty] = p
                where[p] = n_empty
                n_empty += 1
        # chains by flood fill over the start position (pseudo-liberties per chain head)
        for p in range(n):
            if color[p] != 0 and head[p] == p and size_of[p] == 1:
                # grow the chain of p, relabelling to p
                stack = [p]
                members = [p]
                stamp += 1
                seen[p] = stamp
                while len(stack) > 0:
                    s = stack.pop()
                    for k in range(4):
                        q = nb[s, k]
                        if q < 0:
                            break
                        if color[q] == color[p] and seen[q] != stamp:
                            seen[q] = stamp
                            stack.append(q)
                            members.append(q)
                m = len(members)
                for i in range(m):
                    head[members[i]] = p
                    nxt[members[i]] = members[(i + 1) % m]
                size_of[p] = m
                if m > 1:
                    size_of[p] = m
        for p in range(n):
            if color[p] != 0:
                for k in range(4):
                    q = nb[p, k]
                    if q < 0:
                        break
                    if color[q] == 0:
                        plibs[head[p]] += 1
        player = to_move
        ko = ko0
        passes = 0
        moves = 0
        max_moves = 3 * n
        while passes < 2 and moves < max_moves:
            moves += 1
            played = -1
            if n_empty > 0:
                start_i = int(_xorshift(state) % np.uint64(n_empty))
                for t in range(n_empty):
                    p = empties[(start_i + t) % n_empty]
                    if p == ko:
                        continue
                    # own eye?  every neighbour ours, few enemy diagonals
                    eye = True
                    n_nb = 0
                    for k in range(4):
                        q = nb[p, k]
                        if q < 0:
                            break
                        n_nb += 1
                        if color[q] != player:
                            eye = False
                            break
                    if eye:
                        bad = 0
                        n_dg = 0
                        for k in range(4):
                            q = dg[p, k]
                            if q < 0:
                                break
                            n_dg += 1
                            if color[q] == 3 - player:
                                bad += 1
                        if (n_dg < 4 and bad == 0) or (n_dg == 4 and bad <= 1):
                            continue
                    # legal?  an empty neighbour, a capture, or a friendly chain with 2+ liberties
                    legal = False
                    for k in range(4):
                        q = nb[p, k]
                        if q < 0:
                            break
                        if color[q] == 0:
                            legal = True
                            break
                        stamp += 1
                        libs = _chain_libs_at_most(q, color, head, nxt, nb, 2, seen, stamp)
                        if color[q] == player:
                            if libs >= 2:
                                legal = True
                                break
                        elif libs == 1:
                            legal = True
                            break
                    if legal:
                        played = p
                        break
            if played < 0:
                passes += 1
                ko = -1
                player = 3 - player
                continue
            passes = 0
            p = played
            # ---- place the stone
            color[p] = player
            head[p] = p
            nxt[p] = p
            size_of[p] = 1
            plibs[p] = 0
            last = empties[n_empty - 1]
            empties[where[p]] = last
            where[last] = where[p]
            where[p] = -1
            n_empty -= 1
            for k in range(4):
                q = nb[p, k]
                if q < 0:
                    break
                if color[q] == 0:
                    plibs[p] += 1
                else:
                    plibs[head[q]] -= 1
            for k in range(4):
                q = nb[p, k]
                if q < 0:
                    break
                if color[q] == player and head[q] != head[p]:
                    a = head[p]
                    b = head[q]
                    if size_of[a] < size_of[b]:
                        a, b = b, a
                    # relabel chain b into a
                    s = b
                    while True:
                        head[s] = a
                        s = nxt[s]
                        if s == b:
                            break
                    na = nxt[a]
                    nxt[a] = nxt[b]
                    nxt[b] = na
                    size_of[a] += size_of[b]
                    plibs[a] += plibs[b]
            n_removed = 0
            for k in range(4):
                q = nb[p, k]
                if q < 0:
                    break
                if color[q] == 3 - player and plibs[head[q]] == 0:
                    h = head[q]
                    s = h
                    while True:
                        removed[n_removed] = s
                        n_removed += 1
                        color[s] = 0
                        s = nxt[s]
                        if s == h:
                            break
            for i in range(n_removed):
                s = removed[i]
                head[s] = s
                nxt[s] = s
                size_of[s] = 1
                plibs[s] = 0
                empties[n_empty] = s
                where[s] = n_empty
                n_empty += 1
                for k in range(4):
                    q = nb[s, k]
                    if q < 0:
                        break
                    if color[q] != 0:
                        plibs[head[q]] += 1
            ko = -1
            if n_removed == 1 and size_of[head[p]] == 1:
                stamp += 1
                if _chain_libs_at_most(p, color, head, nxt, nb, 2, seen, stamp) == 1:
                    ko = removed[0]
            player = 3 - player
        # ---- count: stones, and empty points whose neighbours are all one colour
        score = 0.0
        for p in range(n):
            c = color[p]
            if c == 0:
                seen_b = False
                seen_w = False
                for k in range(4):
                    q = nb[p, k]
                    if q < 0:
                        break
                    if color[q] == 1:
                        seen_b = True
                    elif color[q] == 2:
                        seen_w = True
                if seen_b and not seen_w:
                    c = 1
                elif seen_w and not seen_b:
                    c = 2
            if c == 1:
                own[p] += 1.0
                score += 1.0
            elif c == 2:
                own[p] -= 1.0
                score -= 1.0
        if score - komi > 0:
            black_wins += 1
    return own, black_wins


# ---------------------------------------------------------------------- the estimate
@dataclass
class Estimate:
    """What the playouts say about a position."""

    ownership: np.ndarray  # per point in [-1, 1]: +1 surely Black's, -1 surely White's
    black_win: float  # fraction of playouts Black won (after komi)
    dead: frozenset[int]  # stones judged dead
    score: Score  # area score with the dead stones removed

    def win_rate(self, color: int) -> float:
        return self.black_win if color == BLACK else 1.0 - self.black_win


def ownership(board: Board, playouts: int = 64, seed: int | None = None) -> tuple[np.ndarray, float]:
    """Mean ownership per point (+1 Black, -1 White) and Black's win fraction over random
    playouts from ``board`` (``board.to_move`` first)."""
    nb, dg = _tables(board.size)
    start = np.asarray(board.colors, dtype=np.int8)
    if seed is None:
        seed = board.hash & 0x7FFFFFFFFFFF
    own, wins = _playouts(start, int(board.to_move), int(board.ko), nb, dg, int(playouts),
                          int(seed) + 1, float(board.komi))
    return own / playouts, wins / playouts


def dead_stones(board: Board, own: np.ndarray, threshold: float = DEAD_THRESHOLD) -> frozenset[int]:
    """Stones of chains whose mean ownership leans to the opponent by more than ``threshold``."""
    dead: set[int] = set()
    done: set[int] = set()
    for p, c in enumerate(board.colors):
        if c == EMPTY or p in done:
            continue
        stones = board.chain_stones(p)
        done.update(stones)
        sign = 1.0 if c == BLACK else -1.0
        mean = sign * float(np.mean(own[stones]))
        if mean < -threshold:
            dead.update(stones)
    return frozenset(dead)


def estimate(board: Board, playouts: int = 64, seed: int | None = None) -> Estimate:
    own, black_win = ownership(board, playouts, seed)
    dead = dead_stones(board, own)
    return Estimate(own, black_win, dead, board.score(dead))


def final_score(board: Board, playouts: int = 400) -> Score:
    """The area score of a finished game, dead stones removed by the estimate."""
    return estimate(board, playouts).score


def warm_up() -> None:
    """Compile (or load from numba's cache) the playouts now rather than mid-game."""
    estimate(Board(5), playouts=1)


__all__ = ["Estimate", "estimate", "ownership", "dead_stones", "final_score", "warm_up",
           "BLACK", "WHITE"]
