"""A real GUI-side GTP client: Sabaki's own controller library (@sabaki/gtp) drives
``gocnn gtp`` - attach, board sync (clear_board/play, then undo), genmove, lz-analyze
streaming and lz-genmove_analyze.  Needs Node.js and ``npm install`` in tests/js."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

JS = Path(__file__).parent / "js"


def _node() -> str:
    node = shutil.which("node")
    if not node:
        pytest.skip("Node.js is not installed")
    if not (JS / "node_modules" / "@sabaki" / "gtp").is_dir():
        pytest.skip("run 'npm install' in tests/js first (installs @sabaki/gtp)")
    return node


def _drive(engine: list[str]) -> dict:
    proc = subprocess.run([_node(), str(JS / "sabaki_gtp_test.mjs")], cwd=JS, capture_output=True,
                          text=True, timeout=180, env={**os.environ, "GOCNN_GTP": json.dumps(engine)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_sabaki_controller_drives_the_random_engine():
    seen = _drive([sys.executable, "-m", "gocnn", "gtp", "--random"])
    assert seen["ok"] and seen["name"] == "gocnn" and seen["analysis"]["moves"] >= 1


def test_sabaki_controller_drives_the_net(tmp_path):
    _node()
    torch = pytest.importorskip("torch")
    from gocnn.model import POLICY_PRESETS, build_policy, save_model

    cfg = dataclasses.replace(POLICY_PRESETS["tiny"], board_size=9)
    torch.manual_seed(0)
    path = tmp_path / "tiny9.safetensors"
    save_model(path, build_policy(cfg), cfg, {})
    seen = _drive([sys.executable, "-m", "gocnn", "gtp", "--model", str(path), "--symmetries", "8"])
    top = seen["analysis"]["top"]
    assert top["order"] == 0 and top["prior"] > 0 and top["visits"] >= 1
