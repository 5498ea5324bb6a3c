"""Self-play games: records that replay to their result, resumable runs, the batched runner."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from gocnn.go.board import Board
from gocnn.model import POLICY_PRESETS, build_policy, model_hash, save_model
from gocnn.go.sgf import read_games
from gocnn.play.game import GameSpec, Net, play_games, score_board
from selfplay.games import SelfplayConfig, game_path, run_selfplay


def _random_net(tmp_path_factory, name: str, seed: int, cfg):
    path = tmp_path_factory.mktemp("nets") / name
    torch.manual_seed(seed)
    save_model(path, build_policy(cfg), cfg, {"note": "random"})
    return path


@pytest.fixture(scope="module")
def tiny9(tmp_path_factory):
    """A tiny random 9x9 policy net saved as a model file."""
    return _random_net(tmp_path_factory, "tiny9.safetensors", 0,
                       dataclasses.replace(POLICY_PRESETS["tiny"], board_size=9))


def test_selfplay_sgf_replays_through_the_rules_to_the_same_result(tiny9, tmp_path):
    cfg = SelfplayConfig(tiny9, tmp_path, 3, size=9, komi=7.5, batch=3, random_opening=2)
    summary = run_selfplay(cfg, progress=False)
    assert summary["played"] == 3 and summary["finished"]
    records = list(read_games([tmp_path]))
    assert len(records) == 3
    name = f"tiny9-{model_hash(tiny9)}"
    for rec in records:
        assert rec.size == 9 and rec.komi == 7.5
        assert rec.black == name and rec.white == name
        assert rec.result and rec.result[0] in "BW0" and rec.date and not rec.illegal
        board = Board(9, komi=rec.komi, superko=True)
        for color, point in rec.moves:
            board.play(color, point)  # raises if any move were illegal
        assert score_board(board)[0] == rec.result
        ended_by_passes = len(rec.moves) >= 2 and rec.moves[-1][1] is None and rec.moves[-2][1] is None
        assert ended_by_passes or len(rec.moves) >= 2 * 81
    text = game_path(tmp_path, 0).read_text()
    assert "GC[gocnn self-play game 0; area score" in text


def test_a_resumed_run_has_exactly_n_distinct_games_and_keeps_finished_ones(tiny9, tmp_path):
    run_selfplay(SelfplayConfig(tiny9, tmp_path, 3, size=9, batch=2, max_moves=30), progress=False)
    kept = {i: game_path(tmp_path, i).read_bytes() for i in (0, 2)}
    game_path(tmp_path, 1).unlink()  # as if the run had died before game 1 was written
    summary = run_selfplay(SelfplayConfig(tiny9, tmp_path, 5, size=9, batch=2, max_moves=30), progress=False)
    assert summary["played"] == 3 and summary["already_there"] == 2
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == [f"game-{i:06d}.sgf" for i in range(5)]  # no temp files left over
    for i, data in kept.items():
        assert game_path(tmp_path, i).read_bytes() == data
    assert len({p.read_bytes() for p in tmp_path.iterdir()}) == 5  # distinct games
    assert run_selfplay(SelfplayConfig(tiny9, tmp_path, 5, size=9), progress=False)["played"] == 0


def test_games_are_fixed_by_their_index_not_by_the_batch(tiny9):
    net = Net.load(tiny9)
    specs = [GameSpec(i, 0, 0, 1000 + i) for i in range(3)]
    batched = {r.index: r.moves for r in play_games([net], specs, size=9, batch=3, max_moves=40)}
    alone = {r.index: r.moves for r in play_games([net], specs, size=9, batch=1, max_moves=40)}
    assert batched == alone


def test_two_nets_alternate_colours(tiny9, tmp_path):
    other = tmp_path / "other.safetensors"
    torch.manual_seed(1)
    cfg = dataclasses.replace(POLICY_PRESETS["tiny"], board_size=9)
    save_model(other, build_policy(cfg), cfg, {})
    run_selfplay(SelfplayConfig(tiny9, tmp_path / "g", 2, opponent=other, size=9, max_moves=20), progress=False)
    recs = sorted(read_games([tmp_path / "g"]), key=lambda r: r.source)
    assert recs[0].black.startswith("tiny9-") and recs[0].white.startswith("other-")
    assert recs[1].black.startswith("other-") and recs[1].white.startswith("tiny9-")


def test_a_net_for_another_board_size_is_refused(tiny9, tmp_path):
    from gocnn.errors import GocnnError
    with pytest.raises(GocnnError, match="9x9 net"):
        run_selfplay(SelfplayConfig(tiny9, tmp_path, 1, size=13), progress=False)


@pytest.mark.slow
def test_worker_processes_share_the_games(tiny9, tmp_path):
    summary = run_selfplay(SelfplayConfig(tiny9, tmp_path, 4, size=9, workers=2, max_moves=30), progress=False)
    assert summary["played"] == 4 and len(list(tmp_path.glob("game-*.sgf"))) == 4


@pytest.fixture(scope="module")
def pv9(tmp_path_factory):
    """A tiny random policy+value net (fully convolutional: it plays every size)."""
    return _random_net(tmp_path_factory, "pv9.safetensors", 1,
                       dataclasses.replace(POLICY_PRESETS["pv-small"], layers=3, filters=16))


def test_selfplay_with_search_plays_every_size_a_net_plays(pv9, tmp_path):
    """A policy+value net searches its self-play moves on 9x9 (a 19x19 file, every size)."""
    cfg = SelfplayConfig(pv9, tmp_path, 2, size=9, batch=2, visits=8, max_moves=40)
    summary = run_selfplay(cfg, progress=False)
    assert summary["played"] == 2 and summary["finished"]
    for rec in read_games([tmp_path]):
        assert rec.size == 9 and not rec.illegal and len(rec.moves) >= 2


@pytest.mark.gnugo
def test_shipped_net_selfplay_on_9x9_replays_in_gnugo(gnugo, tmp_path):
    """The shipped net plays 9x9 with its own policy; GNU Go accepts every move of the record
    and counts the same result."""
    import subprocess
    from gocnn.model import default_model_path
    from gocnn.model import plays_size, read_config
    if not plays_size(read_config(default_model_path()), 9):
        pytest.fail("the shipped net does not play 9x9")
    run_selfplay(SelfplayConfig(None, tmp_path, 1, size=9, komi=7.5, batch=1), progress=False)
    sgf_file = game_path(tmp_path, 0)
    rec = next(iter(read_games([sgf_file])))
    cmds = [f"loadsgf {sgf_file}", "final_score", "quit"]
    out = subprocess.run([gnugo, "--mode", "gtp", "--chinese-rules"], input="\n".join(cmds) + "\n",
                         capture_output=True, text=True, timeout=120).stdout
    replies = [r for r in out.split("\n\n") if r.strip()]
    assert replies[0].startswith("= "), replies  # every move legal for GNU Go too
    assert len(rec.moves) > 20
    gnu_score = replies[1][2:].strip()
    assert gnu_score[0] == rec.result[0], (gnu_score, rec.result)  # the same winner
