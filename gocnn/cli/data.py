"""``gocnn data scan`` and ``gocnn data build``: SGF sources -> counts, training shards."""

from __future__ import annotations

import os
import sys

from gocnn.cli.common import report


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
    q.set_defaults(handler=cmd_scan)

    q = dsub.add_parser("build", help="write training shards (move sequences) from SGF sources")
    q.add_argument("paths", nargs="+", metavar="PATH")
    q.add_argument("--out", required=True, help="output directory (a rerun resumes)")
    q.add_argument("--features", default="basic20", help="feature set recorded for training")
    q.add_argument("--val-fraction", type=float, default=0.01)
    q.add_argument("--workers", type=int, default=0, help="worker processes (default: cores)")
    q.add_argument("--games-per-shard", type=int, default=2000)
    _filters(q)
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=cmd_build)


def _filters(args):
    """The filter options -> ``gocnn.go.sgf.Filters``; a rank that is not one is a GocnnError."""
    from gocnn.go import sgf
    from gocnn.errors import GocnnError
    if args.min_rank and sgf.rank_value(args.min_rank) is None:
        raise GocnnError(f"not a rank: {args.min_rank!r} (use e.g. 5k, 6d, 1p)")
    return sgf.Filters(sizes=tuple(args.sizes) if args.sizes else None, min_moves=args.min_moves,
                       min_rank=args.min_rank, require_result=args.require_result,
                       no_handicap=args.no_handicap)


def _workers(n: int) -> int:
    """``--workers``: 0 (or less) means one a core."""
    return n if n and n > 0 else (os.cpu_count() or 1)


def cmd_scan(args) -> int:
    from gocnn.data import scan
    result = scan(args.paths, _filters(args), workers=_workers(0), dedupe=not args.keep_duplicates)
    return report(args, result, lambda r: _print_counts(r, f"  ({r['games_per_second']} games/s)"))


def cmd_build(args) -> int:
    from gocnn.data import build, validation_warning
    from gocnn.errors import GocnnError
    if not 0 <= args.val_fraction < 1:
        raise GocnnError("--val-fraction must be in [0, 1)")
    try:
        manifest = build(args.paths, args.out, features=args.features, val_fraction=args.val_fraction,
                         workers=_workers(args.workers), filters=_filters(args),
                         dedupe=not args.keep_duplicates, members_per_unit=args.games_per_shard)
    except ValueError as exc:
        raise GocnnError(str(exc)) from None
    warning = validation_warning(manifest["val"]["games"], manifest["games"], args.val_fraction)
    if warning:
        print(f"gocnn: warning: {warning}", file=sys.stderr)

    def text(m: dict) -> None:
        _print_counts(m)
        for split in ("train", "val"):
            print(f"{split:10s} {m[split]['games']} games, {m[split]['positions']} positions")
        print(f"shards     {args.out}")

    result = {k: v for k, v in manifest.items() if k != "shards"} | {"warnings": [warning] if warning else []}
    return report(args, result, lambda _: text(manifest))


def _print_counts(counts: dict, rate: str = "") -> None:
    """The text report of ``scan`` and ``build``: what was read, by size, and what was skipped."""
    from gocnn.data import print_skipped
    sizes = ", ".join(f"{s}x{s}: {n}" for s, n in sorted(counts["sizes"].items(), key=lambda kv: -int(kv[0])))
    print(f"files      {counts['files']}")
    print(f"games      {counts['games']}{rate}")
    print(f"positions  {counts['positions']}")
    print(f"duplicates {counts['duplicates']}")
    print(f"truncated  {counts['truncated']} (kept up to an illegal move)")
    print(f"sizes      {sizes or 'none'}")
    print_skipped(counts["skipped"])
