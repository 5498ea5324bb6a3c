"""The terminal UI with search (issues 16 and 17): strength, the win-rate bar and graph, the
principal variation on the board, and the review's win rates with the biggest drops.

The net is a real SearchPlayer over stand-in evaluators (tests/search_fakes.py,
tests/test_tui_support.py), except in the last test, which plays the shipped net."""

from __future__ import annotations

import threading

import pytest

pytest.importorskip("textual")

from gocnn.go import coords  # noqa: E402
from gocnn.go.board import BLACK, WHITE, Board  # noqa: E402
from gocnn.play.players import SearchPlayer  # noqa: E402
from gocnn.tui import analysis  # noqa: E402
from gocnn.tui.app import GoApp  # noqa: E402
from gocnn.tui.board_view import BoardView  # noqa: E402
from gocnn.tui.session import GameSession, GameSettings, replay_positions  # noqa: E402
from gocnn.tui.winrate import Drop, bar, columns, drops, fit_words, graph_rows  # noqa: E402
from gocnn.tui.winrate_view import WinrateView  # noqa: E402
from search_fakes import MaterialEvaluator  # noqa: E402
from test_tui import board_lines, click_point, click_point_nowait, flat, record, settle, status  # noqa: E402
from test_tui_support import NineteenOnlyEvaluator, NoValueEvaluator, ScriptedPlayer, TableEvaluator, sync  # noqa: E402,E501

SIZE = (100, 30)


def winrate_text(app: GoApp) -> str:
    view = app.query_one(WinrateView)
    return "\n".join(line.plain for line in view._lines(view.content_size.width or 31))


# ---------------------------------------------------------------------- the pure parts
def test_drops_are_what_the_mover_lost_biggest_first():
    # Black's chance after each move: Black's move 3 drops it 0.52 -> 0.2, White's pass (move 6)
    # lets it climb 0.2 -> 0.6; White's move 2 (0.55 -> 0.52) is White's gain, and the 2%
    # moves are too small to list
    values = {0: 0.5, 1: 0.55, 2: 0.52, 3: 0.2, 4: 0.22, 5: 0.2, 6: 0.6}
    movers = [(BLACK, 1), (WHITE, 2), (BLACK, 3), (WHITE, 4), (BLACK, 5), (WHITE, None)]
    found = drops(values, movers)
    assert [(d.move, d.color, d.point) for d in found] == [(6, WHITE, None), (3, BLACK, 3)]
    assert found[0].loss == pytest.approx(0.4) and found[1].loss == pytest.approx(0.32)
    # a move next to an unknown position is not judged
    assert [d.move for d in drops({0: 0.5, 1: 0.1}, movers)] == [1]
    assert drops({0: 0.5, 2: 0.1}, movers) == []


def test_drops_name_the_player_who_moved():
    movers = [(BLACK, 10), (WHITE, 20)]
    assert drops({0: 0.5, 1: 0.5, 2: 0.9}, movers) == [Drop(2, WHITE, 20, pytest.approx(0.4))]


def test_the_bar_and_the_graph_read_without_colour():
    assert bar(0.25, 8) == "██░░░░░░"
    assert bar(1.0, 4) == "████" and bar(0.0, 4) == "░░░░"
    # one column a position while they fit; Black's chance fills from the bottom
    assert graph_rows({0: 0.5, 1: 1.0, 2: 0.0}, 2, 31, 2) == [" █ ", "██▁"]
    assert graph_rows({0: 0.75}, 2, 31, 2) == ["▄  ", "█  "]  # unknown positions stay blank
    # more positions than columns: each column is the mean of its positions
    cols = columns({i: (1.0 if i < 50 else 0.0) for i in range(100)}, 99, 10)
    assert len(cols) == 10 and cols[0] == (0, 9, 1.0) and cols[-1] == (90, 99, 0.0)


def test_a_long_variation_is_cut_between_moves():
    assert fit_words("PV Q16 K4 C6 F4 B4 C3 C9 O17 R14", 31) == "PV Q16 K4 C6 F4 B4 C3 C9 O17…"  # not "R1"
    assert fit_words("PV Q16 K4", 31) == "PV Q16 K4"


def test_replay_positions_walks_the_line_once():
    board = Board(9, komi=7.5)
    board.place_handicap(2)
    for color, v in [(WHITE, "E5"), (BLACK, "E4"), (WHITE, None)]:
        board.play(color, None if v is None else flat(v, 9))
    got = list(replay_positions(board.history, 9, 7.5))
    assert [i for i, _ in got] == [0, 1, 2, 3]
    assert got[0][1].move_number() == 0 and len(got[0][1].stones(BLACK)) == 2
    assert got[-1][1].history == board.history


