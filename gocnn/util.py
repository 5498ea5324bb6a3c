"""Small things every layer shares: atomic writes, device, threads and number-format choice.

Nothing here imports torch at module load, so ``gocnn.go``-level code can use the file helpers.
"""

from __future__ import annotations

import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from gocnn.errors import GocnnError


# ---------------------------------------------------------------------- atomic writes
def atomic_write_bytes(path: str | Path, data: bytes, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory and a rename,
    so a reader (or a crash) never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj, indent: int | None = 1) -> None:
    atomic_write_text(path, json.dumps(obj, indent=indent, sort_keys=True))


# ---------------------------------------------------------------------- devices and threads
def choose_device(name: str = "auto"):
    """``"auto"`` (a GPU when there is one, else the CPU), or any torch device name.
    Raises GocnnError for a name torch does not know or a GPU that is not there."""
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError as exc:
        raise GocnnError(f"bad --device {name!r}: {exc}") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise GocnnError(f"--device {name}: no CUDA GPU is available here")
    return device


def set_threads(threads: int | None) -> None:
    """Torch's intra-op thread count (None or 0: leave torch's default)."""
    if threads is not None and threads < 0:
        raise GocnnError(f"--threads must be >= 0, not {threads}")
    if threads:
        import torch
        torch.set_num_threads(threads)


@lru_cache(maxsize=None)
def cpu_bf16_supported() -> bool:
    """Whether this CPU runs bfloat16 convolutions natively (oneDNN with AVX-512 BF16 or AMX):
    then bf16 autocast roughly doubles training and inference speed.  Elsewhere bf16 would be
    emulated and slower, so fp32 stays the default there."""
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def default_amp(device) -> bool:
    """The default for bf16 autocast on ``device``: on for CUDA GPUs and for CPUs with native
    bf16 (see :func:`cpu_bf16_supported`), off elsewhere."""
    kind = getattr(device, "type", str(device))
    if kind == "cuda":
        return True
    if kind == "cpu":
        return cpu_bf16_supported()
    return False
