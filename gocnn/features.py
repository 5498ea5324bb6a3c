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

from gocnn.go.board import Board, neighbour_arrays


# (group name, planes) in the order the planes are stacked; a set is a prefix of this table
GROUPS = (
    ("stone_colour", 3),
    ("ones", 1),
    ("turns_since", 8),
    ("liberties", 8),
    ("capture_size", 8),
    ("self_atari_size", 8),
    ("liberties_after", 8),
    ("ladder_capture", 1),
    ("ladder_escape", 1),
    ("sensibleness", 1),
    ("zeros", 1),
)


@dataclass(frozen=True)
class FeatureSet:
    name: str
    groups: tuple[tuple[str, int], ...]
    kind: int  # kernel switch: 0 = basic12, 1 = basic20, 2 = alphago48

    @property
    def planes(self) -> int:
        """The number of input channels of a net fed with this set."""
        return sum(n for _, n in self.groups)

    def index(self, group: str) -> slice:
        """The planes of one group, e.g. ``x[fs.index("liberties")]``.  Raises KeyError."""
        start = 0
        for name, n in self.groups:
            if name == group:
                return slice(start, start + n)
            start += n
        raise KeyError(f"feature set {self.name!r} has no plane group {group!r}")


FEATURE_SETS = {
    "basic12": FeatureSet("basic12", GROUPS[:3], 0),
    "basic20": FeatureSet("basic20", GROUPS[:4], 1),
    "alphago48": FeatureSet("alphago48", GROUPS, 2),
}


def feature_set(name: str) -> FeatureSet:
    """The set called ``name``.  Raises ValueError for an unknown name."""
    try:
        return FEATURE_SETS[name]
    except KeyError:
        raise ValueError(f"unknown feature set {name!r} (known: {', '.join(FEATURE_SETS)})") from None


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
LADDER_NODES = 400  # moves tried at most per ladder question; beyond it, an escape


def _ladder_workspace(n: int):
    """Scratch arrays of the ladder reader, allocated once per call of the kernels: a stack of
    board states (one per ply) and the candidate moves of each node."""
    d = LADDER_DEPTH + 1
    return (np.empty((d, n), np.int8), np.empty((d, n), np.int16), np.empty((d, n), np.int16),
            np.empty((d, n), np.int16), np.zeros(n, np.int32), np.empty((d, 8), np.int16),
            np.zeros(d, np.int32), np.zeros(d, np.int32), np.zeros(d, np.bool_),
            np.empty(n, np.int16), np.empty(n, np.int16), np.full(d, -1, np.int16))


_NO_LADDERS = _ladder_workspace(1)  # never written to


@njit(cache=True, nogil=True)
def _one_lib(color, nxt, nb, nn, h):
    """The only liberty of the chain at head h, or -1 if it has none or more than one."""
    lib = -1
    s = h
    while True:
        for i in range(nn[s]):
            q = nb[s, i]
            if color[q] == 0 and q != lib:
                if lib >= 0:
                    return -1
                lib = q
        s = nxt[s]
        if s == h:
            return lib


@njit(cache=True, nogil=True)
def _ext_free(color, head, nxt, nb, nn, h, lib, block, mark, stamp):
    """The chain at head h (colour d) has no liberty but ``lib`` once ``block`` is filled (or
    block = -1).  A lower bound, capped at 3, of its liberties after it extends at lib: the
    empty neighbours of lib and the liberties of the other d chains it joins there (captures
    only add to them).  3 means the chain escapes outright."""
    d = color[h]
    stamp[0] += 1
    st = stamp[0]
    mark[lib] = st
    if block >= 0:
        mark[block] = st
    free = 0
    for i in range(nn[lib]):
        q = nb[lib, i]
        v = color[q]
        if v == 0:
            if mark[q] != st:
                mark[q] = st
                free += 1
        elif v == d and head[q] != h:
            hq = head[q]
            s = hq
            while True:
                for j in range(nn[s]):
                    r = nb[s, j]
                    if color[r] == 0 and mark[r] != st:
                        mark[r] = st
                        free += 1
                s = nxt[s]
                if s == hq or free >= 3:
                    break
        if free >= 3:
            return 3
    return free


