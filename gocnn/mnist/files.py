"""The MNIST files: the four idx files (plain or ``.gz``, also the ``train-images.idx3-ubyte``
spelling) or Keras's ``mnist.npz``; where they are looked for and how they are downloaded and
checked; a PNG of one digit made into MNIST's form."""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import sys
import urllib.request
from pathlib import Path

import numpy as np

from gocnn.errors import GocnnError
from gocnn.util import atomic_write_bytes

IMAGE_SIZE = 28
NUM_CLASSES = 10
TRAIN_SIZE = 60000

FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
# sha256 of the decompressed idx files (the canonical MNIST bytes)
SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)


# ---------------------------------------------------------------------------- data files
def read_idx(path) -> np.ndarray:
    """An idx file (plain or gzip) as a uint8 array; raises GocnnError if it is not one."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise GocnnError(f"cannot read {path}: {exc}") from None
    return _parse_idx(raw, path)


def _parse_idx(raw: bytes, path) -> np.ndarray:
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise GocnnError(f"{path} is not an idx file of unsigned bytes (bad magic number)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise GocnnError(f"{path}: truncated idx header")
    dims = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    if len(raw) != header + math.prod(dims):
        raise GocnnError(f"{path}: idx file of {len(raw)} bytes does not hold {dims} bytes "
                         f"(truncated or damaged)")
    return np.frombuffer(raw, np.uint8, offset=header).reshape(dims)


def _find(directory: Path, name: str) -> Path | None:
    alt = name.replace("-idx", ".idx")  # train-images.idx3-ubyte (as some copies spell it)
    for candidate in (name, name + ".gz", alt, alt + ".gz"):
        if (directory / candidate).is_file():
            return directory / candidate
    return None


def has_split(directory, split: str) -> bool:
    directory = Path(directory)
    return (directory / "mnist.npz").is_file() or all(_find(directory, n) for n in FILES[split])


def read_split(directory, split: str) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 (N, 28, 28), labels uint8 (N,)) of ``split`` ("train" or "test")."""
    directory = Path(directory)
    names = FILES[split]
    paths = [_find(directory, n) for n in names]
    if all(paths):
        images, labels = (read_idx(p) for p in paths)
    elif (directory / "mnist.npz").is_file():
        key = "train" if split == "train" else "test"
        try:
            with np.load(directory / "mnist.npz", allow_pickle=False) as npz:
                images, labels = npz[f"x_{key}"], npz[f"y_{key}"]
        except (OSError, KeyError, ValueError) as exc:
            raise GocnnError(f"{directory / 'mnist.npz'}: not a Keras mnist.npz ({exc})") from None
    else:
        raise GocnnError(f"no MNIST {split} files in {directory}: expected {names[0]}(.gz) and "
                         f"{names[1]}(.gz), or mnist.npz")
    if images.ndim != 3 or images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE) \
            or labels.shape != (images.shape[0],):
        raise GocnnError(f"MNIST {split} files in {directory} have shapes {images.shape} and "
                         f"{labels.shape}, not (N, 28, 28) and (N,)")
    if labels.size and labels.max() >= NUM_CLASSES:
        raise GocnnError(f"MNIST {split} labels in {directory} go beyond 9")
    return np.ascontiguousarray(images, np.uint8), np.ascontiguousarray(labels, np.uint8)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gocnn" / "mnist"


def _candidates() -> list[Path]:
    dirs = []
    if os.environ.get("GOCNN_MNIST"):
        dirs.append(Path(os.environ["GOCNN_MNIST"]))
    dirs.append(cache_dir())
    dirs.append(Path(__file__).resolve().parents[3] / "shared" / "data" / "mnist")
    return dirs


