"""``gocnn bench infer``: a move's worth of the net at batch 1 (``--model``, default the shipped
net) through :class:`gocnn.model.evaluator.Evaluator`, the one way the engine asks a net:
feature encoding, the forward pass (bf16 autocast where :func:`gocnn.util.default_amp` says),
masking and the softmax - against the bare forward of the same net, in the same number format,
on the ready planes.  Both run position by position in turn on real positions; ``rate`` is
1 / the median time, with the p95 beside it."""

from __future__ import annotations

from gocnn.bench.harness import BenchResult, Spec, measure
from gocnn.bench.sources import positions

SPEC = Spec(games=10, seconds=3.0, model=True, data=True)
PEER = "bare net forward (batch 1)"


def run(opts) -> BenchResult:
    import torch

    from gocnn import features
    from gocnn.model import resolve_model_path
    from gocnn.model.evaluator import Evaluator

    path = resolve_model_path(opts.model)
    ev = Evaluator.load(path)
    boards = positions(opts.data, opts.games, ev.config.board_size)
    items = [(b, torch.from_numpy(features.encode(b, ev.config.features)).float()[None]) for b in boards]

    def ours(item):
        ev.evaluate_one(item[0])

    def bare(item):
        with torch.inference_mode(), torch.autocast(ev.device.type, torch.bfloat16, enabled=ev.amp):
            ev.net(item[1])

    t = measure({"ours": ours, "bare": bare}, items, seconds=opts.seconds, warmup=1)
    ms, p95, bare_ms = t["ours"].ms(50), t["ours"].ms(95), t["bare"].ms(50)
    fmt = "bf16 autocast" if ev.amp else "fp32"
    return BenchResult(
        "infer", 1000 / ms, "moves/s", PEER, 1000 / bare_ms,
        extra={"model": str(path), "positions": len(boards), "amp": ev.amp, "ms_per_move": round(ms, 3),
               "p95_ms": round(p95, 3), "peer_ms": round(bare_ms, 3), "overhead": round(ms / bare_ms - 1, 3)},
        lines=[f"infer: {path.name}, {len(boards)} positions, {torch.get_num_threads()} thread(s), {fmt}",
               f"  evaluator (features, forward, mask, softmax) {ms:.2f} ms/move (p95 {p95:.2f} ms)",
               f"  bare forward                                 {bare_ms:.2f} ms",
               f"  overhead {ms / bare_ms - 1:.1%}"])
