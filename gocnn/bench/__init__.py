"""``gocnn bench NAME``: ours against a named peer or limit, measured in the same run.

One harness (:mod:`gocnn.bench.harness`: options, the timer, percentiles, :class:`BenchResult`)
and a module per bench, each with a ``SPEC`` and ``run(opts) -> BenchResult``.  Peers that are
programs of their own live in :mod:`gocnn.bench.peers`.  Importing this package is cheap (the
CLI reads :data:`BENCHES` to list the names).
"""

from __future__ import annotations

BENCHES = {
    "replay": "gocnn.bench.replay",
    "features": "gocnn.bench.features",
    "train": "gocnn.bench.train",
    "infer": "gocnn.bench.infer",
    "gtp": "gocnn.bench.gtp",
    "selfplay": "gocnn.bench.selfplay",
    "mnist": "gocnn.bench.mnist",
    "tui-startup": "gocnn.bench.tui_startup",
    "search": "gocnn.bench.search",
}
