"""``gocnn bench selfplay``: moves/s of the batched self-play runner
(:func:`gocnn.play.game.play_games`, all ``--games`` games in flight, one forward pass per step)
against the same games played one at a time (batch 1), in the same run, the first 80 moves of
each game.

It also times the bare forward pass (the Evaluator's net, ``Net.evaluator.net``) at batch N and
at batch 1 on the same positions, in turn, for ``--seconds``: ``forward_ratio`` is the most
batching can give on this machine, whatever the runner around the net does.
"""

from __future__ import annotations

import random

from gocnn.bench.harness import BenchResult, Figure, Spec, measure

SPEC = Spec(games=16, seconds=3.0, model=True)
MOVES = 80  # moves of each game measured (the opening and middle game; the rest costs alike)


def forward_planes(net, count: int):
    """``count`` positions of 10-60 random legal moves, encoded for ``net``."""
    import numpy as np

    from gocnn.go.board import Board
    from gocnn.features import encode

    rng = random.Random(0)
    size = net.config.board_size
    planes = []
    for _ in range(count):
        b = Board(size)
        for _ in range(rng.randrange(10, 60)):
            legal = b.legal_moves(b.to_move)
            if legal:
                b.play(b.to_move, rng.choice(legal))
        planes.append(encode(b, net.config.features))
    return np.stack(planes)


def run(opts) -> BenchResult:
    import torch

    from gocnn.go.scoring import warm_up
    from gocnn.play.game import Net, play_games, specs_for

    net = Net.load(opts.model)
    size, games = net.config.board_size, opts.games
    specs = specs_for(range(games), 0, False)

    def play(batch: int) -> int:
        res = play_games([net], specs, size=size, batch=batch, temperature=1.0, max_moves=MOVES)
        return sum(len(r.moves) for r in res)

    warm_up()
    play_games([net], specs[:1], size=size, batch=1, max_moves=4)  # numba caches, torch warm-up
    t = measure({"batched": lambda: play(games), "batch1": lambda: play(1)})
    rate, peer_rate = t["batched"].rate(), t["batch1"].rate()
    moves, peer_moves = int(t["batched"].units[0]), int(t["batch1"].units[0])

    stack = torch.from_numpy(forward_planes(net, games)).float()
    ev = net.evaluator

    def forward(x) -> int:
        with torch.inference_mode(), torch.autocast(ev.device.type, torch.bfloat16, enabled=ev.amp):
            ev.net(x)
        return len(x)

    f = measure({"batched": lambda: forward(stack),
                 "batch1": lambda: sum(forward(stack[i:i + 1]) for i in range(games))},
                seconds=opts.seconds, warmup=1)
    fwd_b, fwd_1 = f["batched"].rate(), f["batch1"].rate()
    return BenchResult(
        "selfplay", rate, "moves/s", "same games at batch 1", peer_rate,
        sets={"forward": Figure(fwd_b, fwd_1, "positions/s", f"bare forward at batch 1 (ours: batch {games})")},
        extra={"games": games, "batch": games, "moves": moves, "peer_moves": peer_moves, "net": net.name,
               "board_size": size, "moves_per_game": MOVES, "forward_batched": round(fwd_b, 1),
               "forward_batch1": round(fwd_1, 1), "forward_ratio": round(fwd_b / fwd_1, 3)},
        lines=[f"selfplay {games} games on {size}x{size} (first {MOVES} moves), net {net.name}, "
               f"{torch.get_num_threads()} thread(s)",
               f"  batched (batch {games}): {moves} moves in {t['batched'].wall[0]:.1f} s = {rate:.1f} moves/s",
               f"  batch 1:              {peer_moves} moves in {t['batch1'].wall[0]:.1f} s = {peer_rate:.1f} moves/s",
               f"  ratio {rate / peer_rate:.2f}x",
               f"  the net's forward pass alone: {fwd_b:.1f} positions/s at batch {games}, "
               f"{fwd_1:.1f} at batch 1: the most batching can give here is {fwd_b / fwd_1:.2f}x"])
