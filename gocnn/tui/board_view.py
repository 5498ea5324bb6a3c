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


@dataclass(frozen=True)
class _Palette:
    """The colours a board is drawn in (from the widget's component classes, per theme)."""

    wood: Style  # the board and its lines
    label: Style  # the coordinates
    stone: dict  # colour of the point (BLACK, WHITE) -> the stone's rich colour
    last: object  # rich colours: the last move's marker, the cursor
    cursor: object
    heat: Style  # the heat map's hot end and its percentages
    hint: Style


class _Canvas:
    """A grid of characters with a style each; writes off the grid are dropped."""

    def __init__(self, width: int, height: int, base: Style):
        self.width, self.height = width, height
        self.chars = [[" "] * width for _ in range(height)]
        self.styles = [[base] * width for _ in range(height)]

    def inside(self, x: int, y: int) -> bool:
        return 0 <= x < self.width and 0 <= y < self.height

    def put(self, x: int, y: int, ch: str, s: Style) -> None:
        if self.inside(x, y):
            self.chars[y][x] = ch
            self.styles[y][x] = s

    def restyle(self, x: int, y: int, s: Style) -> None:
        """Add ``s`` to the style already at (x, y)."""
        if self.inside(x, y):
            self.styles[y][x] = self.styles[y][x] + s

    def strips(self) -> list[Strip]:
        """One Strip a row, runs of one style joined into a segment."""
        lines = []
        for chars, styles in zip(self.chars, self.styles):
            segs, run, run_style = [], [], None
            for ch, s in zip(chars, styles):
                if s != run_style and run:
                    segs.append(Segment("".join(run), run_style))
                    run = []
                run_style = s
                run.append(ch)
            if run:
                segs.append(Segment("".join(run), run_style))
            lines.append(Strip(segs, self.width))
        return lines


