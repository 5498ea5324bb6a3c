"""``gocnn analysis``: KataGo's JSON analysis protocol (docs/Analysis_Engine.md in KataGo).

The queries are shaped as KaTrain's ``KataGoEngine.request_analysis`` builds them
(katrain/core/engine.py): ``overrideSettings`` with ``reportAnalysisWinratesAs`` BLACK,
``wideRootNoise`` and ``maxTime``; ``includeOwnership``/``includeMovesOwnership``/``includePolicy``;
``priority``; ponder queries of 10,000,000 visits with ``reportDuringSearchEvery`` that it ends
with ``terminate``; ``avoidMoves`` for "find alternatives".  The net is a random-init
``pv-small`` 9x9 net (value and ownership heads) and the searches are a few visits; waits for
an answer have a generous guard but nothing is timed."""

from __future__ import annotations

import dataclasses
import json
import queue
import subprocess
import sys
import threading

import numpy as np
import pytest

from gocnn.gtp.analysis import AnalysisServer, QueryError, _grid, parse_query
from gocnn.play.search import SearchConfig

WAIT = 120  # seconds: a guard against a hang, not a measurement
VISITS = 16


@pytest.fixture(scope="module")
def net9(tmp_path_factory):
    import torch

    from gocnn.model import POLICY_PRESETS, build_net, save_model
    cfg = dataclasses.replace(POLICY_PRESETS["pv-small"], board_size=9)
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("analysis") / "pv9.safetensors"
    save_model(path, build_net(cfg), cfg, {})
    return path


@pytest.fixture(scope="module")
def player(net9):
    from gocnn.play.players import SearchPlayer
    return SearchPlayer(net9, config=SearchConfig(visits=VISITS, batch=4, seed=0)).load()


class Engine:
    """An AnalysisServer whose output lines are parsed into a queue."""

    def __init__(self, player):
        self.lines: "queue.Queue[dict]" = queue.Queue()
        self.server = AnalysisServer(player, lambda text: self.lines.put(json.loads(text)))

    def send(self, *queries) -> None:
        for q in queries:
            self.server.handle(q if isinstance(q, str) else json.dumps(q))

    def next(self) -> dict:
        return self.lines.get(timeout=WAIT)

    def until(self, test) -> list[dict]:
        """Every line up to and including the first one that passes ``test``."""
        out = []
        while not out or not test(out[-1]):
            out.append(self.next())
        return out

    def finish(self) -> list[dict]:
        """Close the input, let the queue run out, and return what is left."""
        self.server.close()
        out = []
        while not self.lines.empty():
            out.append(self.lines.get())
        return out


@pytest.fixture
def engine(player):
    e = Engine(player)
    yield e
    e.server.close(wait=False)


def katrain_query(moves, qid="QUERY:1", visits=VISITS, **extra) -> dict:
    """A query as KaTrain's request_analysis writes it for a 9x9 game."""
    query = {"id": qid, "rules": "japanese", "priority": 0, "analyzeTurns": [len(moves)], "maxVisits": visits,
             "komi": 6.5, "boardXSize": 9, "boardYSize": 9, "includeOwnership": True,
             "includeMovesOwnership": True, "includePolicy": True, "initialStones": [], "initialPlayer": "B",
             "moves": moves, "overrideSettings": {"reportAnalysisWinratesAs": "BLACK", "wideRootNoise": 0.04,
                                                  "maxTime": 600.0}}
    query.update(extra)
    return query


def results(lines, qid=None):
    return [d for d in lines if "turnNumber" in d and (qid is None or d["id"] == qid)]


