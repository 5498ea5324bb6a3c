"""MNIST on the conv core: the data files, a short real training run on the shipped sample,
the commands (train, eval, predict, filters), and - marked slow - the full-data figures."""

from __future__ import annotations

import gzip
import json
import shutil

import numpy as np
import pytest
import torch

from gocnn import mnist
from gocnn.cli import main
from gocnn.errors import GocnnError
from gocnn.model import build_net, load_model
from gocnn.model.layers import count_params

FIRST_TEST_LABELS = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


@pytest.fixture(scope="module")
def sample(samples):
    images, labels = mnist.read_split(samples / "mnist", "test")
    return images, labels


def _write_idx(path, arr, compress=True):
    raw = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    raw += np.ascontiguousarray(arr, np.uint8).tobytes()
    path.write_bytes(gzip.compress(raw) if compress else raw)


@pytest.fixture()
def split_dir(tmp_path, sample):
    """A data directory with the sample cut into train (first 500) and test (last 100)."""
    images, labels = sample
    d = tmp_path / "mnist"
    d.mkdir()
    _write_idx(d / "train-images-idx3-ubyte.gz", images[:500])
    _write_idx(d / "train-labels-idx1-ubyte.gz", labels[:500])
    _write_idx(d / "t10k-images-idx3-ubyte", images[500:], compress=False)
    _write_idx(d / "t10k-labels-idx1-ubyte", labels[500:], compress=False)
    return d


# ---------------------------------------------------------------------------- data files
def test_the_shipped_sample_is_real_mnist(sample):
    images, labels = sample
    assert images.shape == (600, 28, 28) and labels.shape == (600,)
    assert labels[:10].tolist() == FIRST_TEST_LABELS
    assert set(labels.tolist()) == set(range(10))
    assert images.dtype == np.uint8 and images.max() == 255 and 0.08 < images.mean() / 255 < 0.2


def test_reads_plain_gz_npz_and_the_dotted_spelling(tmp_path, sample, split_dir):
    images, labels = sample
    x, y = mnist.read_split(split_dir, "test")                  # plain idx
    assert np.array_equal(x, images[500:]) and np.array_equal(y, labels[500:])
    x, y = mnist.read_split(split_dir, "train")                 # idx.gz
    assert np.array_equal(x, images[:500])
    dotted = tmp_path / "dotted"
    dotted.mkdir()
    shutil.copy(split_dir / "t10k-images-idx3-ubyte", dotted / "t10k-images.idx3-ubyte")
    shutil.copy(split_dir / "t10k-labels-idx1-ubyte", dotted / "t10k-labels.idx1-ubyte")
    assert np.array_equal(mnist.read_split(dotted, "test")[1], labels[500:])
    npz = tmp_path / "npz"
    npz.mkdir()
    np.savez(npz / "mnist.npz", x_train=images[:500], y_train=labels[:500],
             x_test=images[500:], y_test=labels[500:])
    data = mnist.load(npz)
    assert np.array_equal(data["train"][0], images[:500])
    assert np.array_equal(data["test"][1], labels[500:])


def test_bad_files_are_clear_errors(tmp_path, split_dir):
    (tmp_path / "bad").write_bytes(b"\x00\x00\x0d\x03" + b"\x00" * 20)
    with pytest.raises(GocnnError, match="bad magic"):
        mnist.read_idx(tmp_path / "bad")
    raw = gzip.decompress((split_dir / "train-images-idx3-ubyte.gz").read_bytes())
    (tmp_path / "short").write_bytes(raw[:-10])
    with pytest.raises(GocnnError, match="truncated or damaged"):
        mnist.read_idx(tmp_path / "short")
    (tmp_path / "broken.gz").write_bytes(gzip.compress(raw)[:-100])
    with pytest.raises(GocnnError, match="cannot read"):
        mnist.read_idx(tmp_path / "broken.gz")
    with pytest.raises(GocnnError, match="no MNIST train files"):
        mnist.load(tmp_path)
    with pytest.raises(GocnnError, match="not found"):
        mnist.load(tmp_path / "nowhere")


def test_offline_download_says_where_to_put_the_files(tmp_path):
    with pytest.raises(GocnnError, match=r"Put the four files .*train-images-idx3-ubyte\.gz.* in "):
        mnist.download(tmp_path / "cache", mirrors=("http://127.0.0.1:9/",), timeout=2)


def test_download_verifies_checksums(tmp_path, split_dir):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for name in mnist.SHA256:   # right names, wrong content
        shutil.copy(split_dir / "train-labels-idx1-ubyte.gz", mirror / f"{name}.gz")
    with pytest.raises(GocnnError, match="checksum mismatch"):
        mnist.download(tmp_path / "cache", mirrors=(mirror.as_uri() + "/",))
    assert not list((tmp_path / "cache").iterdir())


# ---------------------------------------------------------------------------- training
def test_short_real_training_run_beats_chance_by_a_wide_margin(sample):
    images, labels = sample
    x, y = mnist.to_tensor(images), torch.from_numpy(labels.astype(np.int64))
    torch.manual_seed(0)
    net = build_net(mnist.make_config("small"))
    settings = mnist.Settings(epochs=6, batch=32, lr=2e-3, seed=0)
    hist = mnist.train(net, x[:500], y[:500], x[500:], y[500:], settings)
    assert hist.steps == 6 * 16
    assert hist.train_loss[-1] < hist.train_loss[0]
    assert hist.test_accuracy[-1] >= 0.7, hist.test_accuracy   # chance is 0.1


