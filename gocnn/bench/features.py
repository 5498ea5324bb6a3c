"""``gocnn bench features``: feature planes per second per core, from SGF bytes to planes.

For each feature set, ours is the whole path the data pipeline takes: parse a game with
:mod:`gocnn.go.sgf` (sgfmill's parser plus our legal replay), then :func:`gocnn.features.encode_game`
(replay and planes in a numba kernel).  The yardstick, measured in the same run on the same
games, is sgfmill's bare parse and replay (no features at all).  Both run on one thread; the
times are CPU times of this process (so that other work on the machine disturbs them less), the
best of a few rounds taken in turn.  Rates count the positions encoded (moves, passes
excluded).  ``rate`` is the shipped net's set (basic20); every set is under ``sets``.
"""

from __future__ import annotations

from gocnn.bench.harness import BenchResult, Figure, Spec, measure
from gocnn.bench.replay import parse_replay_sgfmill
from gocnn.bench.sources import games_to_measure, records

SPEC = Spec(games=200, seconds=60.0, threaded=False, data=True)
# one KGS and one Tygem archive (KGS-2017_05 is held out for evaluation and never read here)
SHARED_ARCHIVES = ("KGS-2015-19-8133-.tar.gz", "tygem-9d-2016-07.tar.gz")
SETS = ("basic12", "basic20", "alphago48")
HEADLINE = "basic20"  # the shipped net's
PEER = "sgfmill parse+replay"


def encode_all(files: list[bytes], name: str) -> int:
    """SGF bytes -> planes for every position, as the data pipeline does it."""
    from gocnn.features import encode_game
    return sum(len(encode_game(rec, name)[1]) for rec in records(files) if rec.moves)


def run(opts) -> BenchResult:
    from gocnn.features import encode_game
    sources, files, recs = games_to_measure(opts.data, SHARED_ARCHIVES, opts.games, records)
    positions = sum(1 for r in recs for _, p in r.moves if p is not None)
    for name in SETS:  # compile (or load from numba's cache) before timing
        encode_game(next(r for r in recs if r.moves), name)
    def credited(fn, *args):  # every call counts the positions encoded, so rates compare directly
        return lambda: (fn(*args), positions)[1]

    fns = {"peer": credited(parse_replay_sgfmill, files)}
    fns.update({name: credited(encode_all, files, name) for name in SETS})
    t = measure(fns, seconds=opts.seconds, rounds=5)
    best = {name: t[name].rate("best", cpu=True) for name in fns}
    sets = {name: Figure(best[name], best["peer"]) for name in SETS}
    lines = [f"features: {len(recs)} games, {positions} positions ({', '.join(s.name for s in sources)}),"
             " one core, SGF bytes to planes",
             f"  {PEER:22s} {best['peer']:10,.0f} positions/s (yardstick)"]
    lines += [f"  {'gocnn ' + name:22s} {best[name]:10,.0f} positions/s  {sets[name].ratio:6.2f}x"
              for name in SETS]
    return BenchResult("features", best[HEADLINE], "positions/s", PEER, best["peer"], sets=sets,
                       extra={"features": HEADLINE, "games": len(recs), "positions": positions,
                              "data": [str(s) for s in sources]},
                       lines=lines)
