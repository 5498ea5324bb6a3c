"""``gocnn bench``: the harness (timer, percentiles, options, the one JSON shape) and every bench
run once with tiny settings.  No assertion here is about speed: a bench's figures are whatever
the machine gives; what is checked is that they are measured, consistent and reported alike."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import subprocess
import sys

import pytest

from gocnn.bench import BENCHES
from gocnn.bench.harness import (COMMON_KEYS, BenchResult, Figure, Options, Spec, measure, options,
                                 percentile)
from gocnn.cli import build_parser, main
from gocnn.errors import GocnnError


def _json_line(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


@pytest.fixture(autouse=True)
def _torch_threads_restored():
    """A bench sets torch's thread count (--threads, default 1); later tests get theirs back."""
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


# ---------------------------------------------------------------------- harness
@pytest.mark.parametrize("xs, q, expected", [
    ([5.0], 50, 5.0),
    ([1.0, 2.0, 3.0, 4.0], 50, 2.5),          # between the middle two
    ([4.0, 1.0, 3.0, 2.0], 0, 1.0),           # order of the input does not matter
    ([1.0, 2.0, 3.0, 4.0], 100, 4.0),
    (list(range(1, 101)), 95, 95.05),         # numpy's linear interpolation
])
def test_percentile(xs, q, expected):
    assert percentile(xs, q) == pytest.approx(expected)


def test_percentile_of_nothing_is_an_error():
    with pytest.raises(ValueError):
        percentile([], 50)


def test_measure_calls_in_turn_skips_warmup_and_counts_units():
    calls = []
    t = measure({"a": lambda x: calls.append(("a", x)) or 3, "b": lambda x: calls.append(("b", x))},
                inputs=[1, 2], rounds=2, warmup=1)
    # every function on an item before the next item, three rounds in all
    assert calls == [("a", 1), ("b", 1), ("a", 2), ("b", 2)] * 3
    assert t["a"].units == [3] * 4 and t["b"].units == [1] * 4   # None counts as one unit
    assert len(t["a"].wall) == len(t["a"].cpu) == 4
    assert all(s >= 0 for s in t["a"].wall + t["a"].cpu)


def test_measure_gives_each_call_a_fresh_setup():
    made = []
    t = measure({"a": lambda x: x[0], "b": lambda x: x[0] * 10},
                inputs=[1, 2], setup=lambda item: made.append(item) or [item])
    assert made == [1, 1, 2, 2]  # once per call, not once per item
    assert t["a"].units == [1, 2] and t["b"].units == [10, 20]


def test_measure_without_rounds_or_seconds_times_one_round():
    t = measure({"f": lambda: 7})
    assert t["f"].units == [7]


def test_timing_rates_and_milliseconds():
    t = measure({"f": lambda: None})
    t["f"].wall, t["f"].units = [1.0, 2.0, 4.0], [2, 2, 2]
    assert t["f"].rate("total") == pytest.approx(6 / 7)
    assert t["f"].rate("best") == pytest.approx(2.0)
    assert t["f"].rate("median") == pytest.approx(1.0)
    assert t["f"].ms(50) == pytest.approx(2000.0)


def test_result_json_has_the_common_shape_and_ratio_means_ours_ahead():
    r = BenchResult("x", 300.0, "moves/s", "them", 100.0, sets={"s": Figure(2.0, 4.0, "u")},
                    extra={"games": 3}, threads=2)
    out = r.to_json()
    assert set(COMMON_KEYS) <= set(out) and out["games"] == 3 and out["threads"] == 2
    assert out["ratio"] == 3.0 and out["sets"]["s"] == {"rate": 2.0, "peer_rate": 4.0, "ratio": 0.5, "unit": "u"}
    json.dumps(out)  # serialisable


@pytest.mark.parametrize("spec, given, message", [
    (Spec(), {"games": 3}, "--games does not apply"),
    (Spec(games=10, threaded=False), {"threads": 2}, "--threads 2 does not apply"),
    (Spec(games=10), {"model": "m.safetensors"}, "--model does not apply"),
    (Spec(games=10), {"data": "d"}, "--data does not apply"),
])
def test_options_a_bench_cannot_use_are_refused(spec, given, message):
    with pytest.raises(GocnnError, match=message):
        options("x", spec, **given)


