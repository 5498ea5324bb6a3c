"""``gocnn mnist train|eval|predict|filters``: the conv core on MNIST."""

from __future__ import annotations

import sys

from gocnn.cli.common import _THREADS, config_from, report


# ---------------------------------------------------------------------- mnist (issue 3)
def add_parsers(sub) -> None:
    p = sub.add_parser("mnist", help="the conv core on MNIST (train, eval, predict, filters)")
    msub = p.add_subparsers(dest="mnist_command", metavar="{train,eval,predict,filters}", required=True)
    q = msub.add_parser("train", help="train a CNN on MNIST")
    q.add_argument("--arch", default="seed", choices=["seed", "improved", "small"],
                   help="seed: the classic Keras MNIST CNN; improved: batch norm, dropout, "
                        "one-cycle schedule, augmentation; small: a quick net")
    q.add_argument("--epochs", type=int, default=None, help="default: the arch's (seed 1, improved 5)")
    q.add_argument("--batch", type=int, default=None, help="default: the arch's (seed 64)")
    q.add_argument("--lr", type=float, default=None, help="default: the arch's (seed 1e-4)")
    q.add_argument("--data", default=None, metavar="DIR",
                   help="idx(.gz) files or mnist.npz (default: cache, else download)")
    q.add_argument("--out", default="mnist.safetensors", metavar="FILE")
    q.add_argument("--seed", type=int, default=0)
    q.add_argument("--threads", type=_THREADS, default=0, help="torch threads (0: torch's choice)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=cmd_train)
    q = msub.add_parser("eval", help="test accuracy of a saved model")
    q.add_argument("--model", required=True, metavar="FILE")
    q.add_argument("--data", default=None, metavar="DIR")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=cmd_eval)
    q = msub.add_parser("predict", help="classify a PNG image of a digit")
    q.add_argument("--model", required=True, metavar="FILE")
    q.add_argument("image", metavar="IMAGE.png")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=cmd_predict)
    q = msub.add_parser("filters", help="picture of the first layer's filters and feature maps")
    q.add_argument("--model", required=True, metavar="FILE")
    q.add_argument("--out", default="filters.png")
    q.add_argument("--data", default=None, metavar="DIR")
    q.set_defaults(handler=cmd_filters)


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def cmd_train(args) -> int:
    from gocnn.mnist import TrainConfig, train_model
    r = train_model(config_from(TrainConfig, args), log=_log)
    return report(args, r, f"test accuracy {100 * r['test_accuracy']:.2f}% after {r['epochs']} epoch(s), "
                           f"{r['train_seconds']:.1f} s of training; model saved to {args.out}")


def cmd_eval(args) -> int:
    from gocnn.mnist import evaluate_model
    r = evaluate_model(args.model, args.data)
    return report(args, r, f"{args.model} ({r['arch']}): test accuracy {100 * r['test_accuracy']:.2f}% on "
                           f"{r['examples']:,} images")


def cmd_predict(args) -> int:
    from gocnn.mnist import predict
    r = predict(args.model, args.image)
    probs = r["probabilities"]
    ranked = sorted(range(len(probs)), key=lambda d: -probs[d])[:3]
    return report(args, r, f"{r['digit']}  ({', '.join(f'{d}: {100 * probs[d]:.1f}%' for d in ranked)})")


def cmd_filters(args) -> int:
    from gocnn.mnist import draw_filters
    r = draw_filters(args.model, args.out, args.data)
    return report(args, r, f"wrote {r['out']} ({r['width']}x{r['height']}): {r['arch']} first-layer filters "
                           f"and feature maps of a test digit {r['label']}")
