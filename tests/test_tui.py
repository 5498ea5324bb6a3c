"""The terminal UI driven through Textual's Pilot: keys and clicks in, board and text out.

The net is replaced by deterministic players (tests/tui_players.py)."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("textual")

from gocnn.go import coords  # noqa: E402
from gocnn.go.board import BLACK, WHITE, Board  # noqa: E402
from gocnn.tui.app import GoApp  # noqa: E402
from gocnn.tui.board_view import BoardView  # noqa: E402
from gocnn.tui.screens import ConfirmScreen, GameSettings, HelpScreen, NewGameScreen, PathScreen  # noqa: E402
from gocnn.tui.sgfio import OpenedGame, load_sgf  # noqa: E402
from test_tui_support import BlockingPlayer, ScriptedPlayer, sync  # noqa: E402

SIZE = (100, 30)


async def settle(pilot, limit: float = 60.0) -> None:
    """Let the workers (the net's move, its policy, scoring) finish and the screen catch up."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    for _ in range(3):
        while any(not w.is_finished for w in pilot.app.workers) and loop.time() < deadline:
            await asyncio.sleep(0.01)
        await pilot.pause()


def gtp_moves(app: GoApp) -> list[str]:
    size = app.board.size
    return [f"{'B' if c == BLACK else 'W'} {coords.to_gtp(coords.from_flat(p, size) if p is not None else None, size)}"
            for c, p in app.board.moves]


def status(app: GoApp) -> str:
    return str(app.query_one("#status").render())


def panel(app: GoApp, name: str) -> str:
    return str(app.query_one(f"#{name}").render())


def screen_text(app: GoApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def flat(vertex: str, size: int) -> int:
    return coords.to_flat(coords.from_gtp(vertex, size), size)


async def click_point(pilot, vertex: str) -> None:
    view = pilot.app.query_one(BoardView)
    await pilot.click(BoardView, offset=view.point_offset(flat(vertex, view.state.size)))
    await settle(pilot)


def record(size: int, moves: list[str], komi: float = 7.5) -> OpenedGame:
    board = Board(size, komi=komi)
    for i, v in enumerate(moves):
        board.play(BLACK if i % 2 == 0 else WHITE, flat(v, size) if v != "pass" else None)
    return OpenedGame(size=size, komi=komi, history=list(board.history), black="B", white="W")


@sync
async def test_short_game_with_keys_and_clicks():
    app = GoApp(ScriptedPlayer(["C3", "G7", "C7"]), size=9)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.cursor == flat("E5", 9)
        await pilot.press("enter")  # E5, the cursor starts at the centre
        await settle(pilot)
        await pilot.press("up", "right", "space")  # F6
        await settle(pilot)
        await pilot.press("k", "l", "enter")  # G7 is taken by White: refused
        await settle(pilot)
        await pilot.press("h", "enter")  # F7
        await settle(pilot)
        await click_point(pilot, "D4")
        assert gtp_moves(app) == ["B E5", "W C3", "B F6", "W G7", "B F7", "W C7", "B D4", "W pass"]
        info = panel(app, "info")
        assert "Move 9" in info and "black to play (you)" in info
        assert app.dirty


@sync
async def test_illegal_moves_are_refused_with_a_message():
    # White stones at A2 and B1: Black at A1 would be suicide
    rec = OpenedGame(size=9, komi=7.5, history=[("setup", WHITE, (flat("A2", 9), flat("B1", 9)))])
    app = GoApp(ScriptedPlayer(["J9"]), record=rec)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.review == 0
        await pilot.press("c")  # play on from here: Black to move, so you are Black
        await settle(pilot)
        assert app.human == BLACK and app.review is None
        await click_point(pilot, "A1")
        assert "Illegal move A1: suicide" in status(app)
        assert app.board.moves == []
        await click_point(pilot, "A2")
        assert "Illegal move A2: occupied" in status(app)
        assert app.board.moves == []
        await click_point(pilot, "E5")
        assert gtp_moves(app) == ["B E5", "W J9"]


@sync
async def test_undo_takes_back_the_pair():
    app = GoApp(ScriptedPlayer(["C3", "G7", "C7"]), size=9)
    async with app.run_test(size=SIZE) as pilot:
        await click_point(pilot, "E5")
        await click_point(pilot, "D4")
        assert gtp_moves(app) == ["B E5", "W C3", "B D4", "W G7"]
        await pilot.press("u")
        await settle(pilot)
        assert gtp_moves(app) == ["B E5", "W C3"]
        assert app.board.to_move == BLACK
        await pilot.press("u")
        await settle(pilot)
        assert app.board.moves == [] and app.board.to_move == BLACK
        await pilot.press("u")
        await settle(pilot)
        assert "Nothing to undo" in status(app)


@sync
async def test_two_passes_end_the_game_with_an_area_score():
    app = GoApp(ScriptedPlayer([]), size=9, komi=7.5)  # the stand-in always passes
    async with app.run_test(size=SIZE) as pilot:
        await click_point(pilot, "E5")
        assert gtp_moves(app) == ["B E5", "W pass"]
        await pilot.press("p")
        await settle(pilot)
        assert app.result == "B+73.5"  # 81 points of area, komi 7.5
        notes = panel(app, "notes")
        assert "Result: B+73.5" in notes and "area score, dead stones estimated" in notes
        assert "area B 81, W 0" in notes
        await pilot.press("enter")
        await settle(pilot)
        assert "game is over" in status(app)
        await pilot.press("u")  # undo takes the passes back and the game goes on
        await settle(pilot)
        assert app.result is None and gtp_moves(app) == ["B E5", "W pass"]


@sync
async def test_dead_stones_are_shown_and_can_be_corrected():
    app = GoApp(ScriptedPlayer(["J9", "pass"]), size=9, komi=7.5)
    async with app.run_test(size=SIZE) as pilot:
        for v in ("D5", "E5", "E4", "E6", "F5"):
            await click_point(pilot, v)
            if app.board.to_move == WHITE:
                break
        await pilot.press("p")
        await settle(pilot)
        while app.result is None:  # the stand-in passes once its script is out
            await pilot.press("p")
            await settle(pilot)
        assert flat("J9", 9) in app.dead  # a lone white stone in Black's area
        assert app.query_one(BoardView).state.dead == frozenset(app.dead)
        before = app.result
        await click_point(pilot, "J9")  # say it lives after all
        assert flat("J9", 9) not in app.dead and app.result != before
        assert "adjusted" in panel(app, "notes")


@sync
async def test_save_then_open_gives_the_same_moves(tmp_path):
    app = GoApp(ScriptedPlayer(["C3", "G7", "C7"]), size=9)
    path = tmp_path / "game.sgf"
    async with app.run_test(size=SIZE) as pilot:
        for v in ("E5", "D4", "F6"):
            await click_point(pilot, v)
        played = gtp_moves(app)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, PathScreen)
        app.screen.query_one("#path").value = str(path)
        await pilot.press("enter")
        await settle(pilot)
        assert path.is_file() and not app.dirty
        assert "Saved 6 moves" in status(app)
        # open it again through the open dialog
        await pilot.press("o")
        await pilot.pause()
        app.screen.query_one("#path").value = str(path)
        await pilot.press("enter")
        await settle(pilot)
        assert app.review == 0
        await pilot.press("end")
        await settle(pilot)
        assert gtp_moves(app) == played
    rec = load_sgf(path)
    assert rec.size == 9 and rec.komi == 7.5 and rec.black == "You" and rec.white == "gocnn (scripted)"
    # and from the command line's --sgf
    app2 = GoApp(ScriptedPlayer(), sgf_path=str(path))
    async with app2.run_test(size=SIZE) as pilot:
        await pilot.press("end")
        await settle(pilot)
        assert gtp_moves(app2) == played


@sync
async def test_review_steps_and_shows_the_nets_view():
    moves = ["E5", "C3", "F6", "G7", "D4", "C7"]
    player = ScriptedPlayer()
    app = GoApp(player, record=record(9, moves))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.review == 0 and app.board.moves == []
        await pilot.press("right", "right", "right")
        await settle(pilot)
        assert app.review == 3 and app.board.move_number() == 3
        # the net's prediction for move 3 (Black F6) and the probability it gave it
        before = Board(9)
        before.play(BLACK, flat("E5", 9))
        before.play(WHITE, flat("C3", 9))
        probs = player.policy(before)
        notes = panel(app, "notes")
        assert "Move 3: black F6" in notes
        assert f"net gave it {probs[flat('F6', 9)] * 100:.1f}%" in notes
        best = int(probs.argmax())
        assert f"net expected {coords.to_gtp(coords.from_flat(best, 9), 9)}" in notes
        await pilot.press("left")
        await settle(pilot)
        assert app.review == 2
        await pilot.press("end")
        await settle(pilot)
        assert app.review == 6 and "Review: move 6 of 6" in panel(app, "info")
        await pilot.press("home")
        await settle(pilot)
        assert app.review == 0
        await pilot.press("right", "right", "right", "right", "c")  # play on from move 4 as Black
        await settle(pilot)
        assert app.review is None and app.human == BLACK and app.board.move_number() == 4
        assert app.total_moves == 4


@sync
async def test_heat_map_toggles_and_hint_marks_the_nets_choice():
    player = ScriptedPlayer(["C3"])
    app = GoApp(player, size=9)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = app.query_one(BoardView)
        assert view.state.heat is None
        await pilot.press("m")
        await settle(pilot)
        assert view.state.heat is not None and len(view.state.top) == 5
        best, prob = view.state.top[0]
        assert best == int(player.policy(app.board).argmax())
        assert f"{round(prob * 100):>2}%" in screen_text(app)  # 9x9 at 100x30 draws 4-column points
        assert "Net's top moves for black" in panel(app, "candidates")
        await pilot.press("t")
        await settle(pilot)
        assert app.hint == best and view.state.hint == best
        assert "Hint: the net would play" in status(app)
        await pilot.press("m")
        await settle(pilot)
        assert view.state.heat is None and view.state.top == ()


@sync
async def test_the_net_thinking_never_blocks_input():
    player = BlockingPlayer(["C3"])
    app = GoApp(player, size=9)
    async with app.run_test(size=SIZE) as pilot:
        await click_point_nowait(pilot, "E5")
        assert await asyncio.to_thread(player.started.wait, 10)
        assert app.thinking and "thinking" in status(app)
        cursor = app.cursor
        await pilot.press("left", "m")  # the UI still answers while the net is busy
        await pilot.pause()
        assert app.cursor == cursor - 1 and app.show_heat
        await pilot.press("enter")
        await pilot.pause()
        assert "Wait for the net" in status(app)
        await pilot.press("u")  # take back the move the net is thinking about
        await pilot.pause()
        assert not app.thinking and app.board.moves == []
        player.release.set()
        await settle(pilot)
        assert app.board.moves == []  # the late reply was dropped


async def click_point_nowait(pilot, vertex: str) -> None:
    view = pilot.app.query_one(BoardView)
    await pilot.click(BoardView, offset=view.point_offset(flat(vertex, view.state.size)))
    await pilot.pause()


@sync
async def test_new_game_dialog_white_with_handicap():
    app = GoApp(ScriptedPlayer(["E5", "D4"]), size=19)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, NewGameScreen)
        app.screen.query_one("#size").value = 9
        app.screen.query_one("#color").value = "white"
        app.screen.query_one("#handicap").value = "2"
        await pilot.click("#start")
        await settle(pilot)
        assert app.board.size == 9 and app.human == WHITE and app.board.komi == 0.5
        assert len(app.board.stones(BLACK)) == 2
        assert app.board.to_move == WHITE  # handicap: White (you) moves first
        await click_point(pilot, "E5")
        assert gtp_moves(app) == ["W E5", "B D4"]


