"""Model configs and files: the policy presets, save/load round trips with bit-identical
outputs, and damaged or foreign files refused with a clear error."""

from __future__ import annotations

import dataclasses
import json
import re
import struct

import pytest
import torch

from gocnn import model as M
from gocnn.errors import GocnnError
from gocnn.model.layers import Conv, Dense, Flatten, count_params

# preset: (layers, filters, parameters with the default 20 input planes)
PRESETS = {
    "tiny": (3, 32, 25_673),
    "small": (6, 64, 180_201),
    "medium": (8, 96, 546_793),
    "maddison": (12, 128, 1_540_457),
    "alphago": (13, 192, 3_748_393),
    "alphago256": (13, 256, 6_619_753),
    "res6x64": (14, 64, 476_457),
}


@pytest.mark.parametrize("name", PRESETS)
def test_policy_presets(name):
    layers, filters, params = PRESETS[name]
    cfg = M.POLICY_PRESETS[name]
    assert (cfg.layers, cfg.filters, cfg.board_size, cfg.in_channels) == (layers, filters, 19, 20)
    net = M.build_policy(cfg)
    assert count_params(net) == params
    assert name in M.__doc__ and f"{params:,}" in M.__doc__   # the docstring table is right


def test_policy_config_defaults_and_override():
    cfg = M.PolicyConfig()
    assert dataclasses.asdict(cfg) == {
        "board_size": 19, "features": "basic20", "in_channels": 20, "layers": 6, "filters": 64,
        "first_kernel": 5, "kernel": 3, "norm": None, "residual": False, "act": "relu",
        # the v1-v5 nets' per-point policy head and no other heads, so their files load unchanged
        "head": "point", "value": False, "ownership": False, "value_channels": 32, "value_hidden": 64}
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.layers = 3
    big = dataclasses.replace(M.POLICY_PRESETS["alphago"], features="alphago48", in_channels=48)
    assert count_params(M.build_policy(big)) == 3_882_793


@pytest.mark.parametrize("size", [9, 13, 19])
def test_policy_net_maps_planes_to_one_logit_per_point(size):
    cfg = M.PolicyConfig(board_size=size, in_channels=7, layers=4, filters=16)
    net = M.build_policy(cfg)
    out = net(torch.rand(3, 7, size, size))
    assert out.shape == (3, size * size)
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.kernel_size[0] for c in convs] == [5, 3, 3, 1]


def test_residual_policy_has_blocks_and_batch_norm():
    net = M.build_policy(M.POLICY_PRESETS["res6x64"])
    from gocnn.model.layers import ResidualBlock
    assert sum(isinstance(m, ResidualBlock) for m in net.modules()) == 6
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules())
    with pytest.raises(ValueError, match="even number"):
        M.build_policy(M.PolicyConfig(layers=5, residual=True))


def _randomise(net):
    """Non-trivial weights and batch-norm statistics, so a round trip proves something."""
    torch.manual_seed(3)
    with torch.no_grad():
        for t in net.state_dict().values():
            if t.dtype.is_floating_point:
                t.copy_(torch.rand_like(t) * 0.5 + 0.1)
    return net


CLASSIFIER = M.ClassifierConfig(name="seedish", in_channels=1, image_size=28, num_classes=10,
                                layers=(Conv(8, 5, pool=2), Conv(16, 5, pool=2), Flatten(),
                                        Dense(32), Dense(10, act=None)), init="glorot")


@pytest.mark.parametrize("config", [M.POLICY_PRESETS["tiny"], M.POLICY_PRESETS["res6x64"],
                                    M.PolicyConfig(board_size=9, in_channels=5, layers=3,
                                                   filters=8, act="elu"),
                                    CLASSIFIER], ids=["tiny", "res6x64", "9x9", "classifier"])
def test_round_trip_gives_bit_identical_outputs(tmp_path, config):
    net = _randomise(M.build_net(config)).eval()
    size = getattr(config, "board_size", None) or config.image_size
    x = torch.rand(4, config.in_channels, size, size)
    facts = {"data": "somewhere", "steps": 1234, "accuracy": 0.4567}
    path = tmp_path / "m.safetensors"
    M.save_model(path, net, config, facts)
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]  # no temp file left
    net2, config2, facts2 = M.load_model(path)
    assert config2 == config and type(config2) is type(config)
    assert facts2 == facts
    assert not net2.training
    with torch.no_grad():
        assert torch.equal(net(x), net2(x))


def test_channels_last_nets_save_too(tmp_path):
    net = M.build_net(CLASSIFIER).to(memory_format=torch.channels_last).eval()
    M.save_model(tmp_path / "m.safetensors", net, CLASSIFIER, {})
    net2, _, _ = M.load_model(tmp_path / "m.safetensors")
    # the saved weights are the net's, bit for bit, whatever their memory layout
    saved, ours = net2.state_dict(), net.state_dict()
    assert saved.keys() == ours.keys()
    assert all(torch.equal(saved[k], ours[k]) for k in saved)
    # the outputs agree to float rounding only: oneDNN picks other kernels for a channels-last
    # net than for the reloaded (contiguous) one, and which ones depends on the CPU
    x = torch.rand(2, 1, 28, 28)
    with torch.no_grad():
        torch.testing.assert_close(net(x), net2(x), rtol=1e-5, atol=1e-6)


