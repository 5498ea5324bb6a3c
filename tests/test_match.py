"""The referee: a full 9x9 game of ``gocnn gtp`` against GNU Go, scored by both."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import save_tiny_net

from gocnn.gtp.match import GameResult, GtpClient, MatchConfig, run_match, summarize, wilson


@pytest.fixture(scope="module")
def tiny_net(tmp_path_factory):
    pytest.importorskip("torch")
    return save_tiny_net(tmp_path_factory.mktemp("net") / "tiny9.safetensors", seed=0,
                         facts={"note": "random init, for tests"})


def gocnn_cmd(*args: str) -> str:
    return " ".join([sys.executable, "-m", "gocnn", "gtp", *args])


@pytest.mark.gnugo
def test_full_game_against_gnugo_both_engines_agree_on_the_score(gnugo, tiny_net, tmp_path):
    gnu = f"{gnugo} --mode gtp --level 1 --chinese-rules --seed 1"  # the same game every run
    games, summary = run_match(MatchConfig(gocnn_cmd("--model", str(tiny_net), "--resign", "1", "--visits", "1"),
                                           gnu, games=1, size=9, komi=7.5, out=tmp_path, move_time=120))
    g = games[0]
    assert g.reason == "two passes", g
    assert g.result[:2] in ("B+", "W+")
    # the two engines' own final_score, and the referee's, agree
    assert g.engine_scores["A"] == g.engine_scores["B"] == g.result, g
    sgf = (tmp_path / "game-0001.sgf").read_text()
    assert "SZ[9]" in sgf and f"RE[{g.result}]" in sgf and "PB[gocnn" in sgf and "PW[GNU Go" in sgf
    assert summary["engines"]["B"]["wins"] + summary["engines"]["A"]["wins"] == 1
    assert summary["engines"]["A"]["sec_per_move"] > 0


@pytest.mark.gnugo
def test_a_full_game_with_search_on_both_engines_agree_on_the_score(gnugo, tmp_path):
    """The shipped net searching (a few visits a move, to keep the test short) against GNU Go
    level 1 on 9x9: the game ends by two passes, and both engines count it as the referee does."""
    from gocnn.model import plays_size, read_config
    from gocnn.model import default_model_path
    size = 9 if plays_size(read_config(default_model_path()), 9) else 19  # v1-v5 nets play 19x19 only
    gnu = f"{gnugo} --mode gtp --level 1 --chinese-rules --seed 1"  # the same game every run
    games, _ = run_match(MatchConfig(gocnn_cmd("--resign", "1", "--visits", "16"), gnu, games=1, size=size,
                                     komi=7.5, out=tmp_path, move_time=120))
    g = games[0]
    assert g.reason == "two passes", g
    assert g.engine_scores["A"] == g.engine_scores["B"] == g.result, g


@pytest.mark.gnugo
def test_cli_json_alternating_with_gnugo_as_scorer(gnugo, tmp_path):
    gnu = f"{gnugo} --mode gtp --level 0 --chinese-rules"
    proc = subprocess.run([sys.executable, "-m", "gocnn", "match", "--black", gocnn_cmd("--random"),
                           "--white", gnu, "--games", "2", "--size", "7", "--komi", "0.5", "--alternate",
                           "--scorer", gnu, "--out", str(tmp_path), "--json"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["games"] == 2 and [g["black"] for g in report["games_detail"]] == ["A", "B"]
    assert sorted(p.name for p in tmp_path.glob("*.sgf")) == ["game-0001.sgf", "game-0002.sgf"]
    for side in ("A", "B"):
        e = report["engines"][side]
        assert 0 <= e["ci95"][0] <= e["ci95"][1] <= 1 and e["moves"] > 0


def test_forfeits_time_and_illegal_moves(tmp_path):
    """A hanging engine loses on time; an engine that plays garbage loses by forfeit."""
    hang = tmp_path / "hang.py"
    hang.write_text(
        "import sys, time\n"
        "for line in sys.stdin:\n"
        "    w = line.split()\n"
        "    if not w: continue\n"
        "    if w[0] == 'genmove': time.sleep(30)\n"
        "    out = {'name': 'hang', 'version': '1', 'quit': ''}.get(w[0], '')\n"
        "    print('= ' + out + '\\n', flush=True)\n"
        "    if w[0] == 'quit': break\n")
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import sys\n"
        "for line in sys.stdin:\n"
        "    w = line.split()\n"
        "    if not w: continue\n"
        "    out = {'name': 'bad', 'version': '1', 'genmove': 'A1'}.get(w[0], '')\n"
        "    print('= ' + out + '\\n', flush=True)\n"
        "    if w[0] == 'quit': break\n")
    games, _ = run_match(MatchConfig(f"{sys.executable} {hang}", gocnn_cmd("--random"), games=1, size=5,
                                     move_time=1))
    assert games[0].result == "W+T" and games[0].winner == "B"
    games, _ = run_match(MatchConfig(gocnn_cmd("--random"), f"{sys.executable} {bad}", games=2, size=5,
                                     move_time=30))
    assert all(g.result.endswith("+F") and g.winner == "A" for g in games), games


def test_wilson_interval():
    assert wilson(0, 0) == (0.0, 1.0)
    lo, hi = wilson(10, 20)
    assert lo < 0.5 < hi and abs((lo + hi) / 2 - 0.5) < 1e-9
    lo, hi = wilson(20, 20)
    assert hi == 1.0 and 0.8 < lo < 0.9


def test_summary_counts_draws_as_half():
    games = [GameResult(1, "A", "B", "0", None, "two passes", 10),
             GameResult(2, "B", "A", "B+R", "B", "resigned", 10)]
    s = summarize(games, {"A": "a", "B": "b"})
    assert s["engines"]["A"]["wins"] == 0.5 and s["engines"]["B"]["wins"] == 1.5


def test_games_whose_engines_name_different_winners_are_marked_disputed():
    """As in two of the 32 19x19 games of issue 17's run (GNU Go B+21.5, gocnn W+54.5: one large
    group dead to one engine, alive to the other): the game is marked and the summary says how
    many of each engine's wins were disputed.  Different margins with the same winner, an
    engine that could not count, or a resignation are not disputes."""
    def game(n, scores, result="W+54.5", winner="A"):
        g = GameResult(n, "B", "A", result, winner, "two passes", 300, engine_scores=scores)
        g.disputed = g.dispute()
        return g
    games = [game(1, {"B": "B+21.5", "A": "W+54.5"}),
             game(2, {"B": "W+34.5", "A": "W+131.5"}),
             game(3, {"B": "W+2.5", "A": "? cannot score"}),
             game(4, {}, "W+R")]
    assert [g.disputed for g in games] == [True, False, False, False]
    s = summarize(games, {"A": "gocnn", "B": "GNU Go"})
    assert s["disputed"] == 1 and s["engines"]["A"]["disputed_wins"] == 1
    assert s["engines"]["A"]["wins"] == 4 and s["engines"]["B"]["disputed_wins"] == 0


def test_engine_that_does_not_start_is_a_clear_error():
    from gocnn.errors import GocnnError

    with pytest.raises(GocnnError, match="cannot start"):
        GtpClient("/no/such/engine --mode gtp")


@pytest.mark.gnugo
def test_handicap_game_gnugo_takes_black_with_four_stones(gnugo, tmp_path):
    """The handicap ladder's set-up: GNU Go takes Black with 4 stones on the fixed points (it
    places them itself through fixed_handicap, as the referee and gocnn do), White moves first,
    and the SGF replays in sgfmill with AB, HA and the moves."""
    from sgfmill import sgf as sgfmill_sgf

    gnu = f"{gnugo} --mode gtp --level 0 --chinese-rules"
    games, _ = run_match(MatchConfig(gnu, gocnn_cmd("--random"), games=1, size=9, komi=0.5, handicap=4,
                                     out=tmp_path, scorer=gnu, move_time=60))
    g = games[0]
    assert g.result[:2] in ("B+", "W+") and "refused" not in g.reason and "answered" not in g.reason, g
    game = sgfmill_sgf.Sgf_game.from_bytes((tmp_path / "game-0001.sgf").read_bytes())
    root = game.get_root()
    black, white, empty = root.get_setup_stones()
    assert sorted(black) == [(2, 2), (2, 6), (6, 2), (6, 6)] and not white  # C3 G3 C7 G7
    assert root.get("HA") == 4 and game.get_komi() == 0.5
    assert game.get_main_sequence()[1].get_move()[0] == "w"


def test_bad_handicap_is_refused_before_any_engine_starts():
    from gocnn.errors import GocnnError
    with pytest.raises(GocnnError, match="handicap"):
        run_match(MatchConfig("no-such-engine", "no-such-engine", games=1, size=9, handicap=1))
