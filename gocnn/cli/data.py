"""``gocnn data scan`` and ``gocnn data build``: SGF sources -> counts, training shards."""

from __future__ import annotations

from gocnn.cli.common import _lazy


# ---------------------------------------------------------------------- data (issues 2, 4)
def add_parsers(sub) -> None:
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
