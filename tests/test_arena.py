"""Arena: win rate with a Wilson interval, colours alternating."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch

from gocnn.cli import main
from gocnn.model import POLICY_PRESETS, build_policy, save_model
from selfplay.arena import ArenaConfig, run_arena


@pytest.fixture(scope="module")
def nets(tmp_path_factory):
    d = tmp_path_factory.mktemp("nets")
    cfg = dataclasses.replace(POLICY_PRESETS["tiny"], board_size=9)
    out = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        save_model(d / f"n{seed}.safetensors", build_policy(cfg), cfg, {})
        out.append(d / f"n{seed}.safetensors")
    return out


def test_arena_alternates_colours_and_gives_an_interval(nets, tmp_path):
    res = run_arena(ArenaConfig(nets[0], nets[1], 4, size=9, max_moves=40, out=tmp_path), progress=False)
    assert res["games"] == 4 and res["a_as_black"]["games"] == 2
    assert res["wins_a"] + res["wins_b"] == 4
    lo, hi = res["ci95"]
    assert 0.0 <= lo <= res["win_rate_a"] <= hi <= 1.0
    assert res["accept_a"] == (lo > 0.5)
    assert len(list(tmp_path.glob("game-*.sgf"))) == 4


def test_arena_cli_prints_json_last(nets, capsys, tmp_path):
    code = main(["arena", "--a", str(nets[0]), "--b", str(nets[1]), "--games", "2", "--size", "9",
                 "--temperature", "0.5", "--out", str(tmp_path), "--json"])
    assert code == 0
    res = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"wins_a", "games", "win_rate_a", "ci95"} <= set(res) and res["temperature"] == 0.5
    assert len(list(tmp_path.glob("game-*.sgf"))) == 2
