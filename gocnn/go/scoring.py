"""Who owns what at the end of a game: dead stones, area score, a win estimate.

The estimate plays many random games to the end from the position (moves uniform over legal
points that do not fill a player's own eye, as in early Monte-Carlo Go programs) and counts who
owns each point at the end.  A chain whose points end up mostly the opponent's is dead; the area
score is then Tromp-Taylor area with the dead stones removed (what GNU Go's ``final_score``
computes under Chinese rules on a finished game).  The same playouts give the side to move's
chance of winning, which the resign rule and the pass rule of :mod:`gocnn.play.policy` read.

The playouts are compiled with numba (``cache=True``: the first call in a fresh checkout
compiles for a few seconds, later processes load the cache).  Nothing here imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from gocnn.go.board import BLACK, EMPTY, WHITE, Board, Score, neighbour_arrays

SELF_ATARI_MIN = 2  # playouts do not put chains this large into atari
RESPOND = True  # playouts capture / save chains the last move put in atari
DEAD_THRESHOLD = 0.0  # a chain is dead when its mean ownership leans to the opponent beyond this


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
def _one_liberty(p, color, nxt, nb):
    """The liberty of a chain known to have exactly one (or -1)."""
    s = p
    while True:
        for k in range(4):
            q = nb[s, k]
            if q < 0:
                break
            if color[q] == 0:
                return q
        s = nxt[s]
        if s == p:
            break
    return -1


@njit(cache=True)
def _libs_after(p, player, color, head, nxt, nb, seen, stamp):
    """Liberties (counted up to 2) of ``player``'s chain through empty ``p`` after playing
    there; 2 when the move captures (it then gains liberties back).  Uses the marks
    ``stamp`` .. ``stamp + 4`` in ``seen``."""
    count = 0
    seen[p] = stamp
    for k in range(4):
        q = nb[p, k]
        if q < 0:
            break
        if color[q] == 0:
            if seen[q] != stamp:
                seen[q] = stamp
                count += 1
        elif color[q] != player:
            if _chain_libs_at_most(q, color, head, nxt, nb, 2, seen, stamp + 1 + k) == 1:
                return 2
    if count >= 2:
        return 2
    # the capture probes above used stamps stamp+1 .. stamp+4; ours is still stamp
    for k in range(4):
        q = nb[p, k]
        if q < 0:
            break
        if color[q] == player:
            count += _chain_libs_at_most(q, color, head, nxt, nb, 2 - count, seen, stamp)
            if count >= 2:
                return 2
    return count


@njit(cache=True)
def _playable(p, player, ko, color, head, nxt, nb, dg, seen, stamp, size_of, sa_min):
    """0: not playable (ko, own eye, suicide, self-atari of a chain of ``sa_min`` or more
    stones); 1: playable."""
    if p == ko or color[p] != 0:
        return 0
    eye = True
    for k in range(4):
        q = nb[p, k]
        if q < 0:
            break
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
            return 0
    libs = _libs_after(p, player, color, head, nxt, nb, seen, stamp)
    if libs == 0:
        return 0
    if libs == 1:
        # self-atari: allowed for small chains (throw-ins, nakade), not for larger ones
        total = 1
        for k in range(4):
            q = nb[p, k]
            if q < 0:
                break
            if color[q] == player:
                h = head[q]
                dup = False
                for j in range(k):
                    r = nb[p, j]
                    if r >= 0 and color[r] == player and head[r] == h:
                        dup = True
                if not dup:
                    total += size_of[h]
        if total >= sa_min:
            return 0
    return 1


@njit(cache=True)
def _playouts(start, to_move, ko0, nb, dg, n_playouts, seed, komi, sa_min, respond):
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
                stamp += 6
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
        last = -1
        passes = 0
        moves = 0
        max_moves = 3 * n
        while passes < 2 and moves < max_moves:
            moves += 1
            played = -1
            # answer the last move: capture its chain if in atari, else save a chain of ours
            # it put in atari
            if respond and last >= 0 and color[last] != 0:
                stamp += 6
                if _chain_libs_at_most(last, color, head, nxt, nb, 2, seen, stamp) == 1:
                    q = _one_liberty(last, color, nxt, nb)
                    stamp += 6
                    if q >= 0 and _playable(q, player, ko, color, head, nxt, nb, dg, seen, stamp, size_of, sa_min) == 1:
                        played = q
                if played < 0:
                    for k in range(4):
                        r = nb[last, k]
                        if r < 0:
                            break
                        if color[r] == player:
                            stamp += 6
                            if _chain_libs_at_most(r, color, head, nxt, nb, 2, seen, stamp) == 1:
                                q = _one_liberty(r, color, nxt, nb)
                                stamp += 6
                                if q >= 0 and _playable(q, player, ko, color, head, nxt, nb, dg, seen, stamp, size_of, sa_min) == 1:
                                    stamp += 6
                                    if _libs_after(q, player, color, head, nxt, nb, seen, stamp) >= 2:
                                        played = q
                                        break
            if played < 0 and n_empty > 0:
                start_i = int(_xorshift(state) % np.uint64(n_empty))
                for t in range(n_empty):
                    p = empties[(start_i + t) % n_empty]
                    stamp += 6
                    if _playable(p, player, ko, color, head, nxt, nb, dg, seen, stamp, size_of, sa_min) == 1:
                        played = p
                        break
            if played < 0:
                passes += 1
                ko = -1
                last = -1
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
                stamp += 6
                if _chain_libs_at_most(p, color, head, nxt, nb, 2, seen, stamp) == 1:
                    ko = removed[0]
            last = p
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
    nb, _, dg, _ = neighbour_arrays(board.size)
    start = np.asarray(board.colors, dtype=np.int8)
    if seed is None:
        seed = board.hash & 0x7FFFFFFFFFFF
    own, wins = _playouts(start, int(board.to_move), int(board.ko), nb, dg, int(playouts),
                          int(seed) + 1, float(board.komi), SELF_ATARI_MIN, RESPOND)
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


def area_lead(ownership, komi: float) -> float:
    """Black's expected lead in points from an ownership map (+1 Black's, -1 White's, summed
    over the board) after komi: what analysis reports as the score lead."""
    return float(np.sum(ownership)) - float(komi)


def final_score(board: Board, playouts: int = 400) -> Score:
    """The area score of a finished game, dead stones removed by the estimate."""
    return estimate(board, playouts).score


def warm_up() -> None:
    """Compile (or load from numba's cache) the playouts now rather than mid-game."""
    estimate(Board(5), playouts=1)


__all__ = ["Estimate", "estimate", "ownership", "dead_stones", "final_score", "area_lead", "warm_up",
           "BLACK", "WHITE"]
