"""The conv core: shapes, parameter counts, blocks, spec round trips, and the fast paths
computing exactly what the plain layers compute."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from gocnn.model import layers as core
from gocnn.model.layers import (Conv, Dense, Dropout, Flatten, GlobalPool, PointHead, Pool, Residual,
                      Tower)

SEED = (Conv(32, 5, pool=2), Conv(64, 5, pool=2), Flatten(), Dense(1024), Dense(10, act=None))


def test_seed_cnn_has_the_classic_shape_and_3274634_parameters():
    net = core.build(SEED, in_channels=1, size=28)
    assert core.count_params(net) == 3_274_634
    x = torch.rand(4, 1, 28, 28)
    shapes = []
    for layer in net:
        x = layer(x)
        shapes.append(tuple(x.shape[1:]))
    assert shapes == [(32, 14, 14), (64, 7, 7), (3136,), (1024,), (10,)]
    assert net[0].conv.kernel_size == (5, 5) and net[0].conv.padding == (2, 2)


def test_the_same_network_with_separate_pool_layers_counts_the_same():
    spec = (Conv(32, 5), Pool(2), Conv(64, 5), Pool(2), Flatten(), Dense(1024), Dense(10, act=None))
    net = core.build(spec, 1, 28)
    assert core.count_params(net) == 3_274_634
    assert net(torch.rand(2, 1, 28, 28)).shape == (2, 10)


@pytest.mark.parametrize("spec, cin, size, out", [
    (SEED, 1, 28, (10,)),
    ((Conv(8, 3), Pool(2), Pool(2), Pool(2)), 3, 28, (8, 4, 4)),          # 28 -> 14 -> 7 -> 4
    ((Conv(8, 3, pool=2), Conv(8, 3, pool=2), Conv(8, 3, pool=2)), 1, 7, (8, 1, 1)),
    ((Conv(16, 5), Tower(3, 16, 3), PointHead()), 7, 9, (81,)),
    ((Conv(16, 5), Tower(2, 16, 3, norm="batch", residual=True), PointHead()), 4, 19, (361,)),
    ((Conv(16, 3, stride=2), GlobalPool(), Dense(5, act=None)), 3, 32, (5,)),
    ((Conv(12, 3, norm="group", act="gelu"), Residual(12, norm="layer", act="silu"),
      Dropout(0.1), Flatten(), Dense(7, norm="batch", dropout=0.2)), 2, 6, (7,)),
    ((Conv(4, 4), Conv(4, 1)), 2, 5, (4, 5, 5)),                          # even kernel, 'same'
])
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
def test_output_shape_matches_a_real_forward_pass(spec, cin, size, out):
    assert core.output_shape(spec, cin, size) == out
    net = core.build(spec, cin, size).eval()
    assert tuple(net(torch.rand(3, cin, size, size)).shape[1:]) == out


def test_alphago_policy_shape_5x5_then_3x3_then_1x1_with_a_bias_per_point():
    spec = (Conv(192, 5), Tower(11, 192, 3), PointHead())
    net = core.build(spec, in_channels=48, size=19)
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.kernel_size[0] for c in convs] == [5] + [3] * 11 + [1]
    assert not any(isinstance(m, (torch.nn.MaxPool2d, torch.nn.AvgPool2d)) for m in net.modules())
    head_bias = [m for m in net.modules() if isinstance(m, core.PerPointBias)][0].bias
    assert head_bias.shape == (361,) and convs[-1].bias is None
    # 48*25*192+192 + 11*(192*9*192+192) + 192 + 361
    assert core.count_params(net) == 3_882_793
    out = net(torch.rand(2, 48, 19, 19))
    assert out.shape == (2, 361)


def test_per_point_bias_is_separate_for_every_point():
    net = core.build((PointHead(),), in_channels=2, size=3)
    with torch.no_grad():
        net[0][0].weight.zero_()
        net[0][1].bias.copy_(torch.arange(9.0))
    assert net(torch.rand(1, 2, 3, 3)).tolist() == [[0, 1, 2, 3, 4, 5, 6, 7, 8]]


def test_residual_block_adds_its_input():
    block = core.ResidualBlock(4, norm=None, act="relu")
    with torch.no_grad():
        for p in block.parameters():
            p.zero_()
    x = torch.randn(2, 4, 5, 5)
    assert torch.equal(block(x), torch.relu(x))


def test_pool_before_a_monotone_activation_changes_nothing():
    torch.manual_seed(1)
    for act in ("relu", "leaky_relu", "elu", "tanh", "gelu"):
        block = core.ConvBlock(3, 6, 3, act=act, pool=2)
        x = torch.randn(2, 3, 9, 9)
        expected = F.max_pool2d(block.maps(x), 2, ceil_mode=True)
        assert torch.allclose(block(x), expected, atol=1e-6), act
        assert block.pool_first == (act != "gelu")


@pytest.mark.parametrize("channels_last", [False, True])
def test_fast_first_layer_gradient_equals_the_plain_convolution(channels_last):
    torch.manual_seed(0)
    fast = core.Conv2d(1, 32, 5, padding=2)
    plain = torch.nn.Conv2d(1, 32, 5, padding=2)
    plain.load_state_dict(fast.state_dict())
    x = torch.rand(8, 1, 28, 28)
    if channels_last:
        fast, plain = (m.to(memory_format=torch.channels_last) for m in (fast, plain))
        x = x.contiguous(memory_format=torch.channels_last)
    g = torch.randn(8, 32, 28, 28)
    y1, y2 = fast(x), plain(x)
    assert y1.grad_fn.name().startswith("_SmallInputConv")
    assert torch.allclose(y1, y2, atol=1e-5)
    (y1 * g).sum().backward()
    (y2 * g).sum().backward()
    assert torch.allclose(fast.weight.grad, plain.weight.grad, rtol=1e-4, atol=1e-3)
    assert torch.allclose(fast.bias.grad, plain.bias.grad, rtol=1e-4, atol=1e-3)


def test_fast_path_only_where_it_applies():
    conv = core.Conv2d(1, 4, 5, padding=2)
    x = torch.rand(2, 1, 8, 8, requires_grad=True)   # input needs a gradient: plain path
    assert not conv(x).grad_fn.name().startswith("_SmallInputConv")
    wide = core.Conv2d(8, 4, 5, padding=2)           # 200 taps: plain path
    assert not wide(torch.rand(2, 8, 8, 8)).grad_fn.name().startswith("_SmallInputConv")


def test_spec_json_round_trip():
    spec = (Conv(32, 5, norm="batch", pool=2), Pool(3, 2, "avg"), Residual(32), Tower(2, 32),
            Dropout(0.3), GlobalPool("max"), Dense(10, act=None, dropout=0.1), Flatten(),
            PointHead())
    data = core.spec_to_json(spec)
    assert data[1] == {"layer": "pool", "kernel": 3, "stride": 2, "kind": "avg"}
    assert data[0] == {"layer": "conv", "out": 32, "kernel": 5, "stride": 1, "norm": "batch",
                       "act": "relu", "pool": 2}
    assert core.spec_from_json(data) == spec


@pytest.mark.parametrize("spec, message", [
    ((Dense(10),), "flat input"),
    ((Flatten(), Conv(3)), "feature map"),
    ((Conv(8, act="swishy"),), "unknown activation"),
    ((Conv(8, norm="weird"),), "unknown norm"),
    ((Conv(8), Residual(16)), "keeps its channels"),
    ((Conv(8), Tower(2, 16, residual=True)), "residual tower"),
    ((Conv(8, 4, stride=2),), "odd kernel"),
    ((Pool(2, kind="median"),), "unknown pooling"),
    (("conv",), "not a layer spec"),
])
def test_bad_specs_are_refused(spec, message):
    with pytest.raises(ValueError, match=message):
        core.build(spec, 1, 8)


def test_bad_json_specs_are_refused():
    with pytest.raises(ValueError, match="unknown layer 'transformer'"):
        core.spec_from_json([{"layer": "transformer"}])
    with pytest.raises(ValueError, match="bad conv layer"):
        core.spec_from_json([{"layer": "conv", "out": 3, "colour": "red"}])


def test_inits():
    torch.manual_seed(0)
    net = core.build(SEED, 1, 28, init="glorot")
    w = net[3].linear.weight
    limit = (6 / (3136 + 1024)) ** 0.5
    assert w.abs().max() <= limit and w.abs().max() > 0.9 * limit
    assert torch.count_nonzero(net[3].linear.bias) == 0
    with pytest.raises(ValueError, match="unknown init"):
        core.build(SEED, 1, 28, init="zeros")


def test_the_core_knows_nothing_of_go_or_digits():
    source = Path(core.__file__).read_text().lower()
    for word in ("mnist", "digit", "board", "stone", "policy", " go ", "19x19"):
        assert word not in source, word