def test_options_take_the_bench_defaults():
    assert options("x", Spec(games=10, seconds=3.0)) == Options(games=10, seconds=3.0, threads=1)
    assert options("x", Spec(games=10, seconds=3.0), games=2, seconds=0.5, threads=4) == \
        Options(games=2, seconds=0.5, threads=4)


def test_every_bench_is_wired_and_declares_a_spec():
    assert set(BENCHES) == {"replay", "features", "train", "infer", "gtp", "selfplay", "mnist", "tui-startup",
                            "search"}
    assert BENCHES["tui-startup"] == "gocnn.bench.tui_startup"
    for name, module in BENCHES.items():
        assert importlib.util.find_spec(module) is not None, name
        assert build_parser().parse_args(["bench", name]).name == name


@pytest.mark.parametrize("argv, words", [
    (["bench", "train", "--games", "3"], "bench train: --games does not apply (it measures no games)"),
    (["bench", "replay", "--threads", "2"], "bench replay: --threads 2 does not apply (it runs on one thread)"),
    (["bench", "features", "--model", "x.safetensors"], "bench features: --model does not apply"),
    (["bench", "infer", "--seconds", "0"], "--seconds: must be >= 0.01, not 0"),
    (["bench", "gtp", "--games", "0"], "--games: must be >= 1, not 0"),
    (["bench", "infer", "--model", "/no/such.safetensors"], "no model file at /no/such.safetensors"),
])
def test_bad_bench_options_are_one_line_and_exit_2(argv, words):
    proc = subprocess.run([sys.executable, "-m", "gocnn", *argv], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == "", proc
    assert proc.stderr.count("\n") == 1 and words in proc.stderr, proc.stderr


# ---------------------------------------------------------------------- every bench, tiny settings
# what each bench documents beyond the common keys
EXTRA_KEYS = {
    "replay": ("games", "moves", "final_position_mismatches", "data"),
    "features": ("games", "positions", "features"),
    "train": ("preset", "batch", "gflops", "peer_gflops", "amp"),
    "infer": ("ms_per_move", "p95_ms", "peer_ms", "overhead"),
    "gtp": ("genmove_ms_median", "genmove_ms_p95", "forward_ms_median", "overhead_median", "goal_overhead"),
    "selfplay": ("games", "moves", "peer_moves", "forward_batched", "forward_batch1", "forward_ratio"),
    "mnist": ("seconds_per_epoch", "peer_seconds_per_epoch", "params", "peer_params", "cpu_ratio"),
    "tui-startup": ("seconds", "peer_seconds", "net_ready_seconds", "runs"),
    "search": ("visits", "batch", "amp", "scaling_1_to_2_threads", "positions", "threads_2_unpipelined_rate",
               "pipeline_gain"),
}
SETS = {"replay": {"parse_replay"}, "features": {"basic12", "basic20", "alphago48"},
        "train": {"default", "fp32", "pipeline"}, "selfplay": {"forward"}, "mnist": {"cpu_time"},
        "tui-startup": {"net_ready"}, "search": {"threads_1", "threads_2"}}


def _replay(out):
    assert out["games"] == 1 and out["moves"] > 0 and out["final_position_mismatches"] == 0


def _features(out):
    assert out["features"] == "basic20" and out["rate"] == out["sets"]["basic20"]["rate"]


def _train(out):
    import torch

    from gocnn.util import default_amp
    assert out["amp"] == default_amp(torch.device("cpu")) and out["batch"] == 128
    assert out["rate"] == out["sets"]["default"]["rate"] and out["peer_rate"] == out["sets"]["fp32"]["rate"]
    assert out["sets"]["pipeline"]["peer_rate"] == out["rate"]  # the pipeline against the bare default step
    assert out["sets"]["fp32"]["setting"] == "fp32, NCHW"
    # GFLOP/s: the same flop count over each setting's time
    assert out["gflops"] / out["peer_gflops"] == pytest.approx(out["ratio"], rel=0.02)


def _gtp(out):
    assert out["positions"] >= 1 and out["model"] == "default.safetensors" and out["board_size"] == 19


def _tui_startup(out):
    assert out["seconds"] > 0 and out["net_ready_seconds"] > 0
    assert out["player"] == "gocnn" and out["net_notice"] is None


def _mnist(out):
    assert out["peer"].startswith("keras") and out["peer_params"] == out["params"] == 3_274_634
    assert out["unit"] == "epochs/hour" and out["seconds_per_epoch"] > 0


def _search(out):
    # the search can never beat the bare forward pass it is made of: every visit is one evaluation
    # (by CPU time, which other work on the machine does not bend as it bends wall-clock rates)
    assert out["visits"] == 200 and out["ratio"] > 0 and 0 < out["cpu_ratio"] <= 1.05
    assert out["threads_2_unpipelined_rate"] > 0 and out["pipeline_gain"] > 0
    assert out["sets"]["threads_1"]["rate"] > 0 and out["sets"]["threads_2"]["rate"] > 0


CHECKS = {"replay": _replay, "features": _features, "train": _train, "gtp": _gtp,
          "tui-startup": _tui_startup, "mnist": _mnist, "search": _search}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n == "mnist" else n
                                  for n in BENCHES])
