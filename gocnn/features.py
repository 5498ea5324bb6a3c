"""Feature planes: what the policy net sees of a position.

A *feature set* is a named stack of planes, each a function of the position seen from the
player to move.  The net's input channel count comes from the set (``FEATURE_SETS[name].planes``).

=============  ======  ===================================================================
plane group    planes  meaning (for the player to move, "own" = theirs)
=============  ======  ===================================================================
stone colour   3       own stone / opponent stone / empty
ones           1       constant 1 (tells the net where the board is)
turns since    8       a stone placed 1, 2, ... 7, >=8 moves ago (setup stones count as >=8)
liberties      8       liberties of the chain through the stone: 1 ... 7, >=8
capture size   8       a legal move here captures 0 ... 6, >=7 opponent stones
self-atari     8       a legal move here leaves its own chain of 1 ... 7, >=8 stones in atari
libs after     8       liberties of the mover's chain after a legal move here: 1 ... 7, >=8
ladder capture 1       a move here puts an adjacent opponent chain in a ladder that works
ladder escape  1       a move here saves an own chain in atari from capture in a ladder
sensibleness   1       legal and does not fill one of the mover's own eyes
zeros          1       constant 0
=============  ======  ===================================================================

``basic12`` = stone colour, ones, turns since; ``basic20`` = basic12 + liberties;
``alphago48`` = everything above, AlphaGo's policy-net input (Silver et al. 2016, table 2).

The work is done by numba-compiled kernels over flat arrays: a game is replayed once and the
planes of any of its positions are written straight into a uint8 array, so a whole game costs
one call.  Chains are kept incrementally (a head per stone, a circular stone list, a size per
chain); liberties are counted once per position for every chain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from gocnn.board import BLACK, EMPTY, WHITE, Board


@dataclass(frozen=True)
class FeatureSet:
    name: str
    planes: int
    kind: int  # kernel switch


FEATURE_SETS = {
    "basic12": FeatureSet("basic12", 12, 0),
    "basic20": FeatureSet("basic20", 20, 1),
    "alphago48": FeatureSet("alphago48", 48, 2),
}


def feature_set(name: str) -> FeatureSet:
    try:
        return FEATURE_SETS[name]
    except KeyError:
        raise ValueError(f"unknown feature set {name!r} (known: {', '.join(FEATURE_SETS)})") from None


# ---------------------------------------------------------------------- geometry tables
_TABLES: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}


def _tables(size: int):
    t = _TABLES.get(size)
    if t is None:
        n = size * size
        nb = np.full((n, 4), -1, np.int16)
        nn = np.zeros(n, np.int8)
        dg = np.full((n, 4), -1, np.int16)
        nd = np.zeros(n, np.int8)
        for p in range(n):
            r, c = divmod(p, size)
            for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                if 0 <= r + dr < size and 0 <= c + dc < size:
                    nb[p, nn[p]] = (r + dr) * size + c + dc
                    nn[p] += 1
            for dr, dc in ((-1, -1), (-1, 1), (1, -1), (1, 1)):
                if 0 <= r + dr < size and 0 <= c + dc < size:
                    dg[p, nd[p]] = (r + dr) * size + c + dc
                    nd[p] += 1
        t = _TABLES[size] = (nb, nn, dg, nd)
    return t


# ---------------------------------------------------------------------- kernels
# A board state is five arrays: colour (int8), head (int16, the chain's representative stone),
# nxt (int16, circular list of a chain's stones), csz (int16, stones in a chain, at its head)
# and age (int32, move number at which the stone was placed; -1000 for setup stones).

@njit(cache=True, nogil=True)
def _merge(head, nxt, csz, a, b):
    if csz[a] < csz[b]:
        a, b = b, a
    s = b
    while True:
        head[s] = a
        s = nxt[s]
        if s == b:
            break
    na = nxt[a]
    nxt[a] = nxt[b]
    nxt[b] = na
    csz[a] += csz[b]
    return a


@njit(cache=True, nogil=True)
def _remove(color, head, nxt, csz, h):
    n = 0
    s = h
    while True:
        t = nxt[s]
        color[s] = 0
        head[s] = -1
        nxt[s] = s
        n += 1
        s = t
        if s == h:
            break
    csz[h] = 0
    return n


@njit(cache=True, nogil=True)
def _breathes(color, nxt, nb, nn, h):
    s = h
    while True:
        for i in range(nn[s]):
            if color[nb[s, i]] == 0:
                return True
        s = nxt[s]
        if s == h:
            return False


@njit(cache=True, nogil=True)
def _libs(color, nxt, nb, nn, h, mark, stamp, out):
    """Liberties of the chain at head h into out; returns their count."""
    stamp[0] += 1
    st = stamp[0]
    k = 0
    s = h
    while True:
        for i in range(nn[s]):
            q = nb[s, i]
            if color[q] == 0 and mark[q] != st:
                mark[q] = st
                out[k] = q
                k += 1
        s = nxt[s]
        if s == h:
            return k


@njit(cache=True, nogil=True)
def _place(color, head, nxt, csz, age, nb, nn, p, c, t):
    """Play colour c at empty point p (move number t); returns (captured stones, ko point)."""
    color[p] = c
    head[p] = p
    nxt[p] = p
    csz[p] = 1
    age[p] = t
    h = p
    for i in range(nn[p]):
        q = nb[p, i]
        if color[q] == c and head[q] != h:
            h = _merge(head, nxt, csz, h, head[q])
    opp = 3 - c
    captured = 0
    last = -1
    for i in range(nn[p]):
        q = nb[p, i]
        if color[q] == opp:
            hq = head[q]
            if not _breathes(color, nxt, nb, nn, hq):
                captured += _remove(color, head, nxt, csz, hq)
                last = q
    h = head[p]
    if not _breathes(color, nxt, nb, nn, h):  # suicide (allowed by some rules): own chain goes
        _remove(color, head, nxt, csz, h)
        return captured, -1
    ko = -1
    if captured == 1 and csz[h] == 1:
        free = 0
        for i in range(nn[p]):
            if color[nb[p, i]] == 0:
                free += 1
        if free == 1:
            ko = last
    return captured, ko


@njit(cache=True, nogil=True)
def _rebuild(color, head, nxt, csz, nb, nn):
    n = color.shape[0]
    for p in range(n):
        head[p] = -1
        nxt[p] = p
        csz[p] = 0
    for p in range(n):
        if color[p] != 0:
            head[p] = p
            csz[p] = 1
            for i in range(nn[p]):
                q = nb[p, i]
                if q < p and color[q] == color[p] and head[q] != head[p]:
                    _merge(head, nxt, csz, head[p], head[q])
    for p in range(n):  # chains left without liberties by setup are taken off
        if color[p] != 0 and head[p] == p and not _breathes(color, nxt, nb, nn, p):
            _remove(color, head, nxt, csz, p)


@njit(cache=True, nogil=True)
def _is_eye(color, nb, nn, dg, nd, p, c):
    for i in range(nn[p]):
        if color[nb[p, i]] != c:
            return False
    bad = 0
    for i in range(nd[p]):
        if color[dg[p, i]] == 3 - c:
            bad += 1
    if nd[p] < 4:
        return bad == 0
    return bad <= 1


@njit(cache=True, nogil=True)
def _legal_place(color, head, nxt, csz, nb, nn, p, c, ko):
    """Would colour c at p be legal (simple ko)?"""
    if color[p] != 0 or p == ko:
        return False
    for i in range(nn[p]):
        q = nb[p, i]
        v = color[q]
        if v == 0:
            return True
    # no empty neighbour: legal if it joins a chain with another liberty or captures
    for i in range(nn[p]):
        q = nb[p, i]
        h = head[q]
        if color[q] == c:
            s = h
            while True:
                for j in range(nn[s]):
                    r = nb[s, j]
                    if color[r] == 0 and r != p:
                        return True
                s = nxt[s]
                if s == h:
                    break
        else:
            only_p = True
            s = h
            while True:
                for j in range(nn[s]):
                    r = nb[s, j]
                    if color[r] == 0 and r != p:
                        only_p = False
                s = nxt[s]
                if s == h or not only_p:
                    break
            if only_p:
                return True
    return False


LADDER_DEPTH = 120  # plies read at most; deeper ladders count as escapes
LADDER_NODES = 400  # positions read at most per ladder question


@njit(cache=True, nogil=True)
def _ladder(color, head, nxt, csz, nb, nn, stone, d, attacker_first, mark, stamp):
    """Is the defender (colour d) chain through ``stone`` captured in a ladder?

    ``attacker_first``: the attacker is to move and the chain has two liberties (may an atari
    capture it?); otherwise the defender is to move with the chain in atari.  An AND/OR
    depth-first search with an explicit stack (no recursion): the attacker wins a node if any
    atari works, the defender if any reply (extending, or capturing an attacker chain in atari)
    reaches three liberties or a ladder the attacker cannot win."""
    n = color.shape[0]
    a = 3 - d
    D = LADDER_DEPTH + 1
    s_color = np.empty((D, n), np.int8)
    s_head = np.empty((D, n), np.int16)
    s_nxt = np.empty((D, n), np.int16)
    s_csz = np.empty((D, n), np.int16)
    s_age = np.zeros(n, np.int32)
    cand = np.empty((D, 8), np.int16)
    ncand = np.zeros(D, np.int32)
    nexti = np.zeros(D, np.int32)
    is_att = np.zeros(D, np.bool_)
    scratch = np.empty(n, np.int16)
    scratch2 = np.empty(n, np.int16)
    nodes = 0

    s_color[0] = color
    s_head[0] = head
    s_nxt[0] = nxt
    s_csz[0] = csz
    top = 0
    is_att[0] = attacker_first
    # generate the root's candidates
    result = False
    pending = True  # the node at ``top`` needs its candidates generated
    while True:
        if pending:
            pending = False
            c0, h0, x0 = s_color[top], s_head[top], s_nxt[top]
            k = _libs(c0, x0, nb, nn, h0[stone], mark, stamp, scratch)
            nexti[top] = 0
            ncand[top] = 0
            if is_att[top]:
                if k == 2:
                    cand[top, 0] = scratch[0]
                    cand[top, 1] = scratch[1]
                    ncand[top] = 2
            elif k == 1:
                lib = scratch[0]
                # captures of attacker chains in atari next to the defender
                nc = 0
                h = h0[stone]
                s = h
                while True:
                    for i in range(nn[s]):
                        q = nb[s, i]
                        if c0[q] == a:
                            kq = _libs(c0, x0, nb, nn, h0[q], mark, stamp, scratch2)
                            if kq == 1:
                                dup = False
                                for j in range(nc):
                                    if cand[top, j] == scratch2[0]:
                                        dup = True
                                if not dup and nc < 7:
                                    cand[top, nc] = scratch2[0]
                                    nc += 1
                    s = x0[s]
                    if s == h:
                        break
                cand[top, nc] = lib
                ncand[top] = nc + 1
        # try the next candidate of the node on top
        if nexti[top] < ncand[top] and nodes < LADDER_NODES:
            m = cand[top, nexti[top]]
            nexti[top] += 1
            nodes += 1
            mover = a if is_att[top] else d
            if not _legal_place(s_color[top], s_head[top], s_nxt[top], s_csz[top], nb, nn, m, mover, -1):
                continue
            c1 = top + 1
            if c1 >= D:
                child = False  # too deep to read: an escape
            else:
                s_color[c1] = s_color[top]
                s_head[c1] = s_head[top]
                s_nxt[c1] = s_nxt[top]
                s_csz[c1] = s_csz[top]
                _place(s_color[c1], s_head[c1], s_nxt[c1], s_csz[c1], s_age, nb, nn, m, mover, 0)
                if s_color[c1, stone] != d:
                    child = True  # the defender was captured
                elif is_att[top] and s_color[c1, m] != a:
                    continue  # the atari stone was itself taken off: not a real try
                else:
                    k = _libs(s_color[c1], s_nxt[c1], nb, nn, s_head[c1, stone], mark, stamp, scratch)
                    if is_att[top]:
                        if k != 1:
                            continue
                        is_att[c1] = False
                        top = c1
                        pending = True
                        continue
                    if k >= 3:
                        child = False
                    elif k <= 1:
                        child = True
                    else:
                        is_att[c1] = True
                        top = c1
                        pending = True
                        continue
        else:
            # node exhausted: attacker found nothing (False) / every defence failed (True)
            child = not is_att[top]
            if nodes >= LADDER_NODES and nexti[top] < ncand[top]:
                child = False  # out of budget: unreadable, call it an escape
            if top == 0:
                return child
            top -= 1
        # feed ``child`` (the value of a child of ``top``) to the node on top
        while True:
            if is_att[top] and child:
                pass  # an atari that works: the attacker node is won
            elif (not is_att[top]) and (not child):
                pass  # a defence that works: the defender node escapes
            else:
                break  # keep trying this node's candidates
            if top == 0:
                return child
            top -= 1
    return result


@njit(cache=True, nogil=True)
def _write_planes(out, kind, color, head, nxt, csz, age, nb, nn, dg, nd, me, t, ko, mark, stamp,
                  libcnt):
    n = color.shape[0]
    opp = 3 - me
    # liberties of every chain, counted once
    for p in range(n):
        libcnt[p] = 0
    for p in range(n):
        if color[p] == 0:
            h0 = -1
            h1 = -1
            h2 = -1
            for i in range(nn[p]):
                q = nb[p, i]
                if color[q] != 0:
                    h = head[q]
                    if h != h0 and h != h1 and h != h2:
                        libcnt[h] += 1
                        if h0 < 0:
                            h0 = h
                        elif h1 < 0:
                            h1 = h
                        else:
                            h2 = h
    for p in range(n):
        v = color[p]
        if v == 0:
            out[2, p] = 1
        else:
            out[0 if v == me else 1, p] = 1
            since = t - age[p]
            if since > 8:
                since = 8
            if since < 1:
                since = 1
            out[4 + since - 1, p] = 1
            if kind >= 1:
                lc = libcnt[head[p]]
                if lc > 8:
                    lc = 8
                out[12 + lc - 1, p] = 1
        out[3, p] = 1
    if kind < 2:
        return
    scratch = np.empty(n, np.int16)
    fh = np.empty(4, np.int16)
    ch = np.empty(4, np.int16)
    for p in range(n):
        if color[p] != 0 or p == ko:
            continue
        stamp[0] += 1
        st = stamp[0]
        mark[p] = st
        libs_after = 0
        cap = 0
        own = 1
        nf = 0
        ncap = 0
        for i in range(nn[p]):
            q = nb[p, i]
            v = color[q]
            if v == 0:
                if mark[q] != st:
                    mark[q] = st
                    libs_after += 1
            else:
                h = head[q]
                if v == me:
                    dup = False
                    for j in range(nf):
                        if fh[j] == h:
                            dup = True
                    if not dup:
                        fh[nf] = h
                        nf += 1
                        own += csz[h]
                elif libcnt[h] == 1:
                    dup = False
                    for j in range(ncap):
                        if ch[j] == h:
                            dup = True
                    if not dup:
                        ch[ncap] = h
                        ncap += 1
                        cap += csz[h]
        for j in range(nf):
            s = fh[j]
            while True:
                for i in range(nn[s]):
                    r = nb[s, i]
                    if color[r] == 0 and mark[r] != st:
                        mark[r] = st
                        libs_after += 1
                s = nxt[s]
                if s == fh[j]:
                    break
        for j in range(ncap):
            s = ch[j]
            while True:
                if mark[s] != st:
                    touch = False
                    for i in range(nn[s]):
                        r = nb[s, i]
                        if r == p:
                            touch = True
                        elif color[r] == me:
                            for m in range(nf):
                                if head[r] == fh[m]:
                                    touch = True
                    if touch:
                        mark[s] = st
                        libs_after += 1
                s = nxt[s]
                if s == ch[j]:
                    break
        if libs_after == 0:
            continue  # suicide: not a legal move
        out[20 + (cap if cap < 7 else 7), p] = 1
        if libs_after == 1:
            out[28 + (own if own < 8 else 8) - 1, p] = 1
        out[36 + (libs_after if libs_after < 8 else 8) - 1, p] = 1
        if not _is_eye(color, nb, nn, dg, nd, p, me):
            out[46, p] = 1
        # ladder capture: the move ataris an adjacent opponent chain that then cannot escape
        if libs_after >= 2:
            done = False
            for i in range(nn[p]):
                q = nb[p, i]
                if done or color[q] != opp or libcnt[head[q]] != 2:
                    continue
                c2, h2, x2, z2, g2 = color.copy(), head.copy(), nxt.copy(), csz.copy(), age.copy()
                _place(c2, h2, x2, z2, g2, nb, nn, p, me, t)
                if c2[q] == opp and _ladder(c2, h2, x2, z2, nb, nn, q, opp, False, mark, stamp):
                    out[44, p] = 1
                    done = True
        # ladder escape: an own chain in atari whose liberty this is, saved by the move
        if libs_after >= 2:
            saves = False
            in_atari = False
            for j in range(nf):
                if libcnt[fh[j]] == 1:
                    in_atari = True
            if in_atari:
                if libs_after >= 3:
                    saves = True
                else:
                    c2, h2, x2, z2, g2 = color.copy(), head.copy(), nxt.copy(), csz.copy(), age.copy()
                    _place(c2, h2, x2, z2, g2, nb, nn, p, me, t)
                    saves = not _ladder(c2, h2, x2, z2, nb, nn, p, me, True, mark, stamp)
            if saves:
                out[45, p] = 1
    # plane 47: zeros


@njit(cache=True, nogil=True)
def _encode_events(size, ev_color, ev_point, ev_kind, positions, to_move, kind, planes, nb, nn, dg, nd, out):
    """Replay events (kind 0 = move, 1 = setup; point -1 = pass) and write the planes of the
    position *before* event positions[j], for to_move[j], into out[j]."""
    n = size * size
    color = np.zeros(n, np.int8)
    head = np.full(n, -1, np.int16)
    nxt = np.arange(n).astype(np.int16)
    csz = np.zeros(n, np.int16)
    age = np.full(n, -1000, np.int32)
    mark = np.zeros(n, np.int64)
    stamp = np.zeros(1, np.int64)
    libcnt = np.zeros(n, np.int32)
    ko = -1
    ko_color = 0
    t = 0
    j = 0
    npos = positions.shape[0]
    nev = ev_color.shape[0]
    for e in range(nev + 1):
        while j < npos and positions[j] == e:
            me = to_move[j]
            _write_planes(out[j], kind, color, head, nxt, csz, age, nb, nn, dg, nd, me, t,
                          ko if ko_color == me else -1, mark, stamp, libcnt)
            j += 1
        if j >= npos or e == nev:
            break
        p = ev_point[e]
        c = ev_color[e]
        if ev_kind[e] == 1:
            color[p] = c
            age[p] = -1000
            _rebuild(color, head, nxt, csz, nb, nn)
            ko = -1
            continue
        t += 1
        if p < 0:
            ko = -1
            continue
        if color[p] != 0:
            return e  # an occupied point: the caller validated the record, so this is a bug
        _, ko = _place(color, head, nxt, csz, age, nb, nn, p, c, t)
        ko_color = 3 - c
    return -1


# ---------------------------------------------------------------------- Python entry points
def events_from_history(history, size: int):
    """Board history -> event arrays for the kernels."""
    cols, pts, kinds = [], [], []
    for kind, color, arg in history:
        if kind == "move":
            cols.append(color)
            pts.append(-1 if arg is None else arg)
            kinds.append(0)
        elif kind == "setup":
            for p in arg:
                cols.append(color)
                pts.append(p)
                kinds.append(1)
    return (np.array(cols, np.int8), np.array(pts, np.int16), np.array(kinds, np.int8))


def encode_events(size: int, events, positions, to_move, name: str, out: np.ndarray | None = None) -> np.ndarray:
    """Planes (len(positions), C, size, size) uint8 of the positions before the given events."""
    fs = feature_set(name)
    ev_color, ev_point, ev_kind = events
    positions = np.asarray(positions, np.int32)
    to_move = np.asarray(to_move, np.int8)
    n = size * size
    if out is None:
        out = np.zeros((len(positions), fs.planes, n), np.uint8)
    else:
        out = out.reshape(len(positions), fs.planes, n)
        out[:] = 0
    nb, nn, dg, nd = _tables(size)
    bad = _encode_events(size, ev_color, ev_point, ev_kind, positions, to_move, fs.kind, fs.planes,
                         nb, nn, dg, nd, out)
    if bad >= 0:
        raise ValueError(f"event {bad} plays on an occupied point")
    return out.reshape(len(positions), fs.planes, size, size)


def encode(board: Board, name: str) -> np.ndarray:
    """Planes (C, size, size) uint8 of the board's current position for ``board.to_move``."""
    events = events_from_history(board.history, board.size)
    planes = encode_events(board.size, events, [len(events[0])], [board.to_move], name)
    return planes[0]