def test_archs_build_and_the_seed_is_the_classic_cnn():
    seed = build_net(mnist.make_config("seed"))
    assert count_params(seed) == 3_274_634
    assert build_net(mnist.make_config("improved"))(torch.rand(2, 1, 28, 28)).shape == (2, 10)
    with pytest.raises(GocnnError, match="unknown MNIST arch"):
        mnist.make_config("lenet9000")


def test_augmentation_keeps_shapes_and_ink():
    x = mnist.to_tensor(np.zeros((4, 28, 28), np.uint8))
    x[:, :, 10:18, 12:16] = 1.0
    out = mnist.augment_batch(x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    assert torch.allclose(out.sum((1, 2, 3)), x.sum((1, 2, 3)), rtol=0.35)
    assert not torch.equal(out, x)


# ---------------------------------------------------------------------------- commands
def _json_line(capsys):
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_train_eval_predict_filters_commands(tmp_path, split_dir, samples, sample, capsys):
    model = tmp_path / "m.safetensors"
    assert main(["mnist", "train", "--arch", "small", "--epochs", "2", "--lr", "2e-3",
                 "--batch", "32", "--data", str(split_dir), "--out", str(model), "--threads", "1",
                 "--json"]) == 0
    out = _json_line(capsys)
    assert out["epochs"] == 2 and out["steps"] == 32 and out["train_seconds"] > 0
    assert 0.5 <= out["test_accuracy"] <= 1.0
    _, config, facts = load_model(model)
    assert config.name == "small" and facts["data"] == "mnist" and facts["steps"] == 32
    assert facts["test_accuracy"] == out["test_accuracy"]

    assert main(["mnist", "eval", "--model", str(model), "--data", str(split_dir), "--json"]) == 0
    assert _json_line(capsys)["test_accuracy"] == out["test_accuracy"]
    assert main(["mnist", "eval", "--model", str(model), "--data", str(samples / "mnist")]) == 0
    assert "on 600 images" in capsys.readouterr().out

    from PIL import Image
    images, labels = sample
    png = tmp_path / "digit.png"
    Image.fromarray(images[0]).save(png)
    assert main(["mnist", "predict", "--model", str(model), str(png), "--json"]) == 0
    pred = _json_line(capsys)
    assert pred["digit"] in range(10) and abs(sum(pred["probabilities"]) - 1) < 1e-3

    pic = tmp_path / "filters.png"
    assert main(["mnist", "filters", "--model", str(model), "--out", str(pic),
                 "--data", str(samples / "mnist")]) == 0
    with Image.open(pic) as im:
        assert im.width > 400 and im.height > 300


def test_commands_refuse_bad_models(tmp_path, capsys):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a model")
    assert main(["mnist", "eval", "--model", str(bad)]) == 2
    assert "not a readable model file" in capsys.readouterr().err
    from gocnn.model import POLICY_PRESETS, build_policy, save_model
    policy = tmp_path / "policy.safetensors"
    save_model(policy, build_policy(POLICY_PRESETS["tiny"]), POLICY_PRESETS["tiny"], {})
    assert main(["mnist", "predict", "--model", str(policy), str(bad)]) == 2
    assert "not an MNIST model" in capsys.readouterr().err


def test_png_preprocessing_matches_mnist_framing(tmp_path, sample):
    from PIL import Image
    images, _ = sample
    digit = images[0]
    # a 28x28 MNIST image reads back unchanged
    Image.fromarray(digit).save(tmp_path / "a.png")
    assert np.allclose(mnist.image_to_input(tmp_path / "a.png"), digit / 255.0, atol=1e-6)
    # a large dark-on-white drawing is inverted, fitted into 20x20 and centred
    big = Image.fromarray(255 - digit).resize((140, 140), Image.NEAREST)
    canvas = Image.new("L", (300, 200), 255)
    canvas.paste(big, (10, 40))
    canvas.save(tmp_path / "b.png")
    x = mnist.image_to_input(tmp_path / "b.png")
    assert x.shape == (28, 28) and x.max() > 0.9 and x[:3].max() < 0.05 and x[:, :3].max() < 0.05
    ys, xs = np.nonzero(x > 0.1)
    assert max(ys.max() - ys.min(), xs.max() - xs.min()) <= 20
    with pytest.raises(GocnnError, match="image not found"):
        mnist.image_to_input(tmp_path / "none.png")
    (tmp_path / "c.png").write_bytes(b"nope")
    with pytest.raises(GocnnError, match="cannot read image"):
        mnist.image_to_input(tmp_path / "c.png")


# ---------------------------------------------------------------------------- full data (slow)
@pytest.mark.slow
def test_full_test_set_labels(shared_data):
    images, labels = mnist.read_split(shared_data / "mnist", "test")
    assert images.shape == (10000, 28, 28)
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.mark.slow
def test_seed_one_epoch_matches_keras(shared_data, tmp_path, capsys):
    assert main(["mnist", "train", "--arch", "seed", "--data", str(shared_data / "mnist"),
                 "--out", str(tmp_path / "seed.safetensors"), "--json"]) == 0
    assert _json_line(capsys)["test_accuracy"] >= 0.9739   # Keras 3 on the same settings


@pytest.mark.slow
def test_improved_reaches_99_3_in_five_epochs(shared_data, tmp_path, capsys):
    assert main(["mnist", "train", "--arch", "improved", "--epochs", "5",
                 "--data", str(shared_data / "mnist"),
                 "--out", str(tmp_path / "improved.safetensors"), "--json"]) == 0
    assert _json_line(capsys)["test_accuracy"] >= 0.993
