"""Snapshots of the board (pytest-textual-snapshot): 9x9 and 19x19, stones, the last move and
the heat map, on the dark and the light theme; the win-rate bar, graph and principal variation
with search, and a review's biggest drops.  Update with ``pytest --snapshot-update``."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("pytest_textual_snapshot")

from gocnn.go import coords  # noqa: E402
from gocnn.go.board import BLACK, WHITE, Board  # noqa: E402
from gocnn.tui.app import GoApp  # noqa: E402
from gocnn.tui.sgfio import OpenedGame  # noqa: E402
from test_tui_support import ScriptedPlayer, TableEvaluator  # noqa: E402

GAMES = {
    9: ["E5", "C3", "G4", "D6", "F7", "C5", "D4", "G6", "F6", "C7"],
    19: ["Q16", "D4", "Q4", "D16", "C14", "F17", "R10", "K10", "E14", "C3", "Q9", "P17"],
}


def app_with_game(size: int, player=None) -> GoApp:
    board = Board(size, komi=7.5)
    for i, v in enumerate(GAMES[size]):
        board.play(BLACK if i % 2 == 0 else WHITE, coords.to_flat(coords.from_gtp(v, size), size))
    record = OpenedGame(size=size, komi=7.5, history=list(board.history), black="Black", white="White")
    return GoApp(player or ScriptedPlayer(), record=record)


async def settle(pilot) -> None:
    for _ in range(3):
        while any(not w.is_finished for w in pilot.app.workers):
            await asyncio.sleep(0.01)
        await pilot.pause()


def prepare(theme: str, keys=("end", "c", "m")):
    async def run_before(pilot) -> None:
        pilot.app.theme = theme
        await settle(pilot)
        for key in keys:  # default: the last move, play on from there, heat map on
            await pilot.press(key)
            await settle(pilot)
    return run_before


# Black's chance after each move of the 19x19 game (and of the moves a search looks at beyond
# it): White's 10th move (C3) costs White 25%
BLACK_19 = [0.5, 0.52, 0.47, 0.5, 0.45, 0.48, 0.42, 0.44, 0.4, 0.45, 0.7, 0.68, 0.72, 0.66, 0.74, 0.7, 0.75]


def searching_app(visits: int = 50) -> GoApp:
    from gocnn.play.players import SearchPlayer
    evaluator = TableEvaluator(BLACK_19, policy=ScriptedPlayer().policy)
    # the stand-in's values alone (no random playouts mixed in): the picture is the evaluator's
    return app_with_game(19, SearchPlayer(evaluator=evaluator, visits=visits, mix=0.0))


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
def test_board_9x9(snap_compare, theme):
    assert snap_compare(app_with_game(9), terminal_size=(80, 24), run_before=prepare(theme))


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
def test_board_19x19_small_terminal(snap_compare, theme):
    assert snap_compare(app_with_game(19), terminal_size=(80, 24), run_before=prepare(theme))


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
def test_board_19x19_large_terminal(snap_compare, theme):
    assert snap_compare(app_with_game(19), terminal_size=(124, 46), run_before=prepare(theme))


def test_win_rate_bar_graph_and_variation_80x24(snap_compare):
    """Play on from the end with search: the bar, the graph over the game and the top move's
    variation as numbered stones (v)."""
    assert snap_compare(searching_app(), terminal_size=(80, 24),
                        run_before=prepare("textual-dark", ("end", "c", "v")))


def test_review_marks_the_biggest_drop_80x24(snap_compare):
    """Review of a loaded game: the win rates computed, d jumps to the biggest drop, marked on
    the graph and listed."""
    assert snap_compare(searching_app(visits=1), terminal_size=(80, 24),
                        run_before=prepare("textual-dark", ("d",)))