def test_metadata_carries_format_config_and_facts(tmp_path):
    path = tmp_path / "m.safetensors"
    M.save_model(path, M.build_net(M.POLICY_PRESETS["tiny"]), M.POLICY_PRESETS["tiny"],
                 {"steps": 10})
    meta = M.read_metadata(path)
    assert meta["format"] == "gocnn-model" and meta["format_version"] == "1"
    assert meta["config_kind"] == "policy"
    assert json.loads(meta["config"])["layers"] == 3
    assert json.loads(meta["facts"]) == {"steps": 10}


def test_model_hash(tmp_path):
    a, b = tmp_path / "a.safetensors", tmp_path / "b.safetensors"
    cfg = M.POLICY_PRESETS["tiny"]
    net = M.build_net(cfg)
    M.save_model(a, net, cfg, {"steps": 1})
    M.save_model(b, net, cfg, {"steps": 2})
    assert re.fullmatch(r"[0-9a-f]{10}", M.model_hash(a))
    assert M.model_hash(a) == M.model_hash(a) != M.model_hash(b)


def test_loading_never_unpickles(tmp_path, monkeypatch):
    import pickle
    path = tmp_path / "m.safetensors"
    M.save_model(path, M.build_net(CLASSIFIER), CLASSIFIER, {})

    def refuse(*a, **k):
        raise AssertionError("pickle used")
    monkeypatch.setattr(torch, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    M.load_model(path)


# ---------------------------------------------------------------------------- bad files
@pytest.fixture()
def saved(tmp_path):
    path = tmp_path / "good.safetensors"
    cfg = M.POLICY_PRESETS["tiny"]
    M.save_model(path, M.build_net(cfg), cfg, {"steps": 5})
    return path


def _rewrite_header(path, edit):
    """Edit the JSON header of a safetensors file (keeping the data bytes)."""
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    edit(header)
    new = json.dumps(header).encode()
    new += b" " * (-len(new) % 8)
    path.write_bytes(struct.pack("<Q", len(new)) + new + raw[8 + n:])


def test_missing_file(tmp_path):
    with pytest.raises(GocnnError, match="not found"):
        M.load_model(tmp_path / "nothing.safetensors")
    with pytest.raises(GocnnError, match="cannot read"):
        M.model_hash(tmp_path / "nothing.safetensors")


@pytest.mark.parametrize("content", [b"", b"hello, I am not a model\n", b"\x80\x04\x95" + b"\0" * 64,
                                     b"PK\x03\x04" + b"\0" * 100])
def test_foreign_files_are_refused(tmp_path, content):
    path = tmp_path / "x.safetensors"
    path.write_bytes(content)
    with pytest.raises(GocnnError, match="not a readable model file"):
        M.load_model(path)


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.999])
def test_truncated_file_is_refused(saved, keep):
    raw = saved.read_bytes()
    saved.write_bytes(raw[:int(len(raw) * keep)])
    with pytest.raises(GocnnError, match=str(saved.name)):
        M.load_model(saved)


def test_flipped_weight_byte_is_caught_by_the_checksum(saved):
    raw = bytearray(saved.read_bytes())
    raw[-100] ^= 0x40
    saved.write_bytes(bytes(raw))
    with pytest.raises(GocnnError, match="damaged.*checksum"):
        M.load_model(saved)


def test_plain_safetensors_without_gocnn_metadata(tmp_path):
    from safetensors.torch import save_file
    path = tmp_path / "other.safetensors"
    save_file({"w": torch.zeros(3)}, str(path))
    with pytest.raises(GocnnError, match="not a gocnn model"):
        M.load_model(path)


def test_config_that_does_not_fit_the_weights(saved):
    def edit(h):
        cfg = json.loads(h["__metadata__"]["config"])
        cfg["filters"] = 48
        h["__metadata__"]["config"] = json.dumps(cfg)
    _rewrite_header(saved, edit)
    with pytest.raises(GocnnError, match="do not fit the config.*wrong shape"):
        M.load_model(saved)


def test_bad_config_and_newer_format(saved):
    def bad_kind(h):
        h["__metadata__"]["config_kind"] = "transformer"
    _rewrite_header(saved, bad_kind)
    with pytest.raises(GocnnError, match="bad model config"):
        M.load_model(saved)

    def newer(h):
        h["__metadata__"]["config_kind"] = "policy"
        h["__metadata__"]["format_version"] = "99"
    _rewrite_header(saved, newer)
    with pytest.raises(GocnnError, match="upgrade gocnn"):
        M.load_model(saved)


def test_unknown_config_type_cannot_be_saved(tmp_path):
    with pytest.raises(TypeError, match="not a model config"):
        M.save_model(tmp_path / "x.safetensors", torch.nn.Linear(2, 2), {"layers": 3}, {})


def test_inference_layout_gives_the_same_policy():
    """for_inference (channels-last weights on CPU) changes speed, not answers."""
    torch.manual_seed(3)
    cfg = M.POLICY_PRESETS["small"]
    net = M.build_policy(cfg).eval()
    x = torch.randint(0, 2, (5, cfg.in_channels, 19, 19)).float()
    with torch.inference_mode():
        before = torch.softmax(net(x).reshape(5, -1), 1)
        M.for_inference(net)
        convs = [p for p in net.parameters() if p.ndim == 4 and p.shape[1] > 1 and p.shape[2] > 1]
        assert convs and all(p.is_contiguous(memory_format=torch.channels_last) and not p.is_contiguous()
                             for p in convs)
        after = torch.softmax(net(x).reshape(5, -1), 1)
    assert not net.training
    torch.testing.assert_close(after, before, rtol=1e-4, atol=1e-6)
    assert torch.equal(after.argmax(1), before.argmax(1))
