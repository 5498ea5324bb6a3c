"""``gocnn bench infer``: a move at batch 1 with the net (``--model``, default the shipped net):
feature encoding, the forward pass, masking and the softmax - what genmove pays for the net -
against the bare forward of the same net on the ready planes.  Both run position by position in
turn on real positions; ``rate`` is 1 / the median time, with the p95 beside it."""

from __future__ import annotations

from gocnn.bench.harness import BenchResult, Spec, measure
from gocnn.bench.sources import positions

SPEC = Spec(games=10, seconds=3.0, model=True, data=True)
PEER = "bare net forward (batch 1)"


def run(opts) -> BenchResult:
    import torch

    from gocnn import features
    from gocnn.engine import resolve_model_path
    from gocnn.model import for_inference, load_model

    path = resolve_model_path(opts.model)
    net, cfg, _ = load_model(path)
    for_inference(net)
    boards = positions(opts.data, opts.games, cfg.board_size)
    planes = {id(b): torch.from_numpy(features.encode(b, cfg.features)).float()[None] for b in boards}

    def ours(board):
        x = torch.from_numpy(features.encode(board, cfg.features)).float()[None]
        with torch.inference_mode():
            logits = net(x)[0]
            logits = logits.masked_fill(x[0, 2].reshape(-1) == 0, float("-inf"))
            torch.softmax(logits, 0).numpy()

    def bare(board):
        with torch.inference_mode():
            net(planes[id(board)])

    t = measure({"ours": ours, "bare": bare}, boards, seconds=opts.seconds, warmup=1)
    ms, p95, bare_ms = t["ours"].ms(50), t["ours"].ms(95), t["bare"].ms(50)
    return BenchResult(
        "infer", 1000 / ms, "moves/s", PEER, 1000 / bare_ms,
        extra={"model": str(path), "positions": len(boards), "ms_per_move": round(ms, 3),
               "p95_ms": round(p95, 3), "peer_ms": round(bare_ms, 3), "overhead": round(ms / bare_ms - 1, 3)},
        lines=[f"infer: {path.name}, {len(boards)} positions, {torch.get_num_threads()} thread(s)",
               f"  features + forward {ms:.2f} ms/move (p95 {p95:.2f} ms)",
               f"  bare forward       {bare_ms:.2f} ms", f"  overhead {ms / bare_ms - 1:.1%}"])
