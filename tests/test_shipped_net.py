"""The shipped net: it loads from its file alone, knows how it was made, and predicts real
strong players' moves far better than chance."""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np

from gocnn.go import sgf
from gocnn.model import default_model_path
from gocnn.model import load_model, read_metadata
from gocnn.train import evaluate_games


def test_shipped_net_is_small_and_self_describing():
    path = default_model_path()
    assert path.is_file() and path.stat().st_size < 5 * 2 ** 20
    net, cfg, facts = load_model(path)
    assert cfg.board_size == 19 and cfg.features == "basic20"
    assert facts["held_out_archive"].startswith("KGS-2017_05")
    assert "gocnn train" in facts["command"] and facts["positions_seen"] > 100_000
    assert read_metadata(path)["config_kind"] == "policy"


def test_shipped_net_predicts_expert_moves(samples):
    net, cfg, _ = load_model(default_model_path())
    records = itertools.islice(sgf.read_games([samples / "sgf" / "tygem-sample.tar.gz"]), 12)
    result = evaluate_games(net, cfg, records)
    assert result["positions"] > 2000
    # chance is ~1/250 for top-1; a trained policy is far above it, and its top-5 above 50%
    assert result["top1"] > 0.25 and result["top5"] > 0.5
    assert result["phases"]["moves 1-50"]["top1"] > result["top1"] - 0.15


def test_gtp_plays_the_shipped_net_by_default():
    proc = subprocess.run([sys.executable, "-m", "gocnn", "gtp"], input="boardsize 19\nclear_board\ngenmove b\nquit\n",
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    replies = [r for r in proc.stdout.split("\n\n") if r.strip()]
    move = replies[2].strip()
    assert move.startswith("= ")
    # the opening move of a net trained on strong games is a corner or side point, 3rd-4th line
    col, row = move[2], int(move[3:])
    assert row in (3, 4, 16, 17) and col in "CDEFGHJKLMNOPQR", move


V5 = default_model_path().parents[2] / "tests" / "nets" / "v5-policy.safetensors"


def test_the_policy_only_v5_file_still_loads_and_plays():
    """v1-v5 files (a per-point policy head, no value head) load, play 19x19 and search with
    playouts standing in for the value; they refuse nothing and report no value."""
    from gocnn.go.board import Board
    from gocnn.play.policy import PolicyPlayer
    from gocnn.model import plays_size
    from gocnn.model.evaluator import Evaluator
    from gocnn.play.players import SearchPlayer

    net, cfg, facts = load_model(V5)
    assert cfg.head == "point" and not cfg.value and plays_size(cfg, 19) and not plays_size(cfg, 9)
    board = Board(19)
    move = PolicyPlayer(V5).genmove(board)
    assert isinstance(move, int) and board.check(board.to_move, move) is None
    ev = Evaluator.load(V5).evaluate_one(board)
    assert ev.value is None and ev.ownership is None and abs(ev.policy.sum() - 1) < 1e-5
    assert ev.policy.argmax() == move  # the policy player plays the net's favourite here
    searched = SearchPlayer(V5, visits=16).decide(board)
    assert isinstance(searched.move, int) and board.check(board.to_move, searched.move) is None
    nine = Evaluator.load(V5).evaluate_one(Board(9))
    assert not nine.own_policy and np.allclose(nine.policy, 1 / 81)  # uniform, and it says so


def test_the_shipped_net_has_a_value_and_plays_every_size():
    from gocnn.go.board import Board
    from gocnn.model.evaluator import Evaluator

    ev = Evaluator.load(default_model_path())
    for size in (9, 13, 19):
        e = ev.evaluate_one(Board(size))
        assert e.own_policy and 0 < e.value < 1 and e.ownership.shape == (size * size,)
        # an empty board: the net's own policy, peaked on a few sensible points, not uniform
        assert e.policy.max() > 5 / (size * size)
