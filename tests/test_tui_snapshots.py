"""Snapshots of the board (pytest-textual-snapshot): 9x9 and 19x19, stones, the last move and
the heat map, on the dark and the light theme.  Update with ``pytest --snapshot-update``."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("pytest_textual_snapshot")

from gocnn import coords  # noqa: E402
from gocnn.board import BLACK, WHITE, Board  # noqa: E402
from gocnn.tui.app import GoApp  # noqa: E402
from gocnn.tui.sgfio import GameRecord  # noqa: E402
from test_tui_support import ScriptedPlayer  # noqa: E402

GAMES = {
    9: ["E5", "C3", "G4", "D6", "F7", "C5", "D4", "G6", "F6", "C7"],
    19: ["Q16", "D4", "Q4", "D16", "C14", "F17", "R10", "K10", "E14", "C3", "Q9", "P17"],
}


def app_with_game(size: int) -> GoApp:
    board = Board(size, komi=7.5)
    for i, v in enumerate(GAMES[size]):
        board.play(BLACK if i % 2 == 0 else WHITE, coords.to_flat(coords.from_gtp(v, size), size))
    record = GameRecord(size=size, komi=7.5, history=list(board.history), black="Black", white="White")
    return GoApp(ScriptedPlayer(), record=record)


def prepare(theme: str):
    async def run_before(pilot) -> None:
        pilot.app.theme = theme
        await pilot.press("end", "c", "m")  # the last move, play on from there, heat map on
        for _ in range(3):
            while any(not w.is_finished for w in pilot.app.workers):
                await asyncio.sleep(0.01)
            await pilot.pause()
    return run_before


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
def test_board_9x9(snap_compare, theme):
    assert snap_compare(app_with_game(9), terminal_size=(80, 24), run_before=prepare(theme))


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
def test_board_19x19_small_terminal(snap_compare, theme):
    assert snap_compare(app_with_game(19), terminal_size=(80, 24), run_before=prepare(theme))


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
def test_board_19x19_large_terminal(snap_compare, theme):
    assert snap_compare(app_with_game(19), terminal_size=(124, 46), run_before=prepare(theme))
