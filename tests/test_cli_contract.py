"""The command line's contract, recorded: every subcommand and every option it had when the
code moved to the v2 layout (issue 14), and the keys of the JSON objects that the README and
docs/ name.  Adding is fine; a move that drops or renames one fails here.

The options are read by walking the argparse tree that ``gocnn <cmd> --help`` prints;
positionals are written ``<dest>``.  To record an addition, add it to the table."""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import subprocess
import sys
import textwrap

import pytest

from gocnn.cli import build_parser, main

# recorded from main at 8caea6f (python walk of build_parser(), see _commands below)
OPTIONS = {
    "": ["--version"],
    "gtp": ["--batch", "--device", "--log", "--mix", "--model", "--random", "--resign", "--seed",
            "--symmetries", "--temperature", "--threads", "--time", "--visits"],
    "match": ["--alternate", "--black", "--games", "--handicap", "--json", "--komi", "--max-moves", "--move-time",
              "--out", "--scorer", "--size", "--white"],
    "strength": ["--games", "--json", "--komi", "--model", "--mix", "--move-time", "--opponent", "--out",
                 "--pair-games", "--size", "--threads", "--visits"],
    "play": ["--color", "--handicap", "--komi", "--model", "--sgf", "--size", "--time"],
    "data": [],
    "data scan": ["--json", "--keep-duplicates", "--min-moves", "--min-rank", "--no-handicap",
                  "--require-result", "--size", "<paths>"],
    "data build": ["--features", "--games-per-shard", "--json", "--keep-duplicates", "--min-moves",
                   "--min-rank", "--no-handicap", "--out", "--require-result", "--size", "--val-fraction",
                   "--workers", "<paths>"],
    "train": ["--amp", "--batch", "--checkpoint-every", "--compile", "--data", "--device", "--epochs",
              "--eval-every", "--eval-positions", "--features", "--init", "--json", "--lr", "--max-seconds",
              "--optimizer", "--out", "--ownership-weight", "--preset", "--resume", "--schedule", "--seed",
              "--steps", "--threads", "--value-weight", "--warmup", "--weight-decay", "--workers"],
    "eval": ["--batch", "--json", "--max-games", "--model", "--sgf", "--symmetries", "--threads"],
    "mnist": [],
    "mnist train": ["--arch", "--batch", "--data", "--epochs", "--json", "--lr", "--out", "--seed", "--threads"],
    "mnist eval": ["--data", "--json", "--model"],
    "mnist predict": ["--json", "--model", "<image>"],
    "mnist filters": ["--data", "--model", "--out"],
    "selfplay": ["--batch", "--games", "--json", "--komi", "--model", "--opponent", "--out", "--random-opening",
                 "--seed", "--size", "--temperature", "--workers"],
    "rl": ["--games-per-iteration", "--init", "--iterations", "--json", "--komi", "--lr", "--max-kl", "--out",
           "--pool-every", "--seed", "--size", "--temperature", "--threads"],
    "arena": ["--a", "--b", "--games", "--json", "--komi", "--out", "--seed", "--size", "--temperature"],
    "bench": ["--data", "--games", "--json", "--model", "--seconds", "--threads", "<name>"],
}
BENCHES = ["replay", "features", "train", "infer", "gtp", "selfplay", "mnist", "tui-startup"]

# the JSON keys the README and docs/ name, and those the commands printed when recorded
JSON_KEYS = {
    "data scan": {"duplicates", "files", "games", "games_per_second", "positions", "seconds", "sizes", "skipped",
                  "truncated"},
    "data build": {"duplicates", "features", "files", "format", "games", "positions", "seconds", "sizes",
                   "skipped", "sources", "train", "truncated", "units", "val", "val_fraction", "warnings"},
    "match": {"decided", "disputed", "engines", "games", "games_detail", "handicap", "komi", "results", "size"},
    "match engine": {"ci95", "disputed_wins", "moves", "name", "sec_per_move", "win_rate", "wins"},
    "mnist train": {"arch", "batch", "epoch_seconds", "epochs", "lr", "model", "params", "steps",
                    "test_accuracy", "test_accuracy_per_epoch", "threads", "train_seconds"},
    "mnist eval": {"arch", "examples", "model", "test_accuracy"},
    "mnist predict": {"digit", "image", "probabilities", "probability"},
    "arena": {"wins_a", "wins_b", "games", "win_rate_a", "ci95", "a_as_black", "accept_a"},  # docs/selfplay.md
    "bench": {"bench", "rate", "unit", "peer", "peer_rate", "ratio", "sets", "threads"},  # DESIGN.md, README
}