def download(directory: Path | None = None, mirrors=MIRRORS, timeout: float = 30.0) -> Path:
    """Fetch the four files into ``directory`` (default: the cache), verifying checksums."""
    directory = Path(directory or cache_dir())
    directory.mkdir(parents=True, exist_ok=True)
    for name, digest in SHA256.items():
        if _find(directory, name):
            continue
        errors = []
        for mirror in mirrors:
            url = f"{mirror}{name}.gz"
            try:
                with urllib.request.urlopen(url, timeout=timeout) as resp:
                    blob = resp.read()
                raw = gzip.decompress(blob)
            except Exception as exc:  # URLError, timeouts, bad gzip: try the next mirror
                errors.append(f"{url}: {exc}")
                continue
            if hashlib.sha256(raw).hexdigest() != digest:
                errors.append(f"{url}: checksum mismatch")
                continue
            atomic_write_bytes(directory / f"{name}.gz", blob)
            print(f"downloaded {url}", file=sys.stderr)
            break
        else:
            raise GocnnError(
                f"MNIST was not found and could not be downloaded ({errors[-1] if errors else ''}). "
                f"Put the four files {', '.join(n + '.gz' for n in SHA256)} (or mnist.npz) in "
                f"{directory}, or pass --data DIR")
    return directory


def find_local(splits=("train", "test")) -> Path | None:
    """The first of $GOCNN_MNIST, the cache and a checkout's shared data that has ``splits``."""
    for d in _candidates():
        if d.is_dir() and all(has_split(d, s) for s in splits):
            return d
    return None


def resolve_data(data_dir=None, splits=("train", "test")) -> Path:
    """The directory holding ``splits``: ``data_dir`` if given, else the first candidate that
    has them, else the cache after downloading."""
    if data_dir is not None:
        data_dir = Path(data_dir)
        if not data_dir.is_dir():
            raise GocnnError(f"MNIST directory not found: {data_dir}")
        for split in splits:
            if not has_split(data_dir, split):
                names = FILES[split]
                raise GocnnError(f"no MNIST {split} files in {data_dir}: expected {names[0]}(.gz) "
                                 f"and {names[1]}(.gz), or mnist.npz")
        return data_dir
    return find_local(splits) or download()


def load(data_dir=None, splits=("train", "test")) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    directory = resolve_data(data_dir, splits)
    return {s: read_split(directory, s) for s in splits}


def image_to_input(path) -> np.ndarray:
    """A PNG (or any image PIL reads) of one digit -> float32 (28, 28) in [0, 1], MNIST-style:
    white digit on black, the digit fitted into 20x20 and centred by its centre of mass."""
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(path) as im:
            im.load()
            if im.mode in ("RGBA", "LA") or "transparency" in im.info:
                bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
                im = Image.alpha_composite(bg, im.convert("RGBA"))
            a = np.asarray(im.convert("L"), dtype=np.float32) / 255.0
    except FileNotFoundError:
        raise GocnnError(f"image not found: {path}") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise GocnnError(f"cannot read image {path}: {exc}") from None
    border = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])
    if border.mean() > 0.5:  # dark digit on a light background
        a = 1.0 - a
    if a.shape == (IMAGE_SIZE, IMAGE_SIZE):
        return a
    ys, xs = np.nonzero(a > 0.1)
    if len(ys) == 0:
        return np.zeros((IMAGE_SIZE, IMAGE_SIZE), np.float32)
    a = a[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h, w = a.shape
    scale = 20.0 / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    small = np.asarray(Image.fromarray((a * 255).astype(np.uint8)).resize((nw, nh), Image.LANCZOS),
                       dtype=np.float32) / 255.0
    out = np.zeros((IMAGE_SIZE, IMAGE_SIZE), np.float32)
    total = small.sum() or 1.0
    cy = (small.sum(1) * np.arange(nh)).sum() / total
    cx = (small.sum(0) * np.arange(nw)).sum() / total
    top = int(np.clip(round(IMAGE_SIZE / 2 - cy), 0, IMAGE_SIZE - nh))
    left = int(np.clip(round(IMAGE_SIZE / 2 - cx), 0, IMAGE_SIZE - nw))
    out[top:top + nh, left:left + nw] = small
    return out
