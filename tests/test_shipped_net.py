"""The shipped net: it loads from its file alone, knows how it was made, and predicts real
strong players' moves far better than chance."""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np

from gocnn import sgf
from gocnn.engine import default_model_path
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
