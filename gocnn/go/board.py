"""Go positions and rules.

A :class:`Board` holds one position and the history that led to it.  It keeps every chain of
stones with its set of liberties up to date as moves are played (no flood fill per move), so a
move costs a few microseconds; captures, suicide, simple ko, optional positional superko,
passes, setup stones, undo and area scoring follow.

Colours are small ints (``EMPTY``, ``BLACK``, ``WHITE``); points are flat indices
``row * size + col`` (row 0 at the bottom); :mod:`gocnn.go.coords` converts to and from the rest.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from gocnn.go import coords

EMPTY, BLACK, WHITE = 0, 1, 2
COLOR_NAMES = {BLACK: "black", WHITE: "white"}
COLOR_LETTERS = {BLACK: "b", WHITE: "w"}
_COLOR_WORDS = {"b": BLACK, "black": BLACK, "w": WHITE, "white": WHITE}

# Handicap stones as GNU Go and the GTP spec place them (fixed_handicap), 19x19 first.
_HANDICAP_ORDER = {2: "ab", 3: "abc", 4: "abcd", 5: "abcde", 6: "abcdfg", 7: "abcdefg",
                   8: "abcdfghi", 9: "abcdefghi"}


def opponent(color: int) -> int:
    return 3 - color


def parse_color(word: str) -> int:
    """``"b"``, ``"Black"``, ``"W"``, ``"white"`` ... -> BLACK or WHITE.  Raises ValueError."""
    try:
        return _COLOR_WORDS[word.strip().lower()]
    except KeyError:
        raise ValueError(f"not a colour: {word!r}") from None


class IllegalMove(ValueError):
    """A move the rules forbid.  ``reason`` is one of ``occupied``, ``suicide``, ``ko``,
    ``superko``, ``off board``."""

    def __init__(self, reason: str, move: coords.Move | int, size: int):
        self.reason = reason
        if isinstance(move, int):  # a flat point
            move = divmod(move, size) if 0 <= move < size * size else (move, None)
        self.move = move  # (row, col), or as given when it is off the board
        where = coords.to_gtp(move, size) if coords.on_board(move, size) else repr(move)
        super().__init__(f"illegal move {where}: {reason}")


@lru_cache(maxsize=None)
def neighbours(size: int) -> tuple[tuple[int, ...], ...]:
    """For each flat point, the flat indices of its orthogonal neighbours."""
    table = []
    for p in range(size * size):
        r, c = divmod(p, size)
        table.append(tuple(r2 * size + c2 for r2, c2 in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1))
                           if 0 <= r2 < size and 0 <= c2 < size))
    return tuple(table)


@lru_cache(maxsize=None)
def diagonals(size: int) -> tuple[tuple[int, ...], ...]:
    table = []
    for p in range(size * size):
        r, c = divmod(p, size)
        table.append(tuple(r2 * size + c2 for r2, c2 in ((r - 1, c - 1), (r - 1, c + 1), (r + 1, c - 1),
                                                          (r + 1, c + 1))
                           if 0 <= r2 < size and 0 <= c2 < size))
    return tuple(table)


@lru_cache(maxsize=None)
def neighbour_arrays(size: int):
    """:func:`neighbours` and :func:`diagonals` as read-only arrays for the compiled kernels
    (features, scoring): ``(nb, nn, dg, nd)``, ``nb``/``dg`` of shape (points, 4) with the flat
    indices in the same order, padded with -1 (int16), ``nn``/``nd`` the counts (int8)."""
    import numpy as np
    n = size * size
    nb, dg = np.full((n, 4), -1, np.int16), np.full((n, 4), -1, np.int16)
    nn, nd = np.zeros(n, np.int8), np.zeros(n, np.int8)
    for p, (near, diagonal) in enumerate(zip(neighbours(size), diagonals(size))):
        nb[p, :len(near)], nn[p] = near, len(near)
        dg[p, :len(diagonal)], nd[p] = diagonal, len(diagonal)
    for table in (nb, nn, dg, nd):
        table.flags.writeable = False
    return nb, nn, dg, nd


@lru_cache(maxsize=None)
def _zobrist(size: int) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    rng = random.Random(0x60C22 + size)
    n = size * size
    return (tuple([0] * n), tuple(rng.getrandbits(64) for _ in range(n)),
            tuple(rng.getrandbits(64) for _ in range(n)))


def handicap_points(size: int, stones: int) -> list[int]:
    """The fixed handicap placement of the GTP spec (``fixed_handicap``) as flat points.

    Raises ValueError where the spec allows no such handicap on this size."""
    if stones < 2 or stones > 9 or size < 7 or (size == 7 and stones > 4) or (size % 2 == 0 and stones > 4):
        raise ValueError(f"no fixed handicap of {stones} stones on {size}x{size}")
    edge = 2 if size < 13 else 3
    lo, mid, hi = edge, size // 2, size - 1 - edge
    # (row, col) of each spot; on 19x19: a=D4 b=Q16 c=D16 d=Q4 e=K10 f=D10 g=Q10 h=K4 i=K16
    spots = {"a": (lo, lo), "b": (hi, hi), "c": (hi, lo), "d": (lo, hi),
             "e": (mid, mid), "f": (mid, lo), "g": (mid, hi), "h": (lo, mid), "i": (hi, mid)}
    return [spots[k][0] * size + spots[k][1] for k in _HANDICAP_ORDER[stones]]


class _Chain:
    """One chain of stones.  ``owner`` is the token of the one board that may change it in place:
    :meth:`Board.copy` shares chains between the two boards (copy on write), and a board clones
    a chain it does not own before its first change (:meth:`Board._mine`)."""
    __slots__ = ("color", "stones", "libs", "owner")

    def __init__(self, color: int, stones: list[int], libs: set[int], owner: object = None):
        self.color = color
        self.stones = stones
        self.libs = libs
        self.owner = owner


@dataclass(frozen=True)
class Score:
    black: float  # area: stones + territory
    white: float
    komi: float

    @property
    def margin(self) -> float:
        """Black's lead after komi (negative: White leads)."""
        return self.black - self.white - self.komi

    @property
    def result(self) -> str:
        """SGF/GTP style: ``B+3.5``, ``W+0.5``, ``0`` for a draw."""
        m = self.margin
        if m == 0:
            return "0"
        return f"{'B' if m > 0 else 'W'}+{abs(m):g}"


