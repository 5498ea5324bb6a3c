"""MNIST on the conv core: the data files, the classic CNN and an improved one, training,
evaluation, prediction and a picture of the learned filters (the benchmark against Keras is
``gocnn bench mnist``, :mod:`gocnn.bench.mnist`).

The seed network is the classic Keras/TensorFlow MNIST CNN::

    1x28x28 -> conv 32 5x5 'same' -> ReLU -> max-pool 2x2 -> conv 64 5x5 'same' -> ReLU
    -> max-pool 2x2 -> flatten (3136) -> dense 1024 -> ReLU -> dense 10 (softmax in the loss)
    Adam 1e-4, batch 64, pixels in [0, 1]; 3,274,634 parameters.

Data: the four original files (``train-images-idx3-ubyte`` etc., plain or ``.gz``, also the
``train-images.idx3-ubyte`` spelling) or Keras's ``mnist.npz`` in a directory.  Without
``--data`` the files are looked for in ``$GOCNN_MNIST``, the cache directory
(``$XDG_CACHE_HOME/gocnn/mnist``, default ``~/.cache/gocnn/mnist``) and a ``shared/data/mnist``
beside the source checkout, then downloaded into the cache from the usual public mirrors, every
file checked against the sha256 of its decompressed content.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gocnn.errors import GocnnError

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
    dirs.append(Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist")
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
            tmp = directory / f".{name}.gz.part"
            tmp.write_bytes(blob)
            os.replace(tmp, directory / f"{name}.gz")
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


def to_tensor(images: np.ndarray):
    """uint8 (N, 28, 28) -> float32 tensor (N, 1, 28, 28) in [0, 1]."""
    import torch
    return torch.from_numpy(np.array(images, dtype=np.uint8)).unsqueeze(1).float().div_(255.0)


# ---------------------------------------------------------------------------- architectures
def seed_spec(num_classes: int = NUM_CLASSES, act: str = "relu") -> tuple:
    """The classic Keras MNIST CNN."""
    from gocnn.nn import Conv, Dense, Flatten
    return (Conv(32, 5, act=act, pool=2), Conv(64, 5, act=act, pool=2), Flatten(),
            Dense(1024, act=act), Dense(num_classes, act=None))


def improved_spec(num_classes: int = NUM_CLASSES, act: str = "relu", norm: str = "batch") -> tuple:
    """Two 3x3 convolutions per stage with batch norm, dropout before the classifier."""
    from gocnn.nn import Conv, Dense, Dropout, Flatten
    return (Conv(32, 3, norm=norm, act=act), Conv(32, 3, norm=norm, act=act, pool=2),
            Conv(64, 3, norm=norm, act=act), Conv(64, 3, norm=norm, act=act, pool=2),
            Flatten(), Dropout(0.25), Dense(256, norm=norm, act=act, dropout=0.4),
            Dense(num_classes, act=None))


def small_spec(num_classes: int = NUM_CLASSES, act: str = "relu") -> tuple:
    """A small fast net for tests and quick checks."""
    from gocnn.nn import Conv, Dense, Flatten
    return (Conv(16, 5, act=act, pool=2), Conv(32, 5, act=act, pool=2), Flatten(),
            Dense(num_classes, act=None))


@dataclass(frozen=True)
class Recipe:
    """How an architecture is trained by default."""
    spec: object
    lr: float
    batch: int
    epochs: int
    init: str = "torch"
    schedule: str = "constant"  # or "onecycle"
    augment: bool = False
    label_smoothing: float = 0.0
    weight_decay: float = 0.0
    about: str = ""


ARCHS: dict[str, Recipe] = {
    "seed": Recipe(seed_spec, lr=1e-4, batch=64, epochs=1, init="glorot",
                   about="the classic Keras MNIST CNN: Adam 1e-4, batch 64"),
    "improved": Recipe(improved_spec, lr=3e-3, batch=128, epochs=5, init="kaiming",
                       schedule="onecycle", augment=True, label_smoothing=0.1,
                       weight_decay=1e-2,
                       about="batch norm, dropout, one-cycle AdamW, light random affine "
                             "augmentation, label smoothing"),
    "small": Recipe(small_spec, lr=2e-3, batch=64, epochs=1,
                    about="a small fast net for tests"),
}


def make_config(arch: str):
    from gocnn.model import ClassifierConfig
    if arch not in ARCHS:
        raise GocnnError(f"unknown MNIST arch {arch!r} (known: {', '.join(ARCHS)})")
    recipe = ARCHS[arch]
    return ClassifierConfig(name=arch, in_channels=1, image_size=IMAGE_SIZE,
                            num_classes=NUM_CLASSES, layers=recipe.spec(), init=recipe.init)


# ---------------------------------------------------------------------------- training
@dataclass
class Settings:
    epochs: int = 1
    batch: int = 64
    lr: float = 1e-4
    schedule: str = "constant"
    augment: bool = False
    label_smoothing: float = 0.0
    weight_decay: float = 0.0
    seed: int = 0
    max_steps: int | None = None     # stop early (benchmarks, tests)
    warmup_steps: int = 0            # steps left out of the timed window (benchmarks)
    channels_last: bool = True


@dataclass
class History:
    epoch_seconds: list = field(default_factory=list)
    test_accuracy: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    train_accuracy: list = field(default_factory=list)
    steps: int = 0
    timed_steps: int = 0
    timed_seconds: float = 0.0
    timed_cpu_seconds: float = 0.0   # process CPU time over the same steps (all threads)


def augment_batch(x, generator=None, degrees: float = 10.0, scale: float = 0.1,
                  shift: float = 2.0):
    """Random small rotations, zooms and shifts (in pixels) of a batch (N, C, H, W)."""
    import torch
    import torch.nn.functional as F
    n, _, h, _ = x.shape
    rnd = torch.rand(n, 4, generator=generator) * 2 - 1
    angle = rnd[:, 0] * math.radians(degrees)
    s = 1 + rnd[:, 1] * scale
    cos, sin = torch.cos(angle) / s, torch.sin(angle) / s
    tx, ty = rnd[:, 2] * (2 * shift / h), rnd[:, 3] * (2 * shift / h)
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def evaluate(net, x, y, batch: int = 1000) -> float:
    """Accuracy of ``net`` on float images ``x`` (N, 1, 28, 28) and labels ``y``."""
    import torch
    was_training = net.training
    net.eval()
    correct = 0
    with torch.inference_mode():
        for i in range(0, len(x), batch):
            correct += int((net(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum())
    net.train(was_training)
    return correct / max(1, len(x))


class _Progress:
    """A rich progress bar on stderr when it is a terminal; silent otherwise."""

    def __init__(self, total: int, label: str):
        self.bar = None
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)
            self.bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                MofNCompleteColumn(), TextColumn("{task.fields[stats]}"),
                                TimeElapsedColumn(), TimeRemainingColumn(),
                                console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task(label, total=total, stats="")

    def update(self, done: int, stats: str) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=done, stats=stats)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def train(net, x_train, y_train, x_test=None, y_test=None, settings: Settings | None = None,
          log=None) -> History:
    """Train ``net`` (float images (N, 1, H, W) in [0, 1], int64 labels) with Adam/AdamW.

    Preloaded tensors, one index per batch, no per-step host sync beyond the progress bar;
    with a test set, the test accuracy after every epoch goes into the history."""
    import torch
    import torch.nn.functional as F

    s = settings or Settings()
    gen = torch.Generator().manual_seed(s.seed)
    if s.channels_last:
        net = net.to(memory_format=torch.channels_last)
    params = list(net.parameters())
    opt_cls = torch.optim.AdamW if s.weight_decay else torch.optim.Adam
    opt = opt_cls(params, lr=s.lr, weight_decay=s.weight_decay, fused=True)
    n = len(x_train)
    steps_per_epoch = math.ceil(n / s.batch)
    total = steps_per_epoch * s.epochs
    if s.max_steps is not None:
        total = min(total, s.max_steps)
    sched = None
    if s.schedule == "onecycle":
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=s.lr, total_steps=total,
                                                    pct_start=0.25, div_factor=20,
                                                    final_div_factor=200)
    elif s.schedule != "constant":
        raise GocnnError(f"unknown schedule {s.schedule!r} (constant, onecycle)")
    hist = History()
    step = 0
    net.train()
    t_start = t_last = cpu_start = cpu_last = None
    for epoch in range(s.epochs):
        if step >= total:
            break
        t0 = time.perf_counter()
        perm = torch.randperm(n, generator=gen)
        loss_sum = torch.zeros(())
        correct = torch.zeros((), dtype=torch.long)
        seen = 0
        todo = min(steps_per_epoch, total - step)
        bar = _Progress(todo, f"epoch {epoch + 1}/{s.epochs}")
        try:
            for i in range(todo):
                if step == s.warmup_steps:
                    t_start, cpu_start = time.perf_counter(), time.process_time()
                idx = perm[i * s.batch:(i + 1) * s.batch]
                xb, yb = x_train[idx], y_train[idx]
                if s.augment:
                    xb = augment_batch(xb, gen)
                logits = net(xb)
                loss = F.cross_entropy(logits, yb, label_smoothing=s.label_smoothing)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                if sched is not None:
                    sched.step()
                with torch.no_grad():
                    loss_sum += loss.detach() * len(yb)
                    correct += (logits.argmax(1) == yb).sum()
                seen += len(yb)
                step += 1
                t_last, cpu_last = time.perf_counter(), time.process_time()
                if bar.bar is not None and (i % 10 == 9 or i == todo - 1):
                    bar.update(i + 1, f"loss {float(loss_sum) / seen:.4f}  "
                                      f"acc {100 * int(correct) / seen:.2f}%")
        finally:
            bar.close()
        hist.epoch_seconds.append(time.perf_counter() - t0)
        hist.train_loss.append(float(loss_sum) / max(1, seen))
        hist.train_accuracy.append(int(correct) / max(1, seen))
        if x_test is not None:
            hist.test_accuracy.append(evaluate(net, x_test, y_test))
        if log:
            test = f", test accuracy {100 * hist.test_accuracy[-1]:.2f}%" if x_test is not None else ""
            log(f"epoch {epoch + 1}/{s.epochs}: loss {hist.train_loss[-1]:.4f}, train accuracy "
                f"{100 * hist.train_accuracy[-1]:.2f}%{test} ({hist.epoch_seconds[-1]:.1f} s, "
                f"{i + 1} steps)")
    if t_start is not None:
        hist.timed_seconds = t_last - t_start
        hist.timed_cpu_seconds = cpu_last - cpu_start
        hist.timed_steps = step - s.warmup_steps
    hist.steps = step
    net.eval()
    return hist


def _threads(n: int) -> int:
    import torch
    if n and n > 0:
        torch.set_num_threads(n)
    return torch.get_num_threads()


def _err(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- commands
def cmd_mnist(args) -> int:
    return {"train": cmd_train, "eval": cmd_eval, "predict": cmd_predict,
            "filters": cmd_filters}[args.mnist_command](args)


def cmd_train(args) -> int:
    import torch
    from gocnn.model import build_net, save_model
    from gocnn.nn import count_params

    config = make_config(args.arch)
    recipe = ARCHS[args.arch]
    settings = Settings(epochs=args.epochs if args.epochs is not None else recipe.epochs,
                        batch=args.batch or recipe.batch,
                        lr=args.lr if args.lr is not None else recipe.lr,
                        schedule=recipe.schedule, augment=recipe.augment,
                        label_smoothing=recipe.label_smoothing,
                        weight_decay=recipe.weight_decay, seed=args.seed)
    if settings.epochs < 1 or settings.batch < 1:
        raise GocnnError("--epochs and --batch must be at least 1")
    threads = _threads(args.threads)
    data = load(args.data)
    (xtr, ytr), (xte, yte) = data["train"], data["test"]
    x_train, y_train = to_tensor(xtr), torch.from_numpy(ytr.astype(np.int64))
    x_test, y_test = to_tensor(xte), torch.from_numpy(yte.astype(np.int64))
    torch.manual_seed(args.seed)
    net = build_net(config)
    _err(f"mnist {args.arch}: {count_params(net):,} parameters, {len(x_train):,} training "
         f"images, {settings.epochs} epoch(s), batch {settings.batch}, lr {settings.lr:g}, "
         f"{threads} thread(s)")
    hist = train(net, x_train, y_train, x_test, y_test, settings, log=_err)
    acc = hist.test_accuracy[-1]
    facts = {"data": "mnist", "arch": args.arch, "train_examples": len(x_train),
             "test_examples": len(x_test), "epochs": settings.epochs, "steps": hist.steps,
             "batch": settings.batch, "lr": settings.lr, "schedule": settings.schedule,
             "augment": settings.augment, "seed": args.seed, "test_accuracy": acc,
             "train_seconds": round(sum(hist.epoch_seconds), 2)}
    save_model(args.out, net, config, facts)
    result = {"arch": args.arch, "test_accuracy": acc,
              "test_accuracy_per_epoch": hist.test_accuracy,
              "train_seconds": round(sum(hist.epoch_seconds), 2),
              "epoch_seconds": [round(t, 2) for t in hist.epoch_seconds],
              "epochs": settings.epochs, "batch": settings.batch, "lr": settings.lr,
              "steps": hist.steps, "params": count_params(net), "threads": threads,
              "model": str(args.out)}
    if args.json:
        from gocnn.cli import emit_json
        emit_json(result)
    else:
        print(f"test accuracy {100 * acc:.2f}% after {settings.epochs} epoch(s), "
              f"{result['train_seconds']:.1f} s of training; model saved to {args.out}")
    return 0


def _load_mnist_model(path):
    from gocnn.model import ClassifierConfig, load_model
    net, config, facts = load_model(path)
    if not isinstance(config, ClassifierConfig) or config.in_channels != 1 \
            or config.image_size != IMAGE_SIZE or config.num_classes != NUM_CLASSES:
        raise GocnnError(f"{path} is not an MNIST model (its config: {config})")
    return net, config, facts


def cmd_eval(args) -> int:
    import torch
    net, config, facts = _load_mnist_model(args.model)
    images, labels = load(args.data, splits=("test",))["test"]
    acc = evaluate(net, to_tensor(images), torch.from_numpy(labels.astype(np.int64)))
    if args.json:
        from gocnn.cli import emit_json
        emit_json({"model": str(args.model), "arch": config.name, "test_accuracy": acc,
                   "examples": int(len(labels))})
    else:
        print(f"{args.model} ({config.name}): test accuracy {100 * acc:.2f}% on "
              f"{len(labels):,} images")
    return 0


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


def cmd_predict(args) -> int:
    import torch
    net, config, _ = _load_mnist_model(args.model)
    x = torch.from_numpy(image_to_input(args.image))[None, None]
    with torch.inference_mode():
        probs = torch.softmax(net(x), 1)[0]
    digit = int(probs.argmax())
    if args.json:
        from gocnn.cli import emit_json
        emit_json({"image": str(args.image), "digit": digit,
                   "probability": round(float(probs[digit]), 6),
                   "probabilities": [round(float(p), 6) for p in probs]})
    else:
        ranked = sorted(range(NUM_CLASSES), key=lambda d: -float(probs[d]))[:3]
        print(f"{digit}  ({', '.join(f'{d}: {100 * float(probs[d]):.1f}%' for d in ranked)})")
    return 0


# ---------------------------------------------------------------------------- filters picture
def _grid(tiles: np.ndarray, cols: int, scale: int, gap: int, colour) -> "Image.Image":
    from PIL import Image
    n, h, w = tiles.shape
    rows = math.ceil(n / cols)
    canvas = np.full((rows * (h * scale + gap) + gap, cols * (w * scale + gap) + gap, 3), 255,
                     np.uint8)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, cols)
        big = np.kron(colour(tile), np.ones((scale, scale, 1), np.uint8))
        y, x = gap + r * (h * scale + gap), gap + c * (w * scale + gap)
        canvas[y:y + h * scale, x:x + w * scale] = big
    return Image.fromarray(canvas)


def _diverging(tile: np.ndarray) -> np.ndarray:
    """Blue (negative) - white - red (positive), scaled to the tile's largest magnitude."""
    m = np.abs(tile).max() or 1.0
    t = tile / m
    pos, neg = np.clip(t, 0, 1), np.clip(-t, 0, 1)
    r = 255 * (1 - neg * 0.85)
    g = 255 * (1 - np.maximum(pos, neg) * 0.85)
    b = 255 * (1 - pos * 0.85)
    return np.stack([r, g, b], -1).astype(np.uint8)