# ---------------------------------------------------------------------- answers
def test_a_katrain_query_gets_one_full_answer(engine):
    moves = [["B", "E5"], ["W", "C3"], ["B", "G7"]]
    engine.send(katrain_query(moves))
    lines = engine.finish()
    warnings = [d for d in lines if "warning" in d]
    assert warnings == [{"id": "QUERY:1", "warning": "setting not used by gocnn: wideRootNoise",
                         "field": "overrideSettings"}]
    (answer,) = results(lines)
    assert answer["turnNumber"] == 3 and answer["isDuringSearch"] is False
    root, infos = answer["rootInfo"], answer["moveInfos"]
    assert root["currentPlayer"] == "W"
    assert root["visits"] == VISITS == sum(m["visits"] for m in infos)
    assert [m["order"] for m in infos] == list(range(len(infos)))
    assert [m["visits"] for m in infos] == sorted((m["visits"] for m in infos), reverse=True)
    for m in infos:
        assert {"move", "visits", "winrate", "scoreLead", "scoreMean", "prior", "lcb", "order", "pv",
                "utility"} <= set(m)
        assert m["pv"][0] == m["move"] and m["move"] not in ("E5", "C3", "G7")
        assert 0 <= m["winrate"] <= 1 and 0 <= m["prior"] <= 1 and m["scoreMean"] == m["scoreLead"]
        assert len(m["ownership"]) == 81
    assert 0 <= root["winrate"] <= 1
    assert len(answer["ownership"]) == 81 and all(-1 <= v <= 1 for v in answer["ownership"])


def test_policy_is_row_major_from_the_top_left_with_pass_last(engine):
    # C7 on 9x9 is row 3 from the top (index 2), column C (index 2): 2 * 9 + 2 = 20
    engine.send({"id": "p", "moves": [["B", "C7"], ["W", "J1"]], "boardXSize": 9, "boardYSize": 9,
                 "maxVisits": 2, "includePolicy": True})
    (answer,) = results(engine.finish())
    policy = answer["policy"]
    assert len(policy) == 82
    assert [i for i, v in enumerate(policy) if v == -1] == [20, 80]
    assert sum(v for v in policy if v >= 0) == pytest.approx(1.0, abs=1e-4)


def test_ownership_grid_starts_top_left():
    flat = np.zeros(81)
    flat[8 * 9 + 0] = 1.0  # A9: row 8 from the bottom, column A
    flat[0 * 9 + 8] = -1.0  # J1
    grid = _grid(flat, 9)
    assert grid[0] == 1.0 and grid[80] == -1.0 and sum(map(abs, grid)) == 2.0


def test_analyze_turns_answers_each_turn_with_its_player(engine):
    engine.send({"id": "t", "moves": [["B", "E5"], ["W", "D4"]], "boardXSize": 9, "boardYSize": 9,
                 "maxVisits": 4, "analyzeTurns": [0, 1, 2]})
    answers = results(engine.finish())
    assert [(a["turnNumber"], a["rootInfo"]["currentPlayer"]) for a in answers] == [(0, "B"), (1, "W"), (2, "B")]
    assert all(a["rootInfo"]["visits"] == 4 for a in answers)


def test_initial_stones_and_initial_player(engine):
    engine.send({"id": "h", "initialStones": [["B", "C3"], ["B", "G7"]], "initialPlayer": "W", "moves": [],
                 "boardXSize": 9, "boardYSize": 9, "maxVisits": 4, "includePolicy": True})
    (answer,) = results(engine.finish())
    assert answer["turnNumber"] == 0 and answer["rootInfo"]["currentPlayer"] == "W"
    assert [i for i, v in enumerate(answer["policy"]) if v == -1] == [2 * 9 + 6, 6 * 9 + 2]


def test_winrates_and_scores_follow_report_analysis_winrates_as(engine):
    moves = [["B", "E5"]]  # White to move
    for view in ("BLACK", "WHITE", "SIDETOMOVE"):
        engine.send({"id": view, "moves": moves, "boardXSize": 9, "boardYSize": 9, "maxVisits": 8,
                     "includeOwnership": True, "overrideSettings": {"reportAnalysisWinratesAs": view}})
    by = {a["id"]: a for a in results(engine.finish())}
    black, white, side = by["BLACK"], by["WHITE"], by["SIDETOMOVE"]
    assert side == {**white, "id": "SIDETOMOVE"}  # White is the side to move: the same figures
    assert black["rootInfo"]["winrate"] == pytest.approx(1 - white["rootInfo"]["winrate"])
    assert black["rootInfo"]["scoreLead"] == pytest.approx(-white["rootInfo"]["scoreLead"])
    assert black["ownership"] == [-v for v in white["ownership"]]
    for b, w in zip(black["moveInfos"], white["moveInfos"]):
        assert b["move"] == w["move"] and b["visits"] == w["visits"]
        assert b["winrate"] == pytest.approx(1 - w["winrate"]) and b["scoreLead"] == pytest.approx(-w["scoreLead"])


