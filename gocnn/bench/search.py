"""``gocnn bench search``: the tree search's visits per second against the bare batched forward
pass of the same net at the same batch (the most any search could reach: every visit needs one
net evaluation), in the same run, and how the search scales from 1 to 2 torch threads.

Ours: a fresh :class:`gocnn.play.search.Search` (``batch`` leaves per net call, the default 8,
the default mix of value net and leaf playouts) runs ``VISITS`` simulations from each of a few
real positions; ``rate`` is visits / second over all of them.  The peer: the same net's forward
pass on ready planes of those positions, ``batch`` at a time, in the same number format (bf16
autocast where :func:`gocnn.util.default_amp` says), ``VISITS`` positions a call like a search,
the two called in turn so that load from elsewhere on the machine hits both alike.  ``ratio`` =
ours / peer (the issue's goal: at least 0.7; with the default mix every leaf also plays
``leaf_playouts`` random games, which on 19x19 cost more than its share of the forward pass).
Before each thread count is timed, one short search and one forward pass run off the clock
(numba's cache, oneDNN's kernels for the batch shapes).

``sets.threads_1`` and ``sets.threads_2``: ours against the bare forward at 1 and 2 threads, with
``scaling`` (ours over ours at 1 thread).  The search spends its threads as the search player
does (:func:`gocnn.play.search.thread_plan`): at 2 threads with the default mix it pipelines
(the net on one thread, the tree and the playouts on the other), while the peer runs the net
on both.  ``threads_2_unpipelined_rate`` is the same search with both threads on the net and no
pipeline, and ``pipeline_gain`` ours at 2 threads over it.  ``value_only_rate`` / ``value_only_ratio``: the same
search with ``mix=0`` (the net's value alone, no leaf playouts) at ``--threads``: what the tree
bookkeeping costs beside the net, without the playouts the default mix adds to every leaf.
``cpu_ratio`` (top level, per set, ``value_only_cpu_ratio``): the same ratios by the process's
CPU seconds instead of wall-clock ones, steadier on a machine shared with other work (at 2
threads it counts torch's spinning threads and the playout thread too).
"""

from __future__ import annotations

import dataclasses

from gocnn.bench.harness import BenchResult, Figure, Spec, measure
from gocnn.bench.sources import positions

SPEC = Spec(games=4, seconds=6.0, model=True, data=True)
PEER = "bare batched forward (same batch)"
VISITS = 200


def run(opts) -> BenchResult:
    import numpy as np
    import torch

    from gocnn import features
    from gocnn.model import resolve_model_path
    from gocnn.model.evaluator import Evaluator
    from gocnn.play.search import Search, SearchConfig, thread_plan

    path = resolve_model_path(opts.model)
    ev = Evaluator.load(path)
    cfg = SearchConfig(visits=VISITS)
    boards = positions(opts.data, opts.games, ev.config.board_size, per_game=2)
    planes = np.stack([features.encode(b, ev.config.features) for b in boards])
    batches = [torch.from_numpy(planes[i:i + cfg.batch]).float() for i in range(0, len(planes), cfg.batch)]
    batches = [b for b in batches if len(b) == cfg.batch] or [torch.from_numpy(planes[:1]).float()]
    komi = torch.zeros(len(batches[0]))

    def search(config, threads=1, plan=True):  # threads: the search's, spent as the player spends them
        torch_threads, pipeline = thread_plan(threads, config.leaf_mix(ev.has_value))
        if not plan:  # every thread to the net, the tree in between (no pipeline)
            torch_threads, pipeline = threads, False
        config = dataclasses.replace(config, pipeline=pipeline)

        def ours(board):
            torch.set_num_threads(torch_threads)
            try:
                Search(ev, config).run(board)
            finally:
                torch.set_num_threads(threads)
            return config.visits
        return ours

    def bare(_board):  # as many positions as a search evaluates, so that both face the same load
        heads = ev.has_value or ev.has_ownership
        calls = max(1, VISITS // len(batches[0]))
        with torch.inference_mode(), torch.autocast(ev.device.type, torch.bfloat16, enabled=ev.amp):
            for i in range(calls):
                x = batches[i % len(batches)]
                ev.net(x, komi, heads=True) if heads else ev.net(x)
        return calls * len(batches[0])

    def timed(fns, threads):
        torch.set_num_threads(threads)
        warm = SearchConfig(visits=2 * cfg.batch)
        for fn in (search(warm, threads), search(dataclasses.replace(warm, mix=0.0), threads), bare):
            fn(boards[0])
        return measure(fns, boards, seconds=opts.seconds / 3, warmup=0)

    def rates_of(t):  # (ours, bare, CPU-time ratio)
        return t["ours"].rate(), t["bare"].rate(), t["ours"].rate(cpu=True) / t["bare"].rate(cpu=True)

    rates = {threads: rates_of(timed({"ours": search(cfg, threads), "bare": bare}, threads))
             for threads in sorted({opts.threads, 1, 2})}
    unpiped = timed({"ours": search(cfg, 2, plan=False), "bare": bare}, 2)["ours"].rate()
    value_only = rates_of(timed({"ours": search(dataclasses.replace(cfg, mix=0.0), opts.threads), "bare": bare},
                                opts.threads))
    torch.set_num_threads(opts.threads)
    return _result(path, ev, cfg, boards, rates, value_only, opts.threads, unpiped)


def _result(path, ev, cfg, boards, rates, value_only, threads, unpiped) -> BenchResult:
    rate, peer_rate, _ = rates[threads]
    sets = {f"threads_{n}": Figure(r[0], r[1], "visits/s", PEER,
                                   extra={"scaling": round(r[0] / rates[1][0], 3), "cpu_ratio": round(r[2], 3)})
            for n, r in rates.items()}
    fmt = "bf16 autocast" if ev.amp else "fp32"
    return BenchResult(
        "search", rate, "visits/s", PEER, peer_rate, sets=sets,
        extra={"model": str(path), "positions": len(boards), "visits": VISITS, "batch": cfg.batch,
               "amp": ev.amp, "scaling_1_to_2_threads": round(rates[2][0] / rates[1][0], 3),
               "cpu_ratio": round(rates[threads][2], 3), "value_only_rate": round(value_only[0], 1),
               "value_only_ratio": round(value_only[0] / value_only[1], 3),
               "value_only_cpu_ratio": round(value_only[2], 3),
               "threads_2_unpipelined_rate": round(unpiped, 1),
               "pipeline_gain": round(rates[2][0] / unpiped, 3)},
        lines=[f"search: {path.name}, {len(boards)} positions, {VISITS} visits each, batch {cfg.batch}, {fmt}"]
              + [f"  {n} thread(s): search {r[0]:.0f} visits/s, bare forward {r[1]:.0f} positions/s "
                 f"(ratio {r[0] / r[1]:.2f}, by CPU time {r[2]:.2f})" for n, r in sorted(rates.items())]
              + [f"  2 threads without the pipeline (the net on both, the tree in between): {unpiped:.0f} "
                 f"visits/s (the pipeline {rates[2][0] / unpiped:.2f}x)"]
              + [f"  value net alone (mix 0), {threads} thread(s): search {value_only[0]:.0f} visits/s, "
                 f"bare forward {value_only[1]:.0f} positions/s (ratio {value_only[0] / value_only[1]:.2f}, "
                 f"by CPU time {value_only[2]:.2f})"])