@sync
async def test_new_game_dialog_refuses_a_bad_handicap():
    app = GoApp(ScriptedPlayer(), size=9)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        app.screen.query_one("#handicap").value = "1"
        await pilot.click("#start")
        await pilot.pause()
        assert isinstance(app.screen, NewGameScreen)
        assert "handicap" in str(app.screen.query_one("#dialog-error").render())
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, NewGameScreen)


@sync
async def test_resign_and_clock():
    app = GoApp(ScriptedPlayer(["C3"]), size=9, main_time=1.0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "01:00" in panel(app, "info")
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert app.result == "W+R"
    app = GoApp(ScriptedPlayer(["C3"]), size=9, main_time=1.0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.clock[BLACK] = 0.0
        app._tick_clock()
        await settle(pilot)
        assert app.result == "W+T" and "ran out of time" in panel(app, "notes")


@sync
async def test_quit_asks_first_when_the_game_is_unsaved():
    app = GoApp(ScriptedPlayer(["C3"]), size=9)
    async with app.run_test(size=SIZE) as pilot:
        await click_point(pilot, "E5")
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen) and not app._exit
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app._exit
    fresh = GoApp(ScriptedPlayer(), size=9)
    async with fresh.run_test(size=SIZE) as pilot:
        await pilot.press("q")  # nothing to lose: no question
        await pilot.pause()
        assert fresh._exit


@sync
async def test_player_loads_in_a_worker_and_falls_back_with_a_notice():
    from gocnn.play.policy import RandomPlayer

    def factory():
        return RandomPlayer(seed=3), "no net (test): playing random moves"

    app = GoApp(player_factory=factory, size=9, color="white")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.player, RandomPlayer)
        assert app.board.move_number() == 1  # the (random) net, Black, has moved
        assert "gocnn (random)" in panel(app, "info")