def test_the_same_query_gives_the_same_answer(engine):
    q = katrain_query([["B", "E5"]], visits=12)
    engine.send(q, {**q, "id": "again"})
    first, second = results(engine.finish())
    assert {**second, "id": first["id"]} == first


def test_max_visits_from_override_settings(engine):
    engine.send({"id": "o", "boardXSize": 9, "boardYSize": 9, "maxVisits": 30,
                 "overrideSettings": {"maxVisits": 5}})
    (answer,) = results(engine.finish())
    assert answer["rootInfo"]["visits"] == 5


def test_avoid_moves_keeps_them_out_of_the_search(engine):
    first = katrain_query([["B", "E5"]], qid="first", visits=24)
    engine.send(first)
    (answer,) = results(engine.finish(), "first")
    searched = [m["move"] for m in answer["moveInfos"] if m["move"] != "pass"]
    # KaTrain's "find alternatives": the moves already analysed, avoided for one ply
    engine2 = Engine(engine.server.player)
    engine2.send(katrain_query([["B", "E5"]], qid="alt", visits=24,
                               avoidMoves=[{"moves": searched, "player": "W", "untilDepth": 1}]))
    (alt,) = results(engine2.finish(), "alt")
    assert alt["moveInfos"] and not {m["move"] for m in alt["moveInfos"]} & set(searched)
    assert alt["rootInfo"]["visits"] == 24


def test_allow_moves_is_all_the_search_plays(engine):
    engine.send({"id": "a", "moves": [["B", "E5"]], "boardXSize": 9, "boardYSize": 9, "maxVisits": 12,
                 "allowMoves": [{"player": "W", "moves": ["C3", "G7"], "untilDepth": 1}]})
    (answer,) = results(engine.finish())
    assert {m["move"] for m in answer["moveInfos"]} <= {"C3", "G7", "pass"}


# ---------------------------------------------------------------------- during search, terminate, priority
def ponder(qid, **extra):
    return katrain_query([["B", "E5"]], qid=qid, visits=10_000_000, reportDuringSearchEvery=0.05, **extra)


def test_pondering_reports_during_search_until_terminated(engine):
    engine.send(ponder("P"))
    partial = engine.until(lambda d: d.get("isDuringSearch"))[-1]
    assert partial["id"] == "P" and partial["rootInfo"]["visits"] == sum(m["visits"] for m in partial["moveInfos"])
    engine.send({"id": "T", "action": "terminate", "terminateId": "P"})
    lines = engine.until(lambda d: d.get("id") == "P" and d.get("isDuringSearch") is False)
    assert {"id": "T", "action": "terminate", "terminateId": "P"} in lines
    final = lines[-1]
    assert final["rootInfo"]["visits"] >= partial["rootInfo"]["visits"] > 0
    assert final["rootInfo"]["visits"] == sum(m["visits"] for m in final["moveInfos"])
    assert engine.finish() == []  # exactly one final answer, nothing after it


def test_terminate_turn_numbers_drops_pending_turns_with_no_results(engine):
    engine.send({**ponder("G"), "moves": [["B", "E5"], ["W", "C3"]], "analyzeTurns": [0, 1, 2]})
    engine.until(lambda d: d.get("isDuringSearch"))  # turn 0 is searching; 1 and 2 wait
    engine.send({"id": "T", "action": "terminate", "terminateId": "G", "turnNumbers": [1, 2]})
    lines = engine.until(lambda d: d.get("turnNumber") == 2 and d.get("noResults"))
    assert {"id": "G", "turnNumber": 1, "isDuringSearch": False, "noResults": True} in lines
    engine.send({"id": "T2", "action": "terminate", "terminateId": "G"})
    final = engine.until(lambda d: d.get("id") == "G" and d.get("isDuringSearch") is False
                         and "noResults" not in d)[-1]
    assert final["turnNumber"] == 0 and final["rootInfo"]["visits"] > 0


