"""The terminal UI's parts that need no screen: SGF save/open, dead stones, the net's figures,
board geometry, the command line."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from gocnn.go import coords
from gocnn.go.board import BLACK, WHITE, Board
from gocnn.play.policy import RandomPlayer
from gocnn.errors import GocnnError
from gocnn.tui import analysis
from gocnn.tui.board_view import _fit, hoshi_points
from gocnn.go.sgf import history_to_sgf
from gocnn.tui.sgfio import archive_games, load_sgf, parse_sgf, save_sgf


def flat(v: str, size: int = 9) -> int:
    return coords.to_flat(coords.from_gtp(v, size), size)


def played(size: int, moves: list[str], handicap: int = 0) -> Board:
    board = Board(size, komi=0.5 if handicap else 7.5)
    if handicap:
        board.place_handicap(handicap)
    for v in moves:
        board.play(board.to_move, None if v == "pass" else flat(v, size))
    return board


# ---------------------------------------------------------------------- SGF
@pytest.mark.parametrize("size,moves,handicap", [
    (9, ["E5", "C3", "pass", "G7", "pass", "pass"], 0),
    (19, ["Q16", "D4", "C16"], 0),
    (19, ["Q4", "C3", "R16"], 3),  # White moves first after the handicap stones
    (9, [], 0),
])
def test_sgf_round_trip(tmp_path, size, moves, handicap):
    board = played(size, moves, handicap)
    path = save_sgf(tmp_path / "g.sgf", board.history, size, board.komi, black="Ann", white="gocnn",
                    result="B+R", handicap=handicap, date=dt.date(2024, 5, 1))
    rec = load_sgf(path)
    assert (rec.size, rec.komi, rec.black, rec.white, rec.result, rec.handicap) == \
        (size, board.komi, "Ann", "gocnn", "B+R", handicap)
    assert rec.moves == board.moves
    again = Board(size, komi=rec.komi)
    again.replay(rec.history)
    assert again.colors == board.colors and again.to_move == board.to_move


def test_sgf_text_has_the_game_facts():
    board = played(9, ["E5", "C3"])
    text = history_to_sgf(board.history, 9, 6.5, black="You", white="gocnn", result="W+2.5",
                          date=dt.date(2024, 5, 1).isoformat()).decode()
    for prop in ("SZ[9]", "KM[6.5]", "PB[You]", "PW[gocnn]", "RE[W+2.5]", "DT[2024-05-01]", ";B[ee]", ";W[cg]"):
        assert prop in text


def test_sgf_illegal_move_stops_the_replay():
    rec = parse_sgf(b"(;FF[4]SZ[9];B[ee];W[ee];B[cc])")
    assert rec.moves == [(BLACK, flat("E5"))]
    assert rec.problems and "occupied" in rec.problems[0]


def test_sgf_errors_are_user_errors(tmp_path):
    with pytest.raises(GocnnError):
        load_sgf(tmp_path / "missing.sgf")
    (tmp_path / "bad.sgf").write_text("this is not sgf")
    with pytest.raises(GocnnError):
        load_sgf(tmp_path / "bad.sgf")


def test_an_archive_is_not_read_as_one_game(tmp_path):
    import shutil

    from test_tui import write_archive

    archive = tmp_path / "games.tar.gz"
    write_archive(archive, [("a", "b"), ("c", "d")])
    with pytest.raises(GocnnError, match="is an archive of games, not one game.*pick a game"):
        load_sgf(archive)
    renamed = shutil.copy(archive, tmp_path / "games.sgf")
    with pytest.raises(GocnnError, match="compressed file or an archive, not SGF text"):
        load_sgf(renamed)
    games = archive_games(archive)
    assert [(g.name, g.black, g.white) for g in games] == [("kgs/game0.sgf", "a", "b"), ("kgs/game1.sgf", "c", "d")]
    empty = tmp_path / "empty.tar.gz"
    write_archive(empty, [])
    with pytest.raises(GocnnError, match="no game to open"):
        archive_games(empty)


# ---------------------------------------------------------------------- dead stones
def test_final_score_is_area_with_the_dead_removed():
    board = Board.from_ascii("""
        . . . . X O . . .
        . . . . X O . . .
        . . . . X O . X .
        . . . . X O . . .
        . . . . X O . . .
        . . . . X O . . .
        . . . . X O . . .
        . . . . X O . . .
        . . . . X O . . .
    """, komi=7.5)
    dead, score, owner = analysis.final_score(board)
    assert flat("H7") in dead
    assert (score.black, score.white) == (45, 36) and score.result == "B+1.5"
    assert owner[flat("H7")] == WHITE


def test_final_score_is_the_one_gtp_gives(monkeypatch):
    """The terminal scores a finished position with GTP's playouts and seed (issue 15, item 7)."""
    from gocnn.go import scoring
    from gocnn.gtp.engine import GtpEngine

    board = Board.from_ascii("""
        . . . X O . . . .
        . . . X O . . O .
        . X . X O . . . .
        . . . X O O O O O
        X X X X X X X X O
        . . . X O O O X O
        . O . X O . O X O
        . . . X O O X X .
        . . . X O . O X .
    """, komi=7.5)
    calls = []
    real = scoring.estimate
    monkeypatch.setattr(scoring, "estimate", lambda b, playouts=64, seed=None: (
        calls.append((playouts, seed)), real(b, playouts, seed))[1])
    dead, score, _ = analysis.final_score(board)
    engine = GtpEngine(RandomPlayer())
    for line in ["boardsize 9", "komi 7.5", "clear_board"] + [
            f"play {'b' if c == BLACK else 'w'} {coords.to_gtp(coords.from_flat(p, 9), 9)}"
            for c in (BLACK, WHITE) for p in board.stones(c)]:
        engine.handle(line)
    gtp_result = engine.handle("final_score")
    assert len(calls) == 2 and calls[0] == calls[1] == (analysis.final_playouts(), None)
    assert gtp_result.strip("= \n") == score.result == scoring.final_score(board).result
    assert flat("B3") in dead and flat("B7") not in dead  # a white stone in Black's area, a black one


