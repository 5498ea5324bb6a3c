"""What every command group shares: the parser class with the error contract, argparse types,
lazy handlers and the ``--json`` output.  Cheap to import: no torch, no numpy, no domain."""

from __future__ import annotations

import argparse
import importlib
import json
import math
import sys


def _lazy(target: str):
    """``"gocnn.train:cmd_train"`` -> a handler that imports its module on first call."""

    def run(args):
        module, func = target.split(":")
        return getattr(importlib.import_module(module), func)(args)

    run.target = target
    return run


class _Parser(argparse.ArgumentParser):
    """argparse with the CLI's error contract: one line on stderr (no usage block), exit 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _at_least(lo: int):
    """An argparse type: an integer >= ``lo``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if value < lo:
            raise argparse.ArgumentTypeError(f"must be >= {lo}, not {value}")
        return value

    return parse


def _between(lo: float, hi: float | None = None):
    """An argparse type: a finite number in [lo, hi] (no upper end when ``hi`` is None)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not math.isfinite(value) or value < lo or (hi is not None and value > hi):
            where = f">= {lo:g}" if hi is None else f"between {lo:g} and {hi:g}"
            raise argparse.ArgumentTypeError(f"must be {where}, not {text}")
        return value

    return parse


_THREADS = _at_least(0)  # torch threads: 0 leaves torch's choice (gocnn.util.set_threads)


def add_board_options(p, seed: bool = False) -> None:
    """``--size`` and ``--komi`` (19, 7.5), and ``--seed`` (0) when asked: the same in every
    command that plays games."""
    p.add_argument("--size", type=int, default=19)
    p.add_argument("--komi", type=float, default=7.5)
    if seed:
        p.add_argument("--seed", type=int, default=0)


def add_net_options(p) -> None:
    """``--model``, ``--symmetries`` and ``--threads``: the net an engine plays with."""
    p.add_argument("--model", default=None, help="model file (default: the shipped net)")
    p.add_argument("--symmetries", type=int, choices=[1, 8], default=1)
    p.add_argument("--threads", type=_at_least(1), default=1, help="CPU threads for the search: the net's, and with 2+ and leaf playouts one walks the tree beside it")


def emit_json(obj) -> None:
    """The contract for ``--json``: one JSON object as the last line of stdout."""
    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
    sys.stdout.flush()


def config_from(cls, args, **overrides):
    """A frozen config dataclass filled from the parsed arguments of the same names."""
    import dataclasses
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{name: getattr(args, name) for name in names if hasattr(args, name)} | overrides)


def report(args, result: dict, text) -> int:
    """A handler's last step: ``result`` as the JSON line with ``--json``, else ``text`` (a
    string, or a function of ``result`` that prints); exit code 0."""
    if getattr(args, "json", False):
        emit_json(result)
    elif callable(text):
        text(result)
    else:
        print(text)
    return 0
