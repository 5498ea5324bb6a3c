"""``gocnn bench gtp``: what GTP and the play-well rules cost on top of the net.

Positions come from real 19x19 games (``--data``, default the repository's KGS sample), a
position every few moves from the opening to the end.  For each, the same run times

* ours: ``genmove`` through :meth:`gocnn.gtp.GtpEngine.handle` - parsing, feature encoding,
  the forward pass, legal masking, eye / self-atari / superko checks, the late-game playout
  estimate, the reply - and takes it back with ``undo``;
* the peer: the bare net forward on the already-encoded planes (batch of 1 or 8 symmetries).

It prints median and p95 milliseconds of both, and the overhead of ours over the forward
(the goal: at most 20%).  ``rate``/``peer_rate`` are per second; ``ratio`` = rate / peer_rate.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np


def _positions(data: str | None, limit: int, size: int = 19):
    from gocnn.sgf import Filters, read_games

    default = Path(__file__).resolve().parents[1] / "data" / "sgf" / "kgs-sample.tar.gz"
    source = data or (str(default) if default.exists() else None)
    boards = []
    if source:
        for rec in read_games([source], Filters(sizes=(size,), min_moves=100)):
            step = max(1, len(rec.moves) // 12)
            board = rec.board()
            for i, (color, point) in enumerate(rec.moves):
                if i % step == step // 2:
                    boards.append(board.copy())
                board.play(color, point)
            if len(boards) >= limit:
                break
    return boards[:limit]


def bench_gtp(args) -> int:
    import torch

    from gocnn.board import BLACK, Board
    from gocnn.cli import emit_json
    from gocnn.engine import PolicyPlayer, default_model_path
    from gocnn.features import apply_symmetry, encode
    from gocnn.gtp import GtpEngine
    from gocnn.scoring import warm_up

    threads = args.threads or 1
    model = args.model or (str(default_model_path()) if default_model_path().exists() else None)
    if model:
        player = PolicyPlayer(model, threads=threads, resign_threshold=1.0).load()
        label = Path(model).name
    else:  # no shipped net yet: a random-initialised net of the 'small' preset
        from gocnn.model import POLICY_PRESETS, build_policy

        cfg = POLICY_PRESETS["small"]
        torch.manual_seed(0)
        player = PolicyPlayer(net=build_policy(cfg), config=cfg, threads=threads,
                              resign_threshold=1.0).load()
        label = "random-init small (no shipped net yet)"
    warm_up()
    size = player.config.board_size
    positions = _positions(args.data, args.games or 120, size)
    if not positions:  # no games at hand: the engine's own moves from the empty board
        b = Board(size)
        for _ in range(120):
            positions.append(b.copy())
            m = player.genmove(b)
            b.play(b.to_move, m if m != "resign" else None)

    engine = GtpEngine(player)
    engine.handle(f"boardsize {size}")
    ours, bare = [], []
    net = player.net
    for rep in range(2):  # the first pass warms caches; only the second is counted
        for board in positions:
            engine.board = board.copy()
            color = "b" if board.to_move == BLACK else "w"
            x = torch.from_numpy(np.stack([np.ascontiguousarray(apply_symmetry(encode(board, player.features), k))
                                           for k in range(player.symmetries)])).float()
            t0 = time.perf_counter()
            with torch.inference_mode():
                net(x)
            t1 = time.perf_counter()
            reply = engine.handle(f"genmove {color}")
            t2 = time.perf_counter()
            assert reply.startswith("="), reply
            if rep:
                bare.append((t1 - t0) * 1000)
                ours.append((t2 - t1) * 1000)

    def stats(xs):
        return float(np.median(xs)), float(np.percentile(xs, 95))

    om, op = stats(ours)
    bm, bp = stats(bare)
    result = {
        "bench": "gtp", "model": label, "board_size": size, "positions": len(ours), "threads": threads,
        "genmove_ms_median": round(om, 3), "genmove_ms_p95": round(op, 3),
        "forward_ms_median": round(bm, 3), "forward_ms_p95": round(bp, 3),
        "overhead_median": round(om / bm - 1, 4), "overhead_p95": round(op / bp - 1, 4),
        "rate": round(1000 / om, 3), "unit": "genmoves/s", "peer": "bare net forward",
        "peer_rate": round(1000 / bm, 3), "ratio": round(bm / om, 4), "goal_overhead": 0.2,
    }
    if args.json:
        emit_json(result)
    else:
        print(f"model {label}, {size}x{size}, {len(ours)} positions, {threads} thread(s)")
        print(f"genmove (GTP, all rules): median {om:.2f} ms, p95 {op:.2f} ms")
        print(f"bare net forward:         median {bm:.2f} ms, p95 {bp:.2f} ms")
        print(f"overhead: {om / bm - 1:+.1%} median, {op / bp - 1:+.1%} p95 (goal: at most +20%)")
    return 0
