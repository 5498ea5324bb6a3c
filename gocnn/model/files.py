"""Model files: safetensors with the config, the facts and a checksum; never pickle.

The weights are tensors; the string metadata holds ``format`` (``gocnn-model``),
``format_version``, ``config_kind``, ``config`` (JSON), ``facts`` (JSON: data, steps,
accuracy... whatever training recorded) and ``tensors_sha256`` (a checksum of the tensor data,
so a damaged file is refused rather than silently playing badly).  The shipped net lives at
:func:`default_model_path`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch
from torch import nn

from gocnn.errors import GocnnError
from gocnn.util import atomic_write_bytes
from gocnn.model.config import config_from_json, config_to_json, kind_of
from gocnn.model.net import _unwrap, build_net

def default_model_path() -> Path:
    """Where the shipped net lives (``gocnn/weights/default.safetensors``)."""
    return Path(__file__).resolve().parents[1] / "weights" / "default.safetensors"


def resolve_model_path(path: str | Path | None) -> Path:
    """The model file to load: ``path``, or the shipped net.  Raises GocnnError if missing."""
    if path is None:
        p = default_model_path()
        if not p.is_file():
            raise GocnnError(f"the shipped net {p} is not there yet: pass --model FILE "
                             f"(a model from 'gocnn train'), or --random for a random player")
        return p
    p = Path(path).expanduser()
    if not p.is_file():
        raise GocnnError(f"no model file at {p}")
    return p


FORMAT = "gocnn-model"
FORMAT_VERSION = 1


def _tensors_sha256(tensors: dict[str, torch.Tensor]) -> str:
    h = hashlib.sha256()
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}|".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def save_model(path, net: nn.Module, config, facts: dict | None = None) -> None:
    """Write ``net``'s weights with ``config`` and ``facts`` to ``path`` atomically."""
    from safetensors.torch import save

    path = Path(path)
    kind = kind_of(config)
    tensors = {k: v.detach().to("cpu").contiguous().clone()
               for k, v in _unwrap(net).state_dict().items()}
    metadata = {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "config_kind": kind,
        "config": json.dumps(config_to_json(config), sort_keys=True),
        "facts": json.dumps(facts or {}, sort_keys=True, default=str),
        "tensors_sha256": _tensors_sha256(tensors),
    }
    atomic_write_bytes(path, save(tensors, metadata=metadata))


def read_metadata(path) -> dict[str, str]:
    """The string metadata of a model file (no weights read).  Raises GocnnError."""
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise GocnnError(f"model file not found: {path}")
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
    except Exception as exc:  # SafetensorError, OSError: not safetensors, truncated header...
        raise GocnnError(f"{path} is not a readable model file (safetensors): {exc}") from None
    if meta.get("format") != FORMAT:
        raise GocnnError(f"{path} is a safetensors file but not a gocnn model "
                         f"(no 'format: {FORMAT}' in its metadata)")
    try:
        version = int(meta.get("format_version", ""))
    except ValueError:
        raise GocnnError(f"{path}: bad format_version {meta.get('format_version')!r}") from None
    if version > FORMAT_VERSION:
        raise GocnnError(f"{path} has model format {version}; this gocnn reads up to "
                         f"{FORMAT_VERSION} - upgrade gocnn")
    return meta


def read_config(path):
    """The config a model file carries (its header only: no weights read, cheap)."""
    meta = read_metadata(path)
    try:
        return config_from_json(meta.get("config_kind", ""), json.loads(meta["config"]))
    except (KeyError, ValueError, TypeError) as exc:
        raise GocnnError(f"{path}: bad model config in the metadata: {exc}") from None


def load_model(path, device="cpu") -> tuple[nn.Module, object, dict]:
    """(net in eval mode on ``device``, config, facts) rebuilt from the file alone.

    Raises GocnnError for a missing file, a file that is not a gocnn safetensors model, a
    truncated or damaged file, or weights that do not fit the config they came with."""
    from safetensors import safe_open

    path = Path(path)
    meta = read_metadata(path)
    try:
        config = config_from_json(meta.get("config_kind", ""), json.loads(meta["config"]))
        facts = json.loads(meta.get("facts", "{}"))
        net = build_net(config)
    except (KeyError, ValueError, TypeError) as exc:
        raise GocnnError(f"{path}: bad model config in the metadata: {exc}") from None
    try:
        with safe_open(str(path), framework="pt") as f:
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as exc:
        raise GocnnError(f"{path} is damaged (its tensors cannot be read): {exc}") from None
    if "tensors_sha256" in meta and _tensors_sha256(tensors) != meta["tensors_sha256"]:
        raise GocnnError(f"{path} is damaged: its weights do not match their checksum")
    expected = net.state_dict()
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    wrong = sorted(k for k in set(expected) & set(tensors) if expected[k].shape != tensors[k].shape)
    if missing or unexpected or wrong:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing[:3])}")
        if unexpected:
            parts.append(f"unexpected {', '.join(unexpected[:3])}")
        if wrong:
            parts.append(f"wrong shape {', '.join(wrong[:3])}")
        raise GocnnError(f"{path}: the weights do not fit the config ({'; '.join(parts)})")
    net.load_state_dict(tensors)
    return net.to(device).eval(), config, facts


def model_hash(path) -> str:
    """A short content hash of a model file (10 hex digits of its sha256), to name it."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError as exc:
        raise GocnnError(f"cannot read model file {path}: {exc.strerror}") from None
    return h.hexdigest()[:10]
