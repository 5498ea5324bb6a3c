"""A picture of what the first layer learned: its filters, one digit and its feature maps."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from gocnn.errors import GocnnError

if TYPE_CHECKING:
    from PIL import Image

def _grid(tiles: np.ndarray, cols: int, scale: int, gap: int, colour) -> Image.Image:
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
    from gocnn.model.layers import ConvBlock

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
