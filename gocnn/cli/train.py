"""``gocnn train`` and ``gocnn eval``: argparse -> the domain calls of :mod:`gocnn.train` (loaded
on first use) -> the report."""

from __future__ import annotations

from gocnn.cli.common import _THREADS, config_from, emit_json


# ---------------------------------------------------------------------- train / eval (issue 5)
def add_parsers(sub) -> None:
    p = sub.add_parser("train", help="train a policy net from shards or SGF sources")
    p.add_argument("--data", nargs="+", required=True, metavar="PATH",
                   help="a shard directory from 'gocnn data build', or SGF sources")
    p.add_argument("--out", required=True, metavar="RUN_DIR")
    p.add_argument("--preset", default=None,
                   help="net preset (default: small; with --init, a preset with heads the init net "
                        "lacks starts from its trunk, e.g. --init v5.safetensors --preset pv-small)")
    p.add_argument("--features", default=None, help="feature set (default: the preset's)")
    p.add_argument("--steps", type=int, default=None)
    p.add_argument("--epochs", type=float, default=None)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--schedule", choices=["cosine", "constant", "step"], default="cosine")
    p.add_argument("--warmup", type=int, default=200, help="warm-up steps")
    p.add_argument("--eval-every", type=int, default=1000)
    p.add_argument("--eval-positions", type=int, default=20000)
    p.add_argument("--checkpoint-every", type=int, default=500)
    p.add_argument("--workers", type=int, default=1, help="data loader processes")
    p.add_argument("--threads", type=_THREADS, default=0, help="torch threads (0: torch's choice)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto")
    p.add_argument("--amp", choices=["auto", "on", "off"], default="auto",
                   help="bf16 autocast (auto: on for GPUs and for CPUs with native bf16)")
    p.add_argument("--value-weight", type=float, default=0.5, help="weight of the value loss")
    p.add_argument("--ownership-weight", type=float, default=1.0, help="weight of the ownership loss")
    p.add_argument("--compile", action="store_true", help="torch.compile the net")
    p.add_argument("--resume", action="store_true", help="continue the run in RUN_DIR")
    p.add_argument("--init", default=None, metavar="MODEL", help="start from these weights")
    p.add_argument("--max-seconds", type=float, default=None,
                   help="stop (with a checkpoint) after this long; --resume continues")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_train)

    p = sub.add_parser("eval", help="move-prediction accuracy of a net on SGF games")
    p.add_argument("--model", default=None, help="model file (default: the shipped net)")
    p.add_argument("--sgf", nargs="+", required=True, metavar="PATH")
    p.add_argument("--symmetries", type=int, choices=[1, 8], default=1)
    p.add_argument("--max-games", type=int, default=None)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--threads", type=_THREADS, default=0, help="torch threads (0: torch's choice)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_eval)


def print_result(args, result: dict) -> None:
    """A run's summary, printed once (by rank 0 under torchrun): JSON last line with --json."""
    import json
    import os
    if int(os.environ.get("RANK", "0")) != 0:
        return
    if args.json:
        emit_json(result)
    else:
        print(json.dumps(result, indent=1))


def cmd_train(args) -> int:
    from gocnn.train import TrainConfig, train
    print_result(args, train(config_from(TrainConfig, args), args.out, resume=args.resume))
    return 0


def cmd_eval(args) -> int:
    """``gocnn eval``: the options -> :class:`gocnn.train.evaluate.EvalConfig` -> the report."""
    from gocnn.data import print_skipped
    from gocnn.train import EvalConfig, evaluate_sgf
    result = evaluate_sgf(config_from(EvalConfig, args))
    if args.json:
        emit_json(result)
        return 0
    print(f"{result['games']} games, {result['positions']} positions, {args.symmetries} symmetr"
          f"{'y' if args.symmetries == 1 else 'ies'}: top-1 {result['top1']:.2%}  top-5 {result['top5']:.2%}  "
          f"log-loss {result['log_loss']:.3f}")
    if "brier" in result:
        print(f"value: Brier {result['brier']:.4f} (0.25 = a coin), winner named "
              f"{result['winner_accuracy']:.1%} of {result['value_positions']} positions")
    for name, ph in result["phases"].items():
        value = f"  Brier {ph['brier']:.4f}  winner {ph['winner_accuracy']:.1%}" if "brier" in ph else ""
        print(f"  {name:14s} {ph['positions']:8d} positions  top-1 {ph['top1']:.2%}  top-5 {ph['top5']:.2%}"
              + value)
    print_skipped(result["skipped"])
    return 0
