"""Win rates as the terminal UI shows them: per position, over the game, and where they fell.

Everything here is Black's chance of winning (0..1), whatever side is to move, so the bar and
the graph read the same way all game long (up: Black ahead).  Plain Python (no Textual): the
session keeps its game's win rates with these types, and the panel's widget
(:mod:`gocnn.tui.winrate_view`) draws them with these functions.
"""

from __future__ import annotations

from dataclasses import dataclass

from gocnn.go.board import BLACK, WHITE

BLOCKS = " ▁▂▃▄▅▆▇█"  # 0..8 eighths of a cell
BIG_DROP = 0.05  # a move is listed as a drop when it cost the mover at least this much


@dataclass(frozen=True)
class PositionView:
    """What the search (or the net alone) says about one position."""

    black: float | None  # Black's chance of winning; None: unknown (no value head, no search)
    pv: tuple = ()  # the top move's principal variation, the side to move first (flat points, None = pass)
    moves: tuple = ()  # the searched moves (gocnn.play.search.MoveInfo), most visits first
    visits: int = 0  # 0: the net's value alone
    note: str = ""  # why there is no win rate ("no value head") or how it was found


@dataclass(frozen=True)
class Drop:
    move: int  # the move number (1 = the first move)
    color: int  # who played it
    point: int | None
    loss: float  # how much the mover's chance fell, 0..1


def black_chance(mover_chance: float, to_move: int) -> float:
    """Black's chance from the chance of the side to move."""
    return float(mover_chance) if to_move == BLACK else 1.0 - float(mover_chance)


def view_of_analysis(analysis, board) -> PositionView:
    """A :class:`gocnn.play.players.Analysis` of ``board`` (the side to move's view) as a view."""
    moves = tuple(analysis.moves)
    pv = tuple(moves[0].pv) if moves else ()
    black = None if analysis.winrate is None else black_chance(analysis.winrate, board.to_move)
    return PositionView(black, pv, moves, int(analysis.visits), f"search, {analysis.visits} visits")


def view_after(analysis, move, board_after) -> PositionView | None:
    """What the search of the position before ``move`` says about the position after it (the
    move's own value and the rest of its principal variation), or None if it was not searched."""
    info = next((m for m in analysis.moves if m.move == move), None)
    if info is None:
        return None
    mover = WHITE if board_after.to_move == BLACK else BLACK
    return PositionView(black_chance(info.winrate, mover), tuple(info.pv[1:]), (), int(info.visits),
                        f"search, {info.visits} visits")


def drops(values: dict[int, float], movers: list[tuple[int, int | None]], k: int = 5,
          least: float = BIG_DROP) -> list[Drop]:
    """The ``k`` moves that cost their player most, biggest first: move ``i`` (1-based, played
    by ``movers[i-1]``) lost what the mover's chance fell from position ``i-1`` to ``i``.
    Moves next to a position without a value are skipped; losses under ``least`` are not listed."""
    out = []
    for i, (color, point) in enumerate(movers, 1):
        if i - 1 not in values or i not in values:
            continue
        fall = values[i - 1] - values[i]  # Black's chance fell by this much
        loss = fall if color == BLACK else -fall
        if loss >= least:
            out.append(Drop(i, color, point, loss))
    out.sort(key=lambda d: (-d.loss, d.move))
    return out[:k]


def bar(black: float, width: int) -> str:
    """Black's share of ``width`` cells as ``█``, White's as ``░`` (readable without colour)."""
    cells = max(0, int(round(black * width)))
    return "█" * cells + "░" * (width - cells)


def columns(values: dict[int, float], total: int, width: int) -> list[tuple[int, int, float | None]]:
    """The graph's columns over positions ``0..total``: ``(first, last, Black's mean chance or
    None)`` for each, one position a column when they fit, else as many as it takes."""
    n = total + 1
    width = max(1, min(width, n))
    cols = []
    for c in range(width):
        first, last = c * n // width, (c + 1) * n // width - 1
        known = [values[i] for i in range(first, last + 1) if i in values]
        cols.append((first, last, sum(known) / len(known) if known else None))
    return cols


def graph_rows(values: dict[int, float], total: int, width: int, rows: int) -> list[str]:
    """The graph as ``rows`` lines of block characters, top line first: each column is filled
    from the bottom up to Black's chance (a column without a value stays blank)."""
    cols = columns(values, total, width)
    lines = []
    for r in range(rows - 1, -1, -1):
        line = []
        for _, _, v in cols:
            if v is None:
                line.append(" ")
                continue
            eighths = round(v * rows * 8) - r * 8
            line.append(BLOCKS[max(0, min(8, eighths))] if eighths > 0 else ("▁" if r == 0 else " "))
        lines.append("".join(line))
    return lines


def fit_words(text: str, width: int) -> str:
    """``text`` cut to ``width`` at a space (never in the middle of a move), "…" marking the cut."""
    if len(text) <= width:
        return text
    return text[: max(0, width - 1)].rsplit(" ", 1)[0] + "…"
