"""The engines: ``gocnn gtp`` (GTP on stdin/stdout), ``gocnn analysis`` (KataGo's JSON analysis
protocol) and ``gocnn match`` (a referee between two GTP engines); the search options they
share.  ``gocnn play`` (the Textual UI) has a module of its own, :mod:`gocnn.cli.play`."""

from __future__ import annotations

import sys

from gocnn.cli.common import _at_least, _between, add_board_options, add_net_options, config_from, report


# ---------------------------------------------------------------------- engines (issues 6, 7)
def _add_search(p) -> None:
    """The search options, the same for every command that plays with search."""
    p.add_argument("--visits", type=_at_least(1), default=400,
                   help="search simulations a move (1: the policy alone, one forward pass)")
    p.add_argument("--time", type=_between(0.01), default=None, metavar="SECONDS",
                   help="at most this long a move (GTP time_settings/time_left also bound it)")
    p.add_argument("--mix", type=_between(0, 1), default=None,
                   help="weight of random playouts in a leaf's value (default: 0.5 with a value head, "
                        "1 for a net without one)")
    p.add_argument("--batch", type=_at_least(1), default=8, help="leaves a net call")
    p.add_argument("--seed", type=int, default=None, help="search seed (default 0; same seed, same moves)")
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1, ... (where the net runs)")


def add_parsers(sub) -> None:
    p = sub.add_parser("gtp", help="GTP engine on stdin/stdout (Sabaki, GoGui, Lizzie, q5Go, KGS)")
    add_net_options(p)
    p.add_argument("--temperature", type=_between(0), default=0.0,
                   help="0: the net's favourite move; above 0: sample, for variety")
    p.add_argument("--resign", type=_between(0, 1), default=0.95,
                   help="resign when the estimated chance of losing exceeds this (1: never)")
    p.add_argument("--log", default=None, metavar="FILE", help="log every command and reply here")
    p.add_argument("--random", action="store_true", help="a random player instead of the net")
    _add_search(p)
    p.set_defaults(handler=cmd_gtp)

    p = sub.add_parser("analysis", help="KataGo's JSON analysis protocol on stdin/stdout (KaTrain, scripts)")
    add_net_options(p)
    _add_search(p)
    p.set_defaults(handler=cmd_analysis)

    p = sub.add_parser("match", help="referee games between two GTP engines")
    p.add_argument("--black", required=True, metavar="CMD")
    p.add_argument("--white", required=True, metavar="CMD")
    p.add_argument("--games", type=int, default=1)
    add_board_options(p)
    p.add_argument("--alternate", action="store_true", help="swap colours every game")
    p.add_argument("--max-moves", type=int, default=None, help="move cap (default: 3 x points)")
    p.add_argument("--move-time", type=float, default=60.0, help="seconds allowed per move")
    p.add_argument("--scorer", default=None, metavar="CMD", help="GTP engine that scores (final_score)")
    p.add_argument("--out", default=None, metavar="DIR", help="write each game as SGF here")
    p.add_argument("--handicap", type=int, default=0, metavar="STONES",
                   help="Black starts with this many stones on the fixed points (2-9)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_match)

    p = sub.add_parser("strength", help="a strength curve: the net at several visit counts "
                                         "against GNU Go (or any GTP engine) and each other")
    p.add_argument("--visits", type=_visit_list, default=(1, 100, 400, 1600),
                   help="increasing visit counts, comma-separated (default 1,100,400,1600)")
    p.add_argument("--opponent", default=None, metavar="CMD",
                   help="the GTP engine to play (default: GNU Go level 10)")
    p.add_argument("--games", type=_at_least(0), default=10, help="games of each count against the opponent")
    p.add_argument("--pair-games", type=_at_least(0), default=10,
                   help="games of each count against the count below it")
    add_board_options(p)
    p.add_argument("--model", default=None, help="model file (default: the shipped net)")
    p.add_argument("--threads", type=_at_least(1), default=1, help="torch threads for each net")
    p.add_argument("--mix", type=_between(0, 1), default=None, help="as for gocnn gtp")
    p.add_argument("--move-time", type=float, default=120.0, help="seconds allowed per move")
    p.add_argument("--out", default=None, metavar="DIR", help="strength.json, strength.png and the games")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_strength, size=9)


def _visit_list(text: str) -> tuple[int, ...]:
    import argparse
    try:
        return tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of visit counts: {text!r}") from None


def cmd_gtp(args) -> int:
    """``gocnn gtp``: the options -> :class:`gocnn.gtp.engine.GtpConfig` -> the server."""
    from gocnn.gtp.engine import GtpConfig, run_gtp
    return run_gtp(config_from(GtpConfig, args))


def cmd_analysis(args) -> int:
    """``gocnn analysis``: the options -> :class:`gocnn.gtp.analysis.AnalysisConfig` -> the server.
    stdout carries only the protocol's JSON: anything else printed goes to stderr."""
    from gocnn.gtp.analysis import AnalysisConfig, run_analysis
    out, sys.stdout = sys.stdout, sys.stderr
    try:
        return run_analysis(config_from(AnalysisConfig, args), stdout=out.buffer)
    finally:
        sys.stdout = out


def cmd_match(args) -> int:
    """``gocnn match``: the options -> :class:`gocnn.gtp.match.MatchConfig` -> the referee; each
    game's result as it ends (stderr with --json), then the summary."""
    from dataclasses import asdict

    from gocnn.gtp.match import MatchConfig, run_match

    def progress(r) -> None:
        extra = f" (engines: {', '.join(f'{k} {v}' for k, v in r.engine_scores.items())})" if r.engine_scores else ""
        print(f"game {r.number}: A={'black' if r.black == 'A' else 'white'} {r.result} "
              f"after {r.moves} moves, {r.reason}{extra}{' - disputed' if r.disputed else ''}",
              file=sys.stderr if args.json else sys.stdout,
              flush=True)

    cfg = config_from(MatchConfig, args)
    results, summary = run_match(cfg, progress=progress)
    summary.update({"size": cfg.size, "komi": cfg.komi, "handicap": cfg.handicap,
                    "games_detail": [asdict(r) for r in results]})
    return report(args, summary, _print_match)


def _print_match(summary: dict) -> None:
    disputed = summary.get("disputed", 0)
    print(f"{summary['games']} games, {summary['decided']} decided"
          + (f", {disputed} disputed (the engines' counts name different winners)" if disputed else ""))
    for label, e in summary["engines"].items():
        rate = "-" if e["win_rate"] is None else f"{e['win_rate']:.1%}"
        spm = "-" if e["sec_per_move"] is None else f"{e['sec_per_move']:.3f}"
        of_them = f" ({e['disputed_wins']} of them disputed)" if e.get("disputed_wins") else ""
        print(f"{label}: {e['name']}: {e['wins']:g} wins{of_them}, win rate {rate} "
              f"(95% CI {e['ci95'][0]:.1%}-{e['ci95'][1]:.1%}), {spm} s/move")


def cmd_strength(args) -> int:
    """``gocnn strength``: each match's row as it ends (stderr with --json), then the table."""
    from gocnn.gtp.strength import DEFAULT_OPPONENT, StrengthConfig, run_strength, table

    cfg = config_from(StrengthConfig, args, opponent=args.opponent or DEFAULT_OPPONENT)

    def progress(r) -> None:
        print(f"{r['visits']} visits vs {r['against']}: {r['wins']:g}/{r['decided']} "
              f"({r['results']})", file=sys.stderr if args.json else sys.stdout, flush=True)

    result = run_strength(cfg, progress=progress)
    return report(args, result, lambda res: print(table(res["rows"])))
