"""Training shards: counts agree with scan, the split is by game, a killed build resumes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gocnn import data, features
from gocnn.go import sgf


@pytest.fixture(scope="module")
def sample_sources(samples) -> list[Path]:
    return sorted((samples / "sgf").glob("*.tar.gz"))


@pytest.fixture(scope="module")
def built(sample_sources, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("shards")
    data.build(sample_sources, out, val_fraction=0.2, workers=2, members_per_unit=50, progress=False)
    return out


def _digests(out: Path, split: str) -> list[bytes]:
    return [bytes(d) for p in sorted(out.glob(f"*.{split}")) for d in data.Packed.load(p).digest]


def _events(out: Path, split: str) -> bytes:
    return b"".join(np.asarray(getattr(data.Packed.load(p), k)).tobytes()
                    for p in sorted(out.glob(f"*.{split}")) for k in ("offsets", "color", "point", "kind"))


def test_manifest_counts_match_scan(built, sample_sources):
    manifest = json.loads((built / "manifest.json").read_text())
    scanned = data.scan(sample_sources, workers=1, progress=False)
    for key in ("files", "games", "positions", "duplicates", "skipped", "sizes"):
        assert manifest[key] == scanned[key], key
    assert manifest["games"] == manifest["train"]["games"] + manifest["val"]["games"]
    assert manifest["positions"] == manifest["train"]["positions"] + manifest["val"]["positions"]
    # and the sample really is the 246 games it claims
    assert manifest["games"] == 246


def test_no_game_in_both_train_and_validation(built):
    train, val = _digests(built, "train"), _digests(built, "val")
    assert len(val) > 10 and len(train) > 100
    assert not set(train) & set(val)
    assert len(set(train)) == len(train) and len(set(val)) == len(val)
    # the split is a function of the game alone
    assert all(data.is_val(np.frombuffer(d, np.uint8)[None], 0.2)[0] for d in val)


def test_shards_replay_to_the_same_games(built, sample_sources):
    by_digest = {rec.digest(): rec for rec in sgf.read_games(sample_sources)}
    for shard in sorted(built.glob("*.train"))[:2]:
        packed = data.Packed.load(shard)
        for g in range(packed.games):
            rec = by_digest[bytes(packed.digest[g])]
            a, b = packed.offsets[g], packed.offsets[g + 1]
            moves = [(int(c), None if p < 0 else int(p))
                     for c, p, k in zip(packed.color[a:b], packed.point[a:b], packed.kind[a:b]) if k == 0]
            assert moves == rec.moves


def test_killed_build_resumes_without_duplicates_or_gaps(sample_sources, built, tmp_path):
    out = tmp_path / "shards"
    # a build killed (SIGKILL) once two units are written
    script = (
        "import os, signal, sys\n"
        "from gocnn import data\n"
        "orig = data.Packed.save\n"
        "count = [0]\n"
        "def save(self, path, meta):\n"
        "    orig(self, path, meta)\n"
        "    count[0] += 1\n"
        "    if count[0] == 5:\n"  # mid-way through the third unit: train written, val not yet
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "data.Packed.save = save\n"
        f"data.build({[str(s) for s in sample_sources]!r}, {str(out)!r}, val_fraction=0.2, workers=1,"
        " members_per_unit=50, progress=False)\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert proc.returncode == -9
    assert not (out / "manifest.json").exists()
    assert sorted(p.name for p in out.glob("*.done")) == ["00000.done", "00001.done"]
    # a half-written shard left behind looks like a temporary, never like a shard
    (out / "00003.train.tmp").mkdir()
    manifest = data.build(sample_sources, out, val_fraction=0.2, workers=2, members_per_unit=50, progress=False)
    assert not list(out.glob("*.tmp"))
    reference = json.loads((built / "manifest.json").read_text())
    for key in ("games", "positions", "duplicates", "train", "val", "skipped"):
        assert manifest[key] == reference[key], key
    for split in ("train", "val"):
        assert _digests(out, split) == _digests(built, split)
        assert _events(out, split) == _events(built, split)


def test_rebuild_with_other_settings_is_refused(built, sample_sources):
    from gocnn.errors import GocnnError
    with pytest.raises(GocnnError, match="other sources or settings"):
        data.build(sample_sources, built, val_fraction=0.5, progress=False, members_per_unit=50)


def test_batches_are_a_function_of_seed_and_step(built):
    shards = data.ShardSet(built, "train")
    x1, y1 = data.batch_for_step(shards, "basic20", 32, seed=7, step=3)
    x2, y2 = data.batch_for_step(shards, "basic20", 32, seed=7, step=3)
    x3, _ = data.batch_for_step(shards, "basic20", 32, seed=7, step=4)
    assert (x1 == x2).all() and (y1 == y2).all() and not (x1 == x3).all()
    assert x1.shape == (32, 20, 19, 19) and y1.min() >= 0 and y1.max() < 361
    # every label is an empty point of its (symmetry-transformed) position
    assert all(x1[i, 2].ravel()[y1[i]] == 1 for i in range(32))


def test_positions_match_a_direct_encoding(built):
    shards = data.ShardSet(built, "train")
    x, y = shards.encode_positions([0, 1, shards.positions - 1], "basic20")
    s, g, e = shards.locate(1)
    ev = shards.game_events(s, g)
    direct = features.encode_events(19, ev, [e], [int(ev[0][e])], "basic20")[0]
    assert (x[1] == direct).all() and y[1] == ev[1][e]


def test_stream_keeps_step_order_across_workers(built):
    torch = pytest.importorskip("torch")
    stream = data.BatchStream(built, "basic12", 8, seed=1, start=5, stop=11)
    loader = torch.utils.data.DataLoader(stream, batch_size=None, num_workers=2)
    steps = [s for s, _, _, _ in loader]
    assert steps == list(range(5, 11))
    _, x, y, t = next(iter(data.BatchStream(built, "basic12", 8, seed=1, start=7, stop=8)))
    assert t == {}  # a policy-only run asks for no value targets
    xr, yr = data.batch_for_step(data.ShardSet(built), "basic12", 8, 1, 7)
    assert (x.numpy() == xr).all() and (y.numpy() == yr).all()


def test_value_targets_follow_the_winner_komi_and_ownership(built, tmp_path):
    """The winner bit, the komi and the final ownership, each from the side to move's view."""
    import shutil
    from gocnn import targets
    from gocnn.features import apply_symmetry
    built = Path(shutil.copytree(built, tmp_path / "shards"))  # the shared build stays as it was
    shards = data.ShardSet(built)
    assert all(o is None for o in shards.ownership())  # shards build without ownership ...
    targets.compute(built, playouts=16)
    shards = data.ShardSet(built)  # ... and pick it up once computed
    assert all(o is not None for o in shards.ownership())
    rng = np.random.default_rng(0)
    positions = rng.integers(0, shards.positions, 64)
    syms = rng.integers(0, 8, 64)
    t = data.value_targets(shards, positions, syms)
    size = shards.board_size
    for j, pos in enumerate(positions):
        s, g, e = shards.locate(int(pos))
        sh = shards.shards[s]
        mover = int(sh.color[int(sh.offsets[g]) + e])
        winner = int(sh.winner[g])
        assert t["value_mask"][j] == (winner != 0)
        if winner:
            assert t["value"][j] == (winner == mover)
            own = np.asarray(shards.ownership()[s][g], np.float32).reshape(size, size) / 100
            own = apply_symmetry(own * (1 if mover == 1 else -1), int(syms[j]))
            assert np.allclose(t["ownership"][j], own.ravel())
        assert t["komi"][j] == pytest.approx(float(sh.komi[g]) * (1 if mover == 2 else -1))
    # the final ownership agrees with the recorded winner in most games
    agree = total = 0
    for s, sh in enumerate(shards.shards):
        own = np.asarray(shards.ownership()[s], np.float32) / 100
        for g in range(sh.games):
            if sh.winner[g]:
                margin = own[g].sum() - sh.komi[g]
                agree += (margin > 0) == (sh.winner[g] == 1)
                total += 1
    assert total > 100 and agree / total > 0.6, (agree, total)  # resigned games end unsettled


