"""Small things every layer shares: atomic writes, progress, device, threads and number-format
choice.

Nothing here imports torch at module load, so ``gocnn.go``-level code can use the file helpers.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path

from gocnn.errors import GocnnError


# ---------------------------------------------------------------------- atomic writes
def atomic_write_bytes(path: str | Path, data: bytes, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory (flushed to
    disk) and a rename, so a reader, a crash or a power cut never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def png_bytes(image) -> bytes:
    """A Pillow image as PNG file bytes (for :func:`atomic_write_bytes`)."""
    import io
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj, indent: int | None = 1) -> None:
    atomic_write_text(path, json.dumps(obj, indent=indent, sort_keys=True))


# ---------------------------------------------------------------------- progress
class Progress:
    """The one progress display of long commands, on stderr: a rich bar on a terminal, a plain
    log line (``label: done/total done, info, elapsed s``) every ``every`` seconds otherwise.
    ``total`` None: not known in advance.  Use :func:`progress`; call ``advance`` and ``close``."""

    def __init__(self, total: int | None, label: str, every: float = 30.0, stream=None):
        self.total, self.label, self.every = total, label, every
        self.stream = stream or sys.stderr
        self.done, self.start, self.last = 0, time.monotonic(), time.monotonic()
        self._bar = None
        if self.stream.isatty():
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)
            self._bar = Bar(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[info]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                            console=Console(file=self.stream), transient=False)
            self._bar.start()
            self._task = self._bar.add_task(label, total=total, info="")

    def advance(self, n: int = 1, info: str = "") -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(self._task, advance=n, info=info)
        elif time.monotonic() - self.last >= self.every:
            self.last = time.monotonic()
            of = f"/{self.total}" if self.total is not None else ""
            extra = f", {info}" if info else ""
            print(f"{self.label}: {self.done}{of} done{extra}, {self.last - self.start:.0f} s",
                  file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def progress(total: int | None, label: str, every: float = 30.0) -> Progress:
    """A :class:`Progress` on stderr (``every``: seconds between log lines off a terminal)."""
    return Progress(total, label, every)


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
