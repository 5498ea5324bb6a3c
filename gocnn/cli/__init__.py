"""The ``gocnn`` command.

This package is the composition root and the only place that knows about argparse: one module
per command group (``data``, ``train`` with eval, ``mnist``, ``engines`` for gtp/analysis/match,
``play`` for the terminal UI, ``selfplay`` for selfplay/rl/arena, ``bench``) declares its
subcommands' arguments (cheap) and holds the handlers, which turn the parsed arguments into a
config or keyword arguments, call the domain function and print what it returns (text, or one
JSON object last with ``--json``).
Domain modules are imported only when their subcommand runs, so ``gocnn --help`` and
``gocnn gtp`` start fast.  Errors a user can cause (:class:`gocnn.errors.GocnnError`) become
one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import sys

from gocnn.cli import bench, data, engines, mnist, play, selfplay, train
from gocnn.cli.common import _THREADS, _Parser, _at_least, _between, _lazy, emit_json  # noqa: F401
from gocnn.cli.engines import _add_search  # noqa: F401  (kept importable from gocnn.cli)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gocnn",
        description="An AlphaGo-style policy CNN for Go: train on SGF archives, play in GUIs "
                    "(GTP) or the terminal, self-play.")
    from gocnn import __version__
    parser.add_argument("--version", action="version", version=f"gocnn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    engines.add_parsers(sub)
    play.add_parsers(sub)
    data.add_parsers(sub)
    train.add_parsers(sub)
    mnist.add_parsers(sub)
    selfplay.add_parsers(sub)
    bench.add_parsers(sub)
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
