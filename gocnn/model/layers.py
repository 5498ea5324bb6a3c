"""The generic conv core: blocks, towers and heads assembled from a declarative spec.

A network is a tuple of layer specs (small frozen dataclasses) read from input to output::

    seed = (Conv(32, 5), Pool(2), Conv(64, 5), Pool(2),
            Flatten(), Dense(1024), Dense(10, act=None))
    net = build(seed, in_channels=1, size=28)          # logits (N, 10)

    per_point = (Conv(192, 5), Tower(11, 192, 3), PointHead())
    net = build(per_point, in_channels=48, size=19)    # logits (N, 361)

``build`` follows the shape through the spec (channels and spatial size), so every layer knows
its input size without a trial forward pass, and ``output_shape`` reports what a spec produces.
Activations and norms are named (``act="relu"``, ``norm="batch"``) so that specs are plain data:
``spec_to_json`` / ``spec_from_json`` turn one into JSON and back, which is how model files
carry their architecture.  Nothing here knows what the images are.

Conventions: convolutions and poolings are 'same' (output size ``ceil(size / stride)``, which
for even sizes and 2x2 pooling is plain pooling); a convolution followed by a norm has no bias;
weights start from ``init`` (``"torch"`` PyTorch's default, ``"glorot"`` Keras's default,
``"kaiming"`` He-normal), biases from zero except with ``"torch"``.

Speed (CPU training): a max pool after a monotone activation with no norm runs before the
activation (same result, a quarter of the elementwise work), and a first-layer convolution with
few input taps (e.g. one channel, 5x5) computes its weight gradient as one matrix product
(``Conv2d``); both are tested against the plain layers.

Raises ``ValueError`` for a spec that cannot be built (unknown names, a dense layer before
``Flatten``, a residual block that would change the channel count...).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Sequence, Union

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "Conv", "Pool", "Residual", "Tower", "Dropout", "Flatten", "GlobalPool", "Dense", "PointHead",
    "Conv2d", "ConvBlock", "ResidualBlock", "DenseBlock", "PerPointBias", "build",
    "output_shape", "count_params", "init_weights",
    "spec_to_json", "spec_from_json", "ACTIVATIONS", "NORMS",
]

# ---------------------------------------------------------------------------- named parts
ACTIVATIONS = {
    "relu": lambda: nn.ReLU(inplace=True),
    "gelu": nn.GELU,
    "silu": lambda: nn.SiLU(inplace=True),
    "elu": lambda: nn.ELU(inplace=True),
    "leaky_relu": lambda: nn.LeakyReLU(0.01, inplace=True),
    "tanh": nn.Tanh,
}

NORMS = {
    # name -> (2-d maker, 1-d maker), each taking the channel count
    "batch": (nn.BatchNorm2d, nn.BatchNorm1d),
    "group": (lambda c: nn.GroupNorm(math.gcd(32, c), c), lambda c: nn.GroupNorm(math.gcd(32, c), c)),
    "layer": (lambda c: nn.GroupNorm(1, c), nn.LayerNorm),
}


def _act(name: str | None) -> nn.Module | None:
    if name is None:
        return None
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(f"unknown activation {name!r} (known: {', '.join(ACTIVATIONS)})") from None


def _norm(name: str | None, channels: int, dims: int = 2) -> nn.Module | None:
    if name is None:
        return None
    try:
        return NORMS[name][0 if dims == 2 else 1](channels)
    except KeyError:
        raise ValueError(f"unknown norm {name!r} (known: {', '.join(NORMS)})") from None


# ---------------------------------------------------------------------------- layer specs
@dataclass(frozen=True)
class Conv:
    """Convolution ('same' padding) + optional norm + optional activation + optional
    ``pool`` x ``pool`` max pooling (0: none)."""
    out: int
    kernel: int = 3
    stride: int = 1
    norm: str | None = None
    act: str | None = "relu"
    pool: int = 0


@dataclass(frozen=True)
class Pool:
    """Max or average pooling in ceil mode: with stride == kernel (the usual 2x2), that is
    Keras's 'same' (a partial window at the edge of an odd size counts)."""
    kernel: int = 2
    stride: int | None = None  # default: the kernel
    kind: str = "max"


@dataclass(frozen=True)
class Residual:
    """Two convolutions with a skip connection: act(x + norm(conv(act(norm(conv(x))))))."""
    channels: int
    kernel: int = 3
    norm: str | None = "batch"
    act: str = "relu"


