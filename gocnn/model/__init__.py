"""Model configs, the nets built from them, and model files.

Configs are frozen dataclasses; ``build_net(config)`` turns one into a ``torch.nn.Module``
through the conv core (``gocnn.nn``).  Two kinds exist:

* ``PolicyConfig`` - the AlphaGo-style move-prediction net: a kxk first convolution, a tower of
  3x3 convolutions (or residual blocks), and a per-point head: 1x1 convolution to one plane plus
  a separate bias for every point, giving logits (N, S*S) - no pass move, no softmax.
* ``ClassifierConfig`` - an image classifier given by a layer spec (the MNIST nets in
  ``gocnn.mnist``), giving logits (N, num_classes).

Policy presets (19x19, 20 input planes - ``basic20``; ``layers`` counts every convolution,
the 1x1 head included):

==========  ======  =======  =========================  ==========
preset      layers  filters  shape                      parameters
==========  ======  =======  =========================  ==========
tiny           3       32    5x5, 1 x 3x3, 1x1 head         25,673
small          6       64    5x5, 4 x 3x3, 1x1 head        180,201
medium         8       96    5x5, 6 x 3x3, 1x1 head        546,793
maddison      12      128    5x5, 10 x 3x3, 1x1 head     1,540,457
alphago       13      192    5x5, 11 x 3x3, 1x1 head     3,748,393
alphago256    13      256    5x5, 11 x 3x3, 1x1 head     6,619,753
res6x64       14       64    5x5, 6 residual blocks, BN    476,457
==========  ======  =======  =========================  ==========

(With AlphaGo's 48 feature planes, ``alphago`` has 3,882,793 parameters.)

Model files are safetensors: the weights as tensors, and as string metadata ``format``
(``gocnn-model``), ``format_version``, ``config_kind``, ``config`` (JSON), ``facts`` (JSON:
data, steps, accuracy... whatever training recorded) and ``tensors_sha256`` (a checksum of the
tensor data, so a damaged file is refused rather than silently playing badly).  Loading never
unpickles anything.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from gocnn import nn as core
from gocnn.errors import GocnnError

FORMAT = "gocnn-model"
FORMAT_VERSION = 1


# ---------------------------------------------------------------------------- configs
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
    from gocnn.coords import MAX_SIZE, MIN_SIZE
    return MIN_SIZE <= size <= MAX_SIZE


class ValueHead(nn.Module):
    """Trunk maps -> the side to move's winning chance as a logit.  A 1x1 convolution to
    ``channels`` maps, their mean over the board (no max pooling: every point counts), with
    the komi and the board size, then two dense layers.  With an ownership head the predicted
    area margin (ownership summed over the board, komi added) is one more input."""

    def __init__(self, filters: int, channels: int, hidden: int, act: str, with_margin: bool):
        super().__init__()
        self.conv = nn.Conv2d(filters, channels, 1)
        self.act = core.ACTIVATIONS[act]()
        self.fc1 = nn.Linear(channels + 2 + int(with_margin), hidden)
        self.fc2 = nn.Linear(hidden, 1)
        self.with_margin = with_margin

    def forward(self, t: torch.Tensor, komi: torch.Tensor, ownership: torch.Tensor | None) -> torch.Tensor:
        points = t.shape[2] * t.shape[3]
        pooled = self.act(self.conv(t)).mean((2, 3))
        extra = [komi[:, None] / 10.0, torch.full_like(komi[:, None], points / 361.0)]
        if self.with_margin:
            margin = torch.tanh(ownership).sum(1, keepdim=True) + komi[:, None]
            extra.append(margin / points * 4.0)
        z = torch.cat([pooled] + [e.to(pooled.dtype) for e in extra], 1)
        return self.fc2(self.act(self.fc1(z))).squeeze(1)


class GoNet(nn.Module):
    """A trunk and named heads (``head="conv"`` configs).

    ``net(x)`` gives the policy logits (N, S*S), like every v1-v5 net, so code that only wants
    moves never changes; ``net(x, komi, heads=True)`` gives a dict with ``policy`` (N, S*S),
    and where the config has them ``value`` (N,) - the logit of the side to move's winning
    chance - and ``ownership`` (N, S*S) - pre-tanh, +1 the side to move's.  ``komi`` is (N,)
    from the side to move's view (positive when it receives komi); None means 7.5 for White."""

    def __init__(self, cfg: PolicyConfig):
        super().__init__()
        self.trunk = core.build(policy_spec(cfg)[:2], cfg.in_channels, cfg.board_size)
        self.policy = nn.Conv2d(cfg.filters, 1, 1)
        self.ownership = nn.Conv2d(cfg.filters, 1, 1) if cfg.ownership else None
        self.value = (ValueHead(cfg.filters, cfg.value_channels, cfg.value_hidden, cfg.act, cfg.ownership)
                      if cfg.value else None)

    def forward(self, x: torch.Tensor, komi: torch.Tensor | None = None, heads: bool = False):
        t = self.trunk(x)
        policy = self.policy(t).flatten(1)
        if not heads:
            return policy
        out = {"policy": policy}
        own = self.ownership(t).flatten(1) if self.ownership is not None else None
        if own is not None:
            out["ownership"] = own
        if self.value is not None:
            if komi is None:
                komi = torch.zeros(x.shape[0], device=x.device)
            out["value"] = self.value(t, komi.to(x.device, torch.float32), own)
        return out


