"""``gocnn bench features``: feature planes per second per core, from SGF bytes to planes.

For each feature set, ours is the whole path the data pipeline takes: parse a game with
:mod:`gocnn.sgf` (sgfmill's parser plus our legal replay), then :func:`gocnn.features.encode_game`
(replay and planes in a numba kernel).  The yardstick, measured in the same run on the same
games, is sgfmill's bare parse and replay: ``sgf.Sgf_game.from_bytes`` and ``boards.Board.play``
for every move, no features at all.  Both run on one thread; the times are CPU times of this
process (so that other work on the machine disturbs them less), the best of a few rounds taken
in turn.  Rates count the positions encoded (moves, passes excluded).
"""

from __future__ import annotations

import time
from pathlib import Path

from gocnn.bench import REPO, SAMPLES, _files_per_source, _parse_replay_sgfmill, report

SHARED_SGF = REPO.parent / "shared" / "data" / "sgf"
# one KGS and one Tygem archive (KGS-2017_05 is held out for evaluation and never read here)
SHARED_ARCHIVES = ("KGS-2015-19-8133-.tar.gz", "tygem-9d-2016-07.tar.gz")
SETS = ("basic12", "basic20", "alphago48")


def default_sources() -> list[Path]:
    shared = [SHARED_SGF / name for name in SHARED_ARCHIVES]
    return shared if all(p.is_file() for p in shared) else [SAMPLES]


def _records(files: list[bytes]):
    from gocnn import sgf
    recs = []
    for data in files:
        try:
            recs.extend(r for r in sgf.parse_games(data) if not isinstance(r, sgf.SgfError))
        except sgf.SgfError:
            pass
    return recs


def _ours(files: list[bytes], name: str) -> int:
    """SGF bytes -> planes for every position, as the data pipeline does it."""
    from gocnn import sgf
    from gocnn.features import encode_game
    n = 0
    for data in files:
        try:
            for rec in sgf.parse_games(data):
                if not isinstance(rec, sgf.SgfError) and rec.moves:
                    n += len(encode_game(rec, name)[1])
        except sgf.SgfError:
            pass
    return n


def _cpu_time(fn) -> float:
    t = time.process_time()
    fn()
    return time.process_time() - t


def bench_features(args) -> int:
    from gocnn.errors import GocnnError
    from gocnn.features import encode_game
    games_wanted = args.games or 200
    sources = [Path(args.data)] if args.data else default_sources()
    budget = args.seconds or 60.0
    files = _files_per_source(sources, games_wanted)
    recs = _records(files)
    if not recs:
        raise GocnnError(f"no games to measure in {', '.join(map(str, sources))}")
    positions = sum(1 for r in recs for _, p in r.moves if p is not None)
    for name in SETS:  # compile (or load from numba's cache) before timing
        encode_game(next(r for r in recs if r.moves), name)
    best = {name: float("inf") for name in ("peer", *SETS)}
    start = time.perf_counter()
    for i in range(5):  # in turn, so that load from elsewhere hits each alike
        best["peer"] = min(best["peer"], _cpu_time(lambda: _parse_replay_sgfmill(files)))
        for name in SETS:
            best[name] = min(best[name], _cpu_time(lambda: _ours(files, name)))
        if i and time.perf_counter() - start > budget:
            break
    peer_rate = positions / best["peer"]
    sets = {name: {"rate": round(positions / best[name]), "ratio": round(best["peer"] / best[name], 3)}
            for name in SETS}
    result = {"bench": "features", "unit": "positions/s", "peer": "sgfmill parse+replay",
              "peer_rate": round(peer_rate), "sets": sets, "games": len(recs), "positions": positions,
              "data": [str(s) for s in sources], "threads": 1}
    lines = [f"features: {len(recs)} games, {positions} positions ({', '.join(s.name for s in sources)}),"
             " one core, SGF bytes to planes",
             f"  {'sgfmill parse+replay':22s} {peer_rate:10,.0f} positions/s (yardstick)"]
    for name in SETS:
        lines.append(f"  {'gocnn ' + name:22s} {sets[name]['rate']:10,.0f} positions/s  {sets[name]['ratio']:6.2f}x")
    return report(args, lines, result)