@dataclass(frozen=True)
class Tower:
    """``blocks`` repeats of Conv(channels, kernel) - or of Residual blocks when ``residual``."""
    blocks: int
    channels: int
    kernel: int = 3
    norm: str | None = None
    act: str = "relu"
    residual: bool = False


@dataclass(frozen=True)
class Dropout:
    p: float = 0.5


@dataclass(frozen=True)
class Flatten:
    pass


@dataclass(frozen=True)
class GlobalPool:
    """Average (or max) over the whole map: (N, C, H, W) -> (N, C)."""
    kind: str = "avg"


@dataclass(frozen=True)
class Dense:
    """Fully connected layer + optional norm + optional activation + optional dropout."""
    out: int
    norm: str | None = None
    act: str | None = "relu"
    dropout: float = 0.0


@dataclass(frozen=True)
class PointHead:
    """Per-point output: a 1x1 convolution to one channel (no bias) plus a separate learned
    bias for every point of the map, flattened to (N, H*W) logits."""
    pass


Layer = Union[Conv, Pool, Residual, Tower, Dropout, Flatten, GlobalPool, Dense, PointHead]
_KINDS = {cls.__name__.lower(): cls for cls in
          (Conv, Pool, Residual, Tower, Dropout, Flatten, GlobalPool, Dense, PointHead)}


# ---------------------------------------------------------------------------- modules
class _SmallInputConv(torch.autograd.Function):
    """A convolution whose input needs no gradient (a first layer) with few input taps: the
    forward pass is PyTorch's; the weight gradient is one matrix product over the unfolded
    input, several times faster on CPU than the generic weight-gradient kernel for, e.g., one
    input channel and 5x5 kernels."""

    @staticmethod
    def forward(ctx, x, weight, bias, padding):
        ctx.save_for_backward(x, weight)
        ctx.padding = padding
        ctx.has_bias = bias is not None
        return F.conv2d(x, weight, bias, padding=padding)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        cout, cin, k, _ = weight.shape
        p = ctx.padding
        xp = F.pad(x, (p, p, p, p)).contiguous()
        n, _, hp, wp = xp.shape
        oh, ow = hp - k + 1, wp - k + 1
        s = xp.stride()
        cols = xp.as_strided((n, oh, ow, cin, k, k), (s[0], s[2], s[3], s[1], s[2], s[3]))
        cols = cols.reshape(n * oh * ow, cin * k * k)
        g = grad.permute(0, 2, 3, 1).reshape(n * oh * ow, cout)  # free when channels_last
        grad_w = (g.t() @ cols).view_as(weight)
        grad_b = g.sum(0) if ctx.has_bias else None
        return None, grad_w, grad_b, None


