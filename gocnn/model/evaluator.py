"""Boards in, (masked policy, value, ownership) out: the one way the engine asks a net.

:class:`Evaluator` owns everything between a :class:`~gocnn.go.board.Board` and a model file's
net: feature encoding, batching, the 8 board symmetries, the number format (bf16 autocast where
the CPU runs it natively, see :func:`gocnn.util.default_amp`), the device, and the only softmax
and legal-move masking in gocnn.  Players, the search, self-play, RL and the benches all call it.

An :class:`Evaluation` is from the side to move's view for the policy and value (``value`` is
its chance of winning), and from Black's for ``ownership`` (+1 Black's), as GUIs draw it.  Nets
without a value head (the v1-v5 files) give ``value=None`` and the caller falls back on
playouts; nets tied to one board size (:func:`gocnn.model.plays_size`) give a uniform policy on
other sizes (``own_policy=False``), never an error.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gocnn.go.board import BLACK, EMPTY, Board
from gocnn.errors import GocnnError


@dataclass
class Evaluation:
    policy: np.ndarray  # (size*size,) float32: probabilities over the allowed points, sum 1 (or all 0)
    value: float | None  # the side to move's chance of winning, or None (no value head)
    ownership: np.ndarray | None  # (size*size,) float32 in [-1, 1], +1 Black's; None without the head
    own_policy: bool = True  # False: the net does not play this size; ``policy`` is uniform


def softmax_masked(logits: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Softmax of ``logits`` over the points where ``mask`` is true (0 elsewhere; all 0 when
    nothing is allowed).  The one softmax of the engine."""
    out = np.zeros(logits.shape, np.float32)
    if not mask.any():
        return out
    z = logits[mask].astype(np.float64)
    z = np.exp(z - z.max())
    out[mask] = z / z.sum()
    return out


