"""The losses and hit counts of training, validation and evaluation: the policy's
cross-entropy over the legal (empty) points, and the value and ownership heads' losses."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def legal_mask_from_planes(x: torch.Tensor) -> torch.Tensor:
    """Empty points (plane 2 of every feature set) - where a move can be - as a bool mask
    (N, S*S)."""
    return x[:, 2].reshape(x.shape[0], -1) > 0


def masked_logits(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """The policy's logits with the occupied points at -inf."""
    return logits.masked_fill(~legal_mask_from_planes(x), float("-inf"))


def topk_hits(logits: torch.Tensor, y: torch.Tensor, k: int) -> torch.Tensor:
    """Per position: is the played move ``y`` among the ``k`` highest logits."""
    return (logits.topk(k, dim=1).indices == y[:, None]).any(dim=1)


def has_heads(cfg) -> bool:
    """Whether a net of this config has value or ownership heads to train."""
    return bool(getattr(cfg, "value", False) or getattr(cfg, "ownership", False))


def head_losses(out: dict, t: dict) -> dict[str, torch.Tensor]:
    """Per-position losses of the value and ownership heads (masked where a game has no target):
    binary cross-entropy of the winning chance, and of each point's ownership ((own+1)/2 against
    sigmoid(2 * logit), i.e. tanh(logit) against own), averaged over the points."""
    losses = {}
    if "value" in out:
        v = F.binary_cross_entropy_with_logits(out["value"].float(), t["value"], reduction="none")
        losses["value"] = v * t["value_mask"]
    if "ownership" in out:
        o = F.binary_cross_entropy_with_logits(2 * out["ownership"].float(), (t["ownership"] + 1) / 2,
                                               reduction="none").mean(1)
        losses["ownership"] = o * t["ownership_mask"]
    return losses


def _masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return x.sum() / mask.sum().clamp(min=1.0)