def _commands(parser: argparse.ArgumentParser, path=()):
    """(command path, its option strings and <positionals>) for every node of the parser tree."""
    opts, subs = [], None
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            subs = action
        elif isinstance(action, argparse._HelpAction):
            continue
        elif action.option_strings:
            opts.extend(action.option_strings)
        else:
            opts.append(f"<{action.dest}>")
    yield " ".join(path), set(opts), parser
    if subs:
        for name, child in subs.choices.items():
            yield from _commands(child, (*path, name))


def test_every_recorded_subcommand_keeps_every_option():
    now = {path: opts for path, opts, _ in _commands(build_parser())}
    missing = {path: sorted(set(opts) - now.get(path, set())) for path, opts in OPTIONS.items()}
    assert not {p: m for p, m in missing.items() if m} and set(OPTIONS) <= set(now), missing


def test_help_text_shows_the_walked_options():
    """The walk reads what --help prints: each node's help names each of its long options."""
    for path, opts, parser in _commands(build_parser()):
        text = parser.format_help()
        shown = set(re.findall(r"(?<![\w-])--[a-z][\w-]*", text))
        assert {o for o in opts if o.startswith("--")} <= shown, path


def test_bench_names_stay():
    from gocnn.bench import BENCHES as now
    assert set(BENCHES) <= set(now)


