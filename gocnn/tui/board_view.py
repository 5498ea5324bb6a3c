"""The board widget: draws a :class:`BoardState` and reports clicks; it owns no game state.

The grid scales with the widget: each point takes ``2k`` columns and ``k`` rows (k = 1..3),
the largest that fits, so the board stays square on a terminal's tall cells.  Colours come
from component classes, which the app's stylesheet sets per theme.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.color import Color
from textual.geometry import Offset
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from gocnn.go.board import BLACK, EMPTY, WHITE
from gocnn.go.coords import GTP_COLUMNS

LABEL_W = 2  # room for row numbers up to 25
STONE = {BLACK: "●", WHITE: "○"}  # distinct shapes: a text capture or a monochrome screen tells them apart
DEAD = {BLACK: "×", WHITE: "⊗"}  # dead stones at the end of a game
AREA = {BLACK: "▪", WHITE: "▫"}  # each side's area at the end of a game
_SHADE = {BLACK: "#4a4a4a", WHITE: "#9a9a9a"}  # the shape drawn on a wide stone, a shade off its colour


@dataclass(frozen=True)
class BoardState:
    """Everything the board widget draws; the app builds a new one after every change."""

    size: int
    colors: tuple[int, ...]
    last: int | None = None  # flat point of the last stone played
    cursor: int | None = None
    heat: tuple[float, ...] | None = None  # policy per point, shown as shades
    top: tuple[tuple[int, float], ...] = ()  # top moves, shown with their percentages
    hint: int | None = None
    dead: frozenset[int] = frozenset()
    owner: tuple[int, ...] | None = None  # territory at game end
    pv: tuple[tuple[int, int, int], ...] = ()  # a variation: (point, colour, number) drawn as numbered stones


def hoshi_points(size: int) -> set[tuple[int, int]]:
    if size < 7:
        return set()
    edge = 3 if size >= 13 else 2
    lines = [edge, size - 1 - edge]
    if size % 2 == 1 and size >= 9:
        lines.insert(1, size // 2)
    if size < 19:
        pts = {(r, c) for r in (lines[0], lines[-1]) for c in (lines[0], lines[-1])}
        if len(lines) == 3:
            pts.add((size // 2, size // 2))
        return pts
    return {(r, c) for r in lines for c in lines}


@dataclass(frozen=True)
class _Geometry:
    k: int  # scale: a point is 2k columns by k rows
    x0: int  # content x of column A
    y0: int  # content y of the top row
    width: int
    height: int
    compact: bool = False  # coordinates on the left and below only
    fits: bool = True  # False: even the smallest layout is larger than the space

    @property
    def cw(self) -> int:
        return 2 * self.k


def board_dims(size: int, k: int = 1, compact: bool = False) -> tuple[int, int]:
    """Columns and rows a ``size`` board takes at scale ``k``, coordinates included: on all
    four sides, or (``compact``) row numbers on the left and letters below only."""
    mx, my = max(1, k), k // 2
    grid_w, grid_h = (size - 1) * 2 * k + 1, (size - 1) * k + 1
    if compact:
        return LABEL_W + 1 + mx + grid_w + mx, grid_h + 2 * my + 1
    return 2 * (LABEL_W + 1 + mx) + grid_w, grid_h + 2 * my + 2


def _fit(size: int, width: int, height: int, max_k: int = 3) -> _Geometry:
    """The largest layout that fits: scale 3, 2, 1 with coordinates on four sides, then scale 1
    with coordinates on two sides; if none fits, the smallest one with ``fits=False``."""
    layouts = [(k, False) for k in range(max_k, 0, -1)] + [(1, True)]
    k, compact = layouts[-1]
    fits = False
    for cand_k, cand_compact in layouts:
        w, h = board_dims(size, cand_k, cand_compact)
        if w <= width and h <= height:
            k, compact, fits = cand_k, cand_compact, True
            break
    w, h = board_dims(size, k, compact)
    mx, my = max(1, k), k // 2
    ox, oy = max(0, (width - w) // 2), max(0, (height - h) // 2)
    return _Geometry(k, ox + LABEL_W + 1 + mx, oy + (0 if compact else 1) + my, w, h, compact, fits)


class BoardView(Widget):
    """A Go board that scales with the terminal.  Posts :class:`PointClicked` and
    :class:`PointHovered`."""

    COMPONENT_CLASSES = {
        "board--wood", "board--label", "board--black", "board--white", "board--last",
        "board--cursor", "board--heat", "board--hint",
    }

    DEFAULT_CSS = """
    BoardView { width: 1fr; height: 1fr; }
    BoardView > .board--wood { background: #c9974b; color: #4d3416; }
    BoardView > .board--label { color: $text-muted; }
    BoardView > .board--black { color: #0d0d0d; }
    BoardView > .board--white { color: #ffffff; }
    BoardView > .board--last { background: #d2381f; color: #d2381f; }
    BoardView > .board--cursor { background: #1f6fd1; }
    BoardView > .board--heat { background: #1b8a3a; color: #ffffff; text-style: bold; }
    BoardView > .board--hint { color: #ffffff; background: #b0157a; }
    """

    class PointClicked(Message):
        """The player clicked on the point ``point`` (flat index)."""

        def __init__(self, point: int) -> None:
            self.point = point
            super().__init__()

    class PointHovered(Message):
        """The mouse is over the point ``point`` (flat index), or off the board (None)."""

        def __init__(self, point: int | None) -> None:
            self.point = point
            super().__init__()

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None):
        super().__init__(name=name, id=id, classes=classes)
        self._state = BoardState(19, (EMPTY,) * 361)
        self.too_small = ""  # what to say when even the smallest board does not fit (set by the app)
        self._cache_key = None
        self._lines: list[Strip] = []

    # ------------------------------------------------------------------ state in, clicks out
    @property
    def state(self) -> BoardState:
        return self._state

    @state.setter
    def state(self, value: BoardState) -> None:
        if value != self._state:
            self._state = value
            self.refresh()

    def geometry(self) -> _Geometry:
        return _fit(self._state.size, self.size.width, self.size.height)

    def point_offset(self, point: int) -> Offset:
        """Where a point is drawn, relative to the widget (for clicks in tests)."""
        g = self.geometry()
        row, col = divmod(point, self._state.size)
        return Offset(g.x0 + col * g.cw, g.y0 + (self._state.size - 1 - row) * g.k)

    def point_at(self, x: int, y: int) -> int | None:
        g, size = self.geometry(), self._state.size
        col = round((x - g.x0) / g.cw)
        row = size - 1 - round((y - g.y0) / g.k)
        if not (0 <= col < size and 0 <= row < size):
            return None
        if abs(x - (g.x0 + col * g.cw)) > g.k or abs(y - (g.y0 + (size - 1 - row) * g.k)) > g.k // 2:
            return None
        return row * size + col

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        point = self.point_at(offset.x, offset.y)
        if point is not None:
            self.post_message(self.PointClicked(point))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        offset = event.get_content_offset(self)
        self.post_message(self.PointHovered(None if offset is None else self.point_at(offset.x, offset.y)))

    def on_leave(self, event: events.Leave) -> None:
        self.post_message(self.PointHovered(None))

    # ------------------------------------------------------------------ drawing
    def notify_style_update(self) -> None:
        self._cache_key = None
        super().notify_style_update()

    def render_line(self, y: int) -> Strip:
        key = (self._state, self.size, self.app.theme, self.too_small)
        if key != self._cache_key:
            self._lines = self._draw()
            self._cache_key = key
        if 0 <= y < len(self._lines):
            return self._lines[y]
        return Strip.blank(self.size.width, self.rich_style)

    def _draw(self) -> list[Strip]:
        width, height = self.size.width, self.size.height
        if width <= 0 or height <= 0:
            return []
        st, size = self._state, self._state.size
        g = _fit(size, width, height)
        if not g.fits:
            return self._draw_message(width, height)
        k, cw = g.k, g.cw
        base = self.rich_style
        style = self.get_component_rich_style
        wood = style("board--wood")
        label = base + style("board--label", partial=True)
        stone_fg = {BLACK: style("board--black", partial=True).color,
                    WHITE: style("board--white", partial=True).color}
        last_bg = style("board--last", partial=True).bgcolor
        cursor_bg = style("board--cursor", partial=True).bgcolor
        heat_style = style("board--heat", partial=True)
        hint = style("board--hint", partial=True)

        chars = [[" "] * width for _ in range(height)]
        styles = [[base] * width for _ in range(height)]

        def put(x: int, y: int, ch: str, s: Style) -> None:
            if 0 <= x < width and 0 <= y < height:
                chars[y][x] = ch
                styles[y][x] = s

        def restyle(x: int, y: int, s: Style) -> None:
            if 0 <= x < width and 0 <= y < height:
                styles[y][x] = styles[y][x] + s

        mx, my = max(1, k), k // 2
        left, right = g.x0 - mx, g.x0 + (size - 1) * cw + mx
        top, bottom = g.y0 - my, g.y0 + (size - 1) * k + my
        for y in range(top, bottom + 1):
            for x in range(left, right + 1):
                put(x, y, " ", wood)
        # grid lines
        last_x, last_y = g.x0 + (size - 1) * cw, g.y0 + (size - 1) * k
        for i in range(size):
            y = g.y0 + i * k
            for x in range(g.x0, last_x + 1):
                put(x, y, "─", wood)
            x = g.x0 + i * cw
            for yy in range(g.y0, last_y + 1):
                if (yy - g.y0) % k:
                    put(x, yy, "│", wood)
        stars = hoshi_points(size)
        for row in range(size):
            for col in range(size):
                t, b, lft, rgt = row == size - 1, row == 0, col == 0, col == size - 1
                ch = ("┌" if t and lft else "┐" if t and rgt else "└" if b and lft else "┘" if b and rgt
                      else "┬" if t else "┴" if b else "├" if lft else "┤" if rgt
                      else "╋" if (row, col) in stars else "┼")
                put(g.x0 + col * cw, g.y0 + (size - 1 - row) * k, ch, wood)
        # labels on all four sides (compact: left and below)
        for col in range(size):
            x = g.x0 + col * cw
            if not g.compact:
                put(x, top - 1, GTP_COLUMNS[col], label)
            put(x, bottom + 1, GTP_COLUMNS[col], label)
        for row in range(size):
            y = g.y0 + (size - 1 - row) * k
            text = f"{row + 1:>{LABEL_W}}"
            for i, ch in enumerate(text):
                put(left - 1 - LABEL_W + i, y, ch, label)
            if not g.compact:
                for i, ch in enumerate(f"{row + 1:<{LABEL_W}}"):
                    put(right + 2 + i, y, ch, label)

        def span(point: int) -> tuple[int, int, list[int]]:
            row, col = divmod(point, size)
            x, y = g.x0 + col * cw, g.y0 + (size - 1 - row) * k
            half = k - 1  # a stone is 1, 3 or 5 columns wide
            return x, y, list(range(x - half, x + half + 1))

        # heat map: shades on empty points, percentages on the top moves
        labelled: set[int] = set()
        if st.heat is not None:
            peak = max(st.heat) or 1.0
            hot = Color.from_rich_color(heat_style.bgcolor)
            cold = Color.from_rich_color(wood.bgcolor)
            for p, prob in enumerate(st.heat):
                rel = prob / peak
                if rel < 0.05 or st.colors[p] != EMPTY:  # leave the long tail unshaded
                    continue
                shade = cold.blend(hot, 0.15 + 0.85 * rel ** 0.75).rich_color
                x, y, xs = span(p)
                if k == 1 and p % size != size - 1:
                    xs = [x, x + 1]  # a point and the line to its right: a square-ish patch
                for xx in xs:
                    restyle(xx, y, Style(bgcolor=shade))
            for p, prob in st.top:
                if st.colors[p] != EMPTY:
                    continue
                x, y, _ = span(p)
                pct = round(prob * 100)
                if k == 1:  # the number starts on the point itself
                    text, start = ("·" if pct < 1 else str(min(pct, 99))), x
                else:
                    text, start = ("<1%" if pct < 1 else f"{pct:>2}%" if pct < 100 else "100"), x - 1
                labelled.add(p)
                for i, ch in enumerate(text):
                    xx = start + i
                    if 0 <= xx < width and 0 <= y < height:
                        put(xx, y, ch, styles[y][xx] + Style(color=heat_style.color, bold=True))
        # territory and dead stones at the end of a game
        if st.owner is not None:
            for p, who in enumerate(st.owner):
                if who in (BLACK, WHITE) and (st.colors[p] == EMPTY or p in st.dead):
                    x, y, _ = span(p)
                    put(x, y, AREA[who], wood + Style(color=stone_fg[who]))
        # stones: a shape per colour (readable without colour), the colour on top of it
        for p, v in enumerate(st.colors):
            if v == EMPTY:
                continue
            x, y, xs = span(p)
            fg = stone_fg[v]
            if p in st.dead:
                put(x, y, DEAD[v], wood + Style(color=fg, bold=True))
                continue
            if k == 1:
                put(x, y, STONE[v], wood + Style(color=fg))
            else:
                for xx in xs:
                    put(xx, y, "▐" if xx == xs[0] else "▌" if xx == xs[-1] else "█", wood + Style(color=fg))
                put(x, y, STONE[v], Style(color=_SHADE[v], bgcolor=fg))
        if st.last is not None and st.colors[st.last] != EMPTY and st.last not in st.dead:
            x, y, _ = span(st.last)
            v = st.colors[st.last]
            if k == 1:
                put(x, y, STONE[v], wood + Style(color=stone_fg[v], bgcolor=last_bg))
            else:
                put(x, y, STONE[v], wood + Style(color=last_bg, bgcolor=stone_fg[v], bold=True))
        # a variation: numbered stones in the colour of the side that plays them
        for p, color, number in st.pv:
            x, y, xs = span(p)
            face = Style(color=stone_fg[WHITE if color == BLACK else BLACK], bgcolor=stone_fg[color], bold=True)
            text = str(number)
            if k > 1:
                for xx in xs:
                    put(xx, y, " ", face)
            start = x if k == 1 else x - (len(text) - 1) // 2
            for i, ch in enumerate(text):
                put(start + i, y, ch, face)
        if st.hint is not None and st.colors[st.hint] == EMPTY:
            x, y, xs = span(st.hint)
            for xx in (xs if k > 1 else [x, x + 1] if st.hint in labelled else [x]):
                restyle(xx, y, Style(bgcolor=hint.bgcolor))
            if st.hint not in labelled:
                put(x, y, "◆", styles[y][x] + Style(color=hint.color, bold=True))
        if st.cursor is not None:
            _, y, xs = span(st.cursor)
            for x in xs:
                restyle(x, y, Style(bgcolor=cursor_bg))

        return self._strips(chars, styles)

    def _draw_message(self, width: int, height: int) -> list[Strip]:
        """Instead of a clipped board: what size it needs, centred."""
        words = (self.too_small or "The board does not fit: enlarge the terminal.").split()
        lines: list[str] = []
        for word in words:  # wrap at the widget's width
            if lines and len(lines[-1]) + 1 + len(word) <= width:
                lines[-1] += " " + word
            else:
                lines.append(word[:width])
        top = max(0, (height - len(lines)) // 2)
        chars = [[" "] * width for _ in range(height)]
        styles = [[self.rich_style] * width for _ in range(height)]
        for i, line in enumerate(lines[: max(0, height - top)]):
            x0 = (width - len(line)) // 2
            for j, ch in enumerate(line):
                chars[top + i][x0 + j] = ch
                styles[top + i][x0 + j] = self.rich_style + Style(bold=True)
        return self._strips(chars, styles)

    @staticmethod
    def _strips(chars, styles) -> list[Strip]:
        width = len(chars[0]) if chars else 0
        lines = []
        for y in range(len(chars)):
            segs, run, run_style = [], [], None
            for ch, s in zip(chars[y], styles[y]):
                if s != run_style and run:
                    segs.append(Segment("".join(run), run_style))
                    run = []
                run_style = s
                run.append(ch)
            if run:
                segs.append(Segment("".join(run), run_style))
            lines.append(Strip(segs, width))
        return lines
