"""``gocnn play``: the Textual UI.  The options -> :class:`gocnn.tui.PlayConfig` ->
:func:`gocnn.tui.run_play` (checks them, a bad one is one line and exit 2 before the UI
starts, then runs the app) -> the exit code."""

from __future__ import annotations

from gocnn.cli.common import _at_least, config_from


def add_parsers(sub) -> None:
    p = sub.add_parser("play", help="play against the net in the terminal (Textual UI)")
    p.add_argument("--model", default=None, metavar="FILE",
                   help="the net (default: the shipped one); a bad file is an error (exit 2)")
    p.add_argument("--size", type=int, default=19)
    p.add_argument("--color", choices=["black", "white", "random"], default="black")
    p.add_argument("--handicap", type=int, default=0)
    p.add_argument("--komi", type=float, default=None)
    p.add_argument("--time", type=float, default=None, metavar="MIN", help="main time per side")
    p.add_argument("--sgf", default=None, metavar="FILE", help="open this game for review")
    p.add_argument("--visits", type=_at_least(1), default=None,
                   help="search simulations a move (default 200; 1: the policy alone); + and - change it")
    p.add_argument("--random", action="store_true", help="a random player instead of the net")
    p.set_defaults(handler=cmd_play)


def cmd_play(args) -> int:
    """``gocnn play``: the options -> the config -> the UI (textual loads only now)."""
    from gocnn.tui import PlayConfig, run_play
    return run_play(config_from(PlayConfig, args))