# ---------------------------------------------------------------------- issue 15: what the screen shows
def board_lines(app: GoApp) -> list[str]:
    """The board widget's text, line by line (no side panel, no status)."""
    view = app.query_one(BoardView)
    return [view.render_line(y).text for y in range(view.size.height)]


GAME_19 = ["Q16", "D4", "Q4", "D16", "C14", "F17"]
LETTERS_19 = "A B C D E F G H J K L M N O P Q R S T"


def net_with_win_rates():
    """A searching player whose net has a value head (visits=1: its value, at once), so that
    the win-rate panel, its graph and the summary's win rate take their room."""
    from gocnn.play.players import SearchPlayer
    from test_tui_support import TableEvaluator
    return SearchPlayer(evaluator=TableEvaluator([0.5, 0.6, 0.3, 0.7, 0.2, 0.8, 0.4], policy=ScriptedPlayer().policy),
                        visits=1)


@pytest.mark.parametrize("player", ["scripted", "net"])
@pytest.mark.parametrize("terminal", [(64, 24), (72, 24), (80, 22), (80, 24), (200, 60), (64, 50)])
@sync
async def test_the_19x19_board_shows_whole_from_64x24_up(terminal, player):
    app = GoApp(ScriptedPlayer() if player == "scripted" else net_with_win_rates(), record=record(19, GAME_19))
    async with app.run_test(size=terminal) as pilot:
        await settle(pilot)
        await pilot.press("end", "c")
        await settle(pilot)
        text = screen_text(app)
        lines = text.splitlines()
        # every column letter, once below the board at least; rows 19 and 1 with both corners
        assert any(LETTERS_19 in line.replace("   ", " ") for line in lines), text
        top = next(line for line in lines if "┌" in line)
        bottom = next(line for line in lines if "└" in line)
        assert "19" in top and "┐" in top and " 1" in bottom and "┘" in bottom, text
        # the cursor is on the board and moves stay on it
        view = app.query_one(BoardView)
        assert view.geometry().fits
        await pilot.press(*["right"] * 12, *["down"] * 12)
        await settle(pilot)
        g = view.geometry()
        offset = view.point_offset(app.cursor)
        assert 0 <= offset.x < view.size.width and 0 <= offset.y < view.size.height
        assert g.width <= view.size.width and g.height <= view.size.height
        # who is to play is on screen, beside, below or in the summary line
        assert "You" in text and "gocnn" in text
        if player == "net":  # and the win rate: in the panel, or the summary line
            assert "%" in text and ("Win rate" in text or "B win" in text), text


