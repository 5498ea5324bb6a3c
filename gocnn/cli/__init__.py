"""The ``gocnn`` command.

This module is the composition root: it declares every subcommand's arguments (cheap) and
imports the module that does the work only when that subcommand runs, so ``gocnn --help`` and
``gocnn gtp`` start fast.  Handlers take the parsed arguments and return an exit code.
Errors a user can cause become one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import sys


def _lazy(target: str):
    """``"gocnn.data:cmd_scan"`` -> a handler that imports its module on first call."""

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


def emit_json(obj) -> None:
    """The contract for ``--json``: one JSON object as the last line of stdout."""
    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
    sys.stdout.flush()


# ---------------------------------------------------------------------- data (issues 2, 4)
def _add_data(sub) -> None:
    p = sub.add_parser("data", help="read SGF archives and build training shards")
    dsub = p.add_subparsers(dest="data_command", metavar="{scan,build}", required=True)

    def _filters(q):
        q.add_argument("--size", type=int, action="append", dest="sizes", metavar="N",
                       help="keep only games on this board size (repeatable; default: any)")
        q.add_argument("--min-moves", type=int, default=0, help="skip games with fewer moves")
        q.add_argument("--min-rank", default=None,
                       help="skip games whose weaker player is below this rank (e.g. 6d, 1p)")
        q.add_argument("--require-result", action="store_true", help="skip games without RE")
        q.add_argument("--no-handicap", action="store_true", help="skip handicap games")
        q.add_argument("--keep-duplicates", action="store_true",
                       help="do not drop games whose move sequence was already seen")

    q = dsub.add_parser("scan", help="count games, positions, duplicates and skipped games")
    q.add_argument("paths", nargs="+", metavar="PATH", help=".sgf files, directories or archives")
    _filters(q)
    q.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    q.set_defaults(handler=_lazy("gocnn.data:cmd_scan"))

    q = dsub.add_parser("build", help="write training shards (move sequences) from SGF sources")
    q.add_argument("paths", nargs="+", metavar="PATH")
    q.add_argument("--out", required=True, help="output directory (a rerun resumes)")
    q.add_argument("--features", default="basic20", help="feature set recorded for training")
    q.add_argument("--val-fraction", type=float, default=0.01)
    q.add_argument("--workers", type=int, default=0, help="worker processes (default: cores)")
    q.add_argument("--games-per-shard", type=int, default=2000)
    _filters(q)
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=_lazy("gocnn.data:cmd_build"))


# ---------------------------------------------------------------------- train / eval (issue 5)
def _add_train(sub) -> None:
    p = sub.add_parser("train", help="train a policy net from shards or SGF sources")
    p.add_argument("--data", nargs="+", required=True, metavar="PATH",
                   help="a shard directory from 'gocnn data build', or SGF sources")
    p.add_argument("--out", required=True, metavar="RUN_DIR")
    p.add_argument("--preset", default=None,
                   help="net preset (default: small; with --init, a preset with heads the init net "
                        "lacks starts from its trunk, e.g. --init v5.safetensors --preset pv-small)")
    p.add_argument("--features", default=None, help="feature set (default: the preset's)")
    p.add_argument("--steps", type=int, default=None)
    p.add_argument("--epochs", type=float, default=None)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--schedule", choices=["cosine", "constant", "step"], default="cosine")
    p.add_argument("--warmup", type=int, default=200, help="warm-up steps")
    p.add_argument("--eval-every", type=int, default=1000)
    p.add_argument("--eval-positions", type=int, default=20000)
    p.add_argument("--checkpoint-every", type=int, default=500)
    p.add_argument("--workers", type=int, default=1, help="data loader processes")
    p.add_argument("--threads", type=_THREADS, default=0, help="torch threads (0: torch's choice)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto")
    p.add_argument("--amp", choices=["auto", "on", "off"], default="auto",
                   help="bf16 autocast (auto: on for GPUs and for CPUs with native bf16)")
    p.add_argument("--value-weight", type=float, default=0.5, help="weight of the value loss")
    p.add_argument("--ownership-weight", type=float, default=1.0, help="weight of the ownership loss")
    p.add_argument("--compile", action="store_true", help="torch.compile the net")
    p.add_argument("--resume", action="store_true", help="continue the run in RUN_DIR")
    p.add_argument("--init", default=None, metavar="MODEL", help="start from these weights")
    p.add_argument("--max-seconds", type=float, default=None,
                   help="stop (with a checkpoint) after this long; --resume continues")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_lazy("gocnn.train:cmd_train"))

    p = sub.add_parser("eval", help="move-prediction accuracy of a net on SGF games")
    p.add_argument("--model", default=None, help="model file (default: the shipped net)")
    p.add_argument("--sgf", nargs="+", required=True, metavar="PATH")
    p.add_argument("--symmetries", type=int, choices=[1, 8], default=1)
    p.add_argument("--max-games", type=int, default=None)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--threads", type=_THREADS, default=0, help="torch threads (0: torch's choice)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_lazy("gocnn.train:cmd_eval"))


# ---------------------------------------------------------------------- mnist (issue 3)
def _add_mnist(sub) -> None:
    p = sub.add_parser("mnist", help="the conv core on MNIST (train, eval, predict, filters)")
    p.set_defaults(handler=_lazy("gocnn.mnist:cmd_mnist"), mnist_parser=p)
    msub = p.add_subparsers(dest="mnist_command", metavar="{train,eval,predict,filters}", required=True)
    q = msub.add_parser("train", help="train a CNN on MNIST")
    q.add_argument("--arch", default="seed", choices=["seed", "improved", "small"],
                   help="seed: the classic Keras MNIST CNN; improved: batch norm, dropout, "
                        "one-cycle schedule, augmentation; small: a quick net")
    q.add_argument("--epochs", type=int, default=None, help="default: the arch's (seed 1, improved 5)")
    q.add_argument("--batch", type=int, default=None, help="default: the arch's (seed 64)")
    q.add_argument("--lr", type=float, default=None, help="default: the arch's (seed 1e-4)")
    q.add_argument("--data", default=None, metavar="DIR",
                   help="idx(.gz) files or mnist.npz (default: cache, else download)")
    q.add_argument("--out", default="mnist.safetensors", metavar="FILE")
    q.add_argument("--seed", type=int, default=0)
    q.add_argument("--threads", type=_THREADS, default=0, help="torch threads (0: torch's choice)")
    q.add_argument("--json", action="store_true")
    q = msub.add_parser("eval", help="test accuracy of a saved model")
    q.add_argument("--model", required=True, metavar="FILE")
    q.add_argument("--data", default=None, metavar="DIR")
    q.add_argument("--json", action="store_true")
    q = msub.add_parser("predict", help="classify a PNG image of a digit")
    q.add_argument("--model", required=True, metavar="FILE")
    q.add_argument("image", metavar="IMAGE.png")
    q.add_argument("--json", action="store_true")
    q = msub.add_parser("filters", help="picture of the first layer's filters and feature maps")
    q.add_argument("--model", required=True, metavar="FILE")
    q.add_argument("--out", default="filters.png")
    q.add_argument("--data", default=None, metavar="DIR")


# ---------------------------------------------------------------------- engines (issues 6, 7)
def _add_search(p) -> None:
    """The search options, the same for every command that plays with search."""
    p.add_argument("--visits", type=_at_least(1), default=400,
                   help="search simulations a move (1: the policy alone, one forward pass)")
    p.add_argument("--time", type=_between(0.01), default=None, metavar="SECONDS",
                   help="at most this long a move (GTP time_settings/time_left also bound it)")
    p.add_argument("--mix", type=_between(0, 1), default=None,
                   help="weight of random playouts in a leaf's value (default: 0 with a value head, "
                        "1 for a net without one)")
    p.add_argument("--batch", type=_at_least(1), default=8, help="leaves a net call")
    p.add_argument("--seed", type=int, default=None, help="search seed (default 0; same seed, same moves)")
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1, ... (where the net runs)")


def _add_engines(sub) -> None:
    p = sub.add_parser("gtp", help="GTP engine on stdin/stdout (Sabaki, GoGui, Lizzie, q5Go, KGS)")
    p.add_argument("--model", default=None, help="model file (default: the shipped net)")
    p.add_argument("--symmetries", type=int, choices=[1, 8], default=1)
    p.add_argument("--temperature", type=_between(0), default=0.0,
                   help="0: the net's favourite move; above 0: sample, for variety")
    p.add_argument("--resign", type=_between(0, 1), default=0.95,
                   help="resign when the estimated chance of losing exceeds this (1: never)")
    p.add_argument("--threads", type=_at_least(1), default=1, help="torch threads for the net")
    p.add_argument("--log", default=None, metavar="FILE", help="log every command and reply here")
    p.add_argument("--random", action="store_true", help="a random player instead of the net")
    _add_search(p)
    p.set_defaults(handler=_lazy("gocnn.gtp:cmd_gtp"))

    p = sub.add_parser("match", help="referee games between two GTP engines")
    p.add_argument("--black", required=True, metavar="CMD")
    p.add_argument("--white", required=True, metavar="CMD")
    p.add_argument("--games", type=int, default=1)
    p.add_argument("--size", type=int, default=19)
    p.add_argument("--komi", type=float, default=7.5)
    p.add_argument("--alternate", action="store_true", help="swap colours every game")
    p.add_argument("--max-moves", type=int, default=None, help="move cap (default: 3 x points)")
    p.add_argument("--move-time", type=float, default=60.0, help="seconds allowed per move")
    p.add_argument("--scorer", default=None, metavar="CMD", help="GTP engine that scores (final_score)")
    p.add_argument("--out", default=None, metavar="DIR", help="write each game as SGF here")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_lazy("gocnn.match:cmd_match"))

    p = sub.add_parser("play", help="play against the net in the terminal (Textual UI)")
    p.add_argument("--model", default=None, metavar="FILE",
                   help="the net (default: the shipped one); a bad file is an error (exit 2)")
    p.add_argument("--size", type=int, default=19)
    p.add_argument("--color", choices=["black", "white", "random"], default="black")
    p.add_argument("--handicap", type=int, default=0)
    p.add_argument("--komi", type=float, default=None)
    p.add_argument("--time", type=float, default=None, metavar="MIN", help="main time per side")
    p.add_argument("--sgf", default=None, metavar="FILE", help="open this game for review")
    p.set_defaults(handler=_lazy("gocnn.tui:cmd_play"))


# ---------------------------------------------------------------------- self-play (issue 8)
def _add_selfplay(sub) -> None:
    p = sub.add_parser("selfplay", help="games between nets, written as SGF")
    p.add_argument("--model", default=None)
    p.add_argument("--opponent", default=None)
    p.add_argument("--games", type=int, required=True)
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--size", type=int, default=19)
    p.add_argument("--komi", type=float, default=7.5)
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--random-opening", type=int, default=0, metavar="N")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--batch", type=int, default=64, help="games advanced together per forward pass")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_lazy("selfplay.games:cmd_selfplay"))

    p = sub.add_parser("rl", help="policy-gradient reinforcement from self-play")
    p.add_argument("--init", default=None, metavar="MODEL")
    p.add_argument("--out", required=True, metavar="RUN_DIR")
    p.add_argument("--iterations", type=int, default=10)
    p.add_argument("--games-per-iteration", type=int, default=128)
    p.add_argument("--pool-every", type=int, default=5)
    p.add_argument("--lr", type=float, default=1e-3,
                   help="SGD step on the summed REINFORCE loss; watch the KL column of metrics.csv "
                        "(0.07 per step at 1e-3 with 32 games from the shipped net; 3e-3 gave 0.77)")
    p.add_argument("--max-kl", type=float, default=0.1,
                   help="shorten a step that moves the policy further than this mean KL (0: never)")
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--threads", type=_THREADS, default=1, help="torch threads (0: torch's choice)")
    p.add_argument("--size", type=int, default=19)
    p.add_argument("--komi", type=float, default=7.5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_lazy("selfplay.rl:cmd_rl"))

    p = sub.add_parser("arena", help="win rate between two nets with a 95%% interval")
    p.add_argument("--a", required=True, metavar="M1")
    p.add_argument("--b", required=True, metavar="M2")
    p.add_argument("--games", type=int, default=100)
    p.add_argument("--size", type=int, default=19)
    p.add_argument("--komi", type=float, default=7.5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--temperature", type=float, default=1.0, help="both nets sample at this temperature")
    p.add_argument("--out", default=None, metavar="DIR", help="write every game there as SGF")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_lazy("selfplay.arena:cmd_arena"))


# ---------------------------------------------------------------------- bench
def _add_bench(sub) -> None:
    from gocnn.bench import BENCHES  # a dict: cheap
    p = sub.add_parser("bench", help="throughput and latency against a named peer, in the same run")
    p.add_argument("name", choices=list(BENCHES))
    p.add_argument("--games", type=_at_least(1), default=None,
                   help="games to take positions from (replay, features, infer, gtp, selfplay)")
    p.add_argument("--seconds", type=_between(0.01), default=None, help="rough budget of the timed rounds")
    p.add_argument("--threads", type=_at_least(1), default=None,
                   help="torch threads, ours and the peer alike (default 1; replay, features and "
                        "tui-startup run on one)")
    p.add_argument("--data", default=None, metavar="PATH",
                   help="SGF sources (replay, features, infer, gtp), a shard directory (train) or "
                        "the MNIST files (mnist)")
    p.add_argument("--model", default=None,
                   help="model file (infer, gtp, selfplay, tui-startup; default: the shipped net)")
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    p.set_defaults(handler=_bench)


def _bench(args) -> int:
    from gocnn.bench import BENCHES
    from gocnn.bench.harness import run_bench
    result = run_bench(args.name, BENCHES[args.name], games=args.games, seconds=args.seconds,
                       threads=args.threads, model=args.model, data=args.data)
    for line in result.lines:
        print(line)
    if args.json:
        emit_json(result.to_json())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gocnn",
        description="An AlphaGo-style policy CNN for Go: train on SGF archives, play in GUIs "
                    "(GTP) or the terminal, self-play.")
    from gocnn import __version__
    parser.add_argument("--version", action="version", version=f"gocnn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_engines(sub)
    _add_data(sub)
    _add_train(sub)
    _add_mnist(sub)
    _add_selfplay(sub)
    _add_bench(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from gocnn.errors import GocnnError
    try:
        code = args.handler(args)
    except GocnnError as exc:
        print(f"gocnn: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("gocnn: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
