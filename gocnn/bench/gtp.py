"""``gocnn bench gtp``: what GTP and the play-well rules cost on top of the net.

Positions come from real games (``--data``, default the repository's KGS sample), a dozen from
the opening to the end of each of ``--games`` games.  For each, in turn, the same run times

* ours: ``genmove`` through :meth:`gocnn.gtp.engine.GtpEngine.handle` with the policy alone (what
  ``gocnn gtp --visits 1`` plays; a search of N visits costs about N of these) - parsing,
  feature encoding, the forward pass, legal masking, eye / self-atari / superko checks, the
  late-game playout estimate, the reply;
* the peer: the bare net forward on the already-encoded planes (batch of 1 or 8 symmetries).

The first round warms caches and is not counted.  It prints median and p95 milliseconds of both,
and the overhead of ours over the forward (the goal: at most 20%).
"""

from __future__ import annotations

from pathlib import Path

from gocnn.bench.harness import BenchResult, Spec, measure
from gocnn.bench.sources import positions

SPEC = Spec(games=10, model=True, data=True)
GOAL_OVERHEAD = 0.2


def run(opts) -> BenchResult:
    import numpy as np
    import torch

    from gocnn.go.board import BLACK
    from gocnn.play.policy import PolicyPlayer
    from gocnn.features import apply_symmetry, encode
    from gocnn.gtp.engine import GtpEngine
    from gocnn.go.scoring import warm_up

    player = PolicyPlayer(opts.model, threads=opts.threads, resign_threshold=1.0).load()
    label = Path(player.model_path).name
    warm_up()
    size = player.config.board_size
    boards = positions(opts.data, opts.games, size)
    items = [(b, torch.from_numpy(np.stack([np.ascontiguousarray(apply_symmetry(encode(b, player.features), k))
                                            for k in range(player.symmetries)])).float())
             for b in boards]
    engine = GtpEngine(player)
    engine.handle(f"boardsize {size}")

    ev = player.evaluator

    def bare(item):  # the same net in the same number format (bf16 where the evaluator uses it)
        with torch.inference_mode(), torch.autocast(ev.device.type, torch.bfloat16, enabled=ev.amp):
            player.net(item[1])

    def genmove(item):
        engine.board = item[0]
        reply = engine.handle(f"genmove {'b' if item[0].to_move == BLACK else 'w'}")
        if not reply.startswith("="):
            raise RuntimeError(f"genmove failed: {reply}")

    # every call gets a fresh copy of the position, made off the clock
    t = measure({"bare": bare, "ours": genmove}, items, seconds=opts.seconds, warmup=1,
                setup=lambda item: (item[0].copy(), item[1]))
    om, op = t["ours"].ms(50), t["ours"].ms(95)
    bm, bp = t["bare"].ms(50), t["bare"].ms(95)
    return BenchResult(
        "gtp", 1000 / om, "genmoves/s", "bare net forward", 1000 / bm,
        extra={"model": label, "board_size": size, "positions": len(boards), "visits": 1,
               "rounds": len(t["ours"].wall) // len(boards),
               "genmove_ms_median": round(om, 3), "genmove_ms_p95": round(op, 3),
               "forward_ms_median": round(bm, 3), "forward_ms_p95": round(bp, 3),
               "overhead_median": round(om / bm - 1, 4), "overhead_p95": round(op / bp - 1, 4),
               "goal_overhead": GOAL_OVERHEAD},
        lines=[f"model {label}, {size}x{size}, {len(boards)} positions, {opts.threads} thread(s)",
               f"genmove (GTP, all rules): median {om:.2f} ms, p95 {op:.2f} ms",
               f"bare net forward:         median {bm:.2f} ms, p95 {bp:.2f} ms",
               f"overhead: {om / bm - 1:+.1%} median, {op / bp - 1:+.1%} p95 "
               f"(goal: at most {GOAL_OVERHEAD:+.0%})"])