def test_higher_priority_first_then_arrival_order(engine):
    engine.send(ponder("busy"))
    engine.until(lambda d: d.get("isDuringSearch"))
    small = {"boardXSize": 9, "boardYSize": 9, "maxVisits": 2}
    engine.send({"id": "low", **small}, {"id": "high", "priority": 5, **small}, {"id": "low2", **small})
    engine.send({"id": "T", "action": "terminate", "terminateId": "busy"})
    order = [d["id"] for d in engine.finish() if "turnNumber" in d and not d["isDuringSearch"]]
    assert order[-3:] == ["high", "low", "low2"]


def test_actions_echo(engine):
    engine.send({"id": "v", "action": "query_version"}, {"id": "c", "action": "clear_cache"})
    version, cache = engine.finish()
    assert version["id"] == "v" and version["action"] == "query_version" and version["version"]
    assert cache == {"id": "c", "action": "clear_cache"}


# ---------------------------------------------------------------------- errors
ERRORS = [  # (line, id in the answer, field, words in the error)
    ("not json", None, None, "could not parse JSON"),
    ('{"id":"x","komi":NaN}', None, None, "could not parse JSON"),
    ("[1, 2]", None, None, "JSON object"),
    ('{"moves":[]}', None, "id", "'id'"),
    ('{"id":7}', None, "id", "'id'"),
    ('{"id":"x","moves":[["B","I5"]]}', "x", "moves", "not a vertex"),
    ('{"id":"x","moves":[["B","K10"]],"boardXSize":9,"boardYSize":9}', "x", "moves", "off a 9x9 board"),
    ('{"id":"x","moves":[["X","D4"]]}', "x", "moves", "not a player"),
    ('{"id":"x","moves":"D4"}', "x", "moves", "list"),
    ('{"id":"x","moves":[["B","D4"],["W","D4"]]}', "x", "moves", "Illegal move 1: W D4 (occupied)"),
    ('{"id":"x","boardXSize":9,"boardYSize":13}', "x", "boardYSize", "square"),
    ('{"id":"x","boardXSize":30,"boardYSize":30}', "x", "boardXSize", "board size"),
    ('{"id":"x","boardXSize":"19"}', "x", "boardXSize", "integer"),
    ('{"id":"x","maxVisits":"many"}', "x", "maxVisits", "integer"),
    ('{"id":"x","maxVisits":0}', "x", "maxVisits", ">= 1"),
    ('{"id":"x","maxVisits":1e400}', "x", "maxVisits", "integer"),
    ('{"id":"x","komi":"7.5"}', "x", "komi", "number"),
    ('{"id":"x","komi":7.3}', "x", "komi", "half-integer"),
    ('{"id":"x","rules":"martian"}', "x", "rules", "unknown rules"),
    ('{"id":"x","analyzeTurns":[5]}', "x", "analyzeTurns", "0..0"),
    ('{"id":"x","includeOwnership":"yes"}', "x", "includeOwnership", "true or false"),
    ('{"id":"x","reportDuringSearchEvery":-1}', "x", "reportDuringSearchEvery", "range"),
    ('{"id":"x","avoidMoves":[{"player":"B","moves":["D4"]}]}', "x", "avoidMoves", "untilDepth"),
    ('{"id":"x","overrideSettings":{"reportAnalysisWinratesAs":"GREEN"}}', "x", "overrideSettings", "SIDETOMOVE"),
    ('{"id":"x","action":"dance"}', "x", "action", "unknown action"),
    ('{"id":"x","action":"terminate"}', "x", "terminateId", "terminateId"),
]


