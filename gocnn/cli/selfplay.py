"""``gocnn selfplay``, ``gocnn rl`` and ``gocnn arena``: argparse -> the selfplay package's
domain calls (loaded on first use) -> the report."""

from __future__ import annotations

from gocnn.cli.common import _THREADS, _at_least, add_board_options, config_from, emit_json


# ---------------------------------------------------------------------- self-play (issue 8)
def add_parsers(sub) -> None:
    p = sub.add_parser("selfplay", help="games between nets, written as SGF")
    p.add_argument("--model", default=None)
    p.add_argument("--opponent", default=None)
    p.add_argument("--games", type=int, required=True)
    p.add_argument("--out", required=True, metavar="DIR")
    add_board_options(p)
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--random-opening", type=int, default=0, metavar="N")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--batch", type=int, default=64, help="games advanced together per forward pass")
    p.add_argument("--visits", type=_at_least(1), default=1,
                   help="search simulations a move (1: the policy alone, games batched together)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_selfplay)

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
    add_board_options(p, seed=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_rl)

    p = sub.add_parser("arena", help="win rate between two nets with a 95%% interval")
    p.add_argument("--a", required=True, metavar="M1")
    p.add_argument("--b", required=True, metavar="M2")
    p.add_argument("--games", type=int, default=100)
    add_board_options(p, seed=True)
    p.add_argument("--temperature", type=float, default=1.0, help="both nets sample at this temperature")
    p.add_argument("--out", default=None, metavar="DIR", help="write every game there as SGF")
    p.add_argument("--visits", type=_at_least(1), default=1,
                   help="search simulations a move for both nets (1: the policy alone)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_arena)


def cmd_selfplay(args) -> int:
    """``gocnn selfplay``: the options -> :class:`selfplay.games.SelfplayConfig` -> the games."""
    import json
    from selfplay.games import SelfplayConfig, run_selfplay
    summary = run_selfplay(config_from(SelfplayConfig, args))
    if args.json:
        emit_json(summary)
    else:
        print(json.dumps(summary, indent=1))
    return 0


def cmd_rl(args) -> int:
    from gocnn.cli.train import print_result
    from selfplay.rl import RLConfig, rl
    print_result(args, rl(config_from(RLConfig, args), args.out))
    return 0


def cmd_arena(args) -> int:
    """``gocnn arena``: the options -> :class:`selfplay.arena.ArenaConfig` -> the win rate."""
    from selfplay.arena import ArenaConfig, run_arena
    res = run_arena(config_from(ArenaConfig, args))
    print(f"arena: {res['a']} won {res['wins_a']:g}/{res['games']} against {res['b']} = "
          f"{res['win_rate_a']:.1%} (95% interval {res['ci95'][0]:.1%} - {res['ci95'][1]:.1%})")
    if args.json:
        emit_json(res)
    return 0
