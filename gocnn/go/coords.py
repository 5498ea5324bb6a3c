"""Every coordinate system of gocnn in one place.

Inside gocnn a move is sgfmill's ``(row, col)`` with row 0 at the *bottom* of the board and
col 0 on the left, or ``None`` for a pass.  The other systems are converted at the edges:

==========  ===================  ====================================================
system      example (19x19)      notes
==========  ===================  ====================================================
internal    ``(3, 15)``          ``(row, col)``, row 0 at the bottom; ``None`` = pass
flat        ``72``               ``row * size + col``; ``size * size`` = pass
GTP vertex  ``"Q4"``             column letters A-Z without I (so at most 25), row 1 at
                                 the bottom; ``"pass"``; case-insensitive on input
SGF point   ``"pp"``             column letter then row letter, ``"aa"`` is the *top*
                                 left; ``""`` (and ``"tt"`` on boards up to 19) = pass
==========  ===================  ====================================================
"""

from __future__ import annotations

import operator

Move = tuple[int, int] | None

MIN_SIZE = 2
MAX_SIZE = 25
GTP_COLUMNS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"  # no I, as GTP and every Go GUI write it


class CoordError(ValueError):
    """A coordinate that does not name a point on the board (or a pass)."""


def check_size(size: int) -> int:
    """``size`` as an int if it is a board size gocnn supports (2..25), else CoordError."""
    try:
        value = operator.index(size)  # ints and numpy ints, not floats or strings
    except TypeError:
        value = None
    if value is None or isinstance(size, bool) or not MIN_SIZE <= value <= MAX_SIZE:
        raise CoordError(f"board size must be {MIN_SIZE}..{MAX_SIZE}, not {size!r}")
    return value


def on_board(move: Move, size: int) -> bool:
    return move is not None and 0 <= move[0] < size and 0 <= move[1] < size


def to_flat(move: Move, size: int) -> int:
    """``(row, col)`` to ``row * size + col``; a pass is ``size * size``."""
    if move is None:
        return size * size
    return move[0] * size + move[1]


def from_flat(index: int, size: int) -> Move:
    if index == size * size:
        return None
    if not 0 <= index < size * size:
        raise CoordError(f"flat index {index} is off a {size}x{size} board")
    return divmod(int(index), size)


def to_gtp(move: Move, size: int) -> str:
    """``(3, 15)`` on 19x19 -> ``"Q4"``; ``None`` -> ``"pass"``."""
    if move is None:
        return "pass"
    row, col = move
    if not on_board(move, size):
        raise CoordError(f"{move} is off a {size}x{size} board")
    return f"{GTP_COLUMNS[col]}{row + 1}"


def from_gtp(vertex: str, size: int) -> Move:
    """``"Q4"``/``"q4"`` -> ``(3, 15)``; ``"pass"`` -> ``None``.  Raises CoordError."""
    text = vertex.strip().upper()
    if text == "PASS":
        return None
    if len(text) < 2 or text[0] not in GTP_COLUMNS or not (text[1:].isascii() and text[1:].isdigit()):
        raise CoordError(f"not a vertex: {vertex!r}")
    col = GTP_COLUMNS.index(text[0])
    row = int(text[1:]) - 1
    if not (0 <= row < size and col < size):
        raise CoordError(f"vertex {vertex!r} is off a {size}x{size} board")
    return row, col


def to_sgf(move: Move, size: int) -> str:
    """``(3, 15)`` on 19x19 -> ``"pp"``; ``None`` -> ``""`` (the FF[4] pass)."""
    if move is None:
        return ""
    if not on_board(move, size):
        raise CoordError(f"{move} is off a {size}x{size} board")
    row, col = move
    return chr(ord("a") + col) + chr(ord("a") + size - 1 - row)


def from_sgf(point: str, size: int) -> Move:
    """``"pp"`` -> ``(3, 15)``; ``""`` and, up to 19x19, ``"tt"`` -> ``None``.  Raises CoordError."""
    if point == "" or (point == "tt" and size <= 19):
        return None
    if len(point) != 2 or not point.isalpha():
        raise CoordError(f"not an SGF point: {point!r}")
    col = ord(point[0]) - ord("a")
    row = size - 1 - (ord(point[1]) - ord("a"))
    if not (0 <= col < size and 0 <= row < size):
        raise CoordError(f"SGF point {point!r} is off a {size}x{size} board")
    return row, col