@pytest.mark.parametrize("line,qid,field,words", ERRORS)
def test_bad_queries_get_an_error_line_and_the_engine_goes_on(engine, line, qid, field, words):
    engine.send(line, {"id": "ok", "boardXSize": 9, "boardYSize": 9, "maxVisits": 2})
    error, answer = engine.finish()
    assert words in error["error"]
    assert error.get("id") == qid and error.get("field") == field
    assert set(error) <= {"id", "error", "field"}
    assert answer["id"] == "ok" and answer["rootInfo"]["visits"] == 2


ODD = [None, -1, 0, 1.5, 2.0, "x", "pass", "D4", [], {}, [[]], [["B"]], [["B", "pass"]], [["Q", "D4"]],
       [[1, 2]], True, {"player": "B"}, [{"player": "B", "moves": "D4", "untilDepth": 1}], "B"]


def test_odd_field_values_are_field_errors_never_internal_ones(engine):
    """Every field of a KaTrain query given each odd value in turn: the answer is an error
    naming a field, or an answer; never an internal error, and the engine goes on."""
    base = katrain_query([["B", "E5"], ["W", "C3"]], visits=1)
    del base["overrideSettings"]["maxTime"]
    queries = [{**base, "id": f"{key}={value!r}", key: value} for key in base if key != "id" for value in ODD]
    engine.send(*queries, {"id": "last", "boardXSize": 9, "boardYSize": 9, "maxVisits": 1})
    lines = engine.finish()
    assert not [d for d in lines if "internal" in d.get("error", "")]
    assert all("error" in d or "warning" in d or "turnNumber" in d for d in lines)
    (last,) = [d for d in lines if d["id"] == "last"]  # (priority -1 queries come after it)
    assert last["rootInfo"]["visits"] == 1


def test_unknown_fields_are_warned_of_and_the_query_still_runs(engine):
    engine.send({"id": "w", "boardXSize": 9, "boardYSize": 9, "maxVisits": 2, "colour": "plaid"})
    warning, answer = engine.finish()
    assert warning == {"id": "w", "warning": "Unexpected or unused field", "field": "colour"}
    assert answer["id"] == "w" and answer["rootInfo"]["visits"] == 2


def test_a_size_the_net_does_not_play_is_refused():
    with pytest.raises(QueryError, match="does not play") as err:
        parse_query({"id": "s", "boardXSize": 9, "boardYSize": 9}, size_ok=lambda s: s == 19,
                    config=SearchConfig(), warn=lambda *a: None)
    assert err.value.field == "boardXSize"


def test_the_shipped_net_answers_with_playout_scores():
    """The shipped net has no value or ownership head: the search's values, the score leads and
    the ownership come from random playouts; a size it does not play is refused."""
    from gocnn.play.players import SearchPlayer
    player = SearchPlayer(config=SearchConfig(visits=8, seed=0)).load()
    e = Engine(player)
    e.send({"id": "s", "moves": [["B", "Q16"], ["W", "D4"]], "rules": "chinese", "komi": 7.5,
            "boardXSize": 19, "boardYSize": 19, "includeOwnership": True, "includePolicy": True},
           {"id": "nine", "boardXSize": 9, "boardYSize": 9, "maxVisits": 2})
    lines = e.finish()
    answer = next(d for d in lines if d["id"] == "s")
    assert answer["rootInfo"]["visits"] == 8 and len(answer["ownership"]) == 361 and len(answer["policy"]) == 362
    assert all(-361 <= m["scoreLead"] <= 361 for m in answer["moveInfos"])
    nine = next(d for d in lines if d["id"] == "nine")
    if player.plays_size(9):
        assert nine["rootInfo"]["visits"] == 2
    else:
        assert nine["field"] == "boardXSize" and "does not play" in nine["error"]


# ---------------------------------------------------------------------- the command
def test_every_option_reaches_the_config():
    from gocnn.gtp.analysis import AnalysisConfig
    from gocnn.cli import build_parser
    from gocnn.cli.common import config_from
    args = build_parser().parse_args(["analysis", "--model", "m", "--symmetries", "8", "--threads", "3",
                                      "--visits", "7", "--time", "2", "--mix", "0.5", "--batch", "4",
                                      "--seed", "9", "--device", "cuda"])
    assert config_from(AnalysisConfig, args) == AnalysisConfig(model="m", symmetries=8, threads=3, visits=7,
                                                               time=2.0, mix=0.5, batch=4, seed=9, device="cuda")