@njit(cache=True, nogil=True)
def _ladder_node(c0, h0, x0, nb, nn, stone, d, top, k, libs, cand, ncand, nexti, is_att, seen,
                 mark, stamp):
    """Fill in the candidate moves of the node on the stack at ``top``, whose defender chain
    (colour d, through ``stone``) has the k liberties ``libs``: the attacker's ataris at two
    liberties, the defender's extension and captures in atari."""
    h = h0[stone]
    nexti[top] = 0
    nc = 0
    if k == 2:
        is_att[top] = True
        # an atari at one liberty after which extending at the other reaches three liberties
        # fails at once: not worth a ply
        l0, l1 = libs[0], libs[1]
        if _ext_free(c0, h0, x0, nb, nn, h, l1, l0, mark, stamp) < 3:
            cand[top, nc] = l0
            nc += 1
        if _ext_free(c0, h0, x0, nb, nn, h, l0, l1, mark, stamp) < 3:
            cand[top, nc] = l1
            nc += 1
    else:
        is_att[top] = False
        cand[top, 0] = libs[0]  # extending first: it settles most ladders at once
        nc = 1
        # then captures of attacker chains in atari next to the defender (each chain once)
        a = 3 - d
        nseen = 0
        s = h
        while True:
            for i in range(nn[s]):
                q = nb[s, i]
                if c0[q] == a:
                    hq = h0[q]
                    dup = False
                    for j in range(nseen):
                        if seen[j] == hq:
                            dup = True
                            break
                    if dup:
                        continue
                    if nseen < seen.shape[0]:
                        seen[nseen] = hq
                        nseen += 1
                    l2 = _one_lib(c0, x0, nb, nn, hq)
                    if l2 >= 0:
                        dup = False
                        for j in range(nc):
                            if cand[top, j] == l2:
                                dup = True
                        if not dup and nc < 8:
                            cand[top, nc] = l2
                            nc += 1
            s = x0[s]
            if s == h:
                break
    ncand[top] = nc


