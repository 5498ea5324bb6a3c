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
# The board of a playout lives in flat arrays: ``color``; chains as rings (``head`` the chain's
# label, ``nxt`` the next stone of the ring, ``size_of`` per head); per chain head the pseudo-
# liberties (one per stone-empty adjacency) kept incrementally as a count ``plibs``, the sum of
# their points ``lsum`` and the sum of their squares ``lsq``: a chain has exactly one liberty
# when ``plibs * lsq == lsum ** 2`` (all its pseudo-liberties are the same point, ``lsum /
# plibs``), so the move rules ask about ataris in constant time instead of walking chains.  The
# start position's chains are built once a call and copied into each playout.
#
# Speed: the game loop and the helpers it inlines are compiled with ``_nrt=False`` (numba's
# reference counting off: they take preallocated arrays and allocate nothing); with it on, every
# inlined helper call increfs and decrefs each array it is passed, atomic operations that took
# about two thirds of a playout's time.  ``_playouts`` allocates the arrays and calls the loop.
@njit(cache=True, _nrt=False)
def _xorshift(state):
    x = state[0]
    x ^= (x << np.uint64(13)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    x ^= x >> np.uint64(7)
    x ^= (x << np.uint64(17)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    state[0] = x
    return x


@njit(cache=True, _nrt=False, inline="always")
def _liberty(h, q, sign, plibs, lsum, lsq):
    """Add (``sign`` 1) or take away (-1) the liberty ``q`` of the chain headed by ``h``: its
    count, sum and sum of squares (which tell an atari and where its last liberty is)."""
    plibs[h] += sign
    lsum[h] += sign * q
    lsq[h] += sign * q * q


@njit(cache=True, _nrt=False, inline="always")
def _lone(p, head, nxt, size_of, plibs, lsum, lsq):
    """Make ``p`` a chain of its own with no liberties counted yet."""
    head[p] = p
    nxt[p] = p
    size_of[p] = 1
    plibs[p] = 0
    lsum[p] = 0
    lsq[p] = 0


@njit(cache=True, _nrt=False, inline="always")
def _in_atari(h, plibs, lsum, lsq):
    """Whether the chain headed by ``h`` has exactly one liberty (it is then ``lsum[h] //
    plibs[h]``)."""
    return plibs[h] > 0 and plibs[h] * lsq[h] == lsum[h] * lsum[h]


@njit(cache=True, _nrt=False, inline="always")
def _adjacent_stones(z, h, color, head, nb):
    """How many stones of the chain headed by ``h`` touch the empty point ``z``: its
    multiplicity among that chain's pseudo-liberties."""
    m = 0
    for k in range(4):
        q = nb[z, k]
        if q < 0:
            break
        if color[q] != 0 and head[q] == h:
            m += 1
    return m


LEGACY_LIBERTY_COUNT = True  # count liberties beside both colours as the playouts always have (see below)


@njit(cache=True, _nrt=False)
def _chain_libs_at_most(p, color, nxt, nb, limit, seen, mark):
    """Distinct liberties of the chain through p, counting stops at ``limit``."""
    count = 0
    s = p
    while True:
        for k in range(4):
            q = nb[s, k]
            if q < 0:
                break
            if color[q] == 0 and seen[q] != mark:
                seen[q] = mark
                count += 1
                if count >= limit:
                    return count
        s = nxt[s]
        if s == p:
            break
    return count


@njit(cache=True, _nrt=False)
def _libs_after_legacy(p, player, color, nxt, nb, seen, stamp):
    """:func:`_libs_after` as the playouts have always counted (walking chains, marking the
    liberties found in ``seen`` with marks past ``stamp[0]``, the last used), bug included: each capture probe of an opponent
    chain beside ``p`` overwrites the marks of the liberties it finds, ``p`` among them, so
    that an own chain's walk then counts ``p`` (and empty neighbours the opponent chain
    shares) as liberties: a move touching both colours can seem to have a liberty more than
    it has, which lets some chains of ``SELF_ATARI_MIN`` or more stones into self-atari.
    Kept (``LEGACY_LIBERTY_COUNT``) so that the estimate stays what it was; the exact count
    changes it measurably (issue 17)."""
    stamp[0] += 6
    mark = stamp[0]
    count = 0
    seen[p] = mark
    for k in range(4):
        q = nb[p, k]
        if q < 0:
            break
        if color[q] == 0:
            if seen[q] != mark:
                seen[q] = mark
                count += 1
        elif color[q] != player:
            if _chain_libs_at_most(q, color, nxt, nb, 2, seen, mark + 1 + k) == 1:
                return 2
    if count >= 2:
        return 2
    for k in range(4):
        q = nb[p, k]
        if q < 0:
            break
        if color[q] == player:
            count += _chain_libs_at_most(q, color, nxt, nb, 2 - count, seen, mark)
            if count >= 2:
                return 2
    return count


@njit(cache=True, _nrt=False, inline="always")
def _libs_after(p, player, color, head, nxt, nb, plibs, lsum, lsq, seen, stamp):
    """Liberties (counted up to 2) of ``player``'s chain through empty ``p`` after playing
    there; 2 when the move captures (it then gains liberties back).  Each own chain beside
    ``p`` adds the liberties left in its pseudo-liberties once ``p`` and the one liberty
    already counted are taken out: none, one (all the rest the same point) or more.

    While ``LEGACY_LIBERTY_COUNT`` is on, a move that touches both an opponent chain (not in
    atari) and an own one and has fewer than two liberties by this count is counted again by
    :func:`_libs_after_legacy`, as the playouts always have counted it (one liberty
    too many at times, see there), so that the estimates stay bit for bit what they were."""
    count = 0
    known = -1
    probed = False
    mine = False
    for k in range(4):
        q = nb[p, k]
        if q < 0:
            break
        if color[q] == 0:
            count += 1
            known = q
        elif color[q] != player:
            if _in_atari(head[q], plibs, lsum, lsq):
                return 2
            probed = True
        else:
            mine = True
    if count >= 2:
        return 2
    for k in range(4):
        q = nb[p, k]
        if q < 0:
            break
        if color[q] != player:
            continue
        h = head[q]
        dup = False
        for j in range(k):
            r = nb[p, j]
            if color[r] == player and head[r] == h:
                dup = True
        if dup:
            continue
        m = _adjacent_stones(p, h, color, head, nb)
        n = plibs[h] - m
        s = lsum[h] - m * p
        ss = lsq[h] - m * p * p
        if known >= 0:
            m = _adjacent_stones(known, h, color, head, nb)
            n -= m
            s -= m * known
            ss -= m * known * known
        if n == 0:
            continue
        if n * ss != s * s:
            return 2
        count += 1
        if count >= 2:
            return 2
        known = s // n
    if LEGACY_LIBERTY_COUNT and probed and mine:  # it never counts fewer: only below 2 can it differ
        return _libs_after_legacy(p, player, color, nxt, nb, seen, stamp)
    return count


@njit(cache=True, _nrt=False, inline="always")
def _playable(p, player, ko, color, head, nxt, nb, dg, size_of, plibs, lsum, lsq, seen, stamp, sa_min):
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
    libs = _libs_after(p, player, color, head, nxt, nb, plibs, lsum, lsq, seen, stamp)
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


@njit(cache=True, _nrt=False)
def _start_chains(start, nb, head, nxt, size_of, plibs, lsum, lsq, empties, where, stack, members):
    """The start position's chains (each labelled by its lowest point, its ring in
    depth-first order), their pseudo-liberties and the empty points in board order; returns
    the number of empty points."""
    n = start.shape[0]
    n_empty = 0
    for p in range(n):
        head[p] = -1 if start[p] != 0 else p
        nxt[p] = p
        size_of[p] = 1
        plibs[p] = 0
        lsum[p] = 0
        lsq[p] = 0
        where[p] = -1
        if start[p] == 0:
            empties[n_empty] = p
            where[p] = n_empty
            n_empty += 1
    for p in range(n):
        if start[p] == 0 or head[p] >= 0:
            continue
        head[p] = p
        stack[0] = p
        members[0] = p
        top = 1
        m = 1
        while top > 0:
            top -= 1
            s = stack[top]
            for k in range(4):
                q = nb[s, k]
                if q < 0:
                    break
                if start[q] == start[p] and head[q] < 0:
                    head[q] = p
                    stack[top] = q
                    top += 1
                    members[m] = q
                    m += 1
        for i in range(m):
            nxt[members[i]] = members[(i + 1) % m]
        size_of[p] = m
    for p in range(n):
        if start[p] != 0:
            h = head[p]
            for k in range(4):
                q = nb[p, k]
                if q < 0:
                    break
                if start[q] == 0:
                    _liberty(h, q, 1, plibs, lsum, lsq)
    return n_empty


@njit(cache=True)
def _playouts(start, to_move, ko0, nb, dg, n_playouts, seed, komi, sa_min, respond):
    """Ownership sums per point (+1 black, -1 white) and black's wins over ``n_playouts``."""
    own = np.zeros(start.shape[0], dtype=np.float64)
    i32, i64, color, seen, stamp, state = _work_arrays(start.shape[0])
    return own, _play(start, to_move, ko0, nb, dg, n_playouts, seed, komi, sa_min, respond, own,
                      i32, i64, color, seen, stamp, state)


@njit(cache=True, nogil=True)
def _leaf_playouts(starts, to_move, ko, seeds, komi, playouts, nb, dg):
    """Black's win fraction over ``playouts`` random games from each start position: the
    playouts of :func:`ownership` (same kernel, same seed use), one call for a batch of the
    search's leaves that releases the GIL while it runs.  (It lives here, not in the search,
    so that numba's cache, which notices only changes to a function's own file, recompiles it
    whenever the kernel changes.)"""
    n = starts.shape[0]
    out = np.zeros(n, np.float64)
    own = np.zeros(starts.shape[1], np.float64)
    i32, i64, color, seen, stamp, state = _work_arrays(starts.shape[1])
    for i in range(n):
        wins = _play(starts[i], to_move[i], ko[i], nb, dg, playouts, seeds[i], komi[i], SELF_ATARI_MIN,
                     RESPOND, own, i32, i64, color, seen, stamp, state)
        out[i] = wins / playouts
    return out


@njit(cache=True)
def _work_arrays(n):
    """The arrays :func:`_play` works in, for boards of ``n`` points."""
    return (np.empty((11, n), np.int32), np.empty((6, n), np.int64), np.empty(n, np.int8),
            np.zeros(n, np.int64), np.zeros(1, np.int64), np.zeros(1, np.uint64))


@njit(cache=True, _nrt=False)
def _play(start, to_move, ko0, nb, dg, n_playouts, seed, komi, sa_min, respond, own, i32, i64, color, seen, stamp,
          state):
    """The playouts' game loop, compiled without numba's reference counting (it allocates
    nothing): answer the last move's atari, else the first playable point from a random place
    in the list of empty points, then place the stone, merge chains and take captures.  Adds
    the ownership to ``own``, returns Black's wins.  ``seen`` and ``stamp`` (the last marks
    used in it) carry over from call to call; ``state``, the random generator's, is seeded
    here."""
    head0, nxt0, size0, empties0, where0 = i32[0], i32[1], i32[2], i32[3], i32[4]
    head, nxt, size_of, empties, where, removed = i32[5], i32[6], i32[7], i32[8], i32[9], i32[10]
    plibs0, lsum0, lsq0, plibs, lsum, lsq = i64[0], i64[1], i64[2], i64[3], i64[4], i64[5]
    state[0] = np.uint64(seed) * np.uint64(2685821657736338717) + np.uint64(1442695040888963407)
    n = start.shape[0]
    black_wins = 0
    n_empty0 = _start_chains(start, nb, head0, nxt0, size0, plibs0, lsum0, lsq0, empties0, where0, head, nxt)
    for g in range(n_playouts):
        for p in range(n):
            color[p] = start[p]
            head[p] = head0[p]
            nxt[p] = nxt0[p]
            size_of[p] = size0[p]
            plibs[p] = plibs0[p]
            lsum[p] = lsum0[p]
            lsq[p] = lsq0[p]
            empties[p] = empties0[p]
            where[p] = where0[p]
        n_empty = n_empty0
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
                h = head[last]
                if _in_atari(h, plibs, lsum, lsq):
                    q = lsum[h] // plibs[h]
                    if _playable(q, player, ko, color, head, nxt, nb, dg, size_of, plibs, lsum, lsq, seen, stamp, sa_min) == 1:
                        played = q
                if played < 0:
                    for k in range(4):
                        r = nb[last, k]
                        if r < 0:
                            break
                        if color[r] == player:
                            h = head[r]
                            if _in_atari(h, plibs, lsum, lsq):
                                q = lsum[h] // plibs[h]
                                if (_playable(q, player, ko, color, head, nxt, nb, dg, size_of, plibs, lsum, lsq, seen, stamp, sa_min) == 1
                                        and _libs_after(q, player, color, head, nxt, nb, plibs, lsum, lsq, seen, stamp) >= 2):
                                    played = q
                                    break
            if played < 0 and n_empty > 0:
                start_i = int(_xorshift(state) % np.uint64(n_empty))
                for t in range(n_empty):
                    i = start_i + t
                    if i >= n_empty:
                        i -= n_empty
                    p = empties[i]
                    if _playable(p, player, ko, color, head, nxt, nb, dg, size_of, plibs, lsum, lsq, seen, stamp, sa_min) == 1:
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
            _lone(p, head, nxt, size_of, plibs, lsum, lsq)
            moved = empties[n_empty - 1]
            empties[where[p]] = moved
            where[moved] = where[p]
            where[p] = -1
            n_empty -= 1
            for k in range(4):
                q = nb[p, k]
                if q < 0:
                    break
                if color[q] == 0:
                    _liberty(p, q, 1, plibs, lsum, lsq)
                else:
                    _liberty(head[q], p, -1, plibs, lsum, lsq)
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
                    lsum[a] += lsum[b]
                    lsq[a] += lsq[b]
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
                _lone(s, head, nxt, size_of, plibs, lsum, lsq)
                empties[n_empty] = s
                where[s] = n_empty
                n_empty += 1
                for k in range(4):
                    q = nb[s, k]
                    if q < 0:
                        break
                    if color[q] != 0:
                        _liberty(head[q], s, 1, plibs, lsum, lsq)
            ko = -1
            if n_removed == 1 and size_of[head[p]] == 1 and _in_atari(head[p], plibs, lsum, lsq):
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
    return black_wins


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