class _Painter:
    """Draws one :class:`BoardState` on a canvas at a geometry, layer by layer, each layer over
    the ones before: the wood and its lines, the coordinates, the heat map, the area at the
    end of a game, the stones, the last move, a variation, the hint and the cursor."""

    def __init__(self, state: BoardState, g: _Geometry, canvas: _Canvas, palette: _Palette):
        self.st, self.g, self.canvas, self.pal = state, g, canvas, palette
        self.size = state.size
        mx, my = max(1, g.k), g.k // 2
        self.left, self.right = g.x0 - mx, g.x0 + (self.size - 1) * g.cw + mx
        self.top, self.bottom = g.y0 - my, g.y0 + (self.size - 1) * g.k + my

    def paint(self) -> None:
        self.wood()
        self.grid()
        self.coordinates()
        labelled = self.heat_map()
        self.area()
        self.stones()
        self.last_move()
        self.variation()
        self.hint(labelled)
        self.cursor()

    def span(self, point: int) -> tuple[int, int, list[int]]:
        """(x, y) of a point and the columns of a stone there (1, 3 or 5 wide)."""
        g = self.g
        row, col = divmod(point, self.size)
        x, y = g.x0 + col * g.cw, g.y0 + (self.size - 1 - row) * g.k
        half = g.k - 1
        return x, y, list(range(x - half, x + half + 1))

    def wood(self) -> None:
        for y in range(self.top, self.bottom + 1):
            for x in range(self.left, self.right + 1):
                self.canvas.put(x, y, " ", self.pal.wood)

    def grid(self) -> None:
        """The lines, then the intersections (corners, edges, star points)."""
        g, size, put, wood = self.g, self.size, self.canvas.put, self.pal.wood
        last_x, last_y = g.x0 + (size - 1) * g.cw, g.y0 + (size - 1) * g.k
        for i in range(size):
            y = g.y0 + i * g.k
            for x in range(g.x0, last_x + 1):
                put(x, y, "─", wood)
            x = g.x0 + i * g.cw
            for yy in range(g.y0, last_y + 1):
                if (yy - g.y0) % g.k:
                    put(x, yy, "│", wood)
        stars = hoshi_points(size)
        for row in range(size):
            for col in range(size):
                t, b, lft, rgt = row == size - 1, row == 0, col == 0, col == size - 1
                ch = ("┌" if t and lft else "┐" if t and rgt else "└" if b and lft else "┘" if b and rgt
                      else "┬" if t else "┴" if b else "├" if lft else "┤" if rgt
                      else "╋" if (row, col) in stars else "┼")
                put(g.x0 + col * g.cw, g.y0 + (size - 1 - row) * g.k, ch, wood)

    def coordinates(self) -> None:
        """Labels on all four sides (compact: left and below)."""
        g, size, put, label = self.g, self.size, self.canvas.put, self.pal.label
        for col in range(size):
            x = g.x0 + col * g.cw
            if not g.compact:
                put(x, self.top - 1, GTP_COLUMNS[col], label)
            put(x, self.bottom + 1, GTP_COLUMNS[col], label)
        for row in range(size):
            y = g.y0 + (size - 1 - row) * g.k
            for i, ch in enumerate(f"{row + 1:>{LABEL_W}}"):
                put(self.left - 1 - LABEL_W + i, y, ch, label)
            if not g.compact:
                for i, ch in enumerate(f"{row + 1:<{LABEL_W}}"):
                    put(self.right + 2 + i, y, ch, label)

    def heat_map(self) -> set[int]:
        """Shades on empty points, percentages on the top moves; the points labelled."""
        st = self.st
        if st.heat is None:
            return set()
        peak = max(st.heat) or 1.0
        hot = Color.from_rich_color(self.pal.heat.bgcolor)
        cold = Color.from_rich_color(self.pal.wood.bgcolor)
        for p, prob in enumerate(st.heat):
            rel = prob / peak
            if rel < 0.05 or st.colors[p] != EMPTY:  # leave the long tail unshaded
                continue
            shade = cold.blend(hot, 0.15 + 0.85 * rel ** 0.75).rich_color
            x, y, xs = self.span(p)
            if self.g.k == 1 and p % self.size != self.size - 1:
                xs = [x, x + 1]  # a point and the line to its right: a square-ish patch
            for xx in xs:
                self.canvas.restyle(xx, y, Style(bgcolor=shade))
        return self.percentages()

    def percentages(self) -> set[int]:
        """The top moves' percentages (k=1: a number from the point on, "·" under 1%)."""
        st, canvas, heat = self.st, self.canvas, self.pal.heat
        labelled: set[int] = set()
        for p, prob in st.top:
            if st.colors[p] != EMPTY:
                continue
            x, y, _ = self.span(p)
            pct = round(prob * 100)
            if self.g.k == 1:  # the number starts on the point itself
                text, start = ("·" if pct < 1 else str(min(pct, 99))), x
            else:
                text, start = ("<1%" if pct < 1 else f"{pct:>2}%" if pct < 100 else "100"), x - 1
            labelled.add(p)
            for i, ch in enumerate(text):
                xx = start + i
                if canvas.inside(xx, y):
                    canvas.put(xx, y, ch, canvas.styles[y][xx] + Style(color=heat.color, bold=True))
        return labelled

    def area(self) -> None:
        """Territory (and the points of dead stones) at the end of a game."""
        st = self.st
        if st.owner is None:
            return
        for p, who in enumerate(st.owner):
            if who in (BLACK, WHITE) and (st.colors[p] == EMPTY or p in st.dead):
                x, y, _ = self.span(p)
                self.canvas.put(x, y, AREA[who], self.pal.wood + Style(color=self.pal.stone[who]))

    def stones(self) -> None:
        """A shape per colour (readable without colour), the colour on top of it; wide stones
        at k > 1; dead stones crossed."""
        put, wood, k = self.canvas.put, self.pal.wood, self.g.k
        for p, v in enumerate(self.st.colors):
            if v == EMPTY:
                continue
            x, y, xs = self.span(p)
            fg = self.pal.stone[v]
            if p in self.st.dead:
                put(x, y, DEAD[v], wood + Style(color=fg, bold=True))
                continue
            if k == 1:
                put(x, y, STONE[v], wood + Style(color=fg))
            else:
                for xx in xs:
                    put(xx, y, "▐" if xx == xs[0] else "▌" if xx == xs[-1] else "█", wood + Style(color=fg))
                put(x, y, STONE[v], Style(color=_SHADE[v], bgcolor=fg))

    def last_move(self) -> None:
        st, pal = self.st, self.pal
        if st.last is None or st.colors[st.last] == EMPTY or st.last in st.dead:
            return
        x, y, _ = self.span(st.last)
        v = st.colors[st.last]
        if self.g.k == 1:
            self.canvas.put(x, y, STONE[v], pal.wood + Style(color=pal.stone[v], bgcolor=pal.last))
        else:
            self.canvas.put(x, y, STONE[v], pal.wood + Style(color=pal.last, bgcolor=pal.stone[v], bold=True))

    def variation(self) -> None:
        """Numbered stones in the colour of the side that plays them."""
        put, stone, k = self.canvas.put, self.pal.stone, self.g.k
        for p, color, number in self.st.pv:
            x, y, xs = self.span(p)
            face = Style(color=stone[WHITE if color == BLACK else BLACK], bgcolor=stone[color], bold=True)
            text = str(number)
            if k > 1:
                for xx in xs:
                    put(xx, y, " ", face)
            start = x if k == 1 else x - (len(text) - 1) // 2
            for i, ch in enumerate(text):
                put(start + i, y, ch, face)

    def hint(self, labelled: set[int]) -> None:
        """The hint's background (beside a percentage at k=1), and a diamond unless labelled."""
        st, canvas, hint = self.st, self.canvas, self.pal.hint
        if st.hint is None or st.colors[st.hint] != EMPTY:
            return
        x, y, xs = self.span(st.hint)
        for xx in (xs if self.g.k > 1 else [x, x + 1] if st.hint in labelled else [x]):
            canvas.restyle(xx, y, Style(bgcolor=hint.bgcolor))
        if st.hint not in labelled:
            canvas.put(x, y, "◆", canvas.styles[y][x] + Style(color=hint.color, bold=True))

    def cursor(self) -> None:
        if self.st.cursor is None:
            return
        _, y, xs = self.span(self.st.cursor)
        for x in xs:
            self.canvas.restyle(x, y, Style(bgcolor=self.pal.cursor))


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
        g = _fit(self._state.size, width, height)
        if not g.fits:
            return self._draw_message(width, height)
        canvas = _Canvas(width, height, self.rich_style)
        _Painter(self._state, g, canvas, self._palette()).paint()
        return canvas.strips()

    def _palette(self) -> "_Palette":
        """The theme's colours, read from the component classes."""
        style = self.get_component_rich_style
        return _Palette(
            wood=style("board--wood"),
            label=self.rich_style + style("board--label", partial=True),
            stone={BLACK: style("board--black", partial=True).color,
                   WHITE: style("board--white", partial=True).color},
            last=style("board--last", partial=True).bgcolor,
            cursor=style("board--cursor", partial=True).bgcolor,
            heat=style("board--heat", partial=True),
            hint=style("board--hint", partial=True))

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
        canvas = _Canvas(width, height, self.rich_style)
        for i, line in enumerate(lines[: max(0, height - top)]):
            x0 = (width - len(line)) // 2
            for j, ch in enumerate(line):
                canvas.put(x0 + j, top + i, ch, self.rich_style + Style(bold=True))
        return canvas.strips()
