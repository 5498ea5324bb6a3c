"""``gocnn mnist train|eval|predict|filters``: the conv core on MNIST."""

from __future__ import annotations

from gocnn.cli.common import _THREADS, _lazy


# ---------------------------------------------------------------------- mnist (issue 3)
def add_parsers(sub) -> None:
    p = sub.add_parser("mnist", help="the conv core on MNIST (train, eval, predict, filters)")
    p.set_defaults(handler=_lazy("gocnn.mnist:cmd_mnist"), mnist_parser=p)
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
    q = msub.add_parser("eval", help="test accuracy of a saved model")
    q.add_argument("--model", required=True, metavar="FILE")
    q.add_argument("--data", default=None, metavar="DIR")
    q.add_argument("--json", action="store_true")
    q = msub.add_parser("predict", help="classify a PNG image of a digit")
    q.add_argument("--model", required=True, metavar="FILE")
    q.add_argument("image", metavar="IMAGE.png")
    q.add_argument("--json", action="store_true")
    q = msub.add_parser("filters", help="picture of the first layer's filters and feature maps")
    q.add_argument("--model", required=True, metavar="FILE")
    q.add_argument("--out", default="filters.png")
    q.add_argument("--data", default=None, metavar="DIR")
