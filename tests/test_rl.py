"""Policy-gradient reinforcement: the step moves the net towards the winner's moves."""

from __future__ import annotations

import copy
import csv
import dataclasses

import numpy as np
import pytest
import torch

from gocnn.model import POLICY_PRESETS, build_policy, load_model, save_model
from selfplay.rl import RLConfig, learner_positions, move_logprobs, outcome, reinforce_step, rl
from gocnn.play.game import GameSpec, Net, play_games


@pytest.fixture(scope="module")
def tiny9(tmp_path_factory):
    path = tmp_path_factory.mktemp("nets") / "tiny9.safetensors"
    torch.manual_seed(0)
    cfg = dataclasses.replace(POLICY_PRESETS["tiny"], board_size=9)
    save_model(path, build_policy(cfg), cfg, {})
    return path


def _logp_sum(net, games, features, won: bool) -> float:
    total = 0.0
    with torch.no_grad():
        for g in games:
            if (outcome(g, 0) > 0) != won:
                continue
            planes, actions = learner_positions(g, 0, features)
            total += float(move_logprobs(net, planes, actions).sum())
    return total


def test_one_reinforce_step_raises_the_log_probability_of_the_winners_moves(tiny9):
    net, cfg, _ = load_model(tiny9)
    learner = Net(net, cfg, "learner")
    opponent = Net(copy.deepcopy(net), cfg, "pool-0")
    specs = [GameSpec(j, 0, 1, 77 + j) if j % 2 == 0 else GameSpec(j, 1, 0, 77 + j) for j in range(8)]
    games = play_games([learner, opponent], specs, size=9, max_moves=60, batch=8)
    zs = [outcome(g, 0) for g in games]
    assert 1.0 in zs and -1.0 in zs  # both outcomes, so the baseline leaves a signal
    before_won = _logp_sum(net, games, cfg.features, won=True)
    before_lost = _logp_sum(net, games, cfg.features, won=False)
    weights = [p.detach().clone() for p in net.parameters()]
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    step = reinforce_step(net, opt, games, 0, cfg.features)
    assert step["baseline"] == pytest.approx(float(np.mean(zs)))
    assert step["positions"] > 0
    assert any(not torch.equal(a, b) for a, b in zip(weights, net.parameters()))
    # the step's measured KL divergence is positive and the policy's entropy at most log(81)
    assert step["kl"] > 0 and 0 < step["entropy"] <= np.log(81) + 1e-6
    assert _logp_sum(net, games, cfg.features, won=True) > before_won
    assert _logp_sum(net, games, cfg.features, won=False) < before_lost
    # the opponent's moves carry no gradient: only the learner's stone moves are counted
    assert step["positions"] == sum(len(learner_positions(g, 0, cfg.features)[1]) for g in games)


def test_max_kl_shortens_a_step_that_moves_the_policy_too_far(tiny9):
    net, cfg, _ = load_model(tiny9)
    specs = [GameSpec(j, 0, 1, 300 + j) if j % 2 == 0 else GameSpec(j, 1, 0, 300 + j) for j in range(8)]
    games = play_games([Net(net, cfg, "a"), Net(copy.deepcopy(net), cfg, "b")], specs, size=9,
                       max_moves=60, batch=8)
    free = copy.deepcopy(net)
    big = reinforce_step(free, torch.optim.SGD(free.parameters(), lr=1.0), games, 0, cfg.features)
    assert big["step_scale"] == 1.0 and big["kl"] > 0.02
    capped = reinforce_step(net, torch.optim.SGD(net.parameters(), lr=1.0), games, 0, cfg.features,
                            max_kl=0.02)
    assert capped["step_scale"] < 1.0 and 0 < capped["kl"] <= 0.02
    # the same direction, only shorter: the capped weights lie on the segment start -> full step
    start, _, _ = load_model(tiny9)
    for p0, p1, p2 in zip(start.parameters(), net.parameters(), free.parameters()):
        torch.testing.assert_close(p1 - p0, (p2 - p0) * capped["step_scale"], rtol=1e-3, atol=1e-6)


def test_all_games_won_means_no_signal_with_the_mean_baseline(tiny9):
    net, cfg, _ = load_model(tiny9)
    games = play_games([Net(net, cfg, "a"), Net(copy.deepcopy(net), cfg, "b")],
                       [GameSpec(0, 0, 1, 5)], size=9, max_moves=20)
    weights = [p.detach().clone() for p in net.parameters()]
    step = reinforce_step(net, torch.optim.SGD(net.parameters(), lr=0.1), games, 0, cfg.features)
    assert step["positions"] == 0
    assert all(torch.equal(a, b) for a, b in zip(weights, net.parameters()))


def _config(init, iterations):
    return RLConfig(init=str(init), iterations=iterations, games_per_iteration=2, pool_every=1, lr=0.01, size=9,
                    komi=7.5, seed=0, max_moves=30, max_kl=None)


def test_rl_run_writes_pool_checkpoints_metrics_and_resumes(tiny9, tmp_path):
    run = tmp_path / "run"
    first = rl(_config(tiny9, 1), run)
    assert first["pool"] == 2  # the starting net and iteration 1
    second = rl(_config(tiny9, 2), run)  # a rerun with more iterations continues
    assert second["pool"] == 3
    with open(run / "metrics.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["iteration"] for r in rows] == ["1", "2"]
    assert sorted(p.name for p in (run / "pool").iterdir()) == [
        "iter-000000.safetensors", "iter-000001.safetensors", "iter-000002.safetensors"]
    load_model(run / "model.safetensors")
    assert len(list((run / "games").rglob("*.sgf"))) == 4