def _heat(tile: np.ndarray) -> np.ndarray:
    """Black -> orange -> yellow-white, scaled to the tile's maximum (activations >= 0)."""
    m = tile.max() or 1.0
    t = np.clip(tile / m, 0, 1)
    return np.stack([255 * np.clip(t * 1.6, 0, 1), 255 * np.clip(t * 1.6 - 0.5, 0, 1),
                     255 * np.clip(t * 2 - 1.2, 0, 1)], -1).astype(np.uint8)


def filters_picture(net, image: np.ndarray, label=None):
    """A PIL image: the first layer's filters, the input digit and its feature maps."""
    import torch
    from PIL import Image, ImageDraw
    from gocnn.nn import ConvBlock

    block = next((m for m in net.modules() if isinstance(m, ConvBlock)), None)
    if block is None:
        raise GocnnError("the model has no convolution layer to draw")
    w = block.conv.weight.detach().float().mean(1).numpy()  # (C, k, k), averaged over inputs
    x = torch.from_numpy(image.astype(np.float32))[None, None]
    with torch.inference_mode():
        maps = block.maps(x)[0].float().numpy()
    cols = 8
    k = w.shape[-1]
    filt = _grid(w, cols, max(4, 60 // k), 4, _diverging)
    fmap = _grid(maps, cols, 3, 4, _heat)
    digit = _grid(image[None], 1, 6, 4, lambda t: np.repeat((255 * t)[..., None], 3, -1).astype(np.uint8))
    pad, title = 12, 22
    width = max(filt.width, fmap.width) + digit.width + 3 * pad
    height = title + filt.height + title + fmap.height + 2 * pad
    out = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(out)
    draw.text((pad, 4), f"first layer: {w.shape[0]} learned {k}x{k} filters "
                        "(red +, blue -)", fill="black")
    out.paste(filt, (pad, title))
    y = title + filt.height + pad
    lab = f" (label {label})" if label is not None else ""
    draw.text((pad, y), f"feature maps of the digit{lab} after conv + activation", fill="black")
    out.paste(fmap, (pad, y + title - 6))
    dx = max(filt.width, fmap.width) + 2 * pad
    draw.text((dx, y), "input", fill="black")
    out.paste(digit, (dx, y + title - 6))
    return out


def cmd_filters(args) -> int:
    net, config, _ = _load_mnist_model(args.model)
    directory = args.data or find_local(("test",))
    if directory is None:  # no need to download 10,000 images for one: the repo's sample
        sample = Path(__file__).resolve().parents[1] / "data" / "mnist"
        directory = sample if has_split(sample, "test") else resolve_data(None, ("test",))
    images, labels = read_split(resolve_data(directory, ("test",)), "test")
    image, label = images[0].astype(np.float32) / 255.0, int(labels[0])
    pic = filters_picture(net, image, label)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    pic.save(out)
    print(f"wrote {out} ({pic.width}x{pic.height}): {config.name} first-layer filters and "
          f"feature maps of a test digit {label}")
    return 0
