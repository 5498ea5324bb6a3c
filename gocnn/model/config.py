"""Frozen net configs and the named presets (counts in :mod:`gocnn.model`'s docstring).

A model file stores its config as JSON under a kind (``policy``, ``classifier``), so a net is
rebuilt from its file alone: :func:`config_to_json` and :func:`config_from_json` are that
mapping.  No torch modules are built here (:mod:`gocnn.model.net` does that)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from gocnn.model import layers as core


@dataclass(frozen=True)
class PolicyConfig:
    """A Go net: a trunk at full board resolution and its heads.

    ``head="point"`` is the v1-v5 policy head (a 1x1 convolution plus a bias for every point of
    a ``board_size`` board: one board size only).  ``head="conv"`` is fully convolutional (one
    scalar bias; edges are known from the ``ones`` plane and zero padding), so the net plays
    every board size.  ``value`` adds the value head (the side to move's chance of winning) and
    ``ownership`` the ownership head (who owns each point at the end), both on the same trunk;
    they need ``head="conv"``."""
    board_size: int = 19
    features: str = "basic20"
    in_channels: int = 20
    layers: int = 6
    filters: int = 64
    first_kernel: int = 5
    kernel: int = 3
    norm: str | None = None
    residual: bool = False
    act: str = "relu"
    head: str = "point"
    value: bool = False
    ownership: bool = False
    value_channels: int = 32
    value_hidden: int = 64


POLICY_PRESETS: dict[str, PolicyConfig] = {
    "tiny": PolicyConfig(layers=3, filters=32),
    "small": PolicyConfig(layers=6, filters=64),
    "medium": PolicyConfig(layers=8, filters=96),
    "maddison": PolicyConfig(layers=12, filters=128),
    "alphago": PolicyConfig(layers=13, filters=192),
    "alphago256": PolicyConfig(layers=13, filters=256),
    "res6x64": PolicyConfig(layers=14, filters=64, norm="batch", residual=True),
    # policy + value + ownership on one trunk, every board size (v6 and later)
    "pv-small": PolicyConfig(layers=6, filters=64, head="conv", value=True, ownership=True),
    "pv-medium": PolicyConfig(layers=8, filters=96, head="conv", value=True, ownership=True),
    "pv-res6x96": PolicyConfig(layers=14, filters=96, norm="batch", residual=True, head="conv",
                               value=True, ownership=True),
    "pv-maddison": PolicyConfig(layers=12, filters=128, head="conv", value=True, ownership=True),
}


def policy_spec(cfg: PolicyConfig) -> tuple:
    """The conv-core spec of a policy net: first conv, tower, per-point head.  With
    ``residual`` the (layers - 2) middle convolutions form (layers - 2) / 2 residual blocks."""
    middle = cfg.layers - 2
    if middle < 0:
        raise ValueError(f"a policy net needs at least 2 layers, got {cfg.layers}")
    if cfg.residual and middle % 2:
        raise ValueError(f"a residual policy net needs an even number of middle layers "
                         f"(layers - 2), got layers={cfg.layers}")
    tower = (core.Tower(middle // 2, cfg.filters, cfg.kernel, cfg.norm, cfg.act, residual=True)
             if cfg.residual else core.Tower(middle, cfg.filters, cfg.kernel, cfg.norm, cfg.act))
    return (core.Conv(cfg.filters, cfg.first_kernel, norm=cfg.norm, act=cfg.act), tower,
            core.PointHead())


def plays_size(config, size: int) -> bool:
    """Whether a net of ``config`` gives its own policy on a ``size`` x ``size`` board: a
    per-point head (``head="point"``, the v1-v5 nets) is tied to its ``board_size``; a fully
    convolutional one plays every size the board supports."""
    if not isinstance(config, PolicyConfig):
        return False
    if getattr(config, "head", "point") == "point":
        return size == config.board_size
    from gocnn.go.coords import MAX_SIZE, MIN_SIZE
    return MIN_SIZE <= size <= MAX_SIZE


@dataclass(frozen=True)
class ClassifierConfig:
    """An image classifier: ``layers`` is a conv-core spec ending in ``num_classes`` logits."""
    name: str
    in_channels: int
    image_size: int
    num_classes: int
    layers: tuple
    init: str = "torch"


# kind -> (config class, to JSON-able dict, from dict)
def _plain(cfg) -> dict:
    return dataclasses.asdict(cfg)


def _classifier_to_json(cfg: ClassifierConfig) -> dict:
    d = {f.name: getattr(cfg, f.name) for f in dataclasses.fields(cfg)}
    d["layers"] = core.spec_to_json(cfg.layers)
    return d


def _classifier_from_json(d: dict) -> ClassifierConfig:
    d = dict(d)
    d["layers"] = core.spec_from_json(d.get("layers", ()))
    return ClassifierConfig(**d)


KINDS = {
    "policy": (PolicyConfig, _plain, lambda d: PolicyConfig(**d)),
    "classifier": (ClassifierConfig, _classifier_to_json, _classifier_from_json),
}


def kind_of(config) -> str:
    for kind, (cls, *_rest) in KINDS.items():
        if type(config) is cls:
            return kind
    raise TypeError(f"not a model config: {config!r}")


def config_to_json(config) -> dict:
    return KINDS[kind_of(config)][1](config)


def config_from_json(kind: str, data: dict):
    if kind not in KINDS:
        raise ValueError(f"unknown config kind {kind!r}")
    return KINDS[kind][2](data)