def run_cli(*args, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gocnn", "analysis", *args], input=stdin, capture_output=True,
                          text=True, timeout=300)


def test_command_answers_json_lines_only_on_stdout(net9):
    queries = [katrain_query([["B", "E5"]], qid="a", visits=4), "oops",
               {"id": "b", "moves": [["B", "E5"], ["W", "C3"]], "boardXSize": 9, "boardYSize": 9,
                "analyzeTurns": [1, 2]}]
    proc = run_cli("--model", str(net9), "--visits", "3", "--threads", "1",
                   stdin="".join((q if isinstance(q, str) else json.dumps(q)) + "\n" for q in queries))
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert {(d["id"], d["turnNumber"], d["rootInfo"]["visits"]) for d in results(lines)} == {
        ("a", 1, 4), ("b", 1, 3), ("b", 2, 3)}
    assert {"error"} <= set(next(d for d in lines if "error" in d))


@pytest.mark.parametrize("model", ["missing.safetensors", "not-a-model.safetensors"])
def test_a_bad_model_is_one_line_and_exit_2(tmp_path, model):
    path = tmp_path / model
    if model.startswith("not"):
        path.write_bytes(b"\x00" * 64)
    proc = run_cli("--model", str(path), stdin='{"id":"a"}\n')
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and "error" in proc.stderr


# ---------------------------------------------------------------------- KaTrain itself
def test_katrain_drives_gocnn_analysis(net9, tmp_path, monkeypatch):
    """KaTrain's own KataGoEngine (no GUI: a stand-in for the app object), with gocnn analysis
    as its custom engine command; skipped when katrain is not installed."""
    for key, value in {"KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1", "KIVY_HOME": str(tmp_path)}.items():
        monkeypatch.setenv(key, value)
    engine_mod = pytest.importorskip("katrain.core.engine")
    from katrain.core.game_node import GameNode
    from pysgf import Move

    class App:
        def __init__(self):
            self.errors = []

        def log(self, message, level=0):
            if level == -1:  # katrain.core.constants.OUTPUT_ERROR
                self.errors.append(message)

        def __call__(self, *args):  # e.g. the engine recovery popup
            self.errors.append(args)

    app = App()
    # KaTrain runs a custom command through the shell: exec, so that its terminate() reaches gocnn
    command = f"exec {sys.executable} -m gocnn analysis --model {net9} --visits {VISITS} --threads 1"
    engine = engine_mod.KataGoEngine(app, {"altcommand": command, "max_visits": VISITS, "fast_visits": 4,
                                           "max_time": 600.0, "wide_root_noise": 0.04,
                                           "_enable_ownership": True})
    try:
        node = GameNode(properties={"SZ": 9, "KM": 6.5, "RU": "japanese"})
        for gtp, player in (("E5", "B"), ("C3", "W")):
            node = node.play(Move.from_gtp(gtp, player=player))
        finished = threading.Event()

        def done(result, partial):
            node.set_analysis(result, partial_result=partial)
            if not partial:
                finished.set()

        engine.request_analysis(node, done, error_callback=app.errors.append)
        assert finished.wait(WAIT), app.errors
        assert node.analysis_complete and node.root_visits == VISITS
        assert len(node.ownership) == 81 and len(node.policy) == 82
        moves = node.candidate_moves
        assert moves and moves[0]["order"] == 0 and all("pointsLost" in m for m in moves)

        pondered = threading.Event()
        engine.request_analysis(node, lambda r, partial: partial and pondered.set(), ponder=True)
        assert pondered.wait(WAIT), app.errors
        engine.stop_pondering()
        engine.wait_to_finish()
        assert not app.errors
    finally:
        engine.shutdown(finish=False)
