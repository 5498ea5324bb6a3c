"""``gocnn bench NAME``: ours against a named peer in the same run (gocnn.bench)."""

from __future__ import annotations

from gocnn.cli.common import _at_least, _between, emit_json


# ---------------------------------------------------------------------- bench
def add_parsers(sub) -> None:
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
    p.set_defaults(handler=cmd_bench)


def cmd_bench(args) -> int:
    from gocnn.bench import BENCHES
    from gocnn.bench.harness import run_bench
    result = run_bench(args.name, BENCHES[args.name], games=args.games, seconds=args.seconds,
                       threads=args.threads, model=args.model, data=args.data)
    for line in result.lines:
        print(line)
    if args.json:
        emit_json(result.to_json())
    return 0