def test_every_bench_prints_the_common_json_shape(name, capsys, request):
    import importlib
    spec = importlib.import_module(BENCHES[name]).SPEC
    argv = ["bench", name, "--seconds", "0.3", "--json"] + (["--games", "1"] if spec.games else [])
    if name == "mnist":
        if importlib.util.find_spec("keras") is None:
            pytest.skip("keras is not installed (pip install 'gocnn[bench]')")
        argv += ["--data", str(request.getfixturevalue("shared_data") / "mnist")]
    assert main(argv) == 0
    out = _json_line(capsys)
    assert set(COMMON_KEYS) <= set(out), set(COMMON_KEYS) - set(out)
    assert out["bench"] == name and out["threads"] == 1 and isinstance(out["unit"], str)
    assert out["rate"] > 0 and out["peer_rate"] > 0 and out["peer"]
    assert out["ratio"] == pytest.approx(out["rate"] / out["peer_rate"], rel=0.01)
    assert set(EXTRA_KEYS[name]) <= set(out), set(EXTRA_KEYS[name]) - set(out)
    assert set(out["sets"]) == SETS.get(name, set())
    for figure in out["sets"].values():
        assert figure["rate"] > 0
        if "peer_rate" in figure:
            assert figure["ratio"] == pytest.approx(figure["rate"] / figure["peer_rate"], rel=0.01)
    CHECKS.get(name, lambda out: None)(out)


def test_bench_selfplay_reports_runner_and_forward_ratios(tiny9, capsys):
    assert main(["bench", "selfplay", "--games", "2", "--seconds", "0.2", "--model", str(tiny9),
                 "--threads", "1", "--json"]) == 0
    res = _json_line(capsys)
    assert res["games"] == 2 and res["moves"] == res["peer_moves"] > 0 and res["board_size"] == 9
    assert res["rate"] > 0 and res["peer_rate"] > 0
    assert abs(res["ratio"] - res["rate"] / res["peer_rate"]) < 0.01
    assert res["forward_batched"] > 0 and res["forward_batch1"] > 0
    assert abs(res["forward_ratio"] - res["forward_batched"] / res["forward_batch1"]) < 0.01


@pytest.fixture(scope="module")
def tiny9(tmp_path_factory):
    torch = pytest.importorskip("torch")
    from gocnn.model import POLICY_PRESETS, build_policy, save_model
    cfg = dataclasses.replace(POLICY_PRESETS["tiny"], board_size=9)
    torch.manual_seed(1)
    path = tmp_path_factory.mktemp("net") / "tiny9.safetensors"
    save_model(path, build_policy(cfg), cfg, {})
    return path


@pytest.mark.slow
def test_bench_against_keras(shared_data, capsys):
    if importlib.util.find_spec("keras") is None:
        pytest.skip("keras is not installed (pip install keras)")
    assert main(["bench", "mnist", "--seconds", "5", "--threads", "1",
                 "--data", str(shared_data / "mnist"), "--json"]) == 0
    out = _json_line(capsys)
    assert out["peer"].startswith("keras") and out["peer_params"] == out["params"] == 3_274_634
    assert out["ratio"] > 0 and out["seconds_per_epoch"] > 0 and out["unit"] == "epochs/hour"