@pytest.mark.parametrize("terminal", [(50, 18), (60, 20)])
@sync
async def test_a_terminal_too_small_for_the_board_says_what_it_needs(terminal):
    app = GoApp(ScriptedPlayer(), record=record(19, GAME_19))
    async with app.run_test(size=terminal) as pilot:
        await settle(pilot)
        text = " ".join(screen_text(app).split())
        assert "The 19x19 board needs a terminal of at least 42x22" in text
        assert f"this one is {terminal[0]}x{terminal[1]}" in text
        assert "┌" not in text and "┼" not in text  # no clipped board
    small = GoApp(ScriptedPlayer(), record=record(9, ["E5", "C3"]))
    async with small.run_test(size=terminal) as pilot:  # a 9x9 board fits
        await settle(pilot)
        text = screen_text(small)
        assert "A B C D E F G H J" in text and "┌" in text and "┘" in text


@pytest.mark.parametrize("terminal", [(80, 24), (124, 46), (200, 60)])
@sync
async def test_black_and_white_stones_differ_in_shape(terminal):
    app = GoApp(ScriptedPlayer(), record=record(19, GAME_19))
    async with app.run_test(size=terminal) as pilot:
        await settle(pilot)
        await pilot.press("end")
        await settle(pilot)
        board = "\n".join(board_lines(app))
        assert board.count("●") == 3 and board.count("○") == 3, board  # B Q16 Q4 C14, W D4 D16 F17
        row16 = next(line for line in board_lines(app) if line.strip().startswith("16"))
        assert row16.index("○") < row16.index("●")  # W D16 left of B Q16