@njit(cache=True, nogil=True)
def _ladder(color, head, nxt, csz, nb, nn, p, mover, stone, d, mark, stamp, ws):
    """Play ``mover`` at ``p``, then: is the defender (colour d) chain through ``stone``
    captured in a ladder?

    With the chain at two liberties the attacker moves first (may an atari capture it?); with
    the chain in atari the defender does.  An AND/OR depth-first search with an explicit stack
    (no recursion: recursive kernels crashed when loaded from numba's cache): the attacker wins
    a node if any atari works, the defender if any reply (extending, or capturing an attacker
    chain in atari next to it) reaches three liberties or a ladder the attacker cannot win.
    A ko may not be retaken at once (the ladder's own kos; the game's ko is the caller's);
    beyond LADDER_DEPTH plies or LADDER_NODES tries the chain escapes."""
    s_color, s_head, s_nxt, s_csz, s_age, cand, ncand, nexti, is_att, scratch, seen, s_ko = ws
    a = 3 - d
    D = s_color.shape[0]
    nodes = 0
    s_color[0] = color
    s_head[0] = head
    s_nxt[0] = nxt
    s_csz[0] = csz
    _, s_ko[0] = _place(s_color[0], s_head[0], s_nxt[0], s_csz[0], s_age, nb, nn, p, mover, 0)
    if s_color[0, stone] != d:
        return True
    k = _libs(s_color[0], s_nxt[0], nb, nn, s_head[0, stone], mark, stamp, scratch)
    if k >= 3 or k == 0:
        return k == 0
    top = 0
    _ladder_node(s_color[0], s_head[0], s_nxt[0], nb, nn, stone, d, 0, k, scratch, cand, ncand,
                 nexti, is_att, seen, mark, stamp)
    while True:
        # try the next candidate of the node on top
        if nexti[top] < ncand[top] and nodes < LADDER_NODES:
            m = cand[top, nexti[top]]
            nexti[top] += 1
            nodes += 1
            mover = a if is_att[top] else d
            if (not is_att[top]) and nexti[top] == 1 and _ext_free(
                    s_color[top], s_head[top], s_nxt[top], nb, nn, s_head[top, stone], m, -1,
                    mark, stamp) >= 3:
                child = False  # the extension reaches three liberties: an escape
            elif not _legal_place(s_color[top], s_head[top], s_nxt[top], s_csz[top], nb, nn, m, mover,
                                  s_ko[top]):
                continue
            elif top + 1 >= D:
                child = False  # too deep to read: an escape
            else:
                c1 = top + 1
                s_color[c1] = s_color[top]
                s_head[c1] = s_head[top]
                s_nxt[c1] = s_nxt[top]
                s_csz[c1] = s_csz[top]
                _, s_ko[c1] = _place(s_color[c1], s_head[c1], s_nxt[c1], s_csz[c1], s_age, nb, nn, m,
                                     mover, 0)
                if s_color[c1, stone] != d:
                    child = True  # the defender was captured
                else:
                    k = _libs(s_color[c1], s_nxt[c1], nb, nn, s_head[c1, stone], mark, stamp, scratch)
                    if is_att[top] and k != 1:
                        continue  # not an atari after all (the atari captured something)
                    if k >= 3:
                        child = False
                    elif k == 1 and not is_att[top]:
                        child = True
                    else:  # the defender to move in atari, or the attacker against two liberties
                        top = c1
                        _ladder_node(s_color[c1], s_head[c1], s_nxt[c1], nb, nn, stone, d, c1, k,
                                     scratch, cand, ncand, nexti, is_att, seen, mark, stamp)
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
            if is_att[top] != child:
                break  # keep trying this node's candidates
            # an atari that works wins the attacker node; a defence that works, the defender's
            if top == 0:
                return child
            top -= 1


@njit(cache=True, nogil=True)
def _write_planes(out, kind, color, head, nxt, csz, age, nb, nn, dg, nd, me, t, ko, mark, stamp,
                  libcnt, adj, ws):
    n = color.shape[0]
    opp = 3 - me
    # liberties of every chain, counted once; adj[p] = the chains next to an empty point p
    for p in range(n):
        libcnt[p] = 0
    for p in range(n):
        if color[p] == 0:
            h0 = -1
            h1 = -1
            h2 = -1
            h3 = -1
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
                        elif h2 < 0:
                            h2 = h
                        else:
                            h3 = h
            adj[p, 0] = h0
            adj[p, 1] = h1
            adj[p, 2] = h2
            adj[p, 3] = h3
    for p in range(n):
        v = color[p]
        if v == 0:
            out[2, p] = 1
        else:
            out[0 if v == me else 1, p] = 1
            since = t - age[p] + 1  # the last move played is 1 turn old
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
    fh = np.empty(4, np.int16)  # the mover's chains next to p
    ch = np.empty(4, np.int16)  # opponent chains next to p that a move at p captures
    for p in range(n):
        if color[p] != 0 or p == ko:
            continue
        empties = 0
        cap = 0
        own = 1
        nf = 0
        ncap = 0
        atari2 = False  # an opponent chain with two liberties next to p
        for i in range(nn[p]):
            q = nb[p, i]
            v = color[q]
            if v == 0:
                empties += 1
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
                elif libcnt[h] == 2:
                    atari2 = True
        # liberties of the mover's chain after a move at p
        if ncap == 0 and nf == 0:
            libs_after = empties
        elif ncap == 0 and nf == 1:
            h = fh[0]
            libs_after = libcnt[h] - 1  # p was one of them
            for i in range(nn[p]):
                q = nb[p, i]
                if color[q] == 0 and adj[q, 0] != h and adj[q, 1] != h and adj[q, 2] != h and adj[q, 3] != h:
                    libs_after += 1
        else:
            stamp[0] += 1
            st = stamp[0]
            mark[p] = st
            libs_after = 0
            for i in range(nn[p]):
                q = nb[p, i]
                if color[q] == 0 and mark[q] != st:
                    mark[q] = st
                    libs_after += 1
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
            for j in range(ncap):  # captured stones next to the new chain become liberties
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
        if atari2:
            for i in range(nn[p]):
                q = nb[p, i]
                hq = head[q]
                if color[q] != opp or libcnt[hq] != 2:
                    continue
                dup = False  # the same chain seen from another side of p
                for j in range(i):
                    if color[nb[p, j]] == opp and head[nb[p, j]] == hq:
                        dup = True
                if dup:
                    continue
                _libs(color, nxt, nb, nn, hq, mark, stamp, ws[9])
                lib = ws[9][0] if ws[9][0] != p else ws[9][1]  # where it would extend
                if _ext_free(color, head, nxt, nb, nn, hq, lib, p, mark, stamp) >= 3:
                    continue  # extending from the atari gives three liberties: no ladder
                if _ladder(color, head, nxt, csz, nb, nn, p, me, q, opp, mark, stamp, ws):
                    out[44, p] = 1
                    break
        # ladder escape: extending an own chain in atari to two liberties, out of a ladder
        # (three or more liberties escape outright, one does not)
        if libs_after >= 2:
            in_atari = False
            for j in range(nf):
                if libcnt[fh[j]] == 1:
                    in_atari = True
            if in_atari:
                if libs_after >= 3 or not _ladder(color, head, nxt, csz, nb, nn, p, me, p, me,
                                                  mark, stamp, ws):
                    out[45, p] = 1
    # plane 47: zeros