def _softmax_rows(logits: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """:func:`softmax_masked` of every row at once (rows with nothing allowed stay 0)."""
    z = np.where(masks, logits.astype(np.float64), -np.inf)
    top = z.max(1, keepdims=True)
    e = np.where(masks, np.exp(z - np.where(np.isfinite(top), top, 0)), 0.0)
    total = e.sum(1, keepdims=True)
    return (e / np.where(total > 0, total, 1)).astype(np.float32)


SMALL_BATCH = 8  # batches up to this run at their own size; larger ones are padded


def _padded(real: int) -> int:
    """The batch a net call of ``real`` positions runs at: its own size up to SMALL_BATCH (the
    search's leaf batches: padding 7 leaves to 8 would spend an eighth of the forward on
    nothing), else the next power of two (a few batch shapes only: oneDNN builds kernels per
    shape).  On this project's CPU a position's outputs are bit-for-bit the same either way."""
    return real if real <= SMALL_BATCH else 1 << (real - 1).bit_length()


def _one_view_results(boards, masks, logits, value, own) -> list[Evaluation]:
    """The evaluations of a batch run without symmetries: one output row per board."""
    policy = _softmax_rows(logits, np.stack(masks))
    results = []
    for i, b in enumerate(boards):
        v = float(value[i]) if value is not None else None
        o = None
        if own is not None:
            o = (own[i] if b.to_move == BLACK else -own[i]).astype(np.float32)
        results.append(Evaluation(policy[i], v, o))
    return results


class Evaluator:
    """A net ready to judge positions (see the module docstring).  Thread-safe: calls are
    serialised by a lock, so a GUI thread and a search thread can share one evaluator."""

    def __init__(self, net, config, device: str = "cpu", symmetries: int = 1, amp: bool | None = None,
                 facts: dict | None = None):
        import torch

        from gocnn.model import for_inference
        from gocnn.util import choose_device, default_amp

        if symmetries not in (1, 8):
            raise GocnnError(f"symmetries must be 1 or 8, not {symmetries}")
        self.device = choose_device(device) if isinstance(device, str) else device
        self.net = for_inference(net.to(self.device))
        self.config = config
        self.facts = facts or {}
        self.symmetries = symmetries
        self.amp = default_amp(self.device) if amp is None else amp
        self.has_value = bool(getattr(config, "value", False))
        self.has_ownership = bool(getattr(config, "ownership", False))
        self._lock = threading.Lock()
        self._torch = torch

    @classmethod
    def load(cls, path: str | Path, device: str = "cpu", symmetries: int = 1, amp: bool | None = None,
             threads: int | None = None) -> "Evaluator":
        """The evaluator of a model file.  Raises GocnnError for a missing or damaged file."""
        from gocnn.model import load_model
        from gocnn.util import set_threads

        set_threads(threads)
        net, config, facts = load_model(str(path))
        return cls(net, config, device=device, symmetries=symmetries, amp=amp, facts=facts)

    @property
    def threads(self) -> int:
        """The CPU threads the net runs on (torch's intra-op threads): with two or more the
        search plays its leaf playouts beside the forward pass."""
        return self._torch.get_num_threads()

    def plays_size(self, size: int) -> bool:
        from gocnn.model import plays_size
        return plays_size(self.config, size)

    # -------------------------------------------------------------- evaluation
    def evaluate(self, boards: list[Board], masks: list[np.ndarray] | None = None) -> list[Evaluation]:
        """One :class:`Evaluation` per board, in one batch per board size.  ``masks`` (bool,
        size*size) restrict the policy; by default it covers the empty points."""
        if masks is None:
            masks = [np.asarray(b.colors, np.int8) == EMPTY for b in boards]
        results: list[Evaluation | None] = [None] * len(boards)
        by_size: dict[int, list[int]] = {}
        for i, b in enumerate(boards):
            by_size.setdefault(b.size, []).append(i)
        for size, idx in by_size.items():
            if not self.plays_size(size):
                for i in idx:
                    m = masks[i]
                    uniform = m.astype(np.float32) / max(1, int(m.sum()))
                    results[i] = Evaluation(uniform, None, None, own_policy=False)
                continue
            for i, ev in zip(idx, self._run([boards[i] for i in idx], [masks[i] for i in idx])):
                results[i] = ev
        return results

    def evaluate_one(self, board: Board, mask: np.ndarray | None = None) -> Evaluation:
        return self.evaluate([board], None if mask is None else [mask])[0]

    def _run(self, boards: list[Board], masks: list[np.ndarray]) -> list[Evaluation]:
        from gocnn.features import apply_symmetry, encode, invert_policy

        torch = self._torch
        size = boards[0].size
        ks = range(self.symmetries)
        planes = [encode(b, self.config.features) for b in boards]
        x = np.stack([np.ascontiguousarray(apply_symmetry(p, k)) for p in planes for k in ks])
        komi = np.repeat([b.komi if b.to_move != BLACK else -b.komi for b in boards], len(ks))
        real = len(x)
        padded = _padded(real)
        if padded != real:
            x = np.concatenate([x, np.zeros((padded - real,) + x.shape[1:], x.dtype)])
            komi = np.concatenate([komi, np.zeros(padded - real, komi.dtype)])
        heads = self.has_value or self.has_ownership
        with self._lock, torch.inference_mode(), torch.autocast(self.device.type, torch.bfloat16,
                                                                 enabled=self.amp):
            xt = torch.from_numpy(x).to(self.device, torch.float32)
            if heads:
                out = self.net(xt, torch.from_numpy(komi.astype(np.float32)), heads=True)
            else:
                out = {"policy": self.net(xt)}
            logits = out["policy"].float().reshape(len(x), -1)[:real].cpu().numpy()
            value = torch.sigmoid(out["value"].float())[:real].cpu().numpy() if "value" in out else None
            own = torch.tanh(out["ownership"].float())[:real].cpu().numpy() if "ownership" in out else None
        if len(ks) == 1:
            return _one_view_results(boards, masks, logits, value, own)
        results = []
        for i, b in enumerate(boards):
            rows = slice(i * len(ks), (i + 1) * len(ks))
            policy = np.mean([softmax_masked(invert_policy(logits[r], k, size), masks[i])
                              for r, k in zip(range(rows.start, rows.stop), ks)], 0).astype(np.float32)
            v = float(value[rows].mean()) if value is not None else None
            o = None
            if own is not None:
                o = np.mean([invert_policy(own[r], k, size) for r, k in zip(range(rows.start, rows.stop), ks)], 0)
                o = (o if b.to_move == BLACK else -o).astype(np.float32)
            results.append(Evaluation(policy, v, o))
        return results
