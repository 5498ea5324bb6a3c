"""What the ``gocnn mnist`` commands do, as functions that take plain values and return the
report (the printing is in :mod:`gocnn.cli.mnist`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gocnn.errors import GocnnError
from gocnn.mnist.files import (IMAGE_SIZE, NUM_CLASSES, find_local, has_split, image_to_input, load, read_split,
                               resolve_data)
from gocnn.mnist.nets import ARCHS, Settings, evaluate, make_config, to_tensor, train


@dataclass(frozen=True)
class TrainConfig:
    """``gocnn mnist train``: None takes the arch's recipe (seed: 1 epoch, batch 64, lr 1e-4)."""

    arch: str = "seed"
    epochs: int | None = None
    batch: int | None = None
    lr: float | None = None
    data: str | None = None
    out: str = "mnist.safetensors"
    seed: int = 0
    threads: int = 0


def settings_for(cfg: TrainConfig) -> Settings:
    """The arch's recipe with the config's overrides; fewer than one epoch or batch is an error."""
    recipe = ARCHS[cfg.arch]
    settings = Settings(epochs=cfg.epochs if cfg.epochs is not None else recipe.epochs,
                        batch=cfg.batch or recipe.batch, lr=cfg.lr if cfg.lr is not None else recipe.lr,
                        schedule=recipe.schedule, augment=recipe.augment,
                        label_smoothing=recipe.label_smoothing, weight_decay=recipe.weight_decay,
                        seed=cfg.seed)
    if settings.epochs < 1 or settings.batch < 1:
        raise GocnnError("--epochs and --batch must be at least 1")
    return settings


def train_model(cfg: TrainConfig, log=None) -> dict:
    """Train ``cfg.arch`` on MNIST, save it to ``cfg.out`` (with its facts) and return the report;
    ``log`` gets a line before training and one an epoch."""
    import torch

    from gocnn.model import build_net, save_model
    from gocnn.model.layers import count_params
    from gocnn.util import set_threads

    config, settings = make_config(cfg.arch), settings_for(cfg)
    set_threads(cfg.threads)
    threads = torch.get_num_threads()
    data = load(cfg.data)
    (xtr, ytr), (xte, yte) = data["train"], data["test"]
    x_train, y_train = to_tensor(xtr), torch.from_numpy(ytr.astype(np.int64))
    x_test, y_test = to_tensor(xte), torch.from_numpy(yte.astype(np.int64))
    torch.manual_seed(cfg.seed)
    net = build_net(config)
    if log:
        log(f"mnist {cfg.arch}: {count_params(net):,} parameters, {len(x_train):,} training images, "
            f"{settings.epochs} epoch(s), batch {settings.batch}, lr {settings.lr:g}, {threads} thread(s)")
    hist = train(net, x_train, y_train, x_test, y_test, settings, log=log)
    acc, seconds = hist.test_accuracy[-1], round(sum(hist.epoch_seconds), 2)
    facts = {"data": "mnist", "arch": cfg.arch, "train_examples": len(x_train),
             "test_examples": len(x_test), "epochs": settings.epochs, "steps": hist.steps,
             "batch": settings.batch, "lr": settings.lr, "schedule": settings.schedule,
             "augment": settings.augment, "seed": cfg.seed, "test_accuracy": acc, "train_seconds": seconds}
    save_model(cfg.out, net, config, facts)
    return {"arch": cfg.arch, "test_accuracy": acc, "test_accuracy_per_epoch": hist.test_accuracy,
            "train_seconds": seconds, "epoch_seconds": [round(t, 2) for t in hist.epoch_seconds],
            "epochs": settings.epochs, "batch": settings.batch, "lr": settings.lr, "steps": hist.steps,
            "params": count_params(net), "threads": threads, "model": str(cfg.out)}


def load_mnist_model(path):
    """(net, config, facts) of an MNIST model file; another kind of model is a GocnnError."""
    from gocnn.model import ClassifierConfig, load_model
    net, config, facts = load_model(path)
    if not isinstance(config, ClassifierConfig) or config.in_channels != 1 \
            or config.image_size != IMAGE_SIZE or config.num_classes != NUM_CLASSES:
        raise GocnnError(f"{path} is not an MNIST model (its config: {config})")
    return net, config, facts


def evaluate_model(model, data=None) -> dict:
    """Test accuracy of the model file ``model`` on the test split in ``data`` (or found)."""
    import torch
    net, config, _ = load_mnist_model(model)
    images, labels = load(data, splits=("test",))["test"]
    acc = evaluate(net, to_tensor(images), torch.from_numpy(labels.astype(np.int64)))
    return {"model": str(model), "arch": config.name, "test_accuracy": acc, "examples": int(len(labels))}


def predict(model, image) -> dict:
    """The digit the model file ``model`` reads in the picture ``image``, with the probabilities."""
    import torch
    net, _, _ = load_mnist_model(model)
    x = torch.from_numpy(image_to_input(image))[None, None]
    with torch.inference_mode():
        probs = torch.softmax(net(x), 1)[0]
    digit = int(probs.argmax())
    return {"image": str(image), "digit": digit, "probability": round(float(probs[digit]), 6),
            "probabilities": [round(float(p), 6) for p in probs]}


def draw_filters(model, out, data=None) -> dict:
    """Write the filters picture of the model file ``model`` (with the first test digit) to ``out``."""
    from gocnn.mnist.filters import filters_picture
    net, config, _ = load_mnist_model(model)
    directory = data or find_local(("test",))
    if directory is None:  # no need to download 10,000 images for one: the repo's sample
        sample = Path(__file__).resolve().parents[2] / "data" / "mnist"
        directory = sample if has_split(sample, "test") else resolve_data(None, ("test",))
    images, labels = read_split(resolve_data(directory, ("test",)), "test")
    image, label = images[0].astype(np.float32) / 255.0, int(labels[0])
    pic = filters_picture(net, image, label)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    pic.save(out)
    return {"out": str(out), "width": pic.width, "height": pic.height, "arch": config.name, "label": label}