# ---------------------------------------------------------------------- the net's figures
def test_top_moves_from_a_policy_and_ranks():
    probs = np.array([0.1, 0.5, 0.0, 0.4])
    assert analysis.top_from_policy(probs, 3) == [(1, 0.5), (3, 0.4), (0, 0.1)]
    assert analysis.top_from_policy(probs, 5)[-1] == (0, 0.1)  # zero probabilities left out
    assert [analysis.rank_of(probs, p) for p in (1, 3, 0)] == [1, 2, 3]


def test_top_moves_come_from_the_players_policy():
    board = Board(9)
    top = analysis.top_from_policy(analysis.policy_vector(RandomPlayer(), board), 3)
    assert len(top) == 3 and all(abs(q - 1 / 81) < 1e-6 for _, q in top)


def test_the_move_of_a_player_that_does_not_search_is_its_genmove():
    """No probing for methods: a player that is not the search speaks the Player protocol."""
    class Passer(RandomPlayer):
        def genmove(self, board):
            return None
    assert analysis.engine_move(Passer(), Board(9)) == (None, None)


def test_load_player_falls_back_to_random_with_a_notice(tmp_path):
    player, notice = analysis.load_player(str(tmp_path / "no-such-model.safetensors"))
    assert isinstance(player, RandomPlayer)
    assert "random" in notice


# ---------------------------------------------------------------------- board geometry
@pytest.mark.parametrize("size,width,height,k", [
    (19, 46, 22, 1), (9, 46, 22, 2), (19, 166, 58, 2), (9, 166, 58, 3), (19, 30, 10, 1),
])
def test_board_scales_with_the_space(size, width, height, k):
    g = _fit(size, width, height)
    assert g.k == k
    if k > 1 or (g.width <= width and g.height <= height):
        assert g.width <= width and g.height <= height


def test_hoshi():
    assert len(hoshi_points(19)) == 9 and len(hoshi_points(13)) == 5 and len(hoshi_points(9)) == 5
    assert (3, 3) in hoshi_points(19) and (2, 2) in hoshi_points(9)


# ---------------------------------------------------------------------- command line
def test_play_and_bench_are_wired():
    from gocnn.bench import BENCHES
    from gocnn.cli import build_parser

    args = build_parser().parse_args(["play", "--size", "9", "--color", "white", "--handicap", "2",
                                      "--komi", "0.5", "--time", "10", "--sgf", "g.sgf"])
    from gocnn.cli.play import cmd_play
    assert args.handler is cmd_play
    assert (args.size, args.color, args.handicap, args.komi, args.time, args.sgf) == \
        (9, "white", 2, 0.5, 10.0, "g.sgf")
    assert BENCHES["tui-startup"] == "gocnn.bench.tui_startup"


@pytest.mark.parametrize("change,message", [
    ({"size": 40}, "board size"), ({"handicap": 1}, "handicap"), ({"size": 7, "handicap": 5}, "handicap"),
    ({"time": 0}, "--time"), ({"sgf": "/no/such/file.sgf"}, "cannot read"),
    ({"sgf": "/no/such/games.tar.gz"}, "cannot read|no such file"),
])
def test_play_refuses_bad_settings(change, message):
    from gocnn.tui import PlayConfig, run_play

    with pytest.raises(GocnnError, match=message):
        run_play(PlayConfig(**change))


@pytest.mark.parametrize("argv,message", [
    (["--size", "40"], "board size"), (["--handicap", "1"], "--handicap takes 0 or 2..9 stones"),
    (["--time", "0"], "--time takes minutes"), (["--visits", "0"], "--visits: must be >= 1"),
    (["--color", "blue"], "--color: invalid choice"),
])
def test_bad_play_options_are_one_line_and_exit_2(monkeypatch, capsys, argv, message):
    """Before the UI starts: from argparse (type, choice) or from the settings check."""
    from gocnn.cli import main
    from gocnn.tui.app import GoApp

    started = []
    monkeypatch.setattr(GoApp, "run", lambda self, *a, **k: started.append(self))
    try:
        code = main(["play", *argv])
    except SystemExit as stop:
        code = stop.code
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and message in err and not started, err


@pytest.mark.parametrize("model", ["missing", "text", "empty"])
def test_play_refuses_a_bad_model_before_the_ui(tmp_path, monkeypatch, capsys, model):
    """A bad --model is one line on stderr and exit 2; the UI never starts (issue 15, item 5)."""
    from gocnn.cli import main
    from gocnn.tui.app import GoApp

    started = []
    monkeypatch.setattr(GoApp, "run", lambda self, *a, **k: started.append(self))
    path = tmp_path / "net.safetensors"
    if model == "text":
        path.write_text("my-hostname\n")  # like --model /etc/hostname
    elif model == "empty":
        path.write_bytes(b"")
    assert main(["play", "--model", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gocnn: error: ") and err.count("\n") == 1 and str(path) in err
    assert not started