def test_the_session_keeps_win_rates_for_its_line_only():
    game = GameSession(GameSettings(9))
    game.play(BLACK, flat("E5", 9))
    old = list(game.board.history)
    assert game.note_winrate(old, 0.6) and game.winrates == {1: 0.6}
    game.play(WHITE, flat("C3", 9))
    assert game.note_winrate(game.board.history, 0.4)
    game.undo()  # takes back C3 (the net's) and E5: their values go
    assert game.winrates == {}
    game.play(BLACK, flat("D4", 9))
    assert not game.note_winrate(old, 0.6)  # a position of the old line: dropped
    assert game.missing_winrates() == [0, 1]


def test_position_view_says_no_value_head_rather_than_fifty_percent():
    board = Board(9)
    policy_only = SearchPlayer(evaluator=NoValueEvaluator([]), visits=1)
    view = analysis.position_view(policy_only, board)
    assert view.black is None and "no value head" in view.note
    valued = SearchPlayer(evaluator=TableEvaluator([0.7]), visits=1)
    assert analysis.position_view(valued, board).black == pytest.approx(0.7)
    searching = SearchPlayer(evaluator=MaterialEvaluator(), visits=16)
    view = analysis.position_view(searching, board)
    assert view.visits >= 16 and view.moves and view.pv[0] == view.moves[0].move


def test_game_values_use_the_nets_value_or_a_small_search():
    line = record(9, ["E5", "C3", "D4"]).history
    table = TableEvaluator([0.5, 0.6, 0.3, 0.8])
    got = list(analysis.game_values(SearchPlayer(evaluator=table, visits=200), line, 9, 7.5, [0, 1, 2, 3],
                                    stop=lambda: False))
    assert [v for _, v in got] == pytest.approx([0.5, 0.6, 0.3, 0.8]) and table.calls == 4  # one call each, no search
    blind = NoValueEvaluator([])
    got = list(analysis.game_values(SearchPlayer(evaluator=blind, visits=200), line, 9, 7.5, [2, 3],
                                    stop=lambda: False, visits=8))
    assert [sum(e[0] == "move" for e in h) for h, _ in got] == [2, 3]
    assert all(0.0 <= v <= 1.0 for _, v in got) and blind.calls > 4  # searched
    assert list(analysis.game_values(ScriptedPlayer(), line, 9, 7.5, [0], stop=lambda: False)) == []


def test_with_visits_keeps_the_net_and_changes_the_strength():
    ev = MaterialEvaluator()
    player = SearchPlayer(evaluator=ev, visits=200, resign_threshold=0.9)
    other = analysis.with_visits(player, 800)
    assert other.evaluator is ev and other.config.visits == 800 and other.resign_threshold == 0.9
    assert analysis.with_visits(ScriptedPlayer(), 800) is None


# ---------------------------------------------------------------------- the app
def searcher(visits: int = 50, evaluator=None) -> SearchPlayer:
    return SearchPlayer(evaluator=evaluator or MaterialEvaluator(), visits=visits)


@sync
async def test_the_net_searches_and_the_bar_shows_blacks_chance():
    player = searcher(50)
    app = GoApp(player, size=9)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "50 visits" in winrate_text(app)
        start = app.shown_view()
        assert start is not None and start.visits >= 50  # your turn: the search looked at it
        await click_point(pilot, "E5")
        assert app.board.move_number() == 2  # the net replied, by search
        text = winrate_text(app)
        view = app.shown_view()
        assert view.black is not None
        black = round(view.black * 100)
        assert f"● {black}%" in text and f"{100 - black}% ○" in text
        # the graph has a point for every position so far, from what the searches found: your
        # position's search, your move's value in it, and the net's move's value in its own
        assert sorted(app.game.winrates) == [0, 1, 2]
        assert all(0.0 <= v <= 1.0 for v in app.game.winrates.values())
        assert app.player.last_analysis is not None  # the net's move came from its search


