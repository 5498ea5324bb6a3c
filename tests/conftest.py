"""Shared fixtures: where the repository's samples, the shared data and GNU Go are.

The shared data (``../shared`` beside the repository) is optional: tests that need it skip
cleanly on a user's machine; the samples under ``data/`` always exist."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GOCNN_SHARED", REPO.parent / "shared"))
SAMPLES = REPO / "data"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def samples() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def shared_data() -> Path:
    data = SHARED / "data"
    if not data.is_dir():
        pytest.skip("../shared/data is not present (only on the project's machines)")
    return data


def gnugo_path() -> str | None:
    return shutil.which("gnugo") or (os.path.exists("/usr/games/gnugo") and "/usr/games/gnugo") or None


@pytest.fixture(scope="session")
def gnugo() -> str:
    path = gnugo_path()
    if not path:
        pytest.skip("GNU Go is not installed (apt-get install gnugo)")
    return path


def save_tiny_net(path: Path, seed: int, size: int = 9, facts: dict | None = None) -> Path:
    """A randomly initialised 'tiny' policy net for ``size`` saved at ``path`` (torch's seed
    ``seed``): a real model file, fast to load, for tests that need one."""
    import dataclasses

    import torch

    from gocnn.model import POLICY_PRESETS, build_policy, save_model
    cfg = dataclasses.replace(POLICY_PRESETS["tiny"], board_size=size)
    torch.manual_seed(seed)
    save_model(path, build_policy(cfg), cfg, facts or {})
    return path