@pytest.mark.parametrize("key", ["q", "o", "question_mark"])
@sync
async def test_dialogs_leave_no_stray_characters_beside_them(key):
    app = GoApp(ScriptedPlayer(["C3"]), size=19)
    async with app.run_test(size=(80, 24)) as pilot:
        await click_point(pilot, "Q16")
        await pilot.press(key)
        await settle(pilot)
        assert isinstance(app.screen, (ConfirmScreen, PathScreen, HelpScreen))
        for line in screen_text(app).splitlines():
            if "█" in line:  # a row of the dialog: nothing right of its border
                assert line[line.rindex("█") + 1:].strip() == "", line


@sync
async def test_a_record_keeps_its_players_names_when_the_net_loads():
    from gocnn.play.policy import RandomPlayer

    rec = record(19, GAME_19)
    rec.black, rec.white = "swedish2k", "swedish1k"
    app = GoApp(player_factory=lambda: (RandomPlayer(seed=1), None), record=rec)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.player is not None  # the net (here a random player) has loaded meanwhile
        info = panel(app, "info")
        assert "swedish2k" in info and "swedish1k" in info
        assert "gocnn" not in info and "You" not in info
        await pilot.press("end", "c")  # playing on: now it is you against the net
        await settle(pilot)
        info = panel(app, "info")
        assert "You" in info and "gocnn (random)" in info


@pytest.mark.parametrize("key,then", [("o", PathScreen), ("n", NewGameScreen)])
@sync
async def test_open_and_new_ask_before_dropping_an_unsaved_game(key, then):
    app = GoApp(ScriptedPlayer(["C3"]), size=9)
    async with app.run_test(size=SIZE) as pilot:
        await click_point(pilot, "E5")
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # keep it
        await pilot.pause()
        assert not isinstance(app.screen, (ConfirmScreen, then))
        assert gtp_moves(app) == ["B E5", "W C3"]
        await pilot.press(key)
        await pilot.pause()
        await pilot.press("y")  # discard it
        await pilot.pause()
        assert isinstance(app.screen, then)


@sync
async def test_playing_on_from_an_earlier_move_asks_before_dropping_the_later_ones():
    app = GoApp(ScriptedPlayer(["C3", "G7"]), size=9)
    async with app.run_test(size=SIZE) as pilot:
        await click_point(pilot, "E5")
        await click_point(pilot, "D4")
        await pilot.press("r", "left", "left", "c")  # back to move 2, play on from there
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert app.review == 2 and app.total_moves == 4
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert app.review is None and gtp_moves(app) == ["B E5", "W C3"]


class NineteenOnly(ScriptedPlayer):
    """A net like the shipped one: its own policy on 19x19 only (``plays_size``)."""

    class config:  # noqa: N801 - stands for a PolicyConfig
        board_size = 19

    def plays_size(self, size: int) -> bool:
        return size == 19


@sync
async def test_a_net_without_a_policy_for_the_size_says_so_for_as_long_as_it_holds():
    app = GoApp(NineteenOnly(["C3", "G7"]), size=9)
    notice = "trained for 19x19 only; on 9x9 it plays from a uniform policy"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert notice in " ".join(panel(app, "candidates").split())
        await click_point(pilot, "E5")
        await click_point(pilot, "D4")  # moves later it is still there
        assert notice in " ".join(panel(app, "candidates").split())
        assert "%" not in panel(app, "candidates")  # no 1.2% / 1.2% / 1.2% list
        await pilot.press("t")
        await settle(pilot)
        assert app.hint is None and "No hint: this net was trained for 19x19 only" in status(app)
    narrow = GoApp(NineteenOnly(), size=9)
    async with narrow.run_test(size=(50, 24)) as pilot:  # the panel folded: the summary says it
        await settle(pilot)
        assert notice in " ".join(screen_text(narrow).split())
    app = GoApp(NineteenOnly(), size=19)
    async with app.run_test(size=SIZE) as pilot:  # on 19x19: no notice, the net's top moves
        await settle(pilot)
        assert "uniform" not in screen_text(app) and "%" in panel(app, "candidates")
        app.start_game(GameSettings(13, "black", 0, None))
        await settle(pilot)
        assert "on 13x13 it plays from a uniform policy" in " ".join(panel(app, "candidates").split())


