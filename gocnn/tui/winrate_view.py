"""The side panel's win-rate section (a Textual widget): the labelled bar of Black's chance, the
graph over the game with the move shown and the biggest drops marked, a principal variation
and the list of drops.  It draws a :class:`WinrateState` the app hands it; the figures come
from :mod:`gocnn.tui.winrate`."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

from gocnn.go import coords
from gocnn.go.board import BLACK
from gocnn.tui.winrate import PositionView, fit_words, bar, columns, graph_rows


@dataclass(frozen=True)
class WinrateState:
    """Everything the win-rate panel draws."""

    view: PositionView | None  # the position shown
    values: tuple = ()  # ((move number, Black's chance), ...) over the game line
    total: int = 0  # moves in the game line
    shown: int = 0  # the move number of the position shown
    drops: tuple = ()  # Drop, biggest first (review)
    progress: str = ""  # "computing 34/212", while the review's values come in
    strength: str = ""  # "search 200 visits", "policy only"
    waiting: str = ""  # why there is nothing yet ("loading the net...", "thinking...")
    pv_text: str = ""  # the principal variation in GTP coordinates, when shown
    size: int = 19


class WinrateView(Widget):
    """The side panel's win-rate section: a labelled bar, the graph over the game with the move
    shown and the biggest drops marked, and a principal variation or the list of drops."""

    DEFAULT_CSS = """
    WinrateView { height: auto; }
    """
    GRAPH_ROWS = 2

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self._state = WinrateState(None)

    @property
    def state(self) -> WinrateState:
        return self._state

    @state.setter
    def state(self, value: WinrateState) -> None:
        if value != self._state:
            lines = len(self._lines(max(10, self.content_size.width or 31)))
            self._state = value
            self.refresh(layout=lines != len(self._lines(max(10, self.content_size.width or 31))))

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Text:
        return Text("\n").join(self._lines(max(10, self.content_size.width)))

    def _lines(self, width: int) -> list[Text]:
        st = self._state
        out = [Text()]
        head = out[0]
        head.append("Win rate", style="bold underline")
        if st.strength:
            head.append(f"  {st.strength}"[: max(0, width - 8)], style="dim")
        v = st.view
        if v is not None and v.black is not None:
            pct = f"{v.black * 100:.0f}%"
            rest = f"{100 - round(v.black * 100)}%"
            inner = max(4, width - len(pct) - len(rest) - 6)
            line = Text()
            line.append(f"● {pct} ", style="bold")
            drawn = bar(v.black, inner)
            cells = drawn.count("█")
            line.append(drawn[:cells], style="bold")
            line.append(drawn[cells:], style="dim")
            line.append(f" {rest} ○", style="bold")
            out.append(line)
        else:
            why = st.waiting or (v.note if v is not None and v.note else "not known yet")
            out.extend(Text(line, style="italic") for line in textwrap.wrap(f"Black's chance: {why}", width))
        if st.values:
            out.extend(self._graph(width))
        if st.progress:
            out.append(Text(st.progress[:width], style="italic"))
        if st.pv_text:
            out.append(Text(fit_words(f"PV {st.pv_text}", width)))
        if st.drops:
            out.append(Text("Biggest drops (d jumps):"[:width], style="bold"))
            line = Text()
            for d in st.drops:
                where = coords.to_gtp(coords.from_flat(d.point, st.size) if d.point is not None else None, st.size)
                item = f"{d.move}{'B' if d.color == BLACK else 'W'} {where} -{d.loss * 100:.0f}%"
                if line.cell_len and line.cell_len + 2 + len(item) > width:
                    out.append(line)
                    line = Text()
                if line.cell_len:
                    line.append("  ")
                line.append(item, style="bold" if d.move == st.shown else "")
            if line.cell_len:
                out.append(line)
        return out

    def _graph(self, width: int) -> list[Text]:
        st = self._state
        values = dict(st.values)
        rows = graph_rows(values, st.total, width, self.GRAPH_ROWS)
        cols = columns(values, st.total, width)
        marked = {d.move for d in st.drops}
        out = []
        for line in rows:
            t = Text()
            for ch, (first, last, _) in zip(line, cols):
                style = ""
                if any(first <= m <= last for m in marked):
                    style = "bold red"
                if first <= st.shown <= last:
                    style = "reverse"
                t.append(ch, style=style)
            out.append(t)
        return out