@njit(cache=True, nogil=True)
def _encode_events(size, ev_color, ev_point, ev_kind, positions, to_move, kind, planes, nb, nn, dg, nd,
                   out, ws):
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
    adj = np.full((n, 4), -1, np.int16)
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
                          ko if ko_color == me else -1, mark, stamp, libcnt, adj, ws)
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
    nb, nn, dg, nd = neighbour_arrays(size)  # the board's tables, shared with scoring
    ws = _ladder_workspace(n) if fs.kind >= 2 else _NO_LADDERS  # the basic sets read no ladders
    bad = _encode_events(size, ev_color, ev_point, ev_kind, positions, to_move, fs.kind, fs.planes,
                         nb, nn, dg, nd, out, ws)
    if bad >= 0:
        raise ValueError(f"event {bad} plays on an occupied point")
    return out.reshape(len(positions), fs.planes, size, size)


def board_events(board: Board):
    """:func:`events_from_history` of ``board.history``, kept on the board
    (``Board.event_cache``: the arrays of the first n history entries) and extended by what was
    played since: a search leaf, a copy of its parent plus one move, converts one move, not the
    game.  The history only grows between resets (which clear the cache), and the arrays are
    never changed in place, so copies of a board may share them."""
    history = board.history
    cache = board.event_cache
    if cache is not None and cache[0] <= len(history):
        n, cols, pts, kinds = cache
        if n < len(history):
            c2, p2, k2 = events_from_history(history[n:], board.size)
            cols, pts, kinds = np.concatenate((cols, c2)), np.concatenate((pts, p2)), np.concatenate((kinds, k2))
    else:
        cols, pts, kinds = events_from_history(history, board.size)
    board.event_cache = (len(history), cols, pts, kinds)
    return cols, pts, kinds


def encode(board: Board, name: str) -> np.ndarray:
    """Planes (C, size, size) uint8 of the board's current position for ``board.to_move``."""
    events = board_events(board)
    planes = encode_events(board.size, events, [len(events[0])], [board.to_move], name)
    return planes[0]


def encode_game(rec, name: str, include_passes: bool = False):
    """Planes and labels for every move of a :class:`gocnn.go.sgf.GameRecord` (passes skipped
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