@sync
async def test_a_random_player_instead_of_the_net_is_said_for_good(monkeypatch):
    from gocnn.play.policy import RandomPlayer

    warmed = []
    monkeypatch.setattr("gocnn.go.scoring.warm_up", lambda: warmed.append(True))
    app = GoApp(player_factory=lambda: (RandomPlayer(seed=3), "no net (test): playing random moves"), size=9)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert warmed  # the scoring playouts load with the player, not on the first pass
        await click_point(pilot, "E5")
        await click_point(pilot, "D4")
        assert "random moves" in panel(app, "candidates")  # still there two moves later


@sync
async def test_passing_twice_in_a_row_ends_the_game_with_a_score():
    app = GoApp(ScriptedPlayer(["C3", "G7", "C7", "G3"]), size=9, komi=7.5)  # the net plays on
    async with app.run_test(size=SIZE) as pilot:
        await click_point(pilot, "E5")
        await pilot.press("p")
        await settle(pilot)
        assert gtp_moves(app) == ["B E5", "W C3", "B pass", "W G7"] and app.result is None
        await pilot.press("p")
        await settle(pilot)
        assert gtp_moves(app) == ["B E5", "W C3", "B pass", "W G7", "B pass"]  # no C7: it is over
        assert app.result is not None and app.result[:2] in ("B+", "W+") and app.scored_by_passes
        assert app.query_one(BoardView).state.owner is not None  # areas (and any dead stones) drawn
        assert "Game over: " + app.result in status(app) and "area B " in status(app)
        assert f"Result: {app.result}" in panel(app, "notes")


@sync
async def test_a_long_status_message_shows_whole_on_two_lines():
    app = GoApp(ScriptedPlayer(["C3", "G7"]), size=9, komi=7.5)
    async with app.run_test(size=(80, 24)) as pilot:
        await click_point(pilot, "E5")
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        message = " ".join(status(app).split())
        assert len(message) > 78 and message.endswith("click a chain to change it).")
        assert message in " ".join(screen_text(app).split())


@sync
async def test_a_status_message_goes_when_the_position_moves_on():
    app = GoApp(ScriptedPlayer(), record=record(9, ["E5", "C3", "G7", "C7"]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # in review: you cannot play here
        await pilot.pause()
        assert "Reviewing" in status(app)
        await pilot.press("right", "right")
        await settle(pilot)
        assert "Reviewing" not in status(app) and app.review == 2


@sync
async def test_the_panel_never_says_move_0_game_over():
    app = GoApp(ScriptedPlayer(), size=9)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        info = panel(app, "info")
        assert "Move 0" not in info and "Game over: W+R" in info


def write_archive(path, games: list[tuple[str, str]]) -> None:
    """A .tar.gz of 19x19 games, one per (black, white) pair."""
    import io
    import tarfile

    with tarfile.open(path, "w:gz") as tf:
        for i, (black, white) in enumerate(games):
            data = f"(;FF[4]SZ[19]KM[6.5]PB[{black}]PW[{white}];B[pd];W[dp];B[{'pp' if i else 'dd'}])".encode()
            info = tarfile.TarInfo(f"kgs/game{i}.sgf")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))


@sync
async def test_opening_an_archive_lists_its_games_to_pick_one(tmp_path):
    from gocnn.tui.screens import ChooseGameScreen

    path = tmp_path / "games.tar.gz"
    write_archive(path, [("swedish2k", "swedish1k"), ("ann", "bob")])
    app = GoApp(ScriptedPlayer(), size=9)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await pilot.pause()
        app.screen.query_one("#path").value = str(path)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ChooseGameScreen)
        text = screen_text(app)
        assert "2 games in games.tar.gz" in text and "kgs/game1.sgf  ann - bob" in text
        await pilot.press("down", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, ChooseGameScreen) and app.review == 0
        assert app.names == {BLACK: "ann", WHITE: "bob"} and app.total_moves == 3
        await pilot.press("end")
        await settle(pilot)
        assert gtp_moves(app)[-1] == "B Q4"  # the second game's last move
    # --sgf ARCHIVE: the list comes up at once
    app = GoApp(ScriptedPlayer(), sgf_path=str(path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ChooseGameScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert app.names == {BLACK: "swedish2k", WHITE: "swedish1k"}
