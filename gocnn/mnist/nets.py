"""The MNIST nets on the conv core (the classic Keras CNN, an improved one, a small one for
tests), their training recipes, the training loop and test accuracy."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from gocnn.errors import GocnnError
from gocnn.mnist.files import IMAGE_SIZE, NUM_CLASSES
from gocnn.util import progress as _progress

def to_tensor(images: np.ndarray):
    """uint8 (N, 28, 28) -> float32 tensor (N, 1, 28, 28) in [0, 1]."""
    import torch
    return torch.from_numpy(np.array(images, dtype=np.uint8)).unsqueeze(1).float().div_(255.0)



# ---------------------------------------------------------------------------- architectures
def seed_spec(num_classes: int = NUM_CLASSES, act: str = "relu") -> tuple:
    """The classic Keras MNIST CNN."""
    from gocnn.model.layers import Conv, Dense, Flatten
    return (Conv(32, 5, act=act, pool=2), Conv(64, 5, act=act, pool=2), Flatten(),
            Dense(1024, act=act), Dense(num_classes, act=None))


def improved_spec(num_classes: int = NUM_CLASSES, act: str = "relu", norm: str = "batch") -> tuple:
    """Two 3x3 convolutions per stage with batch norm, dropout before the classifier."""
    from gocnn.model.layers import Conv, Dense, Dropout, Flatten
    return (Conv(32, 3, norm=norm, act=act), Conv(32, 3, norm=norm, act=act, pool=2),
            Conv(64, 3, norm=norm, act=act), Conv(64, 3, norm=norm, act=act, pool=2),
            Flatten(), Dropout(0.25), Dense(256, norm=norm, act=act, dropout=0.4),
            Dense(num_classes, act=None))


def small_spec(num_classes: int = NUM_CLASSES, act: str = "relu") -> tuple:
    """A small fast net for tests and quick checks."""
    from gocnn.model.layers import Conv, Dense, Flatten
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


def _optimiser(net, s: Settings, total: int):
    """Adam (AdamW with weight decay) and the schedule (None: constant) for ``total`` steps."""
    import torch
    opt_cls = torch.optim.AdamW if s.weight_decay else torch.optim.Adam
    opt = opt_cls(list(net.parameters()), lr=s.lr, weight_decay=s.weight_decay, fused=True)
    if s.schedule == "onecycle":
        return opt, torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=s.lr, total_steps=total, pct_start=0.25,
                                                        div_factor=20, final_div_factor=200)
    if s.schedule != "constant":
        raise GocnnError(f"unknown schedule {s.schedule!r} (constant, onecycle)")
    return opt, None


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
    n = len(x_train)
    steps_per_epoch = math.ceil(n / s.batch)
    total = steps_per_epoch * s.epochs
    if s.max_steps is not None:
        total = min(total, s.max_steps)
    opt, sched = _optimiser(net, s, total)
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
        bar = _progress(todo, f"epoch {epoch + 1}/{s.epochs}")
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
                if i % 10 == 9 or i == todo - 1:
                    bar.advance(i + 1 - bar.done, info=f"loss {float(loss_sum) / seen:.4f}  "
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
