"""Nets built from configs: a trunk and named heads (:class:`GoNet`), the v1-v5 per-point
policy nets and the image classifiers, all through the conv core (:mod:`gocnn.model.layers`)."""

from __future__ import annotations

import torch
from torch import nn

from gocnn.model import layers as core
from gocnn.model.config import ClassifierConfig, PolicyConfig, kind_of, policy_spec


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


def build_classifier(cfg: ClassifierConfig) -> nn.Module:
    """(N, in_channels, image_size, image_size) float -> (N, num_classes) logits."""
    shape = core.output_shape(cfg.layers, cfg.in_channels, cfg.image_size)
    if shape != (cfg.num_classes,):
        raise ValueError(f"classifier {cfg.name!r} gives outputs of shape {shape}, "
                         f"not ({cfg.num_classes},)")
    return core.build(cfg.layers, cfg.in_channels, cfg.image_size, init=cfg.init)


def build_net(config) -> nn.Module:
    """The net for any config kind (PolicyConfig, ClassifierConfig)."""
    kind = kind_of(config)
    return build_policy(config) if kind == "policy" else build_classifier(config)


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


def _unwrap(net: nn.Module) -> nn.Module:
    """The plain module under torch.compile / DistributedDataParallel wrappers."""
    while True:
        if isinstance(getattr(net, "_orig_mod", None), nn.Module):
            net = net._orig_mod
        elif isinstance(net, (nn.parallel.DistributedDataParallel, nn.DataParallel)):
            net = net.module
        else:
            return net


def for_inference(net: nn.Module) -> nn.Module:
    """``net`` in eval mode, laid out for inference: on CPU its weights go channels-last, which
    lets oneDNN pick its blocked convolution kernels (1.6x faster at batch 1 and 1.9x at batch
    16 for the shipped net on this project's 2-core machine; the same results up to float
    rounding).  ``gocnn train`` lays its net out the same way."""
    net.eval()
    if all(p.device.type == "cpu" for p in net.parameters()):
        net.to(memory_format=torch.channels_last)
    return net