@sync
async def test_keys_answer_while_the_search_waits_for_the_net():
    """The search runs in workers: while the net is stuck, the cursor, the heat map, the
    variation and the strength keys still answer (none of them waits for the search's lock)."""
    gate = threading.Event()
    table = TableEvaluator([0.5] * 10, gate=gate, free=1)  # the policy, then the search waits
    app = GoApp(SearchPlayer(evaluator=table, visits=50), size=9)
    async with app.run_test(size=SIZE) as pilot:
        while app.policy_of(app.board) is None:
            await pilot.pause()  # the top moves are in; the search of your position is stuck
        cursor = app.cursor
        await pilot.press("left", "m", "v", "plus")
        await pilot.pause()
        assert table.calls == 1  # the search is still stuck: the keys did not wait for it
        assert app.cursor == cursor - 1 and app.show_heat and app.show_pv
        assert app.visits == 200 and app.player.config.visits == 200
        assert "looking..." in winrate_text(app)
        gate.set()
        await settle(pilot)
        assert app.shown_view() is not None and app.shown_view().visits >= 200


@sync
async def test_undo_while_the_net_searches_stops_its_search():
    table = TableEvaluator([0.5] * 10)
    app = GoApp(SearchPlayer(evaluator=table, visits=800), size=9)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # your position searched (800 visits) and kept
        table.gate, table.free = threading.Event(), table.calls  # from now on the net is stuck
        before = table.calls
        await click_point_nowait(pilot, "E5")
        while not app.thinking:
            await pilot.pause()
        await pilot.press("u")
        await pilot.pause()
        assert app.board.moves == [] and not app.thinking
        table.gate.set()
        await settle(pilot)
        # the cancelled search stopped after the batch it was in (8 leaves), not 800 visits on
        assert table.calls - before <= 16, table.calls - before
        assert app.board.moves == []