class Conv2d(nn.Conv2d):
    """``nn.Conv2d`` with the fast weight gradient of ``_SmallInputConv`` where it applies."""

    SMALL_TAPS = 75  # in_channels * k * k at most (RGB 5x5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k = self.kernel_size[0]
        if (self.weight.requires_grad and torch.is_grad_enabled() and not x.requires_grad
                and self.in_channels * k * k <= self.SMALL_TAPS and self.stride == (1, 1)
                and self.kernel_size == (k, k) and k % 2 and self.padding == (k // 2, k // 2)
                and self.groups == 1 and self.dilation == (1, 1) and x.dtype == torch.float32
                and self.padding_mode == "zeros"):
            return _SmallInputConv.apply(x, self.weight, self.bias, k // 2)
        return super().forward(x)


# max pooling commutes with these (monotone, elementwise), so pooling goes first: cheaper
_MONOTONE = {"relu", "leaky_relu", "elu", "tanh"}


class ConvBlock(nn.Module):
    """conv -> [norm] -> [act] -> [max pool].  Without a norm and with a monotone activation
    the pool runs before the activation (same result, a quarter of the work)."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int = 1,
                 norm: str | None = None, act: str | None = "relu", pool: int = 0):
        super().__init__()
        if kernel % 2:
            pad: int | str = kernel // 2
        elif stride == 1:
            pad = "same"
        else:
            raise ValueError(f"a strided convolution needs an odd kernel, got {kernel}")
        self.conv = Conv2d(cin, cout, kernel, stride=stride, padding=pad, bias=norm is None)
        self.norm = _norm(norm, cout) or nn.Identity()
        self.act = _act(act) or nn.Identity()
        self.pool = nn.MaxPool2d(pool, pool, ceil_mode=True) if pool else nn.Identity()
        self.pool_first = bool(pool) and norm is None and (act is None or act in _MONOTONE)

    def maps(self, x: torch.Tensor) -> torch.Tensor:
        """The block's feature maps before pooling: act(norm(conv(x)))."""
        return self.act(self.norm(self.conv(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pool_first:
            return self.act(self.pool(self.conv(x)))
        return self.pool(self.maps(x))


class ResidualBlock(nn.Module):
    def __init__(self, channels: int, kernel: int = 3, norm: str | None = "batch", act: str = "relu"):
        super().__init__()
        self.conv1 = ConvBlock(channels, channels, kernel, norm=norm, act=act)
        self.conv2 = ConvBlock(channels, channels, kernel, norm=norm, act=None)
        self.act = _act(act) or nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(x + self.conv2(self.conv1(x)))


class PerPointBias(nn.Module):
    """(N, 1, H, W) -> (N, H*W) plus a learned bias for each of the H*W points."""

    def __init__(self, points: int):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(points))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1) + self.bias


class DenseBlock(nn.Module):
    """linear -> [norm] -> [act] -> [dropout]."""

    def __init__(self, fin: int, fout: int, norm: str | None = None, act: str | None = "relu",
                 dropout: float = 0.0):
        super().__init__()
        self.linear = nn.Linear(fin, fout, bias=norm is None)
        self.norm = _norm(norm, fout, dims=1) or nn.Identity()
        self.act = _act(act) or nn.Identity()
        self.drop = nn.Dropout(dropout) if dropout else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.act(self.norm(self.linear(x))))


# ---------------------------------------------------------------------------- building
def _same(size: int, stride: int) -> int:
    return -(-size // stride)


def _pooled(size: int, kernel: int, stride: int) -> int:
    """PyTorch's ceil-mode pooling size; equals 'same' (ceil(size / stride)) when kernel == stride."""
    out = -(-(size - kernel) // stride) + 1
    return out - 1 if (out - 1) * stride >= size else out


def _layers(spec: Sequence[Layer], in_channels: int, size: int | tuple[int, int]):
    """Yield (module, shape after it) for each layer, checking the spec as it goes.
    A shape is (C, H, W) for maps and (F,) for vectors."""
    h, w = (size, size) if isinstance(size, int) else size
    shape: tuple[int, ...] = (in_channels, h, w)
    for i, layer in enumerate(spec):
        where = f"layer {i} ({type(layer).__name__})"
        if isinstance(layer, (Conv, Pool, Residual, Tower, GlobalPool, PointHead)) and len(shape) != 3:
            raise ValueError(f"{where} needs a feature map, but the input is flat {shape}")
        if isinstance(layer, Conv):
            c, h, w = shape
            mod = ConvBlock(c, layer.out, layer.kernel, layer.stride, layer.norm, layer.act,
                            layer.pool)
            h, w = _same(h, layer.stride), _same(w, layer.stride)
            if layer.pool:
                h, w = _pooled(h, layer.pool, layer.pool), _pooled(w, layer.pool, layer.pool)
            shape = (layer.out, h, w)
        elif isinstance(layer, Pool):
            c, h, w = shape
            stride = layer.stride or layer.kernel
            if layer.kind not in ("max", "avg"):
                raise ValueError(f"{where}: unknown pooling {layer.kind!r} (max, avg)")
            cls = nn.MaxPool2d if layer.kind == "max" else nn.AvgPool2d
            # ceil_mode gives TF/Keras 'same' sizes for stride == kernel
            mod = cls(layer.kernel, stride, ceil_mode=True)
            shape = (c, _pooled(h, layer.kernel, stride), _pooled(w, layer.kernel, stride))
        elif isinstance(layer, Residual):
            if shape[0] != layer.channels:
                raise ValueError(f"{where}: a residual block keeps its channels ({layer.channels}), "
                                 f"but the input has {shape[0]}")
            mod = ResidualBlock(layer.channels, layer.kernel, layer.norm, layer.act)
        elif isinstance(layer, Tower):
            blocks = []
            c = shape[0]
            for _ in range(layer.blocks):
                if layer.residual:
                    if c != layer.channels:
                        raise ValueError(f"{where}: a residual tower needs {layer.channels} input "
                                         f"channels, got {c}")
                    blocks.append(ResidualBlock(layer.channels, layer.kernel, layer.norm, layer.act))
                else:
                    blocks.append(ConvBlock(c, layer.channels, layer.kernel, 1, layer.norm, layer.act))
                c = layer.channels
            mod = nn.Sequential(*blocks)
            shape = (c,) + shape[1:]
        elif isinstance(layer, Dropout):
            mod = nn.Dropout(layer.p) if len(shape) == 1 else nn.Dropout2d(layer.p)
        elif isinstance(layer, Flatten):
            mod = nn.Flatten(1)
            shape = (math.prod(shape),)
        elif isinstance(layer, GlobalPool):
            if layer.kind not in ("max", "avg"):
                raise ValueError(f"{where}: unknown pooling {layer.kind!r} (max, avg)")
            pool = nn.AdaptiveMaxPool2d(1) if layer.kind == "max" else nn.AdaptiveAvgPool2d(1)
            mod = nn.Sequential(pool, nn.Flatten(1))
            shape = (shape[0],)
        elif isinstance(layer, Dense):
            if len(shape) != 1:
                raise ValueError(f"{where} needs a flat input: put Flatten() or GlobalPool() before it")
            mod = DenseBlock(shape[0], layer.out, layer.norm, layer.act, layer.dropout)
            shape = (layer.out,)
        elif isinstance(layer, PointHead):
            c, h, w = shape
            mod = nn.Sequential(Conv2d(c, 1, 1, bias=False), PerPointBias(h * w))
            shape = (h * w,)
        else:
            raise ValueError(f"{where}: not a layer spec: {layer!r}")
        yield mod, shape


def build(spec: Sequence[Layer], in_channels: int, size: int | tuple[int, int],
          init: str = "torch") -> nn.Sequential:
    """The network for ``spec`` on inputs (N, in_channels, size, size); ``net[i]`` is layer i
    (a ``ConvBlock`` for ``Conv``: ``net[0].conv`` is the first convolution)."""
    net = nn.Sequential(*(mod for mod, _ in _layers(spec, in_channels, size)))
    init_weights(net, init)
    return net


def output_shape(spec: Sequence[Layer], in_channels: int, size: int | tuple[int, int]) -> tuple[int, ...]:
    """Shape of one output (without the batch dimension), e.g. (10,) or (361,)."""
    shape: tuple[int, ...] = (in_channels,) + ((size, size) if isinstance(size, int) else tuple(size))
    for _, shape in _layers(spec, in_channels, size):
        pass
    return shape


def init_weights(net: nn.Module, init: str = "torch") -> None:
    """``torch``: leave PyTorch's default; ``glorot``: Keras's glorot-uniform kernels and zero
    biases; ``kaiming``: He-normal (fan-out) convolution kernels and zero biases, dense layers
    left at PyTorch's default (as torchvision's ResNets)."""
    if init == "torch":
        return
    if init not in ("glorot", "kaiming"):
        raise ValueError(f"unknown init {init!r} (torch, glorot, kaiming)")
    for m in net.modules():
        if init == "glorot" and isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
        elif init == "kaiming" and isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        else:
            continue
        if m.bias is not None:
            nn.init.zeros_(m.bias)


def count_params(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


# ---------------------------------------------------------------------------- spec <-> JSON
def spec_to_json(spec: Sequence[Layer]) -> list[dict]:
    """Plain data for a spec: ``[{"layer": "conv", "out": 32, ...}, ...]``."""
    out = []
    for layer in spec:
        if type(layer) not in _KINDS.values():
            raise ValueError(f"not a layer spec: {layer!r}")
        out.append({"layer": type(layer).__name__.lower(), **dataclasses.asdict(layer)})
    return out


def spec_from_json(data: Sequence[dict]) -> tuple[Layer, ...]:
    """Inverse of ``spec_to_json``; raises ``ValueError`` on unknown kinds or fields."""
    spec = []
    for item in data:
        item = dict(item)
        kind = item.pop("layer", None)
        if kind not in _KINDS:
            raise ValueError(f"unknown layer {kind!r}")
        try:
            spec.append(_KINDS[kind](**item))
        except TypeError as exc:
            raise ValueError(f"bad {kind} layer {item}: {exc}") from None
    return tuple(spec)
