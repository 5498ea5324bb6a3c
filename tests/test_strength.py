"""The strength curve (``gocnn strength``): the shipped net at two visit counts against GNU Go
and against each other, through the real match referee; the table, JSON and PNG it leaves."""

from __future__ import annotations

import json

import pytest

from gocnn.errors import GocnnError
from gocnn.gtp.strength import StrengthConfig, run_strength, table


@pytest.mark.gnugo
def test_a_small_curve_against_gnugo_and_between_visit_counts(gnugo, tmp_path):
    from PIL import Image

    cfg = StrengthConfig(visits=(1, 4), games=2, pair_games=2, size=9, out=str(tmp_path),
                         opponent=f"{gnugo} --mode gtp --level 0 --chinese-rules")
    seen = []
    report = run_strength(cfg, progress=seen.append)
    rows = report["rows"]
    assert [(r["kind"], r["visits"]) for r in rows] == [("opponent", 1), ("opponent", 4), ("pair", 4)]
    assert seen == rows
    assert rows[0]["against"].startswith("GNU Go") and rows[2]["against"] == "1 visits"
    for r in rows:
        assert r["games"] == 2 and 0 <= r["wins"] <= r["decided"] <= 2
        assert len(r["results"]) == 2 and all(x[:2] in ("B+", "W+") or x in ("0", "Void") for x in r["results"])
        if r["win_rate"] is not None:
            assert r["ci95"][0] <= r["win_rate"] <= r["ci95"][1]
    assert len(list((tmp_path / "pair-4").glob("*.sgf"))) == 2
    assert json.loads((tmp_path / "strength.json").read_text())["rows"] == rows
    assert Image.open(tmp_path / "strength.png").size == (720, 440)
    lines = table(rows).splitlines()
    assert len(lines) == 2 + len(rows) and lines[2].startswith("| 1 | GNU Go")


@pytest.mark.parametrize("bad, message", [
    (dict(visits=(100, 1)), "increasing"),
    (dict(visits=(0, 4)), "at least 1"),
    (dict(games=0, pair_games=0), "not both 0"),
    (dict(model="/no/such/net.safetensors"), "no model file"),
])
def test_bad_settings_are_refused_before_any_game(bad, message):
    with pytest.raises(GocnnError, match=message):
        run_strength(StrengthConfig(**bad))


@pytest.mark.gnugo
def test_cli_json_and_bad_options(gnugo, tmp_path):
    import subprocess
    import sys
    gnu = f"{gnugo} --mode gtp --level 0 --chinese-rules"
    run = [sys.executable, "-m", "gocnn", "strength", "--opponent", gnu, "--size", "7", "--komi", "0.5"]
    proc = subprocess.run(run + ["--visits", "1", "--games", "1", "--pair-games", "0", "--out", str(tmp_path),
                                 "--json"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["config"]["size"] == 7 and [r["games"] for r in report["rows"]] == [1]
    assert (tmp_path / "strength.png").is_file()
    bad = subprocess.run(run + ["--visits", "400,100"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "increasing" in bad.stderr