@sync
async def test_a_net_without_a_policy_for_the_size_plays_without_search():
    """On 9x9 the shipped net has no policy: a search from a uniform prior would favour A1, B1
    ...; the net plays as the policy alone does there (random sensible moves) and says why it
    shows no win rate."""
    ev = NineteenOnlyEvaluator([0.5] * 10)
    player = SearchPlayer(evaluator=ev, visits=200)
    app = GoApp(player, record=record(9, ["E5", "C3"]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "the net does not play 9x9" in " ".join(winrate_text(app).split())
        assert "no search on 9x9" in winrate_text(app)
        assert "win rates:" not in winrate_text(app) and app.game.winrates == {}  # no review values
        await pilot.press("end", "c")
        await settle(pilot)
        before = ev.calls
        await click_point(pilot, "D4")
        assert app.board.move_number() == 4
        assert player.last_analysis is None and ev.calls - before < 10  # no search ran


@sync
async def test_strength_keys_step_through_the_levels():
    app = GoApp(searcher(50, NoValueEvaluator([])), size=9)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("plus")
        await settle(pilot)
        assert app.visits == 200 and app.player.config.visits == 200
        assert "Strength: 200 visits (playouts) a move" in status(app)
        await pilot.press("minus", "minus")
        await settle(pilot)
        assert app.visits == 1 and app.player.config.visits == 1
        assert "policy only" in winrate_text(app)
        assert "no value head" in winrate_text(app) and "%" not in winrate_text(app).splitlines()[1]
        await click_point(pilot, "E5")
        assert app.board.move_number() == 2  # the policy alone answers
    fixed = GoApp(ScriptedPlayer(), size=9)
    async with fixed.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("plus")
        await pilot.pause()
        assert "does not search" in status(fixed) and not fixed.query_one(WinrateView).display


@sync
async def test_v_draws_the_principal_variation_as_numbered_stones():
    app = GoApp(searcher(50), size=9)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await click_point(pilot, "E5")
        await pilot.press("v")
        await settle(pilot)
        view = app.shown_view()
        pv = [p for p in view.pv if p is not None]
        assert pv, view
        stones = app.query_one(BoardView).state.pv
        assert [p for p, _, _ in stones] == pv[:10]
        assert stones[0][1] == app.board.to_move and stones[0][2] == 1
        first = coords.to_gtp(coords.from_flat(pv[0], 9), 9)
        assert f"PV {first}" in winrate_text(app)
        row = pv[0] // 9 + 1
        line = next(t for t in board_lines(app) if t.strip().startswith(str(row)))
        assert "1" in line[4:]  # the numbered stone, beyond the row label
        # hovering another move the search looked at shows that move's line
        other = next(m for m in view.moves if m.move is not None and m.move != pv[0])
        await pilot.hover(BoardView, offset=app.query_one(BoardView).point_offset(other.move))
        await pilot.pause()
        assert app.query_one(BoardView).state.pv[0][0] == other.move
        await pilot.press("v")
        await pilot.pause()
        assert app.query_one(BoardView).state.pv == ()


@sync
async def test_review_computes_the_win_rates_in_a_worker_and_lists_the_drops():
    # Black's chance after each move: Black's 3rd move (move 5, F7) throws 30% away; the
    # other moves gain or lose at most 2% for their player
    black = [0.5, 0.55, 0.5, 0.52, 0.4, 0.1, 0.12, 0.1]
    gate = threading.Event()
    player = SearchPlayer(evaluator=TableEvaluator(black, gate=gate), visits=1)
    moves = ["E5", "C3", "G4", "D6", "F7", "C5", "D4"]
    app = GoApp(player, record=record(9, moves))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert "win rates: 0/8 positions" in winrate_text(app)
        await pilot.press("right", "right")  # the net is busy; the keys still answer
        await pilot.pause()
        assert app.review == 2
        gate.set()
        await settle(pilot)
        assert app.game.winrates == pytest.approx(dict(enumerate(black)))
        text = winrate_text(app)
        assert "win rates:" not in text and "Biggest drops" in text
        assert "5B F7 -30%" in text and "4W D6 -" not in text  # 0.52 -> 0.4 is White's gain
        found = app.game.biggest_drops()
        assert [d.move for d in found] == [5]
        await pilot.press("d")
        await settle(pilot)
        assert app.review == 5 and "lost 30%" in status(app)
        # the graph marks the drop and the move shown
        graph = app.query_one(WinrateView)._graph(31)
        assert len(graph) == 2 and len(graph[0].plain) == 8
        styles = {str(s.style) for s in graph[1].spans}
        assert "reverse" in styles


@sync
async def test_a_game_opened_while_the_net_loads_gets_its_win_rates_once_it_has():
    black = [0.5, 0.6, 0.9, 0.7]  # White's C3 costs White 30%, Black's D4 costs Black 20%
    app = GoApp(player_factory=lambda: (SearchPlayer(evaluator=TableEvaluator(black), visits=1), None),
                record=record(9, ["E5", "C3", "D4"]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # no key pressed
        assert app.game.winrates == pytest.approx(dict(enumerate(black)))
        assert "Biggest drops" in winrate_text(app) and "2W C3 -30%  3B D4 -20%" in winrate_text(app)


@sync
async def test_the_shipped_net_plays_with_search_and_shows_its_win_rate():
    """The real net, whichever is installed: at strength 1 the bar is the net's value, or says
    "no value head" (the v1-v5 policy nets); with search it is the search's value (from random
    playouts without a value head), and v shows the search's line."""
    pytest.importorskip("torch")
    from gocnn.model import default_model_path
    if not default_model_path().is_file():
        pytest.skip("the shipped net is not installed")
    app = GoApp(player_factory=lambda: analysis.load_player(None, visits=1), size=19, visits=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.player, SearchPlayer) and app.player_notice is None
        valued = analysis.has_value_head(app.player)
        bar_line = winrate_text(app).splitlines()[1]
        assert "policy only" in winrate_text(app)
        assert ("%" in bar_line) if valued else ("no value head" in bar_line and "%" not in bar_line)
        await pilot.press("plus")  # 50 visits
        await settle(pilot)
        await click_point(pilot, "Q16")
        assert app.board.move_number() == 2
        text = winrate_text(app)
        assert ("50 visits" + ("" if valued else " (playouts)")) in text and "%" in text.splitlines()[1]
        assert sorted(app.game.winrates) == [0, 1, 2]
        await pilot.press("v")
        await settle(pilot)
        assert app.query_one(BoardView).state.pv


# ---------------------------------------------------------------------- the command line
def test_play_takes_visits_and_random(monkeypatch):
    from gocnn.cli import build_parser, main
    from gocnn.play.policy import RandomPlayer
    from gocnn.cli.play import cmd_play
    from gocnn.tui import PlayConfig, run_play

    args = build_parser().parse_args(["play", "--visits", "800", "--random"])
    assert (args.visits, args.random) == (800, True)
    assert build_parser().parse_args(["play"]).visits is None
    with pytest.raises(SystemExit) as stop:
        main(["play", "--visits", "0"])
    assert stop.value.code == 2
    started = []
    monkeypatch.setattr(GoApp, "run", lambda self, *a, **k: started.append(self))
    cmd_play(args)
    app = started[0]
    player, notice = app._player_factory()
    assert isinstance(player, RandomPlayer) and "random" in notice and app.visits == 800
    run_play(PlayConfig())
    assert started[1].visits == analysis.DEFAULT_VISITS == 200