class Board:
    """One Go position plus the history that produced it.

    ``superko=True`` forbids any move that recreates an earlier arrangement of stones
    (positional superko); otherwise only the simple ko recapture is forbidden.
    """

    def __init__(self, size: int = 19, komi: float = 7.5, superko: bool = False):
        self.size = coords.check_size(size)
        self.komi = float(komi)
        self.superko = superko
        self._nb = neighbours(size)
        self._z = _zobrist(size)
        self._reset()

    def _reset(self) -> None:
        n = self.size * self.size
        self.colors: list[int] = [EMPTY] * n
        self._chains: list[_Chain | None] = [None] * n
        self._own = object()  # the token of the chains this board may change in place
        self.to_move = BLACK
        self.ko = -1  # the point ``ko_color`` may not take back at once (simple ko), or -1
        self.ko_color = EMPTY
        self.captures = {BLACK: 0, WHITE: 0}  # stones captured *by* each colour
        self.hash = 0
        self._seen: dict[int, int] = {0: 1}
        # ("move", colour, point or None) | ("setup", colour, points) | ("turn", colour, None)
        self.history: list[tuple] = []
        self.passes = 0  # consecutive passes at the end of the history
        self.event_cache = None  # gocnn.features' arrays of the history so far (board_events)

    # ------------------------------------------------------------------ queries
    @property
    def moves(self) -> list[tuple[int, int | None]]:
        """(colour, flat point or None) for every move played, setup excluded."""
        return [(c, p) for kind, c, p in self.history if kind == "move"]

    @property
    def last_move(self) -> tuple[int, int | None] | None:
        for kind, c, p in reversed(self.history):
            if kind == "move":
                return c, p
        return None

    def move_number(self) -> int:
        return sum(1 for kind, _, _ in self.history if kind == "move")

    def color_at(self, point: int) -> int:
        return self.colors[point]

    def liberties(self, point: int) -> int:
        """Liberties of the chain through ``point`` (0 for an empty point)."""
        chain = self._chains[point]
        return len(chain.libs) if chain else 0

    def chain_stones(self, point: int) -> list[int]:
        chain = self._chains[point]
        return list(chain.stones) if chain else []

    def chain_liberties(self, point: int) -> set[int]:
        chain = self._chains[point]
        return set(chain.libs) if chain else set()

    def stones(self, color: int) -> list[int]:
        return [p for p, v in enumerate(self.colors) if v == color]

    def check(self, color: int, point: int | None) -> str | None:
        """Why ``color`` may not play ``point`` now (a reason word), or None if it may."""
        if point is None:
            return None
        if not 0 <= point < len(self.colors):
            return "off board"
        return self._check(color, point)[0]

    def is_legal(self, color: int, point: int | None) -> bool:
        return self.check(color, point) is None

    def legal_moves(self, color: int | None = None) -> list[int]:
        """Every legal stone placement (passes excluded) for ``color`` (default: to move)."""
        color = self.to_move if color is None else color
        return [p for p, v in enumerate(self.colors) if v == EMPTY and self._check(color, p)[0] is None]

    def is_eye(self, point: int, color: int) -> bool:
        """A simple true-eye test: every neighbour is ``color`` and the opponent holds at most
        one diagonal (none on the edge)."""
        if self.colors[point] != EMPTY:
            return False
        for q in self._nb[point]:
            if self.colors[q] != color:
                return False
        diag = diagonals(self.size)[point]
        bad = sum(1 for q in diag if self.colors[q] == opponent(color))
        return bad == 0 if len(diag) < 4 else bad <= 1

    def _check(self, color: int, p: int) -> tuple[str | None, list[_Chain], int]:
        """(reason or None, chains this move would capture, hash after the move)."""
        colors = self.colors
        if colors[p] != EMPTY:
            return "occupied", [], 0
        chains = self._chains
        opp = opponent(color)
        captured: list[_Chain] = []
        breathes = False
        for q in self._nb[p]:
            v = colors[q]
            if v == EMPTY:
                breathes = True
            elif v == color:
                if len(chains[q].libs) > 1:
                    breathes = True
            else:
                ch = chains[q]
                if len(ch.libs) == 1 and ch not in captured:
                    captured.append(ch)
        if not breathes and not captured:
            return "suicide", captured, 0
        if p == self.ko and color == self.ko_color:
            return "ko", captured, 0
        new_hash = self.hash ^ self._z[color][p]
        if captured:
            zo = self._z[opp]
            for ch in captured:
                for s in ch.stones:
                    new_hash ^= zo[s]
        if self.superko and new_hash in self._seen:
            return "superko", captured, new_hash
        return None, captured, new_hash

    def repeats_position(self, color: int, point: int | None) -> bool:
        """Would this (legal) move recreate an earlier arrangement of stones?"""
        if point is None:
            return False
        reason, _, h = self._check(color, point)
        return reason is None and h in self._seen or reason == "superko"

    # ------------------------------------------------------------------ changes
    def play(self, color: int, point: int | None) -> list[int]:
        """Play ``point`` (flat, or None to pass) for ``color``; return the captured points.

        Raises :class:`IllegalMove` (``reason``: ``occupied``, ``suicide``, ``ko``, ``superko``
        or ``off board``) and leaves the board unchanged if the rules forbid it."""
        if point is None:
            self.ko = -1
            self.to_move = 3 - color
            self.history.append(("move", color, None))
            self.passes += 1
            return []
        colors = self.colors
        if not 0 <= point < len(colors):
            raise IllegalMove("off board", point, self.size)
        if colors[point] != EMPTY:
            raise IllegalMove("occupied", point, self.size)
        # This is _check inlined (the replay loop of the data pipeline runs through here).
        chains, nbs = self._chains, self._nb[point]
        opp = 3 - color
        friends: list[_Chain] = []
        captured: list[_Chain] = []
        empties: list[int] = []
        for q in nbs:
            v = colors[q]
            if v == EMPTY:
                empties.append(q)
            elif v == color:
                ch = chains[q]
                if ch not in friends:
                    friends.append(ch)
            else:
                ch = chains[q]
                if len(ch.libs) == 1 and ch not in captured:
                    captured.append(ch)
        if not empties and not captured:
            for ch in friends:
                if len(ch.libs) > 1:
                    break
            else:
                raise IllegalMove("suicide", point, self.size)
        if point == self.ko and color == self.ko_color:
            raise IllegalMove("ko", point, self.size)
        z = self._z
        new_hash = self.hash ^ z[color][point]
        if captured:
            zo = z[opp]
            for ch in captured:
                for s in ch.stones:
                    new_hash ^= zo[s]
        if self.superko and new_hash in self._seen:
            raise IllegalMove("superko", point, self.size)
        # legal: place the stone, joining it with its friends (the largest absorbs the rest);
        # chains shared with a copy of this board are cloned before they change (_mine)
        own = self._own
        colors[point] = color
        if not friends:
            chain = _Chain(color, [point], set(empties), own)
        else:
            big = 0
            for i in range(1, len(friends)):
                if len(friends[i].stones) > len(friends[big].stones):
                    big = i
            chain = friends[big]
            if chain.owner is not own:
                chain = self._mine(chain)
            for i, ch in enumerate(friends):
                if i != big:  # absorbed: read only, so a shared one needs no clone
                    chain.stones.extend(ch.stones)
                    for s in ch.stones:
                        chains[s] = chain
                    chain.libs |= ch.libs
            chain.stones.append(point)
            chain.libs.discard(point)
            chain.libs.update(empties)
        chains[point] = chain
        for q in nbs:
            if colors[q] == opp:
                ch = chains[q]
                if ch.owner is not own:
                    ch = self._mine(ch)
                ch.libs.discard(point)
        removed: list[int] = []
        if captured:
            for ch in captured:
                for s in ch.stones:
                    colors[s] = EMPTY
                    chains[s] = None
                removed.extend(ch.stones)
            nb = self._nb
            for s in removed:
                for q in nb[s]:
                    if colors[q] != EMPTY:
                        ch = chains[q]
                        if ch.owner is not own:
                            ch = self._mine(ch)
                        ch.libs.add(s)
            self.captures[color] += len(removed)
            self.ko = removed[0] if (len(removed) == 1 and len(chain.stones) == 1
                                     and len(chain.libs) == 1) else -1
            self.ko_color = opp
        else:
            self.ko = -1
        self.hash = new_hash
        seen = self._seen
        seen[new_hash] = seen.get(new_hash, 0) + 1
        self.to_move = opp
        self.history.append(("move", color, point))
        self.passes = 0
        return removed

    def setup(self, color: int, points) -> None:
        """Place (``BLACK``/``WHITE``) or clear (``EMPTY``) stones without rules, as SGF AB/AW/AE
        and handicap placement do.  Chains with no liberty left are removed."""
        points = tuple(points)
        for p in points:
            if not 0 <= p < len(self.colors):
                raise IllegalMove("off board", None, self.size)
        self.history.append(("setup", color, points))
        self._apply_setup(color, points)
        if any(kind == "move" for kind, _, _ in self.history):
            self._seen[self.hash] = self._seen.get(self.hash, 0) + 1
        else:  # still setting up the start: only the finished start position counts for superko
            self._seen = {self.hash: 1}

    def _apply_setup(self, color: int, points: tuple[int, ...]) -> None:
        for p in points:
            self.colors[p] = color
        self._rebuild_chains()
        self.ko = -1

    def _rebuild_chains(self) -> None:
        n = len(self.colors)
        colors, nb = self.colors, self._nb
        chains: list[_Chain | None] = [None] * n
        for p in range(n):
            if colors[p] == EMPTY or chains[p] is not None:
                continue
            ch = _Chain(colors[p], [p], set(), self._own)
            chains[p] = ch
            stack = [p]
            while stack:
                s = stack.pop()
                for q in nb[s]:
                    v = colors[q]
                    if v == EMPTY:
                        ch.libs.add(q)
                    elif v == ch.color and chains[q] is None:
                        chains[q] = ch
                        ch.stones.append(q)
                        stack.append(q)
        # setup may leave a chain without liberties: it is taken off, as GUIs do
        for p in range(n):
            ch = chains[p]
            if ch is not None and not ch.libs:
                for s in ch.stones:
                    colors[s] = EMPTY
                    chains[s] = None
        if any(c is None and colors[p] != EMPTY for p, c in enumerate(chains)):  # pragma: no cover
            raise AssertionError("chain table out of step")
        self._chains = chains
        self._recompute_libs()
        z = self._z
        self.hash = 0
        for p, v in enumerate(colors):
            if v != EMPTY:
                self.hash ^= z[v][p]

    def _mine(self, chain: _Chain) -> _Chain:
        """A clone of a chain shared with another board, owned by this one and put in its
        place on every stone."""
        clone = _Chain(chain.color, chain.stones[:], set(chain.libs), self._own)
        chains = self._chains
        for s in clone.stones:
            chains[s] = clone
        return clone

    def _recompute_libs(self) -> None:
        for ch in {id(c): c for c in self._chains if c is not None}.values():
            ch.libs = {q for s in ch.stones for q in self._nb[s] if self.colors[q] == EMPTY}

    def place_handicap(self, stones: int) -> list[int]:
        points = handicap_points(self.size, stones)
        self.setup(BLACK, points)
        self.set_to_move(WHITE)
        return points

    def set_to_move(self, color: int) -> None:
        """Hand the turn to ``color`` (as SGF PL does, or handicap placement), recorded in the
        history so that undo and replay keep it."""
        self.history.append(("turn", color, None))
        self.to_move = color

    def undo(self) -> bool:
        """Take back the last move (or setup); False if there is nothing to take back."""
        if not self.history:
            return False
        last = self.history[-1]
        self.replay(self.history[:-1])
        if last[0] == "move":
            self.to_move = last[1]
        return True

    def replay(self, history: list[tuple]) -> None:
        """Reset and apply a history as stored in :attr:`history`."""
        self._reset()
        for kind, color, arg in history:
            if kind == "move":
                self.play(color, arg)
            elif kind == "turn":
                self.set_to_move(color)
            else:
                self.setup(color, arg)

    def clear(self) -> None:
        self._reset()

    def copy(self) -> "Board":
        """An independent board in the same position with the same history.  The chains are
        shared copy-on-write: both boards get a fresh ownership token, so each clones a chain
        before its first change to it (a copy costs a list of pointers, not the chains)."""
        other = Board.__new__(Board)
        other.__dict__.update(self.__dict__)
        other.colors = list(self.colors)
        other._chains = list(self._chains)
        self._own, other._own = object(), object()
        other.captures = dict(self.captures)
        other._seen = dict(self._seen)
        other.history = list(self.history)
        return other

    # ------------------------------------------------------------------ scoring
    def area(self, dead: set[int] | frozenset[int] = frozenset()) -> tuple[int, int, list[int]]:
        """Tromp-Taylor area after removing ``dead`` stones: (black, white, owner per point)
        where owner is BLACK, WHITE or EMPTY (dame / seki liberty)."""
        colors = [EMPTY if p in dead else v for p, v in enumerate(self.colors)]
        owner = list(colors)
        nb = self._nb
        seen = [False] * len(colors)
        for p, v in enumerate(colors):
            if v != EMPTY or seen[p]:
                continue
            region, borders, stack = [p], set(), [p]
            seen[p] = True
            while stack:
                s = stack.pop()
                for q in nb[s]:
                    w = colors[q]
                    if w == EMPTY:
                        if not seen[q]:
                            seen[q] = True
                            region.append(q)
                            stack.append(q)
                    else:
                        borders.add(w)
            if len(borders) == 1:
                who = borders.pop()
                for s in region:
                    owner[s] = who
        return owner.count(BLACK), owner.count(WHITE), owner

    def score(self, dead: set[int] | frozenset[int] = frozenset()) -> Score:
        black, white, _ = self.area(dead)
        return Score(black, white, self.komi)

    # ------------------------------------------------------------------ text
    def __str__(self) -> str:
        return to_ascii(self)

    @classmethod
    def from_ascii(cls, diagram: str, to_move: int = BLACK, komi: float = 7.5, superko: bool = False) -> "Board":
        """A board from rows of ``X`` (black), ``O`` (white) and ``.``/``+`` (empty), the top row
        first, blanks between points optional; :func:`to_ascii`'s frame of coordinates may be
        left in.  Raises ValueError for a diagram that is not a square board."""
        rows = []
        for line in diagram.strip().splitlines():
            tokens = line.split()
            if not tokens or "".join(tokens) == coords.GTP_COLUMNS[:len(tokens)]:
                continue  # a blank line or the column letters of to_ascii's frame
            while tokens and tokens[0].isdigit():
                tokens.pop(0)
            while tokens and tokens[-1].isdigit():
                tokens.pop()
            rows.append("".join(tokens))
        size = len(rows)
        if any(len(r) != size for r in rows):
            raise ValueError("an ASCII board must be square")
        board = cls(size, komi=komi, superko=superko)
        blacks, whites = [], []
        for i, line in enumerate(rows):
            row = size - 1 - i
            for col, ch in enumerate(line):
                if ch in "Xx#":
                    blacks.append(row * size + col)
                elif ch in "Oo":
                    whites.append(row * size + col)
                elif ch not in ".+":
                    raise ValueError(f"unknown board character {ch!r}")
        if blacks:
            board.setup(BLACK, blacks)
        if whites:
            board.setup(WHITE, whites)
        if to_move != BLACK:
            board.set_to_move(to_move)
        return board


def to_ascii(board: Board, marks: dict[int, str] | None = None) -> str:
    """The board as text, top row first, with GTP coordinates around it."""
    size = board.size
    letters = coords.GTP_COLUMNS[:size]
    out = ["   " + " ".join(letters)]
    for row in range(size - 1, -1, -1):
        cells = []
        for col in range(size):
            p = row * size + col
            ch = {BLACK: "X", WHITE: "O"}.get(board.colors[p], ".")
            if marks and p in marks:
                ch = marks[p]
            cells.append(ch)
        out.append(f"{row + 1:2d} " + " ".join(cells) + f" {row + 1}")
    out.append("   " + " ".join(letters))
    return "\n".join(out)