def test_scan_cli_reports_skips_as_json(tmp_path, samples):
    bad = tmp_path / "bad.sgf"
    bad.write_bytes(b"(;GM[1]SZ[19];B[pd];W[pd])")  # a move on an occupied point
    junk = tmp_path / "junk.sgf"
    junk.write_bytes(b"\x00\x01 not sgf at all")
    proc = subprocess.run([sys.executable, "-m", "gocnn", "data", "scan", str(tmp_path), "--json"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["files"] == 2 and result["games"] == 1 and result["truncated"] == 1
    assert sum(result["skipped"].values()) == 1
    missing = subprocess.run([sys.executable, "-m", "gocnn", "data", "scan", str(tmp_path / "nope")],
                             capture_output=True, text=True)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert missing.stderr.strip().startswith("gocnn: error:")


def _gocnn(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gocnn", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


def test_scan_text_reads_as_text(tmp_path, samples):
    nine = tmp_path / "nine.sgf"
    nine.write_text("(;GM[1]FF[4]SZ[9]KM[7];B[ee];W[cc];B[gg])")
    proc = _gocnn("data", "scan", samples / "sgf" / "kgs-sample.tar.gz", nine)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "sizes      19x19: 66, 9x9: 1" in lines, proc.stdout
    assert re.search(r"^games +67 ", proc.stdout, re.M) and "{" not in proc.stdout


def test_build_warns_when_the_validation_split_is_tiny(tmp_path, samples):
    archive = samples / "sgf" / "kgs-sample.tar.gz"  # 66 games: the default 1% gives 0-2 of them
    proc = _gocnn("data", "build", archive, "--out", tmp_path / "small", "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    val = int(re.search(r"^val +(\d+) games, \d+ positions$", proc.stdout, re.M).group(1))
    assert re.search(r"^train +\d+ games, \d+ positions$", proc.stdout, re.M) and "{" not in proc.stdout
    assert val < 10 and proc.stderr.count("\n") == 1
    assert proc.stderr.startswith(f"gocnn: warning: the validation split holds {val} of 66 games")
    assert "use --val-fraction 0.46 (about 30 games)" in proc.stderr, proc.stderr
    # the advice taken: no warning, and --json carries the (empty) list of warnings
    proc = _gocnn("data", "build", archive, "--out", tmp_path / "advised", "--workers", "1",
                  "--val-fraction", "0.46", "--json")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert proc.returncode == 0 and proc.stderr == "" and report["warnings"] == []
    assert report["val"]["games"] >= 10