def build_policy(cfg: PolicyConfig) -> nn.Module:
    """(N, in_channels, S, S) float -> (N, S*S) logits (and, for ``head="conv"`` nets with
    heads, see :class:`GoNet`)."""
    if cfg.head == "conv":
        return GoNet(cfg)
    if cfg.head != "point":
        raise ValueError(f"unknown policy head {cfg.head!r} (point, conv)")
    if cfg.value or cfg.ownership:
        raise ValueError("value and ownership heads need head='conv'")
    return core.build(policy_spec(cfg), cfg.in_channels, cfg.board_size)


def transplant(src: nn.Module, src_cfg: PolicyConfig, dst: nn.Module, dst_cfg: PolicyConfig) -> list[str]:
    """Copy ``src``'s trunk (and its policy convolution) into ``dst`` where the shapes agree:
    how a v1-v5 policy net starts a policy+value net.  The per-point bias becomes one scalar
    bias (its mean).  Returns the names of ``dst``'s tensors that were copied."""
    s = _unwrap(src).state_dict()
    d = _unwrap(dst).state_dict()
    pairs = {}
    if src_cfg.head == "point":
        last = str(len(policy_spec(src_cfg)) - 1)
        for k, v in s.items():
            top, _, rest = k.partition(".")
            if top == last:
                pairs[{"0.weight": "policy.weight", "1.bias": "policy.bias"}.get(rest, "")] = (
                    v.mean().reshape(1) if rest == "1.bias" else v)
            else:
                pairs["trunk." + k] = v
    else:
        pairs = dict(s)
    copied = []
    for k, v in pairs.items():
        if k in d and d[k].shape == v.shape:
            d[k] = v.clone()
            copied.append(k)
    _unwrap(dst).load_state_dict(d)
    return copied


@dataclass(frozen=True)
class ClassifierConfig:
    """An image classifier: ``layers`` is a conv-core spec ending in ``num_classes`` logits."""
    name: str
    in_channels: int
    image_size: int
    num_classes: int
    layers: tuple
    init: str = "torch"


def build_classifier(cfg: ClassifierConfig) -> nn.Module:
    """(N, in_channels, image_size, image_size) float -> (N, num_classes) logits."""
    shape = core.output_shape(cfg.layers, cfg.in_channels, cfg.image_size)
    if shape != (cfg.num_classes,):
        raise ValueError(f"classifier {cfg.name!r} gives outputs of shape {shape}, "
                         f"not ({cfg.num_classes},)")
    return core.build(cfg.layers, cfg.in_channels, cfg.image_size, init=cfg.init)


# kind -> (config class, builder, to JSON-able dict, from dict)
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
    "policy": (PolicyConfig, build_policy, _plain, lambda d: PolicyConfig(**d)),
    "classifier": (ClassifierConfig, build_classifier, _classifier_to_json, _classifier_from_json),
}


def _kind_of(config) -> str:
    for kind, (cls, *_rest) in KINDS.items():
        if type(config) is cls:
            return kind
    raise TypeError(f"not a model config: {config!r}")


def build_net(config) -> nn.Module:
    """The net for any config kind (PolicyConfig, ClassifierConfig)."""
    return KINDS[_kind_of(config)][1](config)


def config_to_json(config) -> dict:
    return KINDS[_kind_of(config)][2](config)


def config_from_json(kind: str, data: dict):
    if kind not in KINDS:
        raise ValueError(f"unknown config kind {kind!r}")
    return KINDS[kind][3](data)


# ---------------------------------------------------------------------------- files
def _unwrap(net: nn.Module) -> nn.Module:
    """The plain module under torch.compile / DistributedDataParallel wrappers."""
    while True:
        if isinstance(getattr(net, "_orig_mod", None), nn.Module):
            net = net._orig_mod
        elif isinstance(net, (nn.parallel.DistributedDataParallel, nn.DataParallel)):
            net = net.module
        else:
            return net


def _tensors_sha256(tensors: dict[str, torch.Tensor]) -> str:
    h = hashlib.sha256()
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}|".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def save_model(path, net: nn.Module, config, facts: dict | None = None) -> None:
    """Write ``net``'s weights with ``config`` and ``facts`` to ``path`` atomically."""
    from safetensors.torch import save_file

    path = Path(path)
    kind = _kind_of(config)
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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata=metadata)
        os.chmod(tmp, 0o644)  # mkstemp makes it owner-only
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


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


def for_inference(net: nn.Module) -> nn.Module:
    """``net`` in eval mode, laid out for inference: on CPU its weights go channels-last, which
    lets oneDNN pick its blocked convolution kernels (1.6x faster at batch 1 and 1.9x at batch
    16 for the shipped net on this project's 2-core machine; the same results up to float
    rounding).  ``gocnn train`` lays its net out the same way."""
    net.eval()
    if all(p.device.type == "cpu" for p in net.parameters()):
        net.to(memory_format=torch.channels_last)
    return net


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