def test_the_root_and_its_help_do_not_load_torch_numpy_or_the_domain():
    code = ("import sys; from gocnn.cli import build_parser; build_parser(); "
            "heavy = {'torch', 'numpy', 'textual', 'gocnn.go.board', 'gocnn.data', 'gocnn.gtp.engine'} & set(sys.modules); "
            "assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    proc = subprocess.run([sys.executable, "-m", "gocnn", "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and all(cmd in proc.stdout for cmd in
                                        ("gtp", "match", "play", "data", "train", "eval", "mnist",
                                         "selfplay", "rl", "arena", "bench")), proc


# ---------------------------------------------------------------------- JSON keys
def _last_json(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_data_scan_and_build_json_keys(samples, tmp_path, capsys):
    archive = str(samples / "sgf" / "kgs-sample.tar.gz")
    assert main(["data", "scan", archive, "--json"]) == 0
    assert set(_last_json(capsys)) == JSON_KEYS["data scan"]
    assert main(["data", "build", archive, "--out", str(tmp_path / "s"), "--workers", "1",
                 "--val-fraction", "0.2", "--json"]) == 0
    assert set(_last_json(capsys)) == JSON_KEYS["data build"]


PASSER = textwrap.dedent("""\
    import sys
    for line in sys.stdin:
        w = line.split()
        if not w:
            continue
        out = {'name': 'passer', 'version': '1', 'genmove': 'pass'}.get(w[0], '')
        print('= ' + out + '\\n', flush=True)
        if w[0] == 'quit':
            break
    """)


def test_match_json_keys(tmp_path, capsys):
    engine = tmp_path / "passer.py"
    engine.write_text(PASSER)
    cmd = f"{sys.executable} {engine}"
    assert main(["match", "--black", cmd, "--white", cmd, "--games", "1", "--size", "5", "--json"]) == 0
    report = _last_json(capsys)
    assert set(report) == JSON_KEYS["match"] and report["games"] == 1
    assert set(report["engines"]["A"]) >= JSON_KEYS["match engine"]


def test_mnist_json_keys(samples, tmp_path, capsys):
    from PIL import Image

    from gocnn import mnist
    images, labels = mnist.read_split(samples / "mnist", "test")
    model = tmp_path / "m.safetensors"
    # an untrained net is enough for the shapes of eval's and predict's reports
    from gocnn.model import build_net, save_model
    save_model(model, build_net(mnist.make_config("small")), mnist.make_config("small"), {})
    data = tmp_path / "mnist"
    data.mkdir()
    for name, arr in (("train-images-idx3-ubyte", images[:64]), ("train-labels-idx1-ubyte", labels[:64]),
                      ("t10k-images-idx3-ubyte", images[64:96]), ("t10k-labels-idx1-ubyte", labels[64:96])):
        header = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
        (data / name).write_bytes(header + arr.astype("uint8").tobytes())
    assert main(["mnist", "train", "--arch", "small", "--epochs", "1", "--batch", "32", "--data", str(data),
                 "--out", str(tmp_path / "t.safetensors"), "--threads", "1", "--json"]) == 0
    assert set(_last_json(capsys)) == JSON_KEYS["mnist train"]
    assert main(["mnist", "eval", "--model", str(model), "--data", str(samples / "mnist"), "--json"]) == 0
    assert set(_last_json(capsys)) == JSON_KEYS["mnist eval"]
    png = tmp_path / "digit.png"
    Image.fromarray(images[0]).save(png)
    assert main(["mnist", "predict", "--model", str(model), str(png), "--json"]) == 0
    assert set(_last_json(capsys)) == JSON_KEYS["mnist predict"]


def test_bench_json_shape_has_the_documented_keys():
    from gocnn.bench.harness import COMMON_KEYS, BenchResult
    result = BenchResult(bench="x", rate=2.0, unit="things/s", peer="bare", peer_rate=1.0)
    assert set(result.to_json()) >= JSON_KEYS["bench"] and set(COMMON_KEYS) >= JSON_KEYS["bench"]


def test_arena_json_keys(tmp_path, capsys):
    import torch

    from gocnn.model import POLICY_PRESETS, build_policy, save_model
    cfg = dataclasses.replace(POLICY_PRESETS["tiny"], board_size=9)
    nets = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        nets.append(tmp_path / f"n{seed}.safetensors")
        save_model(nets[-1], build_policy(cfg), cfg, {})
    assert main(["arena", "--a", str(nets[0]), "--b", str(nets[1]), "--games", "2", "--size", "9", "--json"]) == 0
    assert set(_last_json(capsys)) >= JSON_KEYS["arena"]


@pytest.mark.parametrize("command, argv, config", [
    ("gtp", ["--visits", "3", "--seed", "7", "--log", "x.log", "--device", "cpu"], "gocnn.gtp.engine:GtpConfig"),
    ("mnist train", ["--arch", "small", "--epochs", "2", "--threads", "1"], "gocnn.mnist:TrainConfig"),
    ("match", ["--black", "b", "--white", "w", "--games", "3", "--alternate", "--max-moves", "50",
               "--scorer", "s", "--out", "d", "--handicap", "2"], "gocnn.gtp.match:MatchConfig"),
    ("selfplay", ["--games", "4", "--out", "d", "--opponent", "o", "--random-opening", "3", "--workers", "2",
                  "--visits", "8"], "selfplay.games:SelfplayConfig"),
    ("arena", ["--a", "m1", "--b", "m2", "--games", "6", "--seed", "3", "--temperature", "0.5",
               "--out", "d", "--visits", "4"], "selfplay.arena:ArenaConfig"),
    ("eval", ["--sgf", "a.sgf", "b", "--model", "m", "--symmetries", "8", "--max-games", "5", "--batch", "16",
              "--threads", "2"], "gocnn.train.evaluate:EvalConfig"),
])
def test_every_option_reaches_the_frozen_config(command, argv, config):
    """The handler's config has a field for each option of its command (none is dropped on the
    way to the domain), takes their values, and cannot be changed afterwards.  A config may have
    fields of its own that the command leaves at their defaults (a move cap, the device)."""
    import importlib

    from gocnn.cli.common import config_from
    module, name = config.split(":")
    cls = getattr(importlib.import_module(module), name)
    args = build_parser().parse_args([*command.split(), *argv])
    parser = {path: parser for path, _, parser in _commands(build_parser())}[command]
    options = {a.dest for a in parser._actions if a.option_strings and a.dest not in ("help", "json")}
    fields = {f.name for f in dataclasses.fields(cls)}
    assert len(options) >= 6 and options <= fields, options - fields
    assert all(getattr(config_from(cls, args), f) == getattr(args, f) for f in options)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config_from(cls, args).seed = 1