def encode_game(rec, name: str, include_passes: bool = False):
    """Planes and labels for every move of a :class:`gocnn.sgf.GameRecord` (passes skipped
    unless asked for).  Returns (planes (T, C, S, S) uint8, labels (T,) int64 flat points,
    colours (T,) int8)."""
    size = rec.size
    cols, pts, kinds = [], [], []
    for color, points in rec.setup:
        for p in points:
            cols.append(color)
            pts.append(p)
            kinds.append(1)
    first_move = len(cols)
    for color, point in rec.moves:
        cols.append(color)
        pts.append(-1 if point is None else point)
        kinds.append(0)
    events = (np.array(cols, np.int8), np.array(pts, np.int16), np.array(kinds, np.int8))
    idx = [first_move + i for i, (_, p) in enumerate(rec.moves) if include_passes or p is not None]
    colors = np.array([rec.moves[i - first_move][0] for i in idx], np.int8)
    labels = np.array([pts[i] for i in idx], np.int64)
    labels[labels < 0] = size * size
    planes = encode_events(size, events, idx, colors, name)
    return planes, labels, colors


# ---------------------------------------------------------------------- symmetries
def apply_symmetry(x: np.ndarray, k: int) -> np.ndarray:
    """One of the 8 symmetries of the square over the last two axes (0 = identity,
    1-3 rotations, 4-7 reflections)."""
    if k >= 4:
        x = np.swapaxes(x, -1, -2)
    return np.rot90(x, k % 4, axes=(-2, -1))


_PERMS: dict[int, np.ndarray] = {}


def symmetry_perms(size: int) -> np.ndarray:
    """(8, size*size): perms[k][p] = where flat point p lands under symmetry k."""
    perms = _PERMS.get(size)
    if perms is None:
        grid = np.arange(size * size).reshape(size, size)
        perms = np.empty((8, size * size), np.int64)
        for k in range(8):
            moved = np.ascontiguousarray(apply_symmetry(grid, k)).ravel()
            perms[k][moved] = np.arange(size * size)
        _PERMS[size] = perms
    return perms


def transform_label(label, k: int, size: int):
    """Move labels (flat points; size*size = pass) under symmetry k."""
    perm = np.append(symmetry_perms(size)[k], size * size)
    return perm[label]


def invert_policy(probs: np.ndarray, k: int, size: int) -> np.ndarray:
    """A policy (..., size*size) computed on symmetry k of a position, in the original frame."""
    return probs[..., symmetry_perms(size)[k]]
